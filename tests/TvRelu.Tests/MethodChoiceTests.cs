using System.Globalization;
using System.Text.Json;

namespace TvRelu.Tests;

/// <summary>
/// The choice of method (issue 14): high d, once refused, is certified by branch and bound; where both methods run they
/// agree; under a budget the result is an honest interval, certified only when the gap from its upper end allows.
/// </summary>
public sealed class MethodChoiceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tvrelu-method-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static readonly MethodOptions Enumeration = new() { Method = CertificationMethod.Enumeration };

    private static readonly MethodOptions BranchAndBound = new() { Method = CertificationMethod.BranchAndBound };

    /// <summary>N seeded Gaussian inputs in d dimensions and a two-neuron teacher with noise.</summary>
    internal static (double[,] X, double[] Y) Teacher(int n, int d, int seed)
    {
        var random = new Random(seed);
        double Gauss() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        var w = Enumerable.Range(0, 2).Select(_ => Enumerable.Range(0, d + 1).Select(_ => Gauss()).ToArray()).ToArray();
        var x = new double[n, d];
        var y = new double[n];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < d; j++)
            {
                x[i, j] = Gauss();
            }
            for (var k = 0; k < 2; k++)
            {
                var t = w[k][d];
                for (var j = 0; j < d; j++)
                {
                    t += w[k][j] * x[i, j];
                }
                y[i] += (k == 0 ? 1 : -0.7) * Math.Max(t, 0);
            }
            y[i] += 0.1 * Gauss();
        }
        return (x, y);
    }

    /// <summary>The largest |η(θ)| = |Σ q_i σ(⟨θ, (x_i, 1)⟩)| / λ over seeded random unit θ: a sampled lower bound on sup|η|.</summary>
    internal static double SampledSupremum(double[,] x, IReadOnlyList<double> q, double lambda, int samples, int seed)
    {
        var random = new Random(seed);
        var (n, d) = (x.GetLength(0), x.GetLength(1));
        var best = 0.0;
        var theta = new double[d + 1];
        for (var s = 0; s < samples; s++)
        {
            var norm = 0.0;
            for (var j = 0; j <= d; j++)
            {
                theta[j] = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
                norm += theta[j] * theta[j];
            }
            var eta = 0.0;
            for (var i = 0; i < n; i++)
            {
                var t = theta[d];
                for (var j = 0; j < d; j++)
                {
                    t += theta[j] * x[i, j];
                }
                eta += q[i] * Math.Max(t, 0);
            }
            best = Math.Max(best, Math.Abs(eta) / (lambda * Math.Sqrt(norm)));
        }
        return best;
    }

    [Fact]
    public void HighDimensionOnceRefusedIsNowCertifiedByBranchAndBound()
    {
        var (x, y) = Teacher(12, 8, 81);
        var problem = TvReluProblem.FromArrays(x, y);

        Assert.Equal(CertificationMethod.BranchAndBound, problem.ChosenMethod);
        Assert.Contains("d ≤ 6", Assert.Throws<TvReluInputException>(() => problem.WithMethod(Enumeration).Solve(1.0)).Message);
        var lambda = 0.2 * problem.LambdaMax;
        var solution = problem.Solve(lambda);

        Assert.True(solution.Certified, $"gap {solution.Gap} above {solution.Certification.Tolerance}");
        Assert.Equal("branch-and-bound", solution.Certification.Method);
        var bounds = Assert.IsType<SupremumBounds>(solution.Certification.SupremumBounds);
        Assert.True(bounds.Lower <= bounds.Upper, $"{bounds}");
        // The certificate's bound must hold at every point: sampling can refute it.
        var sampled = SampledSupremum(x, solution.Residual, lambda, 20_000, 7);
        Assert.True(sampled <= bounds.Upper * (1 + 1e-12), $"sampled {sampled} above the bound {bounds.Upper}");
        Assert.InRange(solution.Gap, 0.0, solution.Certification.Tolerance);
        Assert.NotEmpty(solution.Measure.Atoms);
        // λ_max by branch and bound is attained (a sample cannot exceed it) and the zero measure is optimal above it.
        Assert.True(SampledSupremum(x, y, 1.0, 20_000, 8) <= problem.LambdaMax * (1 + 1e-12));
        Assert.Empty(problem.Solve(1.01 * problem.LambdaMax).Measure.Atoms);
    }

    [Theory]
    [InlineData(15, 2, 21, 0.1)]
    [InlineData(14, 3, 31, 0.05)]
    [InlineData(12, 4, 41, 0.2)]
    public void BothMethodsAgreeWhereBothRun(int n, int d, int seed, double ratio)
    {
        var (x, y) = Teacher(n, d, seed);
        var problem = TvReluProblem.FromArrays(x, y);
        Assert.Equal(CertificationMethod.Enumeration, problem.ChosenMethod);
        var bnb = problem.WithMethod(BranchAndBound);

        Assert.Equal(problem.LambdaMax, bnb.LambdaMax, 1e-9 * problem.LambdaMax);
        var lambda = ratio * problem.LambdaMax;
        var byEnumeration = problem.Solve(lambda);
        var byBranchAndBound = bnb.Solve(lambda);

        Assert.True(byEnumeration.Certified && byBranchAndBound.Certified);
        Assert.Equal("enumeration", byEnumeration.Certification.Method);
        Assert.Null(byEnumeration.Certification.SupremumBounds);
        Assert.Equal("branch-and-bound", byBranchAndBound.Certification.Method);
        // Both objectives are within their certified gaps of the one optimum J*.
        Assert.True(
            Math.Abs(byEnumeration.Objective - byBranchAndBound.Objective) <= byEnumeration.Gap + byBranchAndBound.Gap + 1e-12 * byEnumeration.Objective,
            $"J = {byEnumeration.Objective} by enumeration, {byBranchAndBound.Objective} by branch and bound");
        // Each method certifies the other's minimiser, and the exact supremum lies in branch and bound's interval.
        Assert.True(problem.Certify(byBranchAndBound.Measure, lambda).Certified);
        var crossed = bnb.Certify(byEnumeration.Measure, lambda);
        Assert.True(crossed.Certified);
        var exact = problem.CertificateOf(crossed.Residual, lambda).SupremumAbs;
        var interval = crossed.SupremumBounds!;
        Assert.True(interval.Lower <= exact * (1 + 1e-12) && exact <= interval.Upper * (1 + 1e-12), $"{exact} outside {interval}");
    }

    [Fact]
    public void ATinyNodeLimitGivesAnHonestIntervalNotACertificate()
    {
        var (x, y) = Teacher(12, 8, 81);
        var problem = TvReluProblem.FromArrays(x, y);
        var lambda = 0.2 * problem.LambdaMax;
        var solution = problem.Solve(lambda);
        Assert.True(solution.Certified);

        var budgeted = problem.WithMethod(new MethodOptions { Method = CertificationMethod.Auto, NodeLimit = 1 });
        var report = budgeted.Certify(solution.Measure, lambda);

        var bounds = Assert.IsType<SupremumBounds>(report.SupremumBounds);
        Assert.False(bounds.Exact);
        Assert.Equal("node limit", bounds.Status);
        Assert.True(bounds.Lower <= bounds.Upper);
        Assert.True(bounds.Upper > 1, $"{bounds}");
        Assert.Equal(bounds.Upper, report.CertificateSup);
        Assert.False(report.Certified, $"gap {report.Gap}, tolerance {report.Tolerance}");
        // The gap from the upper end is still a true bound: the optimum is no lower than the dual objective.
        Assert.True(report.DualObjective <= solution.Objective + solution.Gap);
    }

    [Fact]
    public void ASaturationSetCutShortByABudgetSaysItIsPartial()
    {
        var (x, y) = Teacher(12, 8, 81);
        var problem = TvReluProblem.FromArrays(x, y);
        var lambda = 0.2 * problem.LambdaMax;
        var solution = problem.Solve(lambda);
        Assert.True(solution.Certified);

        // Unbudgeted, the search reaches every leaf: the set is complete and is the solve's Σ.
        var full = problem.CertificateOf(solution.Residual, lambda);
        Assert.True(full.SaturationComplete());
        Assert.Equal(solution.Saturation.Count, full.Saturation().Count);

        // One node cannot reach a leaf: whatever it lists is a part of the set, and it says so.
        var budgeted = problem.WithMethod(new MethodOptions { Method = CertificationMethod.BranchAndBound, NodeLimit = 1 })
            .CertificateOf(solution.Residual, lambda);
        Assert.False(budgeted.SaturationComplete());
        Assert.True(budgeted.Saturation().Count < full.Saturation().Count);
    }

    [Fact]
    public void BudgetsWithTheEnumerationOrNonPositiveAreRefused()
    {
        var problem = TvReluProblem.FromArrays(new double[,] { { 0 }, { 1 } }, [0.0, 1.0]);
        Assert.Contains("budget", Assert.Throws<TvReluInputException>(() => problem.WithMethod(Enumeration with { NodeLimit = 5 })).Message);
        Assert.Contains("node limit", Assert.Throws<TvReluInputException>(() => problem.WithMethod(BranchAndBound with { NodeLimit = 0 })).Message);
        Assert.Contains("time limit", Assert.Throws<TvReluInputException>(() => problem.WithMethod(BranchAndBound with { TimeLimit = TimeSpan.Zero })).Message);
    }

    private string WriteCsv(double[,] x, double[] y) => WriteCsv(_dir, x, y);

    /// <summary>The data as `dir/data.csv`, one row x1..xd, y per point, in round-trip precision.</summary>
    internal static string WriteCsv(string dir, double[,] x, double[] y)
    {
        var lines = Enumerable.Range(0, y.Length).Select(i =>
            string.Join(",", Enumerable.Range(0, x.GetLength(1)).Select(j => x[i, j]).Append(y[i]).Select(v => v.ToString("R", CultureInfo.InvariantCulture))));
        var path = Path.Combine(dir, "data.csv");
        File.WriteAllLines(path, lines);
        return path;
    }

    [Fact]
    public void TheCliCertifiesHighDimensionByBranchAndBoundAndSaysSo()
    {
        var (x, y) = Teacher(12, 7, 71);
        var data = WriteCsv(x, y);
        var solved = Path.Combine(_dir, "solve.json");

        var (code, _, err) = CliTests.Run("solve", "--data", data, "--lambda-ratio", "0.2", "--out", solved);

        Assert.True(code == 0, err);
        var json = CliTests.ReadJson(solved);
        Assert.Equal("branch-and-bound", json.GetProperty("method").GetString());
        Assert.True(json.GetProperty("certified").GetBoolean());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("regions").ValueKind);
        var interval = json.GetProperty("certificateSupBounds");
        Assert.True(interval.GetProperty("upper").GetDouble() >= interval.GetProperty("lower").GetDouble());

        var (refused, _, error) = CliTests.Run("solve", "--data", data, "--lambda", "1", "--method", "enumeration");
        Assert.Equal(2, refused);
        Assert.StartsWith("error: ", error);
        Assert.Contains("d ≤ 6", error);

        // A one-node budget: exit code 3 (finished, not certified), with the interval in the JSON.
        var audited = Path.Combine(_dir, "certify.json");
        var (budgeted, _, note) = CliTests.Run("certify", "--data", data, "--lambda-ratio", "0.2", "--measure", solved, "--node-limit", "1", "--out", audited);
        Assert.True(budgeted == 3, note);
        var audit = CliTests.ReadJson(audited);
        Assert.False(audit.GetProperty("certified").GetBoolean());
        Assert.Equal("branch-and-bound", audit.GetProperty("method").GetString());
        var bounds = audit.GetProperty("certificateSupBounds");
        Assert.False(bounds.GetProperty("exact").GetBoolean());
        Assert.Equal("node limit", bounds.GetProperty("status").GetString());
        Assert.True(bounds.GetProperty("lower").GetDouble() <= bounds.GetProperty("upper").GetDouble());

        // The same budget on `solve` (issue 15: exit 3 for a solve that finishes uncertified): a one-node search can
        // certify nothing here, so the solve ends uncertified, says so, and exits 3 with its interval in the JSON.
        var budgetedSolve = Path.Combine(_dir, "budgeted-solve.json");
        var (solveCode, _, solveNote) = CliTests.Run("solve", "--data", data, "--lambda-ratio", "0.2", "--node-limit", "1", "--out", budgetedSolve);
        Assert.True(solveCode == 3, solveNote);
        Assert.Contains("NOT certified", solveNote);
        var uncertified = CliTests.ReadJson(budgetedSolve);
        Assert.False(uncertified.GetProperty("certified").GetBoolean());
        Assert.Equal("branch-and-bound", uncertified.GetProperty("method").GetString());
    }

    [Fact]
    public void TheCliMethodsAgreeInLowDimension()
    {
        var (x, y) = Teacher(15, 2, 21);
        var data = WriteCsv(x, y);
        var objectives = new Dictionary<string, (double J, double Gap)>();
        foreach (var method in new[] { "enumeration", "branch-and-bound", "auto" })
        {
            var path = Path.Combine(_dir, $"{method}.json");
            var (code, _, err) = CliTests.Run("solve", "--data", data, "--lambda-ratio", "0.1", "--method", method, "--out", path);
            Assert.True(code == 0, $"{method}: {err}");
            var json = CliTests.ReadJson(path);
            Assert.Equal(method == "auto" ? "enumeration" : method, json.GetProperty("method").GetString());
            objectives[method] = (json.GetProperty("objective").GetDouble(), json.GetProperty("gap").GetDouble());
        }
        var (je, ge) = objectives["enumeration"];
        var (jb, gb) = objectives["branch-and-bound"];
        Assert.True(Math.Abs(je - jb) <= ge + gb + 1e-12 * je, $"{je} vs {jb}");
    }

    [Theory]
    [InlineData(15, 2, 22)]
    [InlineData(12, 4, 42)]
    public void BothMethodsGiveTheSameCertificate(int n, int d, int seed)
    {
        var (x, y) = Teacher(n, d, seed);
        var problem = TvReluProblem.FromArrays(x, y);
        var bnb = problem.WithMethod(BranchAndBound);
        var lambda = 0.1 * problem.LambdaMax;
        // A dual vector that is not optimal, so that sup η and inf η differ from ±1 and from each other.
        var q = problem.Solve(0.3 * problem.LambdaMax).Residual;

        var exact = problem.CertificateOf(q, lambda);
        var searched = bnb.CertificateOf(q, lambda);

        Assert.Equal("enumeration", exact.Method);
        Assert.Null(exact.SupremumInterval);
        Assert.Equal("branch-and-bound", searched.Method);
        Assert.True(searched.SupremumInterval!.Exact && searched.InfimumInterval!.Exact);
        var scale = Math.Max(exact.SupremumAbs, 1.0);
        Assert.Equal(exact.Supremum.Value, searched.Supremum.Value, 1e-9 * scale);
        Assert.Equal(exact.Infimum.Value, searched.Infimum.Value, 1e-9 * scale);
        Assert.Equal(exact.IsFeasible, searched.IsFeasible);
        // The arguments attain the values, by either evaluation.
        Assert.Equal(searched.Supremum.Value, exact.Evaluate(searched.Supremum.Argument), 1e-9 * scale);
        Assert.Equal(exact.Evaluate(exact.Infimum.Argument), searched.Evaluate(exact.Infimum.Argument), 1e-12 * scale);
    }

    [Fact]
    public void TheCliCertificateOfAHighDimensionalSolutionSaturatesAtOneBySearch()
    {
        var (x, y) = Teacher(12, 7, 71);
        var data = WriteCsv(x, y);
        var solved = Path.Combine(_dir, "solve.json");
        Assert.Equal(0, CliTests.Run("solve", "--data", data, "--lambda-ratio", "0.2", "--out", solved).Code);
        var residual = Path.Combine(_dir, "residual.json");
        File.WriteAllText(residual, JsonSerializer.Serialize(new { residual = ResidualOf(solved) }));
        var written = Path.Combine(_dir, "certificate.json");

        var (code, _, err) = CliTests.Run("certificate", "--data", data, "--lambda-ratio", "0.2", "--residual", residual, "--out", written);

        Assert.True(code == 0, err);
        var json = CliTests.ReadJson(written);
        Assert.Equal("branch-and-bound", json.GetProperty("method").GetString());
        // A certified residual saturates at 1 up to its gap; feasible means the searches' upper ends are at most 1.
        var upper = Math.Max(json.GetProperty("supremumBounds").GetProperty("upper").GetDouble(), -json.GetProperty("infimumBounds").GetProperty("lower").GetDouble());
        Assert.InRange(upper, 1 - 1e-6, 1 + 1e-6);
        Assert.Equal(upper <= 1, json.GetProperty("feasible").GetBoolean());
        Assert.NotEqual(0, json.GetProperty("saturation").GetArrayLength());
    }

    /// <summary>The residual y − Kμ of a solve document, recomputed from its atoms (the document does not store it).</summary>
    private static double[] ResidualOf(string solved)
    {
        var atoms = CliTests.ReadJson(solved).GetProperty("measure").GetProperty("atoms").EnumerateArray()
            .Select(a => new Atom(a.GetProperty("direction").EnumerateArray().Select(v => v.GetDouble()).ToArray(), a.GetProperty("amplitude").GetDouble()))
            .ToArray();
        var (x, y) = Teacher(12, 7, 71);
        var mu = Measure.FromAtoms(8, atoms);
        return Enumerable.Range(0, y.Length).Select(i => y[i] - mu.Evaluate(Enumerable.Range(0, 7).Select(j => x[i, j]).ToArray())).ToArray();
    }

    [Theory]
    [InlineData("--method", "simplex", "--method must be one of auto, enumeration, branch-and-bound")]
    [InlineData("--node-limit", "0", "--node-limit must be a positive number")]
    [InlineData("--node-limit", "2.5", "--node-limit must be a whole number")]
    [InlineData("--time-limit", "-1", "--time-limit must be a positive number")]
    public void BadMethodOptionsAreOneErrorLine(string option, string value, string message)
    {
        var data = WriteCsv(new double[,] { { 0 }, { 1 } }, [0.0, 1.0]);
        var (code, output, err) = CliTests.Run("solve", "--data", data, "--lambda", "0.1", option, value);
        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Contains(message, err);
        Assert.Single(err.Trim().Split('\n'));
    }
}
