using System.Globalization;

namespace TvRelu;

// Early refusal (issue 12, item 8; issue 13): every method that enumerates the dual regions estimates
// its cells, memory and time before any work, and a problem over the limits is refused at once.
public sealed partial class TvReluProblem
{
    /// <summary>The limits this problem's methods respect (see <see cref="WithLimits"/>).</summary>
    public EnumerationLimits Limits { get; }

    /// <summary>
    /// The estimated cost of each enumeration method on this problem, known before any work (Cover's count bounds
    /// the cells; memory and time come from <see cref="CostModel"/>): the stored enumeration first, then the
    /// streaming pass of a certificate on one machine (see <see cref="Estimate"/> for a count, threads or shards).
    /// </summary>
    public IReadOnlyList<EnumerationEstimate> EnumerationEstimates =>
        [Estimate(EnumerationMethod.Stored), Estimate(EnumerationMethod.Streaming)];

    /// <summary>The estimated cost of one method, known before any work.</summary>
    /// <param name="method">The method.</param>
    /// <param name="certificate">A certificate's extremes (true) or the region count alone (false; streaming only).</param>
    /// <param name="threads">Worker threads of the streaming pass; 0 for one per core.</param>
    /// <param name="shards">The shards the streaming pass is split into: the estimate is that of one shard.</param>
    /// <returns>The estimate.</returns>
    public EnumerationEstimate Estimate(EnumerationMethod method, bool certificate = true, int threads = 0, int shards = 1) =>
        method == EnumerationMethod.Stored
            ? CostModel.StoredEnumeration(DataPoints, Dimension, (double)EstimatedCellCount)
            : CostModel.Streaming(DataPoints, Dimension, certificate, threads, shards);

    /// <summary>
    /// The method that visits the regions of this problem: the stored enumeration up to
    /// <see cref="StreamingAboveCells"/> regions (Cover's count), where it is as fast and names every region; above,
    /// the streaming pass, when it fits <see cref="Limits"/>. Otherwise the stored enumeration (whose refusal, when it
    /// does not fit either, is the one every other method gives).
    /// </summary>
    /// <param name="certificate">A certificate's extremes (true) or the region count alone (false).</param>
    /// <param name="threads">Worker threads of the streaming pass; 0 for one per core.</param>
    /// <returns>The method.</returns>
    public EnumerationMethod PreferredMethod(bool certificate = true, int threads = 0)
    {
        var stored = Estimate(EnumerationMethod.Stored, certificate, threads);
        if (stored.Cells <= StreamingAboveCells && stored.Exceeds(Limits) is null)
        {
            return EnumerationMethod.Stored;
        }
        return Estimate(EnumerationMethod.Streaming, certificate, threads).Exceeds(Limits) is null
            ? EnumerationMethod.Streaming
            : EnumerationMethod.Stored;
    }

    /// <summary>
    /// Above this many regions (Cover's count) <see cref="PreferredMethod"/> streams. Measured (CPU time of one
    /// `tvrelu certificate` run): the two are even near 20,000 regions (d = 3, N = 40: 0.56 s stored, 0.65 s
    /// streaming), streaming is 2× faster at 45,000 (d = 2, N = 300) and 19× at 180,000 (d = 2, N = 600).
    /// </summary>
    public const double StreamingAboveCells = 50_000;

    /// <summary>The same problem (same data, shared regions when already enumerated) under other limits.</summary>
    /// <param name="limits">The limits; <c>null</c> for <see cref="EnumerationLimits.Default"/>.</param>
    /// <returns>The problem.</returns>
    /// <exception cref="TvReluInputException">A limit that is not a positive number.</exception>
    public TvReluProblem WithLimits(EnumerationLimits? limits)
    {
        limits ??= EnumerationLimits.Default;
        limits.Validate();
        return new TvReluProblem(_data, limits, _arrangement.IsValueCreated ? _arrangement : null) { Method = Method };
    }

    /// <summary>
    /// Refuses, before any work, a problem whose region enumeration would exceed <see cref="Limits"/> or the supported
    /// dimension. Every method that enumerates calls it first.
    /// </summary>
    /// <returns>The estimate of the method that will run.</returns>
    /// <exception cref="TvReluLimitException">The estimate exceeds a limit; the message names the estimate and the limit.</exception>
    /// <exception cref="TvReluInputException">d is above <see cref="MaxDimension"/>.</exception>
    public EnumerationEstimate EnsureTractable() => EnsureTractable(EnumerationMethod.Stored);

    /// <summary>
    /// Refuses, before any work, a run of <paramref name="method"/> (or one shard of it) whose estimate exceeds
    /// <see cref="Limits"/>, or a problem above the supported dimension. Every method that visits the regions calls it first.
    /// </summary>
    /// <param name="method">The method that will run.</param>
    /// <param name="certificate">A certificate's extremes (true) or the region count alone (false).</param>
    /// <param name="threads">Worker threads of the streaming pass; 0 for one per core.</param>
    /// <param name="shards">The shards the streaming pass is split into (the limits bound one shard).</param>
    /// <returns>The estimate of the run.</returns>
    /// <exception cref="TvReluLimitException">The estimate exceeds a limit; the message names the estimate and the limit.</exception>
    /// <exception cref="TvReluInputException">d is above <see cref="MaxDimension"/>.</exception>
    public EnumerationEstimate EnsureTractable(EnumerationMethod method, bool certificate = true, int threads = 0, int shards = 1)
    {
        if (Dimension > MaxDimension)
        {
            throw new TvReluInputException(
                $"the inputs have d = {Dimension} coordinates; exact region enumeration supports d ≤ {MaxDimension}",
                "data");
        }
        var estimate = Estimate(method, certificate, threads, shards);
        if (estimate.Exceeds(Limits) is { } limit)
        {
            var what = string.Create(CultureInfo.InvariantCulture, $"N = {DataPoints} points in d = {Dimension}");
            throw new TvReluLimitException(shards > 1 ? what + $" (one of {shards} shards)" : what, estimate, limit, LimitValue(limit));
        }
        return estimate;
    }

    /// <summary>Refuses a network whose training arrays would exceed the memory limit (or .NET's largest array).</summary>
    private void EnsureTrainable(int width)
    {
        // The activations are one array of m·N numbers: beyond .NET's largest array no memory limit helps.
        if ((long)width * DataPoints > Array.MaxLength)
        {
            throw new TvReluInputException(
                string.Create(CultureInfo.InvariantCulture, $"training m = {width} neurons on N = {DataPoints} points needs {(long)width * DataPoints:N0} activations in one array, more than the {Array.MaxLength:N0} .NET allows: use fewer neurons"),
                "width");
        }
        var estimate = CostModel.Training(DataPoints, Dimension, width);
        if (estimate.Exceeds(Limits) is { } limit)
        {
            throw new TvReluLimitException(
                string.Create(CultureInfo.InvariantCulture, $"training m = {width} neurons on N = {DataPoints} points"), estimate, limit, LimitValue(limit));
        }
    }

    /// <summary>Refuses a LASSO grid whose directions and correlations would exceed the memory limit.</summary>
    private void EnsureGridFits(int gridSize)
    {
        if (gridSize > Array.MaxLength)
        {
            throw new TvReluInputException(
                string.Create(CultureInfo.InvariantCulture, $"a grid of {gridSize:N0} directions is more than the {Array.MaxLength:N0} one .NET array holds"),
                nameof(gridSize));
        }
        var estimate = CostModel.Grid(DataPoints, Dimension, gridSize);
        if (estimate.Exceeds(Limits) is { } limit)
        {
            throw new TvReluLimitException(
                string.Create(CultureInfo.InvariantCulture, $"a grid of {gridSize} directions in d = {Dimension}"), estimate, limit, LimitValue(limit));
        }
    }

    private double LimitValue(EnumerationLimit limit) => limit switch
    {
        EnumerationLimit.Cells => Limits.MaxCells,
        EnumerationLimit.Memory => Limits.MaxMemoryBytes,
        _ => Limits.MaxSeconds,
    };
}
