using System.Numerics;
using System.Text.Json.Serialization;

namespace TvRelu.Cli.Json;

// The JSON documents the CLI writes. Their field names and order are a stable interface:
// `solve` writes exactly the fields of issue 3 plus `timings`. Serialised in camelCase.

internal sealed record AtomJson(IReadOnlyList<double> Direction, double Amplitude);

internal sealed record MeasureJson(IReadOnlyList<AtomJson> Atoms, double TotalVariation)
{
    internal static MeasureJson Of(Measure m) =>
        new(m.Atoms.Select(a => new AtomJson(a.Direction, a.Amplitude)).ToArray(), m.TotalVariation);
}

internal sealed record SaturationJson(IReadOnlyList<double> Direction, int Sign, bool Interior)
{
    internal static IReadOnlyList<SaturationJson> Of(IEnumerable<SaturationPoint> points) =>
        points.Select(p => new SaturationJson(p.Direction, p.Sign, p.Interior)).ToArray();
}

internal sealed record RegionCountsJson(int Cells, int CellsWithActiveNeurons);

/// <summary>The sparsity bounds; <c>twiceActiveCells</c> is null when the regions were not enumerated (branch and bound), and
/// <c>saturationPoints</c> when Σ is not known (see <see cref="UniquenessJson"/>).</summary>
internal sealed record BoundsJson(int? SaturationPoints, int? TwiceActiveCells, int? Faces, int DataPoints);

/// <summary>Uniqueness (THEORY.md §5); <c>known</c> false (with null verdicts and a <c>reason</c>) when a branch-and-bound solve
/// could not decide it: not certified, or its search for Σ cut short by the budget.</summary>
internal sealed record UniquenessJson(
    bool? RankSufficient,
    bool? Unique,
    bool Known,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Reason)
{
    internal static UniquenessJson Of(UniquenessReport u) =>
        u.Known ? new(u.RankSufficient, u.Unique, true, null) : new(null, null, false, u.Reason);
}

/// <summary>Exact mode's verdict: J* ∈ [lower, upper], exact rationals "p/q" with decimals rounded outwards; absent without --exact.</summary>
internal sealed record ExactJson(string Verdict, string Lower, string Upper, string LowerDecimal, string UpperDecimal, IReadOnlyList<string> Failures)
{
    internal static ExactJson? Of(ExactCertification? e) =>
        e is null ? null : new(e.Verdict, e.Lower, e.Upper, e.LowerDecimal, e.UpperDecimal, e.Failures);
}

internal sealed record TimingsJson(double Enumeration, double Solve, double Certification);

internal sealed record SolveJson(
    string Convention,
    int N,
    int D,
    double Lambda,
    double? LambdaMax,
    double? LambdaRatio,
    double Objective,
    double DualObjective,
    double Gap,
    bool Certified,
    double CertificateSup,
    MeasureJson Measure,
    IReadOnlyList<SaturationJson> Saturation,
    RegionCountsJson? Regions,
    BoundsJson Bounds,
    UniquenessJson Uniqueness,
    double Seconds,
    TimingsJson Timings,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] ExactJson? Exact,
    string Method,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] SupremumBoundsJson? CertificateSupBounds)
{
    /// <summary>The document of a solution; λ_max (and so λ/λ_max) is null when the caller does not know it.</summary>
    internal static SolveJson Of(Solution s, double seconds, double? lambdaMax = null) => new(
        s.Convention,
        s.DataPoints,
        s.Dimension,
        s.Lambda,
        lambdaMax,
        Ratio(s.Lambda, lambdaMax),
        s.Objective,
        s.Certification.DualObjective,
        s.Gap,
        s.Certified,
        s.Certification.CertificateSup,
        MeasureJson.Of(s.Measure),
        SaturationJson.Of(s.Saturation),
        s.Certification.SupremumBounds is null ? new RegionCountsJson(s.Cells, s.CellsWithActiveNeurons) : null,
        new BoundsJson(s.SaturationKnown ? s.Bounds.SaturationPoints : null, s.Certification.SupremumBounds is null ? s.Bounds.TwiceActiveCells : null, s.Bounds.Faces, s.Bounds.DataPoints),
        UniquenessJson.Of(s.Uniqueness),
        seconds,
        new TimingsJson(s.Timings.Enumeration.TotalSeconds, s.Timings.Solve.TotalSeconds, s.Timings.Certification.TotalSeconds),
        ExactJson.Of(s.Exact),
        s.Certification.Method,
        SupremumBoundsJson.Of(s.Certification.SupremumBounds));

    /// <summary>λ/λ_max, or null when λ_max is unknown or 0.</summary>
    internal static double? Ratio(double lambda, double? lambdaMax) => lambdaMax is > 0 and var m ? lambda / m : null;
}

internal sealed record CertifyJson(
    string Convention,
    int N,
    int D,
    double Lambda,
    double LambdaMax,
    double? LambdaRatio,
    double Objective,
    double DualObjective,
    double Gap,
    double Tolerance,
    bool Certified,
    double CertificateSup,
    MeasureJson Measure,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] ExactJson? Exact,
    string Method,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] SupremumBoundsJson? CertificateSupBounds);

internal sealed record ExtremumJson(double Value, IReadOnlyList<double> Argument, int Cell)
{
    internal static ExtremumJson Of(Extremum e) => new(e.Value, e.Argument, e.Cell);
}

/// <summary>
/// The exact extremes of a given dual vector's certificate. <c>saturation</c> holds the points with |η| within
/// the saturation tolerance of 1 (the saturation set when q is feasible); <c>violations</c> the regions' extremes
/// with |η| above 1 + tolerance, which an infeasible q has instead (never called a saturation set).
/// </summary>
internal sealed record CertificateJson(
    string Convention,
    int N,
    int D,
    double Lambda,
    ExtremumJson Supremum,
    ExtremumJson Infimum,
    double SupremumAbs,
    bool Feasible,
    IReadOnlyList<SaturationJson> Saturation,
    bool SaturationComplete,
    IReadOnlyList<ViolationJson> Violations,
    string Method,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] SupremumBoundsJson? SupremumBounds,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] SupremumBoundsJson? InfimumBounds);

/// <summary>A region's extreme of η with |η| above 1: where an infeasible dual vector violates the constraint.</summary>
internal sealed record ViolationJson(IReadOnlyList<double> Direction, int Sign, double Value, bool Interior);

/// <summary>
/// `solve --weighted`: the label-noise problem's certified solution. The fields `solve` writes for a measure
/// (objective, dualObjective, gap, certified, certificateSup, measure) refer to the weighted problem.
/// </summary>
internal sealed record WeightedSolveJson(
    string Convention,
    string Problem,
    int N,
    int D,
    double Lambda,
    double LambdaMax,
    double? LambdaRatio,
    double Objective,
    double DualObjective,
    double Gap,
    double Tolerance,
    bool Certified,
    double CertificateSup,
    double WeightedTotalVariation,
    MeasureJson Measure,
    int Rounds,
    double Seconds)
{
    internal const string WeightedConvention =
        "J_ω(ν) = ½‖Kν − y‖² + λ ∫ ω d|ν| on S^d with inputs (x, 1), ω(θ) = (2/N)√(A(θ)B(θ)), A = Σ_i σ(⟨θ, x̃_i⟩)², B = Σ_{⟨θ, x̃_i⟩ > 0} ‖x̃_i‖² (THEORY.md §7)";

    internal static WeightedSolveJson Of(Commands.LambdaChoice choice, AuditedSolution s, double weightedTv, double seconds) => new(
        WeightedConvention,
        "weighted-tv",
        choice.Problem.DataPoints,
        choice.Problem.Dimension,
        choice.Lambda,
        choice.LambdaMax,
        choice.Ratio,
        s.Objective,
        s.Certification.DualObjective,
        s.Gap,
        s.Certification.Tolerance,
        s.Certified,
        s.Certification.CertificateSup,
        weightedTv,
        MeasureJson.Of(s.Measure),
        s.Rounds,
        seconds);
}

internal sealed record RegionsJson(
    string Method,
    int N,
    int D,
    int Hyperplanes,
    int Cells,
    int CellsWithActiveNeurons,
    BigInteger CoverCount,
    bool? GeneralPosition,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<int>? Faces,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? EulerCharacteristic,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? ExpectedEulerCharacteristic)
{
    internal static RegionsJson Of(RegionsReport r) => new(
        "enumeration", r.DataPoints, r.Dimension, r.Hyperplanes, r.Cells, r.CellsWithActiveNeurons, r.CoverCount, r.GeneralPosition,
        r.FVector, r.EulerCharacteristic, r.ExpectedEulerCharacteristic);
}

/// <summary>
/// `tvrelu lambda-max`: λ_max of P_λ ("tv") or of the weighted problem ("weighted-tv"). <c>exact</c> is false when a
/// branch-and-bound budget ran out: λ_max is then the best value found and lies in <c>lambdaMaxBounds</c> [lower, upper].
/// </summary>
internal sealed record LambdaMaxJson(
    string Convention,
    string Problem,
    int N,
    int D,
    double LambdaMax,
    bool Exact,
    string Method,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] SupremumBoundsJson? LambdaMaxBounds);
