using CoreCost = TvRelu.Core.Certificates.StreamingCost;
using CoreStreaming = TvRelu.Core.Certificates.StreamingSupremum;

namespace TvRelu;

// The streaming methods of issue 13: the exact supremum and the cell count without storing the
// arrangement (memory O(N·d)), on the threads of this machine or sharded across machines. They do
// not touch the problem's stored regions, and are not bound by its enumeration limit.
public sealed partial class TvReluProblem
{
    /// <summary>The predicted cost of a streaming pass on this problem, before it starts.</summary>
    /// <param name="certificate">A certificate (true) or a count alone (false).</param>
    /// <param name="threads">The worker threads; 0 for one per core.</param>
    /// <returns>Cover's bound on the regions, the memory and the time.</returns>
    public StreamingEstimate StreamingCost(bool certificate = true, int threads = 0) =>
        StreamingEstimate.Of(CoreCost.estimate(DataPoints, Dimension, certificate, threads > 0 ? threads : Environment.ProcessorCount));

    /// <summary>
    /// The exact supremum and infimum of the certificate of q over the whole sphere, its saturation set
    /// and the region counts, by a streaming pass (THEORY.md §3): no region is stored.
    /// </summary>
    /// <param name="dual">q, one entry per data point.</param>
    /// <param name="lambda">λ &gt; 0.</param>
    /// <param name="settings">Streaming settings; <c>null</c> for <see cref="StreamingSettings.Default"/>.</param>
    /// <returns>The report.</returns>
    /// <exception cref="TvReluInputException">λ ≤ 0, q of the wrong length or not finite, or bad settings.</exception>
    public StreamingCertificateReport CertificateStreaming(IReadOnlyList<double> dual, double lambda, StreamingSettings? settings = null)
    {
        var (q, options) = StreamingInputs(dual, lambda, settings);
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
    public StreamingPartial CertificatePartial(IReadOnlyList<double> dual, double lambda, int shardIndex, int shardCount, StreamingSettings? settings = null)
    {
        Shard(shardIndex, shardCount);
        var (q, options) = StreamingInputs(dual, lambda, settings);
        return StreamingPartial.Of(CoreStreaming.partial(options, _data, lambda, q, shardIndex, shardCount));
    }

    /// <summary>The region count and, up to rank 4, the f-vector, by a streaming pass (no region stored).</summary>
    /// <param name="settings">Streaming settings; <c>null</c> for <see cref="StreamingSettings.Default"/>.</param>
    /// <returns>The counts.</returns>
    /// <exception cref="TvReluInputException">Bad settings.</exception>
    public StreamingRegionsReport RegionsStreaming(StreamingSettings? settings = null) =>
        StreamingRegionsReport.Of(CoreStreaming.countCells((settings ?? StreamingSettings.Default).ToCore(), _data), Dimension);

    /// <summary>Shard <paramref name="shardIndex"/> of <paramref name="shardCount"/> of the streaming count, for <see cref="StreamingPartial.MergeRegions"/>.</summary>
    /// <param name="shardIndex">i, 0 ≤ i &lt; k.</param>
    /// <param name="shardCount">k ≥ 1.</param>
    /// <param name="settings">Streaming settings; <c>null</c> for <see cref="StreamingSettings.Default"/>.</param>
    /// <returns>The partial.</returns>
    /// <exception cref="TvReluInputException">A bad shard or settings.</exception>
    public StreamingPartial RegionsPartial(int shardIndex, int shardCount, StreamingSettings? settings = null)
    {
        Shard(shardIndex, shardCount);
        return StreamingPartial.Of(CoreStreaming.regionsPartial((settings ?? StreamingSettings.Default).ToCore(), _data, shardIndex, shardCount));
    }

    private (double[] Dual, TvRelu.Core.Certificates.StreamingOptions Options) StreamingInputs(IReadOnlyList<double> dual, double lambda, StreamingSettings? settings)
    {
        Guard.Lambda(lambda);
        var q = Guard.PerDataPoint(dual, DataPoints, "dual vector", nameof(dual));
        return (q, (settings ?? StreamingSettings.Default).ToCore());
    }

    private static void Shard(int index, int count)
    {
        if (count < 1 || index < 0 || index >= count)
        {
            throw new TvReluInputException($"shard {index}/{count}: need 0 <= i < k and k >= 1 (shards are numbered from 0)", "shard");
        }
    }
}
