using System.Globalization;
using Microsoft.FSharp.Core;
using TvRelu.Core.Certificates;
using TvRelu.Core.Data;

namespace TvRelu;

/// <summary>
/// Input checks done before calling the core, so that every bad input surfaces as a
/// <see cref="TvReluInputException"/> with a one-line message instead of a core exception.
/// The wording follows the core's own messages.
/// </summary>
internal static class Guard
{
    internal static string Format(double value) => value.ToString("G", CultureInfo.InvariantCulture);

    /// <summary>The smallest positive normal double, 2^-1022: the least λ the library accepts (README, "Where doubles can decide").</summary>
    internal const double SmallestLambda = 2.2250738585072014e-308;

    /// <summary>
    /// λ must be positive and finite (THEORY.md §1), and a normal double: a subnormal λ has fewer than 53 significant
    /// bits, 1/λ overflows, and λ = 1e-310 used to certify μ = 0 with gap 0 (issue 12, defect 1).
    /// </summary>
    internal static void Lambda(double lambda, string paramName = "lambda")
    {
        if (!(lambda > 0.0) || double.IsInfinity(lambda))
        {
            throw new TvReluInputException($"λ must be a positive finite number (got {Format(lambda)})", paramName);
        }
        if (lambda < SmallestLambda)
        {
            throw new TvReluInputException(
                $"λ = {Format(lambda)} is below {Format(SmallestLambda)}, the smallest normal double: there 1/λ overflows and λ‖μ‖_TV loses its digits, so no answer can be certified in double precision",
                paramName);
        }
    }

    /// <summary>
    /// Runs a core call, turning its refusal of numbers out of the range where doubles can decide
    /// (<see cref="OutOfRangeException"/>, README "Where doubles can decide") into the library's exception.
    /// </summary>
    /// <param name="call">The core call.</param>
    /// <param name="paramName">The parameter that carried the input, if any.</param>
    /// <param name="what">What was being computed, put before the core's message (for example "λ_max cannot be computed").</param>
    internal static T InRange<T>(Func<T> call, string? paramName = null, string? what = null)
    {
        try
        {
            return call();
        }
        catch (OutOfRangeException e)
        {
            throw new TvReluInputException(what is null ? e.Data0 : $"{what}: {e.Data0}", paramName, e);
        }
    }

    /// <summary><see cref="InRange{T}(Func{T}, string?, string?)"/> for a call without a result.</summary>
    internal static void InRange(Action call, string? paramName = null) => InRange(() =>
    {
        call();
        return 0;
    }, paramName);

    /// <summary>An optional tolerance must be positive and finite when given.</summary>
    internal static void Tolerance(double? tolerance, string paramName)
    {
        if (tolerance is { } t && (!(t > 0.0) || double.IsInfinity(t)))
        {
            throw new TvReluInputException($"the tolerance must be a positive finite number (got {Format(t)})", paramName);
        }
    }

    /// <summary>A vector with one finite entry per data point.</summary>
    internal static double[] PerDataPoint(IReadOnlyList<double>? values, int count, string what, string paramName)
    {
        if (values is null)
        {
            throw new TvReluInputException($"the {what} is missing", paramName);
        }
        if (values.Count != count)
        {
            throw new TvReluInputException($"the {what} has {values.Count} entries but the data set has {count} rows", paramName);
        }
        var copy = values.ToArray();
        for (var i = 0; i < copy.Length; i++)
        {
            if (!double.IsFinite(copy[i]))
            {
                throw new TvReluInputException($"entry {i + 1} of the {what} is {Format(copy[i])}: entries must be finite numbers", paramName);
            }
        }
        return copy;
    }

    /// <summary>Unwraps a core data result, turning its error into the library's exception.</summary>
    internal static Dataset Data(FSharpResult<Dataset, DataError> result, string paramName)
    {
        if (result.IsError)
        {
            throw new TvReluInputException(result.ErrorValue.Message, paramName);
        }
        return result.ResultValue;
    }

    /// <summary>Runs a core call, turning a <see cref="DataException"/> into the library's exception.</summary>
    internal static T Core<T>(Func<T> call, string paramName)
    {
        try
        {
            return call();
        }
        catch (DataException e)
        {
            throw new TvReluInputException(e.Data0.Message, paramName, e);
        }
    }
}
