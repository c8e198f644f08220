using Microsoft.FSharp.Core;
using CoreAssessment = TvRelu.Core.Assessment;
using CoreExtremum = TvRelu.Core.Extremum;
using CoreSaturationPoint = TvRelu.Core.SaturationPoint;
using CoreSolution = TvRelu.Core.Solution;

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
            Uniqueness = new UniquenessReport(s.Uniqueness.RankSufficient, s.Uniqueness.Unique, s.Uniqueness.Rank, s.Uniqueness.SaturationPoints),
            Rounds = s.Rounds,
            Timings = new Timings(s.Timings.Enumeration, s.Timings.Solve, s.Timings.Certification),
        };
    }
}
