using System.Text.Json;

namespace TvRelu.Tests;

/// <summary>
/// Branch and bound under a budget says what it does not know (issue 14): uniqueness and Σ of an uncertified solve are
/// unknown, not (false, false, 0, 0); a budgeted λ_max is an interval flagged inexact; and the solver settings that mean
/// something for column generation (rounds, columns a round, the boundary distance of Σ) are honoured, not ignored.
/// </summary>
public sealed class BranchAndBoundHonestyTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tvrelu-honest-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    /// <summary>d = 8, beyond the enumeration: every call here is branch and bound.</summary>
    private static (double[,] X, double[] Y) HighDimension() => MethodChoiceTests.Teacher(12, 8, 81);

    private static readonly MethodOptions OneNode = new() { Method = CertificationMethod.BranchAndBound, NodeLimit = 1 };

    [Fact]
    public void AnUncertifiedSolveReportsUniquenessAndSigmaAsUnknown()
    {
        var (x, y) = HighDimension();
        var problem = TvReluProblem.FromArrays(x, y);
        var lambda = 0.2 * problem.LambdaMax;

        var budgeted = problem.WithMethod(OneNode).Solve(lambda);

        Assert.False(budgeted.Certified);
        Assert.False(budgeted.Uniqueness.Known);
        Assert.Contains("not certified", budgeted.Uniqueness.Reason);
        Assert.False(budgeted.SaturationKnown);
        Assert.Empty(budgeted.Saturation);

        // Certified, the same problem knows Σ (from the leaves at 1 − tol) and decides uniqueness on it.
        var certified = problem.Solve(lambda);
        Assert.True(certified.Certified);
        Assert.True(certified.Uniqueness.Known);
        Assert.Null(certified.Uniqueness.Reason);
        Assert.True(certified.SaturationKnown);
        Assert.NotEmpty(certified.Saturation);
        Assert.Equal(certified.Saturation.Count, certified.Bounds.SaturationPoints);
        Assert.Equal(certified.Saturation.Count, certified.Uniqueness.SaturationPoints);
        Assert.InRange(certified.Uniqueness.Rank, 1, certified.Uniqueness.SaturationPoints);
    }

    [Fact]
    public void ABudgetedLambdaMaxIsAnIntervalFlaggedInexact()
    {
        var (x, y) = HighDimension();
        var exact = TvReluProblem.FromArrays(x, y);
        var budgeted = exact.WithMethod(OneNode);

        var bounds = Assert.IsType<SupremumBounds>(budgeted.LambdaMaxBounds);
        Assert.False(budgeted.LambdaMaxExact);
        Assert.False(bounds.Exact);
        Assert.Equal("node limit", bounds.Status);
        Assert.True(bounds.Lower < bounds.Upper, $"{bounds}");
        Assert.InRange(budgeted.LambdaMax, bounds.Lower, bounds.Upper);
        // The true λ_max (the unbudgeted search, exact) lies in the interval.
        Assert.True(exact.LambdaMaxExact);
        Assert.True(exact.LambdaMaxBounds!.Exact);
        Assert.InRange(exact.LambdaMax, bounds.Lower, bounds.Upper);
        // The enumeration is exact and has no interval.
        var low = TvReluProblem.FromArrays(new double[,] { { 0 }, { 1 }, { 2 } }, [0.0, 1.0, 0.5]);
        Assert.Null(low.LambdaMaxBounds);
        Assert.True(low.LambdaMaxExact);
    }

    [Fact]
    public void TheCliPrintsABudgetedLambdaMaxAsAnIntervalAndExitsThree()
    {
        var (x, y) = HighDimension();
        var data = MethodChoiceTests.WriteCsv(_dir, x, y);
        var budgetedPath = Path.Combine(_dir, "budgeted.json");
        var exactPath = Path.Combine(_dir, "exact.json");

        var (code, _, err) = CliTests.Run("lambda-max", "--data", data, "--node-limit", "1", "--out", budgetedPath);
        var (exactCode, _, exactErr) = CliTests.Run("lambda-max", "--data", data, "--out", exactPath);

        Assert.True(code == 3, err);
        Assert.Contains("NOT exact", err);
        var json = CliTests.ReadJson(budgetedPath);
        Assert.False(json.GetProperty("exact").GetBoolean());
        Assert.Equal("branch-and-bound", json.GetProperty("method").GetString());
        var interval = json.GetProperty("lambdaMaxBounds");
        var (lower, upper) = (interval.GetProperty("lower").GetDouble(), interval.GetProperty("upper").GetDouble());
        Assert.InRange(json.GetProperty("lambdaMax").GetDouble(), lower, upper);
        Assert.Equal("node limit", interval.GetProperty("status").GetString());

        Assert.True(exactCode == 0, exactErr);
        var full = CliTests.ReadJson(exactPath);
        Assert.True(full.GetProperty("exact").GetBoolean());
        Assert.InRange(full.GetProperty("lambdaMax").GetDouble(), lower, upper);
    }

    [Fact]
    public void TheCliSolveJsonSaysUniquenessIsUnknownWhenNotCertified()
    {
        var (x, y) = HighDimension();
        var data = MethodChoiceTests.WriteCsv(_dir, x, y);
        var path = Path.Combine(_dir, "solve.json");

        var (code, output, err) = CliTests.Run("solve", "--data", data, "--lambda", "1", "--node-limit", "1", "--out", path);

        Assert.True(code == 3, err);
        var json = CliTests.ReadJson(path);
        Assert.False(json.GetProperty("certified").GetBoolean());
        var uniqueness = json.GetProperty("uniqueness");
        Assert.False(uniqueness.GetProperty("known").GetBoolean());
        Assert.Equal(JsonValueKind.Null, uniqueness.GetProperty("unique").ValueKind);
        Assert.Equal(JsonValueKind.Null, uniqueness.GetProperty("rankSufficient").ValueKind);
        Assert.Contains("not certified", uniqueness.GetProperty("reason").GetString());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("bounds").GetProperty("saturationPoints").ValueKind);

        // The table says it too.
        var (tableCode, table, _) = CliTests.Run("solve", "--data", data, "--lambda", "1", "--node-limit", "1");
        Assert.Equal(3, tableCode);
        Assert.Contains("uniqueness", table);
        Assert.Contains("unknown: the solve is not certified", table);

        // λ as a fraction of a λ_max the same budget cannot make exact: the ratio's base is said to be inexact.
        var (ratioCode, _, ratioErr) = CliTests.Run("solve", "--data", data, "--lambda-ratio", "0.2", "--node-limit", "1");
        Assert.Equal(3, ratioCode);
        Assert.Contains("λ_max is not exact under this branch-and-bound budget (node limit)", ratioErr);
    }

    [Fact]
    public void MaxRoundsAndColumnsPerRoundBindColumnGenerationUnderBranchAndBound()
    {
        var (x, y) = HighDimension();
        var problem = TvReluProblem.FromArrays(x, y);
        var lambda = 0.2 * problem.LambdaMax;
        var free = problem.Solve(lambda);
        Assert.True(free.Certified);
        // The free solve needs several rounds and more than one column in some round, so both limits below bind.
        Assert.True(free.Rounds >= 2, $"{free.Rounds} rounds");
        Assert.True(free.Measure.Atoms.Count > 1, $"{free.Measure.Atoms.Count} atoms");

        var oneRound = problem.Solve(lambda, new SolveOptions { MaxRounds = 1 });
        Assert.InRange(oneRound.Rounds, 0, 1);
        Assert.False(oneRound.Certified);
        Assert.False(oneRound.Uniqueness.Known);

        // One column a round: a round adds at most one block, so the measure has at most one atom per round.
        var oneColumn = problem.Solve(lambda, new SolveOptions { ColumnsPerRound = 1, MaxRounds = 1 });
        Assert.InRange(oneColumn.Measure.Atoms.Count, 0, 1);
    }

    [Fact]
    public void TheBoundaryToleranceDecidesWhichPointsOfSigmaAreOnABoundary()
    {
        var (x, y) = HighDimension();
        var problem = TvReluProblem.FromArrays(x, y);
        var lambda = 0.2 * problem.LambdaMax;

        var exactOnly = problem.Solve(lambda, new SolveOptions { BoundaryTolerance = 0.0 });
        var wide = problem.Solve(lambda, new SolveOptions { BoundaryTolerance = 0.999 });

        Assert.True(exactOnly.Certified && wide.Certified);
        Assert.NotEmpty(wide.Saturation);
        // Within 0.999 of some hyperplane is every point: none is interior. At distance 0 only a point exactly on a
        // hyperplane is on a boundary, which rounding almost never leaves (the default, 1e-9, puts every point here on one).
        Assert.All(wide.Saturation, p => Assert.False(p.Interior));
        Assert.Contains(exactOnly.Saturation, p => p.Interior);
    }
}
