namespace TvRelu;

/// <summary>
/// How the supremum of the certificate over the whole sphere is computed (THEORY.md §3, §9). Both methods are
/// exact when they finish; they differ in what they need.
/// </summary>
public enum CertificationMethod
{
    /// <summary>
    /// Region enumeration when its estimate fits <see cref="EnumerationLimits"/> and d ≤ <see cref="TvReluProblem.MaxDimension"/>,
    /// branch and bound otherwise.
    /// </summary>
    Auto,

    /// <summary>Enumerate every dual region (the cells of the data's arrangement) and maximise on each: refused beyond the limits.</summary>
    Enumeration,

    /// <summary>
    /// Branch and bound on the signs of the positive-residual neurons (THEORY.md §9): no enumeration, any d, exact when the
    /// search completes and an honest interval [lower, upper] under a time or node budget.
    /// </summary>
    BranchAndBound,

    /// <summary>
    /// The streaming pass (issue 13): every region visited, none stored (memory O(N·d)), the supremum exact. A solve is
    /// column generation priced by one pass per round, so the arrangement is never materialised; refused beyond the
    /// limits of one pass.
    /// </summary>
    Streaming,
}

/// <summary>The method of <see cref="TvReluProblem"/>'s certificates and its budget (see <see cref="TvReluProblem.WithMethod"/>).</summary>
public sealed record MethodOptions
{
    /// <summary>Auto, no budget.</summary>
    public static MethodOptions Default { get; } = new();

    /// <summary>The method; <see cref="CertificationMethod.Auto"/> chooses by the estimated cell count.</summary>
    public CertificationMethod Method { get; init; } = CertificationMethod.Auto;

    /// <summary>
    /// Wall-clock budget of branch and bound: of the whole solve, or of one certification; null for none. When it runs out the
    /// supremum is an interval and the result is certified only if the gap computed from its upper end meets the tolerance.
    /// </summary>
    public TimeSpan? TimeLimit { get; init; }

    /// <summary>The most nodes of each branch-and-bound search; null for the core's default (10⁷).</summary>
    public long? NodeLimit { get; init; }

    internal void Validate()
    {
        if (TimeLimit is { } t && !(t > TimeSpan.Zero))
        {
            throw new TvReluInputException($"the time limit must be positive (got {t})", nameof(TimeLimit));
        }
        if (NodeLimit is { } n && n < 1)
        {
            throw new TvReluInputException($"the node limit must be at least 1 (got {n})", nameof(NodeLimit));
        }
        if (Method == CertificationMethod.Streaming && NodeLimit is not null)
        {
            throw new TvReluInputException(
                "a node limit is a budget of branch and bound; the streaming pass has none (a time limit bounds the whole streaming solve)",
                nameof(Method));
        }
        if (Method == CertificationMethod.Enumeration && (TimeLimit is not null || NodeLimit is not null))
        {
            throw new TvReluInputException(
                "a time or node limit is a budget of branch and bound; the enumeration has none (use the method branch-and-bound or auto)",
                nameof(Method));
        }
    }
}

/// <summary>
/// The supremum of |η| as branch and bound left it: exact when <see cref="Exact"/>, else the honest interval reached within the
/// budget. The gap of a <see cref="CertificationReport"/> is computed from <see cref="Upper"/>, which bounds the true value.
/// </summary>
/// <param name="Lower">A value attained at a point (a lower bound).</param>
/// <param name="Upper">An upper bound on the supremum over the whole sphere.</param>
/// <param name="Exact">Whether the search completed (Upper − Lower within the search's tolerance).</param>
/// <param name="Nodes">Nodes evaluated.</param>
/// <param name="Status">Why the search stopped: complete, node limit, time limit or violator found.</param>
public sealed record SupremumBounds(double Lower, double Upper, bool Exact, long Nodes, string Status);

/// <summary>Which method certified the report (a partial: the rest is in Reports.cs).</summary>
public sealed partial record CertificationReport
{
    /// <summary>"enumeration", "branch-and-bound" or "streaming": the method that computed <see cref="CertificateSup"/>.</summary>
    public string Method { get; init; } = TvReluProblem.EnumerationName;

    /// <summary>
    /// Branch and bound's interval for sup|η| (null for the enumeration, which is always exact). Under a budget
    /// <see cref="CertificateSup"/> is its upper end, the value the gap was computed from.
    /// </summary>
    public SupremumBounds? SupremumBounds { get; init; }
}
