namespace TvRelu.Tests;

/// <summary>
/// The method choice reaches every command (issue 14): `train` and `path` run by branch and bound where `auto` chooses it
/// (high d) or it is asked for, and agree with the enumeration where both run; `regions`, `compare`, `audit` and the weighted
/// problem need every region and refuse `--method branch-and-bound` with one `error:` line that says why.
/// </summary>
public sealed class MethodReachTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tvrelu-reach-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static readonly MethodOptions BranchAndBound = new() { Method = CertificationMethod.BranchAndBound };

    private static readonly TrainOptions ShortRun = new() { MaxEpochs = 400, Seed = 3, CertifyEvery = 0 };

    [Fact]
    public void TrainingInHighDimensionIsCertifiedByBranchAndBound()
    {
        var (x, y) = MethodChoiceTests.Teacher(12, 8, 81);
        var problem = TvReluProblem.FromArrays(x, y);
        Assert.Equal(CertificationMethod.BranchAndBound, problem.ChosenMethod);
        var lambda = 0.2 * problem.LambdaMax;

        var trained = problem.Train(lambda, 16, ShortRun);

        Assert.Equal("branch-and-bound", trained.Certification.Method);
        var bounds = Assert.IsType<SupremumBounds>(trained.Certification.SupremumBounds);
        Assert.True(bounds.Exact, $"{bounds}");
        Assert.True(trained.OptimalCertified);
        Assert.NotNull(trained.SaturationPoints);
        // J* (from the certified branch-and-bound solve) is below the network's J(μ) up to the solve's own gap, and the
        // network's gap bounds J(μ) − J*.
        var optimum = problem.Solve(lambda);
        Assert.True(trained.Objective >= trained.OptimalObjective - optimum.Gap, $"J(μ) {trained.Objective} below J* {trained.OptimalObjective}");
        Assert.True(trained.Excess <= trained.Gap + optimum.Gap, $"excess {trained.Excess} above the gap {trained.Gap}");
        Assert.Equal(trained.Measure.TotalVariation, trained.Certification.TotalVariation, 1e-12 * Math.Max(1, trained.Measure.TotalVariation));
    }

    [Fact]
    public void TrainingByEitherMethodCertifiesTheSameNetworkAlike()
    {
        var (x, y) = MethodChoiceTests.Teacher(14, 3, 31);
        var problem = TvReluProblem.FromArrays(x, y);
        var lambda = 0.1 * problem.LambdaMax;

        var enumerated = problem.Train(lambda, 12, ShortRun);
        var searched = problem.WithMethod(BranchAndBound).Train(lambda, 12, ShortRun);

        Assert.Equal("enumeration", enumerated.Certification.Method);
        Assert.Equal("branch-and-bound", searched.Certification.Method);
        // The same seed trains the same network; its exact sup|η| lies in branch and bound's interval, so both gaps agree.
        Assert.Equal(enumerated.Objective, searched.Objective, 1e-12 * enumerated.Objective);
        var b = searched.Certification.SupremumBounds!;
        var exact = enumerated.Certification.CertificateSup;
        Assert.True(b.Lower <= exact * (1 + 1e-9) && exact <= b.Upper * (1 + 1e-9), $"{exact} outside [{b.Lower}, {b.Upper}]");
        Assert.Equal(enumerated.Gap, searched.Gap, 1e-8 * enumerated.Objective);
        Assert.True(Math.Abs(enumerated.OptimalObjective - searched.OptimalObjective) <= 1e-8 * enumerated.OptimalObjective);
    }

    [Fact]
    public void ThePathRunsByBranchAndBoundAndAgreesWithTheEnumeration()
    {
        var (x, y) = MethodChoiceTests.Teacher(15, 2, 21);
        var problem = TvReluProblem.FromArrays(x, y);
        var lambdas = new[] { 0.05, 0.3, 0.1 }.Select(r => r * problem.LambdaMax).ToArray();

        var enumerated = problem.SolvePath(lambdas);
        var searched = problem.WithMethod(BranchAndBound).SolvePath(lambdas);

        Assert.Equal(3, searched.Count);
        Assert.Equal(lambdas.OrderByDescending(l => l), searched.Select(s => s.Lambda));
        for (var k = 0; k < 3; k++)
        {
            Assert.Equal("branch-and-bound", searched[k].Certification.Method);
            Assert.True(searched[k].Certified && enumerated[k].Certified);
            Assert.Equal(enumerated[k].Lambda, searched[k].Lambda);
            Assert.True(
                Math.Abs(enumerated[k].Objective - searched[k].Objective) <= enumerated[k].Gap + searched[k].Gap + 1e-12 * enumerated[k].Objective,
                $"λ = {searched[k].Lambda}: J = {enumerated[k].Objective} by enumeration, {searched[k].Objective} by branch and bound");
        }
    }

    [Fact]
    public void TheCliTrainsAndSolvesPathsByBranchAndBoundAndSaysSo()
    {
        var (x, y) = MethodChoiceTests.Teacher(12, 8, 81);
        var data = MethodChoiceTests.WriteCsv(_dir, x, y);
        var trained = Path.Combine(_dir, "train.json");
        var path = Path.Combine(_dir, "path.json");

        var (code, _, err) = CliTests.Run("train", "--data", data, "--lambda-ratio", "0.2", "--width", "8", "--epochs", "200", "--out", trained);
        var (pathCode, _, pathErr) = CliTests.Run("path", "--data", data, "--count", "2", "--min-ratio", "0.3", "--out", path);

        Assert.True(code == 0, err);
        var json = CliTests.ReadJson(trained);
        Assert.Equal("branch-and-bound", json.GetProperty("method").GetString());
        Assert.True(json.GetProperty("optimalCertified").GetBoolean());
        Assert.True(json.GetProperty("certificateSupBounds").GetProperty("exact").GetBoolean());
        Assert.True(pathCode == 0, pathErr);
        var records = CliTests.ReadJson(path).EnumerateArray().ToArray();
        Assert.Equal(2, records.Length);
        Assert.All(records, r => Assert.Equal("branch-and-bound", r.GetProperty("method").GetString()));

        // A one-node budget reaches training too: the network's supremum is an interval, not exact.
        var budgeted = Path.Combine(_dir, "budgeted.json");
        var (budgetCode, _, budgetErr) = CliTests.Run("train", "--data", data, "--lambda-ratio", "0.2", "--width", "8", "--epochs", "200", "--node-limit", "1", "--out", budgeted);
        Assert.True(budgetCode == 0, budgetErr);
        var interval = CliTests.ReadJson(budgeted).GetProperty("certificateSupBounds");
        Assert.False(interval.GetProperty("exact").GetBoolean());
        Assert.Equal("node limit", interval.GetProperty("status").GetString());
    }

    [Fact]
    public void TheCliPathByEnumerationSaysSo()
    {
        var (x, y) = MethodChoiceTests.Teacher(15, 2, 21);
        var data = MethodChoiceTests.WriteCsv(_dir, x, y);
        var path = Path.Combine(_dir, "path.json");

        var (code, _, err) = CliTests.Run("path", "--data", data, "--count", "2", "--min-ratio", "0.2", "--method", "enumeration", "--out", path);

        Assert.True(code == 0, err);
        Assert.All(CliTests.ReadJson(path).EnumerateArray(), r => Assert.Equal("enumeration", r.GetProperty("method").GetString()));
    }

    [Theory]
    [InlineData("regions", "every cell of the arrangement")]
    [InlineData("compare", "sliding Frank–Wolfe and the grid LASSO")]
    [InlineData("solve --weighted", "every face of every region")]
    [InlineData("audit", "regions of the arrangement")]
    public void CommandsThatNeedEveryRegionRefuseBranchAndBoundSayingWhy(string command, string why)
    {
        var data = MethodChoiceTests.WriteCsv(_dir, new double[,] { { 0 }, { 1 }, { 2 } }, [0.0, 1.0, 0.5]);
        string[] args = command switch
        {
            "regions" => ["regions", "--data", data],
            "compare" => ["compare", "--data", data, "--lambda", "0.1"],
            "solve --weighted" => ["solve", "--weighted", "--data", data, "--lambda", "0.1"],
            _ => ["audit", "--trials", "1", "--out", Path.Combine(_dir, "audit")],
        };

        var (code, output, err) = CliTests.Run([.. args, "--method", "branch-and-bound"]);

        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.StartsWith("error: ", err);
        Assert.Contains("cannot use branch and bound", err);
        Assert.Contains(why, err);
        Assert.Single(err.Trim().Split('\n'));
    }

    [Fact]
    public void TheCompareJsonSaysWhichMethodCertified()
    {
        var data = MethodChoiceTests.WriteCsv(_dir, new double[,] { { 0 }, { 1 }, { 2 }, { 3 } }, [0.0, 1.0, 0.5, 2.0]);
        var written = Path.Combine(_dir, "compare.json");

        var (code, _, err) = CliTests.Run("compare", "--data", data, "--lambda", "0.1", "--epochs", "50", "--grid", "50", "--out", written);

        Assert.True(code == 0, err);
        Assert.Equal("enumeration", CliTests.ReadJson(written).GetProperty("method").GetString());
    }
}
