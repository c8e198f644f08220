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

internal sealed record BoundsJson(int SaturationPoints, int TwiceActiveCells, int? Faces, int DataPoints);

internal sealed record UniquenessJson(bool RankSufficient, bool Unique);

internal sealed record TimingsJson(double Enumeration, double Solve, double Certification);

internal sealed record SolveJson(
    string Convention,
    int N,
    int D,
    double Lambda,
    double Objective,
    double DualObjective,
    double Gap,
    bool Certified,
    double CertificateSup,
    MeasureJson Measure,
    IReadOnlyList<SaturationJson> Saturation,
    RegionCountsJson Regions,
    BoundsJson Bounds,
    UniquenessJson Uniqueness,
    double Seconds,
    TimingsJson Timings)
{
    internal static SolveJson Of(Solution s, double seconds) => new(
        s.Convention,
        s.DataPoints,
        s.Dimension,
        s.Lambda,
        s.Objective,
        s.Certification.DualObjective,
        s.Gap,
        s.Certified,
        s.Certification.CertificateSup,
        MeasureJson.Of(s.Measure),
        SaturationJson.Of(s.Saturation),
        new RegionCountsJson(s.Cells, s.CellsWithActiveNeurons),
        new BoundsJson(s.Bounds.SaturationPoints, s.Bounds.TwiceActiveCells, s.Bounds.Faces, s.Bounds.DataPoints),
        new UniquenessJson(s.Uniqueness.RankSufficient, s.Uniqueness.Unique),
        seconds,
        new TimingsJson(s.Timings.Enumeration.TotalSeconds, s.Timings.Solve.TotalSeconds, s.Timings.Certification.TotalSeconds));
}

internal sealed record CertifyJson(
    string Convention,
    int N,
    int D,
    double Lambda,
    double Objective,
    double DualObjective,
    double Gap,
    double Tolerance,
    bool Certified,
    double CertificateSup,
    MeasureJson Measure);

internal sealed record ExtremumJson(double Value, IReadOnlyList<double> Argument, int Cell)
{
    internal static ExtremumJson Of(Extremum e) => new(e.Value, e.Argument, e.Cell);
}

internal sealed record CertificateJson(
    string Convention,
    int N,
    int D,
    double Lambda,
    ExtremumJson Supremum,
    ExtremumJson Infimum,
    double SupremumAbs,
    bool Feasible,
    IReadOnlyList<SaturationJson> Saturation);

internal sealed record RegionsJson(
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
        r.DataPoints, r.Dimension, r.Hyperplanes, r.Cells, r.CellsWithActiveNeurons, r.CoverCount, r.GeneralPosition,
        r.FVector, r.EulerCharacteristic, r.ExpectedEulerCharacteristic);
}
