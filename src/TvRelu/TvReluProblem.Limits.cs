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
    /// the cells; memory and time come from <see cref="CostModel"/>). One method today, the stored enumeration;
    /// the streaming method of issue 13 will add its own.
    /// </summary>
    public IReadOnlyList<EnumerationEstimate> EnumerationEstimates =>
        [CostModel.StoredEnumeration(DataPoints, Dimension, (double)EstimatedCellCount)];

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
    public EnumerationEstimate EnsureTractable()
    {
        if (Dimension > MaxDimension)
        {
            throw new TvReluInputException(
                $"the inputs have d = {Dimension} coordinates; exact region enumeration supports d ≤ {MaxDimension}",
                "data");
        }
        var estimate = EnumerationEstimates[0];
        if (estimate.Exceeds(Limits) is { } limit)
        {
            throw new TvReluLimitException(
                string.Create(CultureInfo.InvariantCulture, $"N = {DataPoints} points in d = {Dimension}"), estimate, limit, LimitValue(limit));
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
