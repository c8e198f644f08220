using System.Numerics;
using Microsoft.FSharp.Core;
using CoreCertificate = TvRelu.Core.Certificates.StreamingCertificate;
using CoreCounts = TvRelu.Core.Certificates.StreamingCounts;
using CoreExtremum = TvRelu.Core.Certificates.StreamingExtremum;
using CoreOptions = TvRelu.Core.Certificates.StreamingOptions;
using CorePartial = TvRelu.Core.Certificates.StreamingPartial;
using CorePartialJson = TvRelu.Core.Certificates.StreamingPartialJson;
using CoreStreaming = TvRelu.Core.Certificates.StreamingSupremum;

namespace TvRelu;

/// <summary>
/// Settings of a streaming pass (issue 13): the exact supremum and cell count of THEORY.md §3 without
/// storing the arrangement, in memory O(N·d).
/// </summary>
public sealed record StreamingSettings
{
    /// <summary>Report the saturation set {|η| ≥ 1 − tolerance}; <c>null</c> for none.</summary>
    public double? SaturationTolerance { get; init; } = 1e-6;

    /// <summary>A saturation point closer than this to a hyperplane (unit normals) is on a boundary.</summary>
    public double BoundaryTolerance { get; init; } = 1e-9;

    /// <summary>Worker threads; 0 for one per core.</summary>
    public int Threads { get; init; }

    /// <summary>Also count the cells by deletion–restriction at rank 4, a second count beside Euler's (about a third more time).</summary>
    public bool CrossCheckCount { get; init; }

    /// <summary>Saturation at 1e-6, boundaries at 1e-9, one thread per core.</summary>
    public static StreamingSettings Default { get; } = new();

    internal CoreOptions ToCore()
    {
        if (SaturationTolerance is { } t && !(t >= 0.0 && t < 1.0))
        {
            throw new TvReluInputException($"the saturation tolerance must be in [0, 1) (got {Guard.Format(t)})", nameof(SaturationTolerance));
        }
        if (!(BoundaryTolerance >= 0.0) || double.IsInfinity(BoundaryTolerance))
        {
            throw new TvReluInputException($"the boundary tolerance must be a non-negative finite number (got {Guard.Format(BoundaryTolerance)})", nameof(BoundaryTolerance));
        }
        if (Threads < 0)
        {
            throw new TvReluInputException($"the thread count must be 0 (one per core) or positive (got {Threads})", nameof(Threads));
        }
        return new CoreOptions(
            SaturationTolerance is { } s ? FSharpOption<double>.Some(s) : FSharpOption<double>.None,
            BoundaryTolerance,
            FSharpOption<double>.None,
            0,
            Threads,
            CrossCheckCount);
    }
}

/// <summary>An extreme value of η over the whole sphere from a streaming pass.</summary>
/// <param name="Value">sup η ≥ 0, or inf η ≤ 0: exact.</param>
/// <param name="Argument">A unit vector θ = (w, b) where it is attained.</param>
/// <param name="AtCell">False when the value 0 is attained where every neuron is off, θ = (0, …, 0, −1).</param>
public sealed record StreamingExtremum(double Value, IReadOnlyList<double> Argument, bool AtCell);

/// <summary>A point of the saturation set from a streaming pass (the cells are named by their sign vectors' hashes).</summary>
/// <param name="Direction">The unit vector θ.</param>
/// <param name="Sign">+1 where η ≈ 1, −1 where η ≈ −1.</param>
/// <param name="Value">η(θ).</param>
/// <param name="Interior">Whether θ is strictly inside a region.</param>
/// <param name="Cells">The 128-bit hashes (hex) of the sign vectors of the closed regions whose maximiser it is.</param>
public sealed record StreamingSaturationPoint(IReadOnlyList<double> Direction, int Sign, double Value, bool Interior, IReadOnlyList<string> Cells);

/// <summary>Cell and face counts from a streaming pass (THEORY.md §3).</summary>
public sealed record StreamingRegionsReport
{
    /// <summary>The number of regions (cells) on the sphere.</summary>
    public required long Cells { get; init; }

    /// <summary>The number of distinct hyperplanes.</summary>
    public required int Hyperplanes { get; init; }

    /// <summary>The rank of the augmented inputs (d + 1 when they span).</summary>
    public required int Rank { get; init; }

    /// <summary>The f-vector [f_0, …, f_d] when the rank is at most 4.</summary>
    public IReadOnlyList<long>? FVector { get; init; }

    /// <summary>Σ_k (−1)^k f_k, when the f-vector is known.</summary>
    public long? EulerCharacteristic { get; init; }

    /// <summary>The value the Euler characteristic must take.</summary>
    public required int ExpectedEulerCharacteristic { get; init; }

    /// <summary>The cell count by deletion–restriction, an independent second count, when computed.</summary>
    public long? CellsByDeletionRestriction { get; init; }

    /// <summary>Cover's count for the distinct hyperplanes: the count in general position, an upper bound otherwise.</summary>
    public required BigInteger CoverCount { get; init; }

    /// <summary>False when two independent counts disagree (geometry not resolved in double precision).</summary>
    public bool Consistent => CellsByDeletionRestriction is not { } c || FVector is null || c == Cells;

    internal static StreamingRegionsReport Of(CoreCounts c, int dimension) => new()
    {
        Cells = c.Cells,
        Hyperplanes = c.Hyperplanes,
        Rank = c.Rank,
        FVector = c.FVector is null ? null : ReadOnly.Copy(c.FVector.Value),
        EulerCharacteristic = c.EulerCharacteristic is null ? null : c.EulerCharacteristic.Value,
        ExpectedEulerCharacteristic = c.ExpectedEulerCharacteristic,
        CellsByDeletionRestriction = c.CellsByDeletionRestriction is null ? null : c.CellsByDeletionRestriction.Value,
        CoverCount = TvRelu.Core.Arrangements.ArrangementModule.coverCount(c.Hyperplanes, dimension),
    };
}

/// <summary>The exact extremes, saturation set and counts of a certificate from a streaming pass (THEORY.md §2–§3).</summary>
public sealed record StreamingCertificateReport
{
    /// <summary>sup η ≥ 0 over the whole sphere, exact.</summary>
    public required StreamingExtremum Supremum { get; init; }

    /// <summary>inf η ≤ 0 over the whole sphere, exact.</summary>
    public required StreamingExtremum Infimum { get; init; }

    /// <summary>sup |η| = max(sup η, −inf η).</summary>
    public required double SupremumAbs { get; init; }

    /// <summary>Whether |η| ≤ 1 on the whole sphere (q is dual feasible).</summary>
    public bool IsFeasible => SupremumAbs <= 1.0;

    /// <summary>The saturation set {|η| ≥ 1 − tolerance}, most saturated first (empty when not requested or not complete).</summary>
    public required IReadOnlyList<StreamingSaturationPoint> Saturation { get; init; }

    /// <summary>False when η is so far above 1 that the saturation set was not listed.</summary>
    public required bool SaturationComplete { get; init; }

    /// <summary>The cell and face counts of the pass.</summary>
    public required StreamingRegionsReport Regions { get; init; }

    /// <summary>False when two independent cell counts disagree: the supremum is then not to be certified.</summary>
    public required bool Consistent { get; init; }

    private static StreamingExtremum Extremum(CoreExtremum e, int sign) =>
        new(sign * e.Value, ReadOnly.Copy(e.Argument), e.Cell is not null);

    internal static StreamingCertificateReport Of(CoreCertificate c, int dimension) => new()
    {
        Supremum = Extremum(c.Supremum, 1),
        Infimum = Extremum(c.Infimum, -1),
        SupremumAbs = c.SupremumAbs,
        Saturation = ReadOnly.Map(c.Saturation, p => new StreamingSaturationPoint(
            ReadOnly.Copy(p.Direction), p.Sign, p.Value, p.Interior, ReadOnly.Map(p.Cells, w => w.Key))),
        SaturationComplete = c.SaturationComplete,
        Regions = StreamingRegionsReport.Of(c.Counts, dimension),
        Consistent = c.Consistent,
    };
}

/// <summary>
/// What one shard of a streaming pass found (its JSON file): the partials of every shard i/k,
/// i = 0 … k − 1, merge into the exact answer, without the data. Partials of different problems,
/// repeated or missing shards are refused.
/// </summary>
public sealed class StreamingPartial
{
    private StreamingPartial(CorePartial core) => Core = core;

    internal CorePartial Core { get; }

    internal static StreamingPartial Of(CorePartial core) => new(core);

    /// <summary>"certificate" or "regions".</summary>
    public string Kind => Core.Kind;

    /// <summary>SHA-256 of the inputs (and of q, λ and the settings for a certificate).</summary>
    public string Fingerprint => Core.Fingerprint;

    /// <summary>The work items of the whole pass.</summary>
    public int WorkItems => Core.ItemCount;

    /// <summary>The work items this partial covers.</summary>
    public int WorkItemsCovered => Core.Items.Length;

    /// <summary>The partial as JSON text (numbers round-trip exactly).</summary>
    /// <returns>The JSON.</returns>
    public string ToJson() => CorePartialJson.write(Core);

    /// <summary>Reads a partial from its JSON text.</summary>
    /// <param name="json">The text.</param>
    /// <param name="source">What to call it in an error message (a file name).</param>
    /// <returns>The partial.</returns>
    /// <exception cref="TvReluInputException">The text is not a partial.</exception>
    public static StreamingPartial Parse(string json, string source)
    {
        var result = CorePartialJson.parse(json ?? "");
        if (result.IsError)
        {
            throw new TvReluInputException($"{source}: {result.ErrorValue}", nameof(json));
        }
        return new StreamingPartial(result.ResultValue);
    }

    /// <summary>The exact certificate from the partials of every shard of one certificate pass.</summary>
    /// <param name="parts">One partial per shard, in any order.</param>
    /// <param name="dimension">d, the input dimension (for Cover's count).</param>
    /// <returns>The merged answer, equal to a single run's.</returns>
    /// <exception cref="TvReluInputException">A shard is missing or repeated, or the partials are of different problems.</exception>
    public static StreamingCertificateReport MergeCertificate(IEnumerable<StreamingPartial> parts, int dimension)
    {
        var result = CoreStreaming.merge(Cores(parts));
        if (result.IsError)
        {
            throw new TvReluInputException(result.ErrorValue, nameof(parts));
        }
        return StreamingCertificateReport.Of(result.ResultValue, dimension);
    }

    /// <summary>The counts from the partials of every shard of one regions pass.</summary>
    /// <param name="parts">One partial per shard, in any order.</param>
    /// <param name="dimension">d, the input dimension (for Cover's count).</param>
    /// <returns>The merged counts, equal to a single run's.</returns>
    /// <exception cref="TvReluInputException">A shard is missing or repeated, or the partials are of different problems.</exception>
    public static StreamingRegionsReport MergeRegions(IEnumerable<StreamingPartial> parts, int dimension)
    {
        var result = CoreStreaming.mergeRegions(Cores(parts));
        if (result.IsError)
        {
            throw new TvReluInputException(result.ErrorValue, nameof(parts));
        }
        return StreamingRegionsReport.Of(result.ResultValue, dimension);
    }

    /// <summary>The input dimension d of the problem a partial belongs to.</summary>
    public int Dimension => Core.Ambient - 1;

    /// <summary>N, the number of data points of the problem.</summary>
    public int DataPoints => Core.Rows;

    /// <summary>λ of a certificate pass (0 for a count).</summary>
    public double Lambda => Core.Lambda;

    private static CorePartial[] Cores(IEnumerable<StreamingPartial> parts) =>
        (parts ?? throw new TvReluInputException("no partial to merge", nameof(parts))).Select(p => p.Core).ToArray();
}
