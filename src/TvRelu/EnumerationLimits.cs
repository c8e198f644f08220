using System.Globalization;

namespace TvRelu;

/// <summary>
/// How much work the exact methods may take on. Every method that enumerates the dual regions (THEORY.md §3)
/// estimates its cells, memory and time first and refuses, within a second, a problem whose estimate exceeds a
/// limit (<see cref="TvReluLimitException"/>), instead of running for minutes into an out-of-memory error.
/// </summary>
public sealed record EnumerationLimits
{
    /// <summary>The defaults: 5·10⁷ cells, the smaller of 4 GB and half the memory this process may use, one hour.</summary>
    public static EnumerationLimits Default { get; } = new();

    /// <summary>The most cells (dual regions) to enumerate. Cover's count of the data bounds the estimate.</summary>
    public double MaxCells { get; init; } = 5e7;

    /// <summary>The most memory, in bytes, the enumeration may need at its peak.</summary>
    public double MaxMemoryBytes { get; init; } = DefaultMaxMemoryBytes();

    /// <summary>The most seconds the enumeration may take by the cost model (measured on a 2-core machine).</summary>
    public double MaxSeconds { get; init; } = 3600;

    /// <summary>4 GB, or half the memory the garbage collector may use (a container's limit included) when that is less.</summary>
    private static double DefaultMaxMemoryBytes() =>
        Math.Min(4e9, 0.5 * GC.GetGCMemoryInfo().TotalAvailableMemoryBytes);

    internal void Validate()
    {
        Positive(MaxCells, nameof(MaxCells));
        Positive(MaxMemoryBytes, nameof(MaxMemoryBytes));
        Positive(MaxSeconds, nameof(MaxSeconds));
    }

    private static void Positive(double value, string name)
    {
        if (!(value > 0) || double.IsNaN(value))
        {
            throw new TvReluInputException($"the limit {name} must be a positive number (got {Guard.Format(value)})", name);
        }
    }
}

/// <summary>The ways of visiting the dual regions (THEORY.md §3).</summary>
public enum EnumerationMethod
{
    /// <summary>Deletion–restriction with every region's sign vector kept in memory: names every region.</summary>
    Stored,

    /// <summary>Great-circle walks that keep no region (issue 13): memory O(N·d), split into threads and shards.</summary>
    Streaming,
}

/// <summary>The resource an <see cref="EnumerationLimits"/> entry bounds.</summary>
public enum EnumerationLimit
{
    /// <summary><see cref="EnumerationLimits.MaxCells"/>.</summary>
    Cells,

    /// <summary><see cref="EnumerationLimits.MaxMemoryBytes"/>.</summary>
    Memory,

    /// <summary><see cref="EnumerationLimits.MaxSeconds"/>.</summary>
    Time,
}

/// <summary>
/// The estimated cost of one method on one problem, known before any work: cells from Cover's count (an upper
/// bound, attained in general position), memory and time from a cost model fitted on measured runs.
/// </summary>
/// <param name="Method">The method: "stored enumeration" (every cell's sign vector kept in memory) or "streaming pass" (no cell kept).</param>
/// <param name="Cells">The cells it visits (an upper bound).</param>
/// <param name="MemoryBytes">Its peak memory, in bytes.</param>
/// <param name="Seconds">Its time on one core of the reference machine (a 2-core sandbox).</param>
public sealed record EnumerationEstimate(string Method, double Cells, double MemoryBytes, double Seconds)
{
    /// <summary>The first limit this estimate exceeds, or <c>null</c> when it fits.</summary>
    /// <param name="limits">The limits.</param>
    /// <returns>The limit exceeded, cells first.</returns>
    public EnumerationLimit? Exceeds(EnumerationLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        return Cells > limits.MaxCells ? EnumerationLimit.Cells
            : MemoryBytes > limits.MaxMemoryBytes ? EnumerationLimit.Memory
            : Seconds > limits.MaxSeconds ? EnumerationLimit.Time
            : null;
    }

    /// <summary>"stored enumeration: 9.0e+6 cells, 15.6 GB, 22 min": the estimate for people.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => $"{Method}: {Summary()}";

    /// <summary>The estimated quantities, leaving out those the method does not estimate (zero).</summary>
    internal string Summary() => string.Join(", ", new[]
    {
        Cells > 0 ? Count(Cells) + " cells" : null,
        Bytes(MemoryBytes),
        Seconds > 0 ? Duration(Seconds) : null,
    }.Where(p => p is not null));

    internal static string Count(double x) =>
        x < 1e6 ? x.ToString("N0", CultureInfo.InvariantCulture) : x.ToString("0.0e+0", CultureInfo.InvariantCulture);

    internal static string Bytes(double bytes) => bytes switch
    {
        < 1e6 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e3:0.#} kB"),
        < 1e9 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e6:0.#} MB"),
        < 1e12 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e9:0.#} GB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e12:0.#e+0} TB"),
    };

    internal static string Duration(double seconds) => seconds switch
    {
        < 1 => "under a second",
        < 120 => string.Create(CultureInfo.InvariantCulture, $"{seconds:0} s"),
        < 7200 => string.Create(CultureInfo.InvariantCulture, $"{seconds / 60:0} min"),
        < 2 * 86400 => string.Create(CultureInfo.InvariantCulture, $"{seconds / 3600:0} h"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{seconds / 86400:0.#e+0} days"),
    };
}

/// <summary>
/// A problem refused before any work because its estimate exceeds a limit: the message names the estimate, the
/// limit and how much it would take; <see cref="Limit"/> says which limit to raise.
/// </summary>
public sealed class TvReluLimitException : TvReluInputException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="what">The work refused, for people ("N = 3000 points in d = 2").</param>
    /// <param name="estimate">The estimate.</param>
    /// <param name="limit">The limit it exceeds.</param>
    /// <param name="limitValue">That limit's value.</param>
    public TvReluLimitException(string what, EnumerationEstimate estimate, EnumerationLimit limit, double limitValue)
        : base(Describe(what, estimate, limit, limitValue, $"EnumerationLimits.{PropertyOf(limit)}"), PropertyOf(limit))
    {
        What = what;
        Estimate = estimate;
        Limit = limit;
        LimitValue = limitValue;
    }

    /// <summary>The work refused, for people.</summary>
    public string What { get; }

    /// <summary>The estimate that exceeds the limit.</summary>
    public EnumerationEstimate Estimate { get; }

    /// <summary>The limit exceeded.</summary>
    public EnumerationLimit Limit { get; }

    /// <summary>The limit's value (cells, bytes or seconds).</summary>
    public double LimitValue { get; }

    /// <summary>The message with another way of naming the limit (a command-line option, for example).</summary>
    /// <param name="limitName">How to name the limit to raise.</param>
    /// <returns>The one-line message.</returns>
    public string Describe(string limitName) => Describe(What, Estimate, Limit, LimitValue, limitName);

    private static string Describe(string what, EnumerationEstimate estimate, EnumerationLimit limit, double value, string limitName)
    {
        var (needed, allowed) = limit switch
        {
            EnumerationLimit.Cells => (EnumerationEstimate.Count(estimate.Cells) + " cells", EnumerationEstimate.Count(value)),
            EnumerationLimit.Memory => (EnumerationEstimate.Bytes(estimate.MemoryBytes) + " of memory", EnumerationEstimate.Bytes(value)),
            _ => (EnumerationEstimate.Duration(estimate.Seconds), EnumerationEstimate.Duration(value)),
        };
        return $"{what} is refused before starting: the {estimate.Method} would need {needed}, above the limit {limitName} = {allowed} "
            + $"(estimate: {estimate.Summary()}); raise {limitName}, or make the problem smaller";
    }

    private static string PropertyOf(EnumerationLimit limit) => limit switch
    {
        EnumerationLimit.Cells => nameof(EnumerationLimits.MaxCells),
        EnumerationLimit.Memory => nameof(EnumerationLimits.MaxMemoryBytes),
        _ => nameof(EnumerationLimits.MaxSeconds),
    };
}
