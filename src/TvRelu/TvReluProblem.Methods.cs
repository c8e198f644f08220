using CoreBranchAndBound = TvRelu.Core.Certificates.BranchAndBound;
using CoreBranchAndBoundOptions = TvRelu.Core.Certificates.BranchAndBoundOptions;
using CoreGap = TvRelu.Core.Certificates.Gap;
using CoreMeasureOps = TvRelu.Core.Data.MeasureModule;
using CoreSignVectorColumns = TvRelu.Core.Solver.SignVectorColumns;
using CoreSignVectorColumnsOptions = TvRelu.Core.Solver.SignVectorColumnsOptions;
using CoreSignVectorColumnsSolution = TvRelu.Core.Solver.SignVectorColumnsSolution;
using CoreSolve = TvRelu.Core.Solver.Solve;

namespace TvRelu;

// The choice of method (issue 14): the region enumeration where its estimate fits the limits, branch and bound
// (THEORY.md §9) elsewhere, so that high d is certified instead of refused.
public sealed partial class TvReluProblem
{
    /// <summary>The JSON name of the enumeration method.</summary>
    internal const string EnumerationName = "enumeration";

    /// <summary>The JSON name of branch and bound.</summary>
    internal const string BranchAndBoundName = "branch-and-bound";

    /// <summary>
    /// Above this many data points <see cref="CertificationMethod.Auto"/> does not fall back to branch and bound: each node
    /// solves a least-squares problem over up to N columns, so a search on more points is no alternative to the enumeration's
    /// refusal (ask for it explicitly to try).
    /// </summary>
    public const int MaxBranchAndBoundPoints = 10_000;

    /// <summary>The method and budget of this problem's solves and certificates (see <see cref="WithMethod"/>).</summary>
    public MethodOptions Method { get; private init; } = MethodOptions.Default;

    /// <summary>
    /// The method that runs: the one asked for, or for <see cref="CertificationMethod.Auto"/> the enumeration when
    /// d ≤ <see cref="MaxDimension"/> and its estimate fits <see cref="Limits"/>, else branch and bound (up to
    /// <see cref="MaxBranchAndBoundPoints"/> points; beyond, the enumeration, which refuses with its estimate).
    /// </summary>
    public CertificationMethod ChosenMethod => Method.Method switch
    {
        CertificationMethod.Auto when Dimension <= MaxDimension && EnumerationEstimates[0].Exceeds(Limits) is null => CertificationMethod.Enumeration,
        CertificationMethod.Auto when StreamsWhenStoredDoesNotFit => CertificationMethod.Streaming,
        CertificationMethod.Auto => DataPoints > MaxBranchAndBoundPoints
            ? CertificationMethod.Enumeration
            : CertificationMethod.BranchAndBound,
        var chosen => chosen,
    };

    /// <summary>The JSON name of <see cref="ChosenMethod"/>: "enumeration", "branch-and-bound" or "streaming".</summary>
    public string ChosenMethodName => ChosenMethod switch
    {
        CertificationMethod.BranchAndBound => BranchAndBoundName,
        CertificationMethod.Streaming => StreamingName,
        _ => EnumerationName,
    };

    private bool UsesBranchAndBound => ChosenMethod == CertificationMethod.BranchAndBound;

    /// <summary>The same problem (same data and limits, shared regions) with another method or budget.</summary>
    /// <param name="method">The method; <c>null</c> for <see cref="MethodOptions.Default"/>.</param>
    /// <returns>The problem.</returns>
    /// <exception cref="TvReluInputException">A non-positive budget, or a budget with the enumeration.</exception>
    public TvReluProblem WithMethod(MethodOptions? method)
    {
        method ??= MethodOptions.Default;
        method.Validate();
        return new TvReluProblem(_data, Limits, _arrangement.IsValueCreated ? _arrangement : null) { Method = method };
    }

    private SupremumBounds? _lambdaMaxBounds;

    /// <summary>
    /// Branch and bound's interval for λ_max (null when the enumeration computed it, which is always exact). Under a
    /// budget it can be inexact: <see cref="LambdaMax"/> is then the best value the search found (a value of λ_max's
    /// certificate at some neuron, so a lower bound), and λ_max itself lies in [<see cref="SupremumBounds.Lower"/>, <see cref="SupremumBounds.Upper"/>].
    /// </summary>
    /// <exception cref="TvReluInputException">As <see cref="LambdaMax"/>.</exception>
    public SupremumBounds? LambdaMaxBounds
    {
        get
        {
            _ = LambdaMax;
            return _lambdaMaxBounds;
        }
    }

    /// <summary>Whether <see cref="LambdaMax"/> is exact: always for the enumeration, for branch and bound when its search
    /// completed within the budget.</summary>
    public bool LambdaMaxExact => LambdaMaxBounds?.Exact ?? true;

    /// <summary>λ_max by the chosen method; by branch and bound under a budget, the best value reached, with its interval
    /// kept for <see cref="LambdaMaxBounds"/>.</summary>
    private double ComputeLambdaMax()
    {
        if (ChosenMethod == CertificationMethod.Streaming)
        {
            return LambdaMaxStreaming();
        }
        if (!UsesBranchAndBound)
        {
            return CoreSolve.lambdaMax(_arrangement.Value, _data);
        }
        var b = CoreSignVectorColumns.lambdaMax(_data, SearchOptions());
        _lambdaMaxBounds = new SupremumBounds(b.Lower, b.Upper, b.Exact, b.Nodes, b.Status);
        return b.Value;
    }

    private CoreBranchAndBoundOptions SearchOptions()
    {
        var options = CoreBranchAndBoundOptions.Default;
        if (Method.NodeLimit is { } nodes)
        {
            options = options.WithNodeLimit(nodes);
        }
        return Method.TimeLimit is { } time ? options.WithTimeLimit(time) : options;
    }

    /// <summary>Exact mode and the face count walk the stored regions, which neither branch and bound nor the streaming
    /// pass keeps: refused, naming the method that certifies this problem.</summary>
    private void RefuseEnumerationOnly(bool exact, bool faces)
    {
        if (exact || faces)
        {
            var by = ChosenMethod == CertificationMethod.Streaming ? "the streaming pass, which stores none" : "branch and bound";
            throw new TvReluInputException(
                $"{(exact ? "exact mode" : "the face count")} needs the stored region enumeration, and this problem (d = {Dimension}, N = {DataPoints}) is certified by {by}",
                exact ? "exact" : "faces");
        }
    }

    /// <summary>
    /// The sign-vector column generation's settings from <paramref name="options"/> and the problem's budget: the same
    /// settings mean the same under every method (rounds and columns of column generation, the distance below which a
    /// point of Σ is on a boundary, the gap tolerance, the time and node limits).
    /// </summary>
    private CoreSignVectorColumnsOptions SignVectorOptions(SolveOptions options)
    {
        var core = CoreSignVectorColumnsOptions.Default.WithSaturationTolerance(options.SaturationTolerance)
            .WithMaxRounds(options.MaxRounds)
            .WithColumnsPerRound(options.ColumnsPerRound)
            .WithBoundaryTolerance(options.BoundaryTolerance);
        if (options.Tolerance is { } tolerance)
        {
            core = core.WithTolerance(tolerance);
        }
        if (Method.TimeLimit is { } time)
        {
            core = core.WithTimeLimit(time);
        }
        if (Method.NodeLimit is { } nodes)
        {
            core = core.WithNodeLimit(nodes);
        }
        return core;
    }

    /// <summary>Column generation over sign vectors, certified by branch and bound (THEORY.md §4, §9).</summary>
    private Solution SolveByBranchAndBound(double lambda, SolveOptions options)
    {
        options.ToCore();
        RefuseEnumerationOnly(options.Exact, options.CountFaces);
        return ToFacade(CoreSignVectorColumns.solve(_data, lambda, SignVectorOptions(options)));
    }

    private Solution ToFacade(CoreSignVectorColumnsSolution s)
    {
        // Priced by the streaming pass (issue 13): its supremum is exact, so there is no branch-and-bound interval.
        var streamed = s.Method.EndsWith(StreamingName, StringComparison.Ordinal);
        var measure = new Measure(s.Measure);
        var saturation = s.Saturation.ToFacade();
        var status = s.SupremumExact ? "complete" : "interval";
        var uniqueness = s.Uniqueness?.Value is { } u && s.SaturationKnown
            ? new UniquenessReport(u.RankSufficient, u.Unique, u.Rank, u.SaturationPoints)
            : s.Assessment.Certified
                ? UniquenessReport.Unknown("the branch-and-bound search for the saturation set Σ did not complete within its budget, so Σ and uniqueness are not known")
                : UniquenessReport.NotCertified;
        return new Solution
        {
            Convention = Convention,
            DataPoints = DataPoints,
            Dimension = Dimension,
            Lambda = s.Lambda,
            Measure = measure,
            Certification = s.Assessment.ToFacade(s.Lambda, measure) with
            {
                Method = streamed ? StreamingName : BranchAndBoundName,
                SupremumBounds = streamed ? null : new SupremumBounds(s.SupremumLower, s.SupremumUpper, s.SupremumExact, s.Nodes, status),
            },
            Saturation = saturation,
            Cells = 0,
            CellsWithActiveNeurons = 0,
            Bounds = new Bounds(saturation.Count, 0, null, DataPoints),
            Uniqueness = uniqueness,
            Rounds = s.Rounds,
            Timings = new Timings(TimeSpan.Zero, s.Solve, s.Certification),
        };
    }

    /// <summary>
    /// The gap of μ with sup|η| bounded by branch and bound (floor 1: q / max(1, U) is dual feasible whatever U ≥ sup|η| is,
    /// so the search need not resolve the supremum below 1, THEORY.md §2).
    /// </summary>
    private CertificationReport CertifyByBranchAndBound(Measure measure, double lambda, double? tolerance, bool exact)
    {
        RefuseEnumerationOnly(exact, false);
        var q = CoreMeasureOps.residual(_data, measure.Core);
        var b = CoreBranchAndBound.supremumAbs(_data, lambda, q, SearchOptions().WithFloor(1.0));
        var a = CoreGap.ofResidual(_data.Labels, q, lambda, CoreMeasureOps.totalVariation(measure.Core), Math.Max(b.Upper, 0.0), Conversions.ToOption(tolerance));
        return a.ToFacade(lambda, measure) with
        {
            Method = BranchAndBoundName,
            SupremumBounds = new SupremumBounds(b.Lower, b.Upper, b.Exact, b.Nodes, b.Status),
        };
    }
}
