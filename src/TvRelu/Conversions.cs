using Microsoft.FSharp.Core;
using CoreAssessment = TvRelu.Core.Certificates.Assessment;
using CoreExactReport = TvRelu.Core.Exact.ExactReport;
using CoreExtremum = TvRelu.Core.Certificates.Extremum;
using CoreSaturationPoint = TvRelu.Core.Certificates.SaturationPoint;
using CoreSolution = TvRelu.Core.Solver.Solution;

namespace TvRelu;

/// <summary>Maps the core's F# values to the façade's C# records (copying every array).</summary>
internal static class Conversions
{
    internal static FSharpOption<double> ToOption(double? value) =>
        value is { } v ? FSharpOption<double>.Some(v) : FSharpOption<double>.None;

    internal static SaturationPoint ToFacade(this CoreSaturationPoint p) =>
        new(ReadOnly.Copy(p.Direction), p.Sign, p.Value, p.Interior, ReadOnly.Copy(p.Cells));

    internal static IReadOnlyList<SaturationPoint> ToFacade(this IEnumerable<CoreSaturationPoint> points) =>
        ReadOnly.Map(points, ToFacade);

    /// <summary>The core keeps the infimum as −inf η ≥ 0; <paramref name="sign"/> −1 turns it back into inf η.</summary>
    internal static Extremum ToFacade(this CoreExtremum e, int sign) =>
        new(sign * e.Value, ReadOnly.Copy(e.Argument), e.Cell);

    internal static CertificationReport ToFacade(this CoreAssessment a, double lambda, Measure measure) => new()
    {
        Lambda = lambda,
        Objective = a.Objective,
        DualObjective = a.DualObjective,
        Gap = a.Gap,
        CertificateSup = a.CertificateSup,
        Tolerance = a.Tolerance,
        Certified = a.Certified,
        TotalVariation = measure.TotalVariation,
        Residual = ReadOnly.Copy(a.Residual),
        NotDecided = a.OutOfRange is null ? null : a.OutOfRange.Value,
    };

    internal static Solution ToFacade(this CoreSolution s, int dataPoints, int dimension)
    {
        var measure = new Measure(s.Measure);
        return new Solution
        {
            Convention = TvReluProblem.Convention,
            DataPoints = dataPoints,
            Dimension = dimension,
            Lambda = s.Lambda,
            Measure = measure,
            Certification = s.Assessment.ToFacade(s.Lambda, measure),
            Saturation = s.Saturation.ToFacade(),
            Cells = s.Cells,
            CellsWithActiveNeurons = s.CellsWithActiveNeurons,
            Bounds = new Bounds(
                s.Bounds.SaturationPoints,
                s.Bounds.TwiceActiveCells,
                s.Bounds.Faces is null ? null : s.Bounds.Faces.Value,
                s.Bounds.DataPoints),
            // The enumeration's Σ and uniqueness are those of the returned residual; without a certificate that residual
            // need not be the optimal one, so they are reported unknown as branch and bound's are (issue 14).
            Uniqueness = s.Assessment.Certified
                ? new UniquenessReport(s.Uniqueness.RankSufficient, s.Uniqueness.Unique, s.Uniqueness.Rank, s.Uniqueness.SaturationPoints)
                : UniquenessReport.NotCertified,
            Rounds = s.Rounds,
            Timings = new Timings(s.Timings.Enumeration, s.Timings.Solve, s.Timings.Certification),
        };
    }

    /// <summary>The exact report as façade records (its decimals carry the digits of the core's options).</summary>
    internal static ExactCertification ToFacade(this CoreExactReport r) => new()
    {
        Verdict = r.Verdict.Name,
        Lower = r.LowerText,
        Upper = r.UpperText,
        LowerDecimal = r.LowerDecimal,
        UpperDecimal = r.UpperDecimal,
        GapBound = r.GapBoundText,
        GapBoundDecimal = r.GapBoundDecimal,
        Failures = ReadOnly.Map(r.Failures, f => f),
        Rank = r.Rank is null ? null : r.Rank.Value.Item1,
        RankPoints = r.Rank is null ? null : r.Rank.Value.Item2,
        Bits = new ExactBitLengths(r.Bits.Data, r.Bits.Dual, r.Bits.Pieces, r.Bits.Projections, r.Bits.Bounds),
        Seconds = r.Seconds,
    };
}
