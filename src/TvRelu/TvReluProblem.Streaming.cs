using CoreStreaming = TvRelu.Core.Certificates.StreamingSupremum;

namespace TvRelu;

// The streaming methods of issue 13: the exact supremum and the cell count without storing the
// arrangement (memory O(N·d)), on the threads of this machine or sharded across machines. They do
// not touch the problem's stored regions; each refuses, before any work, a pass (or shard) whose
// estimate (<see cref="Estimate"/> with <see cref="EnumerationMethod.Streaming"/>) exceeds the limits.
public sealed partial class TvReluProblem
{
    /// <summary>
    /// λ_max = sup_θ |⟨y, φ(θ)⟩| by a streaming pass: the supremum of |η| for q = y at λ = 1 (THEORY.md §2), exact,
    /// without storing the regions (<see cref="LambdaMax"/> stores them).
    /// </summary>
    /// <param name="settings">Streaming settings; <c>null</c> for <see cref="StreamingSettings.Default"/>.</param>
    /// <returns>λ_max.</returns>
    /// <exception cref="TvReluLimitException">The pass's estimate exceeds <see cref="Limits"/>.</exception>
    public double LambdaMaxStreaming(StreamingSettings? settings = null) =>
        CertificateStreaming(_data.Labels, 1.0, (settings ?? StreamingSettings.Default) with { SaturationTolerance = null }).SupremumAbs;

    /// <summary>
    /// The exact supremum and infimum of the certificate of q over the whole sphere, its saturation set
    /// and the region counts, by a streaming pass (THEORY.md §3): no region is stored.
    /// </summary>
    /// <param name="dual">q, one entry per data point.</param>
    /// <param name="lambda">λ &gt; 0.</param>
    /// <param name="settings">Streaming settings; <c>null</c> for <see cref="StreamingSettings.Default"/>.</param>
    /// <returns>The report.</returns>
    /// <exception cref="TvReluInputException">λ ≤ 0, q of the wrong length or not finite, or bad settings.</exception>
    /// <exception cref="TvReluLimitException">The pass's estimate exceeds <see cref="Limits"/>.</exception>
    public StreamingCertificateReport CertificateStreaming(IReadOnlyList<double> dual, double lambda, StreamingSettings? settings = null)
    {
        var (q, options) = StreamingInputs(dual, lambda, settings, 1);
        return StreamingCertificateReport.Of(CoreStreaming.certify(options, _data, lambda, q), Dimension);
    }

    /// <summary>
    /// Shard <paramref name="shardIndex"/> of <paramref name="shardCount"/> (0-based) of the streaming pass of
    /// <see cref="CertificateStreaming"/>: the partial to write, for <see cref="StreamingPartial.MergeCertificate"/>.
    /// </summary>
    /// <param name="dual">q, one entry per data point.</param>
    /// <param name="lambda">λ &gt; 0.</param>
    /// <param name="shardIndex">i, 0 ≤ i &lt; k.</param>
    /// <param name="shardCount">k ≥ 1.</param>
    /// <param name="settings">Streaming settings; <c>null</c> for <see cref="StreamingSettings.Default"/>.</param>
    /// <returns>The partial.</returns>
    /// <exception cref="TvReluInputException">A bad shard, λ, q or settings.</exception>
    /// <exception cref="TvReluLimitException">The shard's estimate exceeds <see cref="Limits"/>.</exception>
    public StreamingPartial CertificatePartial(IReadOnlyList<double> dual, double lambda, int shardIndex, int shardCount, StreamingSettings? settings = null)
    {
        Shard(shardIndex, shardCount);
        var (q, options) = StreamingInputs(dual, lambda, settings, shardCount);
        return StreamingPartial.Of(CoreStreaming.partial(options, _data, lambda, q, shardIndex, shardCount));
    }

    /// <summary>The region count and, up to rank 4, the f-vector, by a streaming pass (no region stored).</summary>
    /// <param name="settings">Streaming settings; <c>null</c> for <see cref="StreamingSettings.Default"/>.</param>
    /// <returns>The counts.</returns>
    /// <exception cref="TvReluInputException">Bad settings.</exception>
    /// <exception cref="TvReluLimitException">The pass's estimate exceeds <see cref="Limits"/>.</exception>
    public StreamingRegionsReport RegionsStreaming(StreamingSettings? settings = null) =>
        StreamingRegionsReport.Of(CoreStreaming.countCells(CountOptions(settings, 1), _data), Dimension);

    /// <summary>Shard <paramref name="shardIndex"/> of <paramref name="shardCount"/> of the streaming count, for <see cref="StreamingPartial.MergeRegions"/>.</summary>
    /// <param name="shardIndex">i, 0 ≤ i &lt; k.</param>
    /// <param name="shardCount">k ≥ 1.</param>
    /// <param name="settings">Streaming settings; <c>null</c> for <see cref="StreamingSettings.Default"/>.</param>
    /// <returns>The partial.</returns>
    /// <exception cref="TvReluInputException">A bad shard or settings.</exception>
    /// <exception cref="TvReluLimitException">The shard's estimate exceeds <see cref="Limits"/>.</exception>
    public StreamingPartial RegionsPartial(int shardIndex, int shardCount, StreamingSettings? settings = null)
    {
        Shard(shardIndex, shardCount);
        return StreamingPartial.Of(CoreStreaming.regionsPartial(CountOptions(settings, shardCount), _data, shardIndex, shardCount));
    }

    /// <summary>Validated inputs of a certificate pass, refused first if its estimate exceeds the limits.</summary>
    private (double[] Dual, TvRelu.Core.Certificates.StreamingOptions Options) StreamingInputs(IReadOnlyList<double> dual, double lambda, StreamingSettings? settings, int shards)
    {
        Guard.Lambda(lambda);
        var q = Guard.PerDataPoint(dual, DataPoints, "dual vector", nameof(dual));
        // The same range rules as the stored path's CertificateOf (README, "Where doubles can decide"): an η whose scale
        // leaves the doubles, or subnormal inputs, are refused before the pass, never reported as a supremum.
        Guard.InRange(() => TvRelu.Core.Certificates.DoubleRange.requireDual(_data, q, lambda), nameof(dual));
        var options = (settings ?? StreamingSettings.Default).ToCore();
        EnsureTractable(EnumerationMethod.Streaming, true, options.MaxDegreeOfParallelism, shards);
        return (q, options);
    }

    /// <summary>Validated options of a counting pass, refused first if its estimate exceeds the limits.</summary>
    private TvRelu.Core.Certificates.StreamingOptions CountOptions(StreamingSettings? settings, int shards)
    {
        var options = (settings ?? StreamingSettings.Default).ToCore();
        EnsureTractable(EnumerationMethod.Streaming, false, options.MaxDegreeOfParallelism, shards);
        return options;
    }

    private static void Shard(int index, int count)
    {
        if (count < 1 || index < 0 || index >= count)
        {
            throw new TvReluInputException($"shard {index}/{count}: need 0 <= i < k and k >= 1 (shards are numbered from 0)", "shard");
        }
    }
}
