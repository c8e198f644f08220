namespace TvRelu.TestSupport;

/// <summary>
/// The one way to write a test tolerance: a relative accuracy with an absolute floor, tol · (1 + scale), where the
/// scale is the size of the numbers compared (a norm, an objective). Below scale 1 the tolerance is absolute, above
/// it relative, so one expression serves data at 1e-6 and at 1e6 alike. The named levels say which accuracy a
/// test expects, and why.
/// </summary>
public static class Accuracy
{
    /// <summary>Rounding of a double computation of modest length, with room for its conditioning: 1e-12.</summary>
    public const double Rounding = 1e-12;

    /// <summary>What a certified solve pins down: the default certified gap's relative term, 1e-9 (README, "Certified").</summary>
    public const double Certified = 1e-9;

    /// <summary>Central finite differences with step 1e-6: truncation and cancellation of order 1e-5 or better.</summary>
    public const double FiniteDifference = 1e-5;

    /// <summary>The tolerance tol · (1 + scale).</summary>
    /// <param name="tolerance">The relative accuracy expected (and the absolute one below scale 1).</param>
    /// <param name="scale">The non-negative size of the quantities compared.</param>
    /// <returns>tol · (1 + scale).</returns>
    public static double Of(double tolerance, double scale) => tolerance * (1.0 + scale);

    /// <summary>Whether |actual − expected| ≤ tol · (1 + |expected|).</summary>
    /// <param name="tolerance">The relative accuracy expected.</param>
    /// <param name="expected">The value from the oracle.</param>
    /// <param name="actual">The value under test.</param>
    /// <returns>True when they agree to that accuracy.</returns>
    public static bool Close(double tolerance, double expected, double actual) =>
        Math.Abs(actual - expected) <= Of(tolerance, Math.Abs(expected));
}
