using System.Numerics;

namespace TvRelu.Tests;

/// <summary>
/// Early refusal (issue 12, item 8): every method that enumerates the dual regions estimates the work first and refuses,
/// before any of it, a problem over its limits. The three reproducers of the issue each ran past 5 minutes and 1.4–5.1 GB.
/// </summary>
public class EarlyRefusalTests
{
    /// <summary>N Gaussian points in d dimensions, seeded: general position, so Cover's count is the cell count.</summary>
    internal static TvReluProblem Gaussian(int n, int d, int seed)
    {
        var random = new Random(seed);
        var x = new double[n, d];
        var y = new double[n];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < d; j++)
            {
                x[i, j] = random.NextDouble() - 0.5;
            }
            y[i] = random.NextDouble();
        }
        return TvReluProblem.FromArrays(x, y);
    }

    /// <summary>Cover's count 2 Σ_{i ≤ d} C(N − 1, i), by Pascal's rule (independent of the library's formula).</summary>
    private static BigInteger Cover(int n, int d)
    {
        var row = new BigInteger[d + 1];
        row[0] = 1;
        for (var m = 1; m <= n - 1; m++)
        {
            for (var i = Math.Min(m, d); i >= 1; i--)
            {
                row[i] += row[i - 1];
            }
        }
        var sum = BigInteger.Zero;
        foreach (var c in row)
        {
            sum += c;
        }
        return 2 * sum;
    }

    [Theory]
    [InlineData(200_000, 1)]
    [InlineData(3000, 2)]
    [InlineData(50, 6)]
    public void TheIssuesReproducersAreRefusedBeforeAnyWork(int n, int d)
    {
        // Pinned to the enumeration: under Auto the smaller two would be certified by branch and bound instead.
        var problem = Gaussian(n, d, n + d).WithMethod(new MethodOptions { Method = CertificationMethod.Enumeration });
        var estimate = problem.EnumerationEstimates[0];
        Assert.Equal("stored enumeration", estimate.Method);
        Assert.Equal((double)Cover(n, d), estimate.Cells, 6);

        var e = Assert.Throws<TvReluLimitException>(() => problem.Solve(0.1));
        Assert.Equal(EnumerationLimit.Memory, e.Limit);
        Assert.Contains($"N = {n} points in d = {d} is refused before starting", e.Message);
        Assert.Contains("EnumerationLimits.MaxMemoryBytes", e.Message);
        // The 1.4–5.1 GB the issue saw were partial runs: the estimate of the whole is above them.
        Assert.True(e.Estimate.MemoryBytes > 5.1e9, $"{e.Estimate}");
        Assert.True(e.Estimate.MemoryBytes > e.LimitValue);
        // Every enumerating method refuses the same way.
        Assert.Throws<TvReluLimitException>(() => problem.Regions());
        Assert.Throws<TvReluLimitException>(() => problem.LambdaMax);
        Assert.Throws<TvReluLimitException>(() => problem.Train(0.1, 4));
    }

    [Fact]
    public void EveryEnumeratingMethodRefusesAProblemOverItsLimits()
    {
        var small = Gaussian(20, 2, 1).WithLimits(new EnumerationLimits { MaxCells = 10 })
            .WithMethod(new MethodOptions { Method = CertificationMethod.Enumeration });
        var mu = Measure.Zero(3);
        var q = new double[20];
        var calls = new (string Name, Action Call)[]
        {
            ("Solve", () => small.Solve(0.1)),
            ("SolvePath", () => small.SolvePath([0.1, 0.2])),
            ("Certify", () => small.Certify(mu, 0.1)),
            ("CertificateOf", () => small.CertificateOf(q, 0.1)),
            ("Regions", () => small.Regions()),
            ("LambdaMax", () => _ = small.LambdaMax),
            ("Train", () => small.Train(0.1, 3)),
            ("SlidingFrankWolfe", () => small.SlidingFrankWolfe(0.1)),
            ("SolveWeighted", () => small.SolveWeighted(0.1)),
            ("GridLasso", () => small.GridLasso(0.1, 10)),
            ("EnsureTractable", () => small.EnsureTractable()),
        };
        foreach (var (name, call) in calls)
        {
            var e = Assert.Throws<TvReluLimitException>(call);
            Assert.True(e.Limit == EnumerationLimit.Cells, name);
            Assert.Contains("EnumerationLimits.MaxCells = 10", e.Message);
        }
    }

    [Fact]
    public void RaisingALimitLetsTheSameDataThrough()
    {
        var problem = Gaussian(3000, 2, 7);
        Assert.Throws<TvReluLimitException>(() => problem.EnsureTractable());
        var estimate = problem.WithLimits(new EnumerationLimits { MaxMemoryBytes = 1e12 }).EnsureTractable();
        Assert.Equal("stored enumeration", estimate.Method);
        Assert.Null(estimate.Exceeds(new EnumerationLimits { MaxMemoryBytes = 1e12 }));
        // A small problem fits the defaults, and lowering the time limit refuses it by time.
        var small = Gaussian(30, 1, 2);
        Assert.Null(small.EnsureTractable().Exceeds(EnumerationLimits.Default));
        Assert.Equal(EnumerationLimit.Time, Assert.Throws<TvReluLimitException>(() => small.WithLimits(new EnumerationLimits { MaxSeconds = 1e-9 }).Regions()).Limit);
        // The limits travel with the problem, and the cells of a problem already enumerated are kept.
        Assert.Equal(60, small.Regions().Cells);
        Assert.Equal(60, small.WithLimits(null).Regions().Cells);
    }

    [Fact]
    public void TheMemoryModelGrowsWithTheSignVectors()
    {
        // The stored enumeration keeps N bits per cell: at fixed cells, more points cost more memory and time.
        var a = Gaussian(10_000, 1, 1).EnumerationEstimates[0];
        var b = Gaussian(40_000, 1, 1).EnumerationEstimates[0];
        Assert.Equal(4 * a.Cells, b.Cells);
        // 4× the cells, each with 4× the bits: more than 10× the memory.
        Assert.True(b.MemoryBytes - 80e6 > 10 * (a.MemoryBytes - 80e6), $"{a} / {b}");
        Assert.True(b.Seconds > 16 * a.Seconds, $"{a} / {b}");
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    public void ALimitMustBePositive(double value)
    {
        var problem = Gaussian(10, 1, 1);
        Assert.Contains("MaxCells", Assert.Throws<TvReluInputException>(() => problem.WithLimits(new EnumerationLimits { MaxCells = value })).Message);
        Assert.Contains("MaxMemoryBytes", Assert.Throws<TvReluInputException>(() => problem.WithLimits(new EnumerationLimits { MaxMemoryBytes = value })).Message);
        Assert.Contains("MaxSeconds", Assert.Throws<TvReluInputException>(() => problem.WithLimits(new EnumerationLimits { MaxSeconds = value })).Message);
    }

    [Fact]
    public void ANetworkOrAGridTooLargeForMemoryIsRefusedBeforeTraining()
    {
        var problem = Gaussian(10, 1, 1);
        // 2³¹ − 1 neurons: 2·10¹⁰ activations, more than one .NET array holds (the issue's OutOfMemoryException).
        Assert.Contains("more than the", Assert.Throws<TvReluInputException>(() => problem.Train(0.1, int.MaxValue)).Message);
        var e = Assert.Throws<TvReluLimitException>(() => problem.Train(0.1, 100_000_000));
        Assert.Equal(EnumerationLimit.Memory, e.Limit);
        Assert.Contains("training m = 100000000 neurons", e.Message);
        Assert.Contains("more than", Assert.Throws<TvReluInputException>(() => problem.GridLasso(0.1, int.MaxValue)).Message);
        Assert.Equal(EnumerationLimit.Memory, Assert.Throws<TvReluLimitException>(() => problem.GridLasso(0.1, 1_000_000_000)).Limit);
    }
}
