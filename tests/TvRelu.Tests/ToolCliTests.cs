using System.Globalization;
using System.Text.Json;
using TvRelu.Cli.Output;

namespace TvRelu.Tests;

/// <summary>
/// The commands and behaviours of issue 15, run in-process: λ guidance, CSV delimiters, predict, the weighted
/// solve, exit codes, honest labels, one number format, plots and quiet progress.
/// </summary>
public sealed class ToolCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tvrelu-tool-tests-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Temp(string name) => Path.Combine(_dir, name);

    private string WriteTemp(string name, string content)
    {
        File.WriteAllText(Temp(name), content);
        return Temp(name);
    }

    private static (int Code, string Out, string Err) Run(params string[] args) => CliTests.Run(args);

    private static string R(double x) => x.ToString("R", CultureInfo.InvariantCulture);

    private static void AssertBadInput((int Code, string Out, string Err) run, string expected)
    {
        Assert.Equal(Cli.Cli.BadInput, run.Code);
        var line = Assert.Single(run.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: ", line);
        Assert.Contains(expected, line);
    }

    // ---------------------------------------------------------------------------------------------
    // λ guidance

    /// <summary>
    /// λ_max against two oracles that do not use the library's supremum: a dense sampling of the circle of
    /// neurons (a lower bound, close to it), and the optimality of the zero measure, which the solver must
    /// find just above λ_max and must not find just below.
    /// </summary>
    [Fact]
    public void LambdaMaxIsTheSupremumOfYPhiAndTheThresholdOfTheZeroMeasure()
    {
        var data = ReferenceData.PathOf("r1_kink_1d.csv");
        var (code, _, err) = Run("lambda-max", "--data", data, "--out", Temp("lm.json"));
        Assert.True(code == 0, err);
        var lambdaMax = CliTests.ReadJson(Temp("lm.json")).GetProperty("lambdaMax").GetDouble();

        var problem = ReferenceData.Problem("r1_kink_1d.csv");
        var sampled = Enumerable.Range(0, 200_000).Select(k => 2 * Math.PI * k / 200_000).Max(t =>
            Math.Abs(problem.Inputs.Select((x, i) => problem.Labels[i] * Math.Max(Math.Cos(t) * x[0] + Math.Sin(t), 0)).Sum()));
        Assert.InRange(sampled, lambdaMax * (1 - 1e-3), lambdaMax * (1 + 1e-12));

        Assert.Empty(problem.Solve(lambdaMax * 1.001).Measure.Atoms);
        Assert.NotEmpty(problem.Solve(lambdaMax * 0.99).Measure.Atoms);
    }

    [Fact]
    public void LambdaRatioSolvesAtThatFractionOfLambdaMaxAndReportsBoth()
    {
        var data = ReferenceData.PathOf("r3_teacher_2d.csv");
        Assert.Equal(0, Run("lambda-max", "--data", data, "--out", Temp("lm.json")).Code);
        var lambdaMax = CliTests.ReadJson(Temp("lm.json")).GetProperty("lambdaMax").GetDouble();

        var (code, _, err) = Run("solve", "--data", data, "--lambda-ratio", "0.05", "--out", Temp("ratio.json"));
        Assert.True(code == 0, err);
        var json = CliTests.ReadJson(Temp("ratio.json"));
        Assert.Equal(0.05 * lambdaMax, json.GetProperty("lambda").GetDouble(), 14);
        Assert.Equal(lambdaMax, json.GetProperty("lambdaMax").GetDouble());
        Assert.Equal(0.05, json.GetProperty("lambdaRatio").GetDouble(), 14);

        Assert.Equal(0, Run("solve", "--data", data, "--lambda", R(0.05 * lambdaMax), "--out", Temp("plain.json")).Code);
        Assert.Equal(CliTests.ReadJson(Temp("plain.json")).GetProperty("objective").GetDouble(), json.GetProperty("objective").GetDouble(), 12);
    }

    [Theory]
    [InlineData("solve")]
    [InlineData("certify")]
    [InlineData("train")]
    public void EveryCommandWithLambdaPrintsLambdaMaxAndTheRatio(string command)
    {
        var data = ReferenceData.PathOf("r2_duplicates_1d.csv");
        var measure = WriteTemp("m.json", """{"atoms": [{"direction": [1, 0], "amplitude": 0.1}]}""");
        string[] extra = command switch
        {
            "certify" => ["--measure", measure],
            "train" => ["--width", "5", "--epochs", "50"],
            _ => [],
        };

        var (_, stdout, _) = Run([command, "--data", data, "--lambda-ratio", "0.1", .. extra]);
        var (_, _, _) = Run([command, "--data", data, "--lambda-ratio", "0.1", .. extra, "--out", Temp("o.json")]);

        Assert.Contains("λ_max", stdout);
        Assert.Contains("λ / λ_max", stdout);
        Assert.Contains("│ 0.1 ", stdout);
        var json = CliTests.ReadJson(Temp("o.json"));
        Assert.Equal(0.1, json.GetProperty("lambdaRatio").GetDouble(), 14);
        Assert.True(json.GetProperty("lambdaMax").GetDouble() > 0);
    }

    [Fact]
    public void CompareAndRegionsGainTheCompanionsOfData()
    {
        var (_, compare, _) = Run("compare", "--help");
        var (_, regions, _) = Run("regions", "--help");

        Assert.Contains("--lambda-ratio", compare);
        Assert.Contains("--delimiter", compare);
        Assert.Contains("--delimiter", regions);
        Assert.DoesNotContain("--lambda-ratio", regions);
    }

    public static TheoryData<string, string[]> BadLambdas() => new()
    {
        { "not both", ["--lambda", "0.1", "--lambda-ratio", "0.1"] },
        { "--lambda-ratio must be a positive finite number (got -0.5)", ["--lambda-ratio", "-0.5"] },
        { "--lambda-ratio must be a number (got 'x')", ["--lambda-ratio", "x"] },
        { "λ must be a positive finite number (got 0)", ["--lambda", "0"] },
    };

    [Theory]
    [MemberData(nameof(BadLambdas))]
    public void BadLambdaChoicesAreOneErrorLine(string expected, string[] lambda) =>
        AssertBadInput(Run(["solve", "--data", ReferenceData.PathOf("r1_kink_1d.csv"), .. lambda]), expected);

    [Fact]
    public void ARatioOfAZeroLambdaMaxIsRefused()
    {
        var zeros = WriteTemp("zeros.csv", "x,y\n0,0\n1,0\n2,0\n");

        AssertBadInput(Run("solve", "--data", zeros, "--lambda-ratio", "0.1"), "λ_max = 0");
        Assert.Equal(0, Run("lambda-max", "--data", zeros).Code);
    }

    // ---------------------------------------------------------------------------------------------
    // CSV delimiters

    [Theory]
    [InlineData("\t", null)]
    [InlineData(";", null)]
    [InlineData(";", "semicolon")]
    [InlineData("\t", "tab")]
    [InlineData(",", "comma")]
    public void TabAndSemicolonFilesGiveTheSameProblemAsCommaFiles(string separator, string? option)
    {
        var comma = File.ReadAllLines(ReferenceData.PathOf("r4_collinear_2d.csv"));
        var file = WriteTemp("data.txt", string.Join("\n", comma.Select(l => l.Replace(",", separator))));
        string[] delimiter = option is null ? [] : ["--delimiter", option];

        var (code, _, err) = Run(["solve", "--data", file, "--lambda", "0.05", .. delimiter, "--out", Temp("s.json")]);
        Assert.True(code == 0, err);
        Assert.Equal(0, Run("solve", "--data", ReferenceData.PathOf("r4_collinear_2d.csv"), "--lambda", "0.05", "--out", Temp("c.json")).Code);

        var (a, b) = (CliTests.ReadJson(Temp("s.json")), CliTests.ReadJson(Temp("c.json")));
        Assert.Equal(b.GetProperty("n").GetInt32(), a.GetProperty("n").GetInt32());
        Assert.Equal(b.GetProperty("objective").GetDouble(), a.GetProperty("objective").GetDouble());
    }

    public static TheoryData<string, string, string[]> BadCsvs() => new()
    {
        { "x;y\n0,5;1\n1,5;2\n", "has a decimal comma: write it with '.'", [] },
        { "x\ty\n0,5\t1\n", "has a decimal comma", [] },
        { "x|y\n0|1\n1|2\n", "comma-, tab- or semicolon-separated", [] },
        { "x y\n0 1\n1 2\n", "comma-, tab- or semicolon-separated", [] },
        { "x,y\n0,1\n1,2\n", "--delimiter must be comma, tab or semicolon (got 'pipe')", ["--delimiter", "pipe"] },
        { "x;y\n0;1\n1;2\n", "comma-, tab- or semicolon-separated", ["--delimiter", "comma"] },
    };

    [Theory]
    [MemberData(nameof(BadCsvs))]
    public void AnyOtherFormatIsRefusedNamingTheAcceptedOnes(string content, string expected, string[] options) =>
        AssertBadInput(Run(["regions", "--data", WriteTemp("bad.csv", content), .. options]), expected);

    // ---------------------------------------------------------------------------------------------
    // predict

    /// <summary>
    /// At the data, predict's f − y is minus the residual q = y − Kμ that the solver computed through the
    /// feature matrix K: two different evaluations of the same network.
    /// </summary>
    [Theory]
    [InlineData("r1_kink_1d.csv", 0.01)]
    [InlineData("r3_teacher_2d.csv", 0.02)]
    public void PredictAtTheDataGivesMinusTheSolversResidual(string file, double lambda)
    {
        var data = ReferenceData.PathOf(file);
        Assert.Equal(0, Run("solve", "--data", data, "--lambda", R(lambda), "--out", Temp("s.json")).Code);
        var residual = ReferenceData.Problem(file).Solve(lambda).Residual;

        var (code, stdout, err) = Run("predict", "--model", Temp("s.json"), "--data", data);

        Assert.True(code == 0, err);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.EndsWith(",y,f,residual", lines[0]);
        Assert.Equal(residual.Count, lines.Length - 1);
        var scale = residual.Max(Math.Abs) + 1;
        for (var i = 0; i < residual.Count; i++)
        {
            var predicted = double.Parse(lines[i + 1].Split(',')[^1], CultureInfo.InvariantCulture);
            Assert.True(Math.Abs(predicted + residual[i]) <= 1e-12 * scale, $"row {i + 1}: {predicted} vs {-residual[i]}");
        }
    }

    [Fact]
    public void PredictReadsATrainedNetworksRawWeightsAndInputsWithoutLabels()
    {
        var data = ReferenceData.PathOf("r1_kink_1d.csv");
        Assert.Equal(0, Run("train", "--data", data, "--lambda", "0.01", "--width", "7", "--epochs", "100", "--out", Temp("t.json")).Code);
        var inputs = WriteTemp("x.csv", "x\n-1.5\n0\n0.25\n2\n");

        var (code, _, err) = Run("predict", "--model", Temp("t.json"), "--data", inputs, "--out", Temp("p.csv"));

        Assert.True(code == 0, err);
        var neurons = CliTests.ReadJson(Temp("t.json")).GetProperty("network").GetProperty("neurons").EnumerateArray()
            .Select(n => (W: n.GetProperty("inputWeights")[0].GetDouble(), B: n.GetProperty("bias").GetDouble(), C: n.GetProperty("outputWeight").GetDouble()))
            .ToArray();
        var rows = File.ReadAllLines(Temp("p.csv"));
        Assert.Equal("x1,f", rows[0]);
        foreach (var row in rows.Skip(1))
        {
            var v = row.Split(',').Select(s => double.Parse(s, CultureInfo.InvariantCulture)).ToArray();
            var expected = neurons.Sum(n => n.C * Math.Max(n.W * v[0] + n.B, 0));
            Assert.Equal(expected, v[1], 13);
        }
    }

    [Fact]
    public void APathFileNeedsAnEntryOrALambdaAndGivesThatRecordsNetwork()
    {
        var data = ReferenceData.PathOf("r1_kink_1d.csv");
        Assert.Equal(0, Run("solve", "--data", data, "--lambda", "0.1", "--out", Temp("a.json")).Code);
        Assert.Equal(0, Run("solve", "--data", data, "--lambda", "0.01", "--out", Temp("b.json")).Code);
        var records = new[] { File.ReadAllText(Temp("a.json")), File.ReadAllText(Temp("b.json")) };
        var array = WriteTemp("path.json", "[" + string.Join(",", records) + "]");
        var wrapped = WriteTemp("wrapped.json", "{\"convention\": \"x\", \"path\": [" + string.Join(",", records) + "]}");
        var lines = WriteTemp("path.jsonl", string.Join("\n", records.Select(r => JsonSerializer.Serialize(JsonDocument.Parse(r).RootElement))));
        var x = WriteTemp("x.csv", "x\n0.3\n");

        var single = Run("predict", "--model", Temp("b.json"), "--data", x).Out;
        foreach (var file in new[] { array, wrapped, lines })
        {
            AssertBadInput(Run("predict", "--model", file, "--data", x), "holds 2 records");
            Assert.Equal(single, Run("predict", "--model", file, "--data", x, "--entry", "2").Out);
            Assert.Equal(single, Run("predict", "--model", file, "--data", x, "--lambda", "0.01").Out);
        }
        AssertBadInput(Run("predict", "--model", array, "--data", x, "--entry", "3"), "--entry 3 is out of range");
        AssertBadInput(Run("predict", "--model", array, "--data", x, "--lambda", "0.5"), "no record at λ = 0.5");
    }

    public static TheoryData<string, string[]> BadPredictions() => new()
    {
        { "has 3 columns, but the model takes d = 1", ["--model", "@model", "--data", "@three.csv"] },
        { "model file '/no/model.json' does not exist", ["--model", "/no/model.json", "--data", "@three.csv"] },
        { "has no network", ["--model", "@empty.json", "--data", "@three.csv"] },
        { "has no neurons", ["--model", "@zero.json", "--data", "@three.csv"] },
    };

    [Theory]
    [MemberData(nameof(BadPredictions))]
    public void BadPredictInputIsOneErrorLine(string expected, string[] args)
    {
        var map = new Dictionary<string, string>
        {
            ["@model"] = WriteTemp("model.json", """{"atoms": [{"direction": [1, 0], "amplitude": 1}]}"""),
            ["@three.csv"] = WriteTemp("three.csv", "1,2,3\n4,5,6\n"),
            ["@empty.json"] = WriteTemp("empty.json", """{"weights": []}"""),
            ["@zero.json"] = WriteTemp("zero.json", """{"measure": {"atoms": []}}"""),
        };
        AssertBadInput(Run(["predict", .. args.Select(a => map.GetValueOrDefault(a, a))]), expected);
    }

    // ---------------------------------------------------------------------------------------------
    // solve --weighted

    [Fact]
    public void SolveWeightedIsTheFacadesLabelNoiseSolution()
    {
        var (code, stdout, err) = Run("solve", "--data", ReferenceData.PathOf("r1_kink_1d.csv"), "--lambda", "0.01", "--weighted", "--out", Temp("w.json"));

        Assert.True(code == 0, err);
        Assert.Contains("wrote", stdout);
        var json = CliTests.ReadJson(Temp("w.json"));
        var facade = ReferenceData.Problem("r1_kink_1d.csv").SolveWeighted(0.01);
        Assert.Equal("weighted-tv", json.GetProperty("problem").GetString());
        Assert.True(json.GetProperty("certified").GetBoolean());
        Assert.Equal(facade.Objective, json.GetProperty("objective").GetDouble(), 12);
        Assert.Equal(facade.Measure.Atoms.Count, json.GetProperty("measure").GetProperty("atoms").GetArrayLength());
        Assert.Contains("ω", json.GetProperty("convention").GetString());

        AssertBadInput(Run("solve", "--data", ReferenceData.PathOf("r1_kink_1d.csv"), "--lambda", "0.01", "--weighted", "--exact"), "--weighted");
    }

    /// <summary>The weighted λ_max is the threshold of the weighted problem's zero solution.</summary>
    [Fact]
    public void WeightedLambdaMaxIsTheWeightedProblemsThreshold()
    {
        var problem = ReferenceData.Problem("r2_duplicates_1d.csv");
        var lambdaMax = problem.WeightedLambdaMax;

        Assert.Empty(problem.SolveWeighted(lambdaMax * 1.001).Measure.Atoms);
        Assert.NotEmpty(problem.SolveWeighted(lambdaMax * 0.98).Measure.Atoms);
        Assert.NotEqual(problem.LambdaMax, lambdaMax);
    }

    // ---------------------------------------------------------------------------------------------
    // exit codes and honest output

    [Fact]
    public void HelpStatesTheExitCodes()
    {
        var (code, stdout, _) = Run("--help");

        Assert.Equal(0, code);
        Assert.Contains("Exit codes: 0", stdout);
        Assert.Contains("3 finished but NOT certified", stdout);
    }

    [Fact]
    public void CertifiedRunsExitZeroAndUncertifiedCertifyExitsThree()
    {
        var data = ReferenceData.PathOf("r1_kink_1d.csv");
        Assert.Equal(0, Run("solve", "--data", data, "--lambda", "0.01", "--out", Temp("s.json")).Code);
        Assert.Equal(0, Run("certify", "--data", data, "--lambda", "0.01", "--measure", Temp("s.json")).Code);
        // The optimum at another λ is not optimal here.
        var (code, _, stderr) = Run("certify", "--data", data, "--lambda", "0.05", "--measure", Temp("s.json"));
        Assert.Equal(Cli.Cli.NotCertified, code);
        Assert.Contains("exit code 3", stderr);
    }

    /// <summary>q = y at a small λ has sup |η| far above 1: its regions' extremes are not a saturation set.</summary>
    [Fact]
    public void AnInfeasibleDualVectorHasViolationsNotASaturationSet()
    {
        var data = ReferenceData.PathOf("r1_kink_1d.csv");
        var labels = WriteTemp("q.json", JsonSerializer.Serialize(ReferenceData.Problem("r1_kink_1d.csv").Labels));

        var (code, stdout, _) = Run("certificate", "--data", data, "--lambda", "0.001", "--residual", labels);
        Assert.Equal(0, Run("certificate", "--data", data, "--lambda", "0.001", "--residual", labels, "--out", Temp("c.json")).Code);

        Assert.Equal(0, code);
        Assert.Contains("NOT dual feasible", stdout);
        Assert.DoesNotContain("saturation set Σ", stdout);
        var json = CliTests.ReadJson(Temp("c.json"));
        Assert.Equal(0, json.GetProperty("saturation").GetArrayLength());
        Assert.NotEqual(0, json.GetProperty("violations").GetArrayLength());
        Assert.All(json.GetProperty("violations").EnumerateArray(), v => Assert.True(Math.Abs(v.GetProperty("value").GetDouble()) > 1));
    }

    [Fact]
    public void TrainNamesTheExactMinimiserAsSuchAndSummarisesTheNetworksOwnMeasure()
    {
        var (code, stdout, err) = Run("train", "--data", ReferenceData.PathOf("r1_kink_1d.csv"), "--lambda", "0.01", "--width", "6", "--epochs", "50");

        Assert.True(code == 0, err);
        Assert.Contains("network's measure μ", stdout);
        Assert.Contains("for comparison, the exact minimiser μ* of P_λ", stdout);
        Assert.DoesNotContain("measure: ", stdout);
        // Progress is for terminals only: none in redirected output.
        Assert.DoesNotContain("training m = 6, objective", stdout);
        Assert.DoesNotContain("\u001b[", stdout);
    }

    [Theory]
    [InlineData(0.0, "0")]
    [InlineData(1.0, "1")]
    [InlineData(0.1 + 0.2, "0.3")]
    [InlineData(-2.5e-7, "-2.5e-7")]
    [InlineData(1e-13, "1e-13")]
    [InlineData(123456.789, "123456.789")]
    [InlineData(6.02214076e23, "6.02214076e23")]
    [InlineData(0.00012345, "0.00012345")]
    public void NumbersHaveOneFormat(double x, string expected) => Assert.Equal(expected, Tables.Num(x));

    [Fact]
    public void CountsArePluralisedAndLongFractionsSummarised()
    {
        Assert.Equal("1 atom", Tables.Count(1, "atom"));
        Assert.Equal("3 atoms", Tables.Count(3, "atom"));
        Assert.Equal("0 atoms", Tables.Count(0, "atom"));
        Assert.Equal("12/7", Tables.Rational("12/7"));
        var summary = Tables.Rational(new string('3', 120) + "/" + new string('7', 80));
        Assert.Contains("120 / 80 digits", summary);
        Assert.True(summary.Length < 60);
    }

    // ---------------------------------------------------------------------------------------------
    // plots

    [Theory]
    [InlineData("r3_teacher_2d.csv", false, 1340)]
    [InlineData("r4_collinear_2d.csv", true, 850)]
    [InlineData("r1_kink_1d.csv", true, 650)]
    public void PlotsAreWrittenAtTheirSizes(string file, bool weighted, int height)
    {
        string[] flag = weighted ? ["--weighted"] : [];
        var (code, stdout, err) = Run(["solve", "--data", ReferenceData.PathOf(file), "--lambda", "0.02", .. flag, "--plot", Temp("p.png"), "--out", Temp("s.json")]);

        Assert.True(code == 0, err);
        Assert.Contains("plot: ", stdout);
        var png = File.ReadAllBytes(Temp("p.png"));
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
        Assert.True(png.Length > 10_000, $"{png.Length} bytes");
        // IHDR: width and height, big-endian, at bytes 16 and 20.
        Assert.Equal(1000, (png[16] << 24) | (png[17] << 16) | (png[18] << 8) | png[19]);
        Assert.Equal(height, (png[20] << 24) | (png[21] << 16) | (png[22] << 8) | png[23]);
    }
}
