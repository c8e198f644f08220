using CoreStreamingCost = TvRelu.Core.Certificates.StreamingCost;

namespace TvRelu;

/// <summary>
/// What the exact methods cost before they run (issue 12, item 8): memory from the sizes of the arrays the core
/// allocates, time from a model fitted on measured runs. Memory was fitted on 20 enumerations of Gaussian data
/// (d = 1 … 6, N up to 40,000, 10,000 to 1,000,000 cells; peak working set, each in its own process) with the Debug
/// build the tests use, whose peaks are 0.1 to 0.9 times the model's (1.06 for one 44,000-cell run dominated by the
/// runtime's own memory); with the Release build (`benchmarks … -- estimates` reruns the series) they are 0.29 to 0.73.
/// Time was fitted on the idle runs of the README (d = 2, N = 1000: 8.8 s; d = 3, N = 100: 0.59 s; d = 4, N = 40:
/// 0.38 s; 0.57 to 0.93 times the model) and, for the word term, on d = 1 runs (N = 20,000 and 40,000) measured at
/// load ≈ 10 and divided by 3.5, the ratio of the loaded d = 2, N = 1000 run to its idle time (0.88 and 0.92 times the model).
/// </summary>
internal static class CostModel
{
    /// <summary>Bytes the process needs besides the enumeration (runtime, JIT, GC budgets): the smallest runs peaked 40–115 MB above it.</summary>
    private const double BaseBytes = 80e6;

    /// <summary>
    /// The peak of the stored cell table over its size: the table doubles its arrays (old and new alive while copying),
    /// and the LOH keeps the old ones until a full collection. Measured 1.5 to 1.9 (d = 1, N = 20,000 to d = 2, N = 1000).
    /// </summary>
    private const double TablePeakFactor = 2.0;

    /// <summary>
    /// Bytes per cell and per coordinate outside the table (the restrictions' interior points and hash maps, GC churn):
    /// the d = 3–6 runs needed 20–100 bytes per cell and coordinate above the table.
    /// </summary>
    private const double ChurnBytesPerCellCoordinate = 60;

    /// <summary>Seconds per cell on one idle core, where the per-cell work dominates (d = 3, 4: 1.8 and 2.1 µs).</summary>
    private const double SecondsPerCell = 2.5e-6;

    /// <summary>Seconds per cell and hyperplane: every deletion–restriction step touches every cell once (d = 2, N = 1000).</summary>
    private const double SecondsPerCellHyperplane = 6.8e-9;

    /// <summary>Seconds per cell, hyperplane and 64-bit word of a sign vector: copying the signs of split cells (d = 1, N ≥ 20,000).</summary>
    private const double SecondsPerCellHyperplaneWord = 1.35e-11;

    /// <summary>The stored enumeration: every cell keeps its sign bits (one bit per hyperplane), an interior point and a 128-bit hash.</summary>
    internal static EnumerationEstimate StoredEnumeration(int points, int dimension, double cells)
    {
        var words = Math.Max(1, (points + 63) / 64);
        var tableBytesPerCell = 8.0 * words + 8.0 * (dimension + 1) + 16;
        var memory = BaseBytes + TablePeakFactor * Capacity(cells) * tableBytesPerCell + ChurnBytesPerCellCoordinate * (dimension + 1) * cells;
        var seconds = cells * (SecondsPerCell + points * (SecondsPerCellHyperplane + words * SecondsPerCellHyperplaneWord));
        return new EnumerationEstimate("stored enumeration", cells, memory, seconds);
    }

    /// <summary>
    /// The streaming pass of issue 13 (great-circle walks; memory O(N·d), no region stored), or one of
    /// <paramref name="shards"/> shards of it: the core's model (`StreamingCost`, calibrated on the `streaming`
    /// benchmark), with the cells and time of one shard. Shards split the work items, so beyond their number more
    /// shards do not help; the time is wall time on <paramref name="threads"/> threads (0: one per core).
    /// </summary>
    internal static EnumerationEstimate Streaming(int points, int dimension, bool certificate, int threads, int shards)
    {
        var e = CoreStreamingCost.estimate(points, dimension, certificate, threads > 0 ? threads : Environment.ProcessorCount);
        var split = Math.Max(1, Math.Min(shards, e.WorkItems));
        return new EnumerationEstimate("streaming pass", (double)e.Cells / split, e.MemoryBytes, e.Seconds / split);
    }

    /// <summary>
    /// Training a network of m neurons: the activations of every neuron at every point (twice: the iterate and the
    /// line search's trial), and eight copies of the parameters (weights, gradient, Adam's moments, trial point and
    /// gradient, best point, certification).
    /// </summary>
    internal static EnumerationEstimate Training(int points, int dimension, int width)
    {
        var activations = (double)width * points;
        var parameters = (double)width * (dimension + 2);
        return new EnumerationEstimate("training", 0, BaseBytes + 8 * (2 * activations + 8 * parameters), 0);
    }

    /// <summary>A grid of directions for the LASSO: one array of d + 1 numbers per direction, and a few numbers per direction per round.</summary>
    internal static EnumerationEstimate Grid(int points, int dimension, int directions) =>
        new("grid LASSO", 0, BaseBytes + directions * (32.0 + 8 * (dimension + 1) + 8 * 4), 0);

    /// <summary>The table's capacity: it starts at 64 cells and doubles.</summary>
    private static double Capacity(double cells) => cells <= 64 ? 64 : Math.Pow(2, Math.Ceiling(Math.Log2(cells)));
}
