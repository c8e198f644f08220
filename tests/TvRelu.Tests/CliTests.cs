using System.Text.Json;
using TvRelu.Cli;

namespace TvRelu.Tests;

/// <summary>The `tvrelu` command line, run in-process through Cli.Run.</summary>
public sealed class CliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tvrelu-cli-tests-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Temp(string name) => Path.Combine(_dir, name);

    private string WriteTemp(string name, string content)
    {
        File.WriteAllText(Temp(name), content);
        return Temp(name);
    }

    internal static (int Code, string Out, string Err) Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = Cli.Cli.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    internal static JsonElement ReadJson(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return document.RootElement.Clone();
    }

    private static readonly string[] SolveFields =
    [
        "convention", "n", "d", "lambda", "lambdaMax", "lambdaRatio", "objective", "dualObjective", "gap", "certified", "certificateSup",
        "measure", "saturation", "regions", "bounds", "uniqueness", "seconds", "timings", "method",
    ];

    private static void AssertFields(JsonElement element, params string[] names) =>
        Assert.Equal(names.Order(), element.EnumerateObject().Select(p => p.Name).Order());

    private static void AssertUnitDirection(JsonElement direction, int length)
    {
        Assert.Equal(JsonValueKind.Array, direction.ValueKind);
        Assert.Equal(length, direction.GetArrayLength());
        Assert.Equal(1.0, Math.Sqrt(direction.EnumerateArray().Sum(v => v.GetDouble() * v.GetDouble())), 12);
    }

    [Fact]
    public void PathWritesOneCertifiedSolveRecordPerLogSpacedLambda()
    {
        var (code, stdout, stderr) = Run("path", "--data", ReferenceData.PathOf("r1_kink_1d.csv"), "--count", "5", "--min-ratio", "1e-3", "--out", Temp("path.json"));

        Assert.Equal(0, code);
        Assert.Equal("", stderr);
        Assert.Contains("wrote", stdout);
        var records = ReadJson(Temp("path.json")).EnumerateArray().ToArray();
        Assert.Equal(5, records.Length);
        var lambdaMax = records[0].GetProperty("lambdaMax").GetDouble();
        for (var i = 0; i < records.Length; i++)
        {
            AssertFields(records[i], SolveFields);
            Assert.True(records[i].GetProperty("certified").GetBoolean());
            // λ_i = λ_max · (1e-3)^(i/4): from λ_max down to 1e-3 λ_max, log-spaced.
            Assert.Equal(Math.Pow(1e-3, i / 4.0), records[i].GetProperty("lambda").GetDouble() / lambdaMax, 12);
        }
        // At λ = λ_max the zero measure is optimal (THEORY.md §2).
        Assert.Equal(0, records[0].GetProperty("measure").GetProperty("atoms").GetArrayLength());
    }

    [Theory]
    [InlineData("--count", "0")]
    [InlineData("--min-ratio", "1.5")]
    [InlineData("--min-ratio", "0")]
    public void PathRefusesABadGridWithOneErrorLine(string option, string value)
    {
        var (code, _, stderr) = Run("path", "--data", ReferenceData.PathOf("r1_kink_1d.csv"), option, value);

        Assert.Equal(2, code);
        Assert.StartsWith("error: ", stderr);
        Assert.Contains(option, stderr);
        Assert.Single(stderr.Trim().Split('\n'));
    }

    [Theory]
    [InlineData("r3_teacher_2d.csv", 0.02, 2)]
    [InlineData("r1_kink_1d.csv", 0.01, 1)]
    public void SolveWritesEveryRequiredFieldWithTheRightTypes(string file, double lambda, int d)
    {
        var (code, stdout, stderr) = Run("solve", "--data", ReferenceData.PathOf(file), "--lambda", lambda.ToString("R", System.Globalization.CultureInfo.InvariantCulture), "--out", Temp("solution.json"));

        Assert.Equal(0, code);
        Assert.Equal("", stderr);
        Assert.Contains("wrote", stdout);
        var json = ReadJson(Temp("solution.json"));
        AssertFields(json, SolveFields);
        Assert.Equal(TvReluProblem.Convention, json.GetProperty("convention").GetString());
        Assert.Equal(ReferenceData.Problem(file).DataPoints, json.GetProperty("n").GetInt32());
        Assert.Equal(d, json.GetProperty("d").GetInt32());
        Assert.Equal(lambda, json.GetProperty("lambda").GetDouble());
        foreach (var number in new[] { "objective", "dualObjective", "gap", "certificateSup", "seconds" })
        {
            Assert.Equal(JsonValueKind.Number, json.GetProperty(number).ValueKind);
        }
        Assert.Equal(JsonValueKind.True, json.GetProperty("certified").ValueKind);

        var measure = json.GetProperty("measure");
        AssertFields(measure, "atoms", "totalVariation");
        Assert.NotEqual(0, measure.GetProperty("atoms").GetArrayLength());
        foreach (var atom in measure.GetProperty("atoms").EnumerateArray())
        {
            AssertFields(atom, "direction", "amplitude");
            AssertUnitDirection(atom.GetProperty("direction"), d + 1);
            Assert.Equal(JsonValueKind.Number, atom.GetProperty("amplitude").ValueKind);
        }
        Assert.Equal(
            measure.GetProperty("atoms").EnumerateArray().Sum(a => Math.Abs(a.GetProperty("amplitude").GetDouble())),
            measure.GetProperty("totalVariation").GetDouble(), 12);

        foreach (var point in json.GetProperty("saturation").EnumerateArray())
        {
            AssertFields(point, "direction", "sign", "interior");
            AssertUnitDirection(point.GetProperty("direction"), d + 1);
            Assert.Contains(point.GetProperty("sign").GetInt32(), new[] { -1, 1 });
            Assert.Contains(point.GetProperty("interior").ValueKind, new[] { JsonValueKind.True, JsonValueKind.False });
        }

        var regions = json.GetProperty("regions");
        AssertFields(regions, "cells", "cellsWithActiveNeurons");
        Assert.True(regions.GetProperty("cells").GetInt32() >= regions.GetProperty("cellsWithActiveNeurons").GetInt32());

        var bounds = json.GetProperty("bounds");
        AssertFields(bounds, "saturationPoints", "twiceActiveCells", "faces", "dataPoints");
        Assert.Equal(json.GetProperty("saturation").GetArrayLength(), bounds.GetProperty("saturationPoints").GetInt32());
        Assert.Equal(2 * regions.GetProperty("cellsWithActiveNeurons").GetInt32(), bounds.GetProperty("twiceActiveCells").GetInt32());
        Assert.Equal(JsonValueKind.Null, bounds.GetProperty("faces").ValueKind);
        Assert.Equal(json.GetProperty("n").GetInt32(), bounds.GetProperty("dataPoints").GetInt32());

        var uniqueness = json.GetProperty("uniqueness");
        AssertFields(uniqueness, "rankSufficient", "unique", "known");
        Assert.Contains(uniqueness.GetProperty("unique").ValueKind, new[] { JsonValueKind.True, JsonValueKind.False });
        Assert.True(uniqueness.GetProperty("known").GetBoolean());

        AssertFields(json.GetProperty("timings"), "enumeration", "solve", "certification");
    }

    [Fact]
    public void SolveWithFacesReportsTheFaceBound()
    {
        var (code, _, _) = Run("solve", "--data", ReferenceData.PathOf("r4_collinear_2d.csv"), "--lambda", "0.05", "--faces", "--out", Temp("s.json"));

        Assert.Equal(0, code);
        var bounds = ReadJson(Temp("s.json")).GetProperty("bounds");
        Assert.True(bounds.GetProperty("faces").GetInt32() >= bounds.GetProperty("saturationPoints").GetInt32());
    }

    [Fact]
    public void SolveWithoutOutPrintsASummaryTable()
    {
        var (code, stdout, _) = Run("solve", "--data", ReferenceData.PathOf("r1_kink_1d.csv"), "--lambda", "0.01");

        Assert.Equal(0, code);
        Assert.Contains("certified gap", stdout);
        Assert.Contains("saturation set", stdout);
        Assert.False(File.Exists(Temp("s.json")));
    }

    [Fact]
    public void CertifyOnTheJsonWrittenBySolveReportsCertified()
    {
        var data = ReferenceData.PathOf("r2_duplicates_1d.csv");
        Assert.Equal(0, Run("solve", "--data", data, "--lambda", "0.05", "--out", Temp("solution.json")).Code);

        var (code, stdout, stderr) = Run("certify", "--data", data, "--lambda", "0.05", "--measure", Temp("solution.json"), "--out", Temp("audit.json"));

        Assert.Equal(0, code);
        Assert.Equal("", stderr);
        Assert.Contains("wrote", stdout);
        var audit = ReadJson(Temp("audit.json"));
        var solution = ReadJson(Temp("solution.json"));
        Assert.True(audit.GetProperty("certified").GetBoolean());
        Assert.Equal(solution.GetProperty("objective").GetDouble(), audit.GetProperty("objective").GetDouble(), 12);
        Assert.True(audit.GetProperty("certificateSup").GetDouble() <= 1 + 1e-6);
        Assert.True(audit.GetProperty("gap").GetDouble() <= audit.GetProperty("tolerance").GetDouble());
    }

    [Fact]
    public void CertifyReadsTopLevelAtomsFromAnotherSourceAndPrintsATable()
    {
        // A hand-written, non-unit, sub-optimal network: certify still audits it, and does not certify it.
        var measure = WriteTemp("other.json", """{"atoms": [{"direction": [2.0, 0.5], "amplitude": 0.3}, {"direction": [-1, 1], "amplitude": -0.2}]}""");

        var (code, stdout, stderr) = Run("certify", "--data", ReferenceData.PathOf("r1_kink_1d.csv"), "--lambda", "0.01", "--measure", measure);

        Assert.Equal(Cli.Cli.NotCertified, code);
        Assert.Contains("NOT certified", stderr);
        Assert.Contains("certified", stdout);
        Assert.Contains("NO", stdout);
        Assert.Contains("exact sup |η|", stdout);
    }

    [Fact]
    public void CertificateReportsTheExactExtremesOfAGivenResidual()
    {
        var problem = ReferenceData.Problem("r1_kink_1d.csv");
        var solution = problem.Solve(0.01);
        var residual = WriteTemp("residual.json", JsonSerializer.Serialize(new { residual = solution.Residual }));
        var bare = WriteTemp("bare.json", JsonSerializer.Serialize(solution.Residual));

        var (code, _, _) = Run("certificate", "--data", ReferenceData.PathOf("r1_kink_1d.csv"), "--lambda", "0.01", "--residual", residual, "--out", Temp("c.json"));
        var (codeBare, stdout, _) = Run("certificate", "--data", ReferenceData.PathOf("r1_kink_1d.csv"), "--lambda", "0.01", "--residual", bare);

        Assert.Equal(0, code);
        Assert.Equal(0, codeBare);
        Assert.Contains("sup η (exact)", stdout);
        var json = ReadJson(Temp("c.json"));
        Assert.Equal(1.0, json.GetProperty("supremumAbs").GetDouble(), 6);
        Assert.True(json.GetProperty("feasible").GetBoolean() || json.GetProperty("supremumAbs").GetDouble() <= 1 + 1e-12);
        AssertUnitDirection(json.GetProperty("supremum").GetProperty("argument"), 2);
        Assert.Equal(solution.Saturation.Count, json.GetProperty("saturation").GetArrayLength());
    }

    [Fact]
    public void RegionsWithFacesOnCube3GivesThePublishedCountAndTheEulerCharacteristic()
    {
        var (code, _, stderr) = Run("regions", "--data", ReferenceData.PathOf("cube3.csv"), "--faces", "--out", Temp("regions.json"));

        Assert.Equal(0, code);
        Assert.Equal("", stderr);
        var json = ReadJson(Temp("regions.json"));
        Assert.Equal("enumeration", json.GetProperty("method").GetString());
        Assert.Equal(104, json.GetProperty("cells").GetInt32());
        Assert.Equal(JsonValueKind.Number, json.GetProperty("coverCount").ValueKind);
        Assert.Equal(128, json.GetProperty("coverCount").GetInt64());
        Assert.False(json.GetProperty("generalPosition").GetBoolean());
        var faces = json.GetProperty("faces").EnumerateArray().Select(f => f.GetInt32()).ToArray();
        Assert.Equal(4, faces.Length);
        Assert.Equal(104, faces[^1]);
        var euler = faces.Select((f, k) => k % 2 == 0 ? f : -f).Sum();
        Assert.Equal(euler, json.GetProperty("eulerCharacteristic").GetInt32());
        Assert.Equal(json.GetProperty("expectedEulerCharacteristic").GetInt32(), json.GetProperty("eulerCharacteristic").GetInt32());
        Assert.Equal(0, json.GetProperty("eulerCharacteristic").GetInt32()); // 1 + (−1)^3
    }

    [Fact]
    public void RegionsWithoutFacesOmitsThemAndPrintsATable()
    {
        var (code, _, _) = Run("regions", "--data", ReferenceData.PathOf("cube2.csv"), "--out", Temp("r.json"));
        var (codeTable, stdout, _) = Run("regions", "--data", ReferenceData.PathOf("cube2.csv"));

        Assert.Equal(0, code);
        Assert.Equal(0, codeTable);
        var json = ReadJson(Temp("r.json"));
        Assert.Equal(14, json.GetProperty("cells").GetInt32());
        Assert.False(json.TryGetProperty("faces", out _));
        Assert.Contains("cells (dual regions)", stdout);
        Assert.Contains("14", stdout);
    }

    [Fact]
    public void DemoWritesANonEmptyPngAndPrintsItsPath()
    {
        var (code, stdout, stderr) = Run("demo", "--out-dir", _dir);

        Assert.Equal(0, code);
        Assert.Equal("", stderr);
        var png = Temp("tvrelu-demo.png");
        Assert.Contains($"plot: {png}", stdout);
        Assert.Contains("certified", stdout);
        var bytes = File.ReadAllBytes(png);
        Assert.True(bytes.Length > 10_000, $"only {bytes.Length} bytes");
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);
    }

    [Fact]
    public void SolveCanPlotInTwoDimensions()
    {
        var (code, stdout, _) = Run("solve", "--data", ReferenceData.PathOf("r3_teacher_2d.csv"), "--lambda", "0.02", "--out", Temp("s.json"), "--plot", Temp("fit.png"));

        Assert.Equal(0, code);
        Assert.Contains($"plot: {Temp("fit.png")}", stdout);
        Assert.True(new FileInfo(Temp("fit.png")).Length > 10_000);
    }

    public static TheoryData<string, string[]> BadInputs()
    {
        var r1 = ReferenceData.PathOf("r1_kink_1d.csv");
        return new TheoryData<string, string[]>
        {
            { "does not exist", ["solve", "--data", "/no/such/data.csv", "--lambda", "0.1"] },
            { "line 3", ["solve", "--data", "@bad.csv", "--lambda", "0.1"] },
            { "NaN", ["solve", "--data", "@nan.csv", "--lambda", "0.1"] },
            { "λ must be a positive finite number (got 0)", ["solve", "--data", r1, "--lambda", "0"] },
            { "λ must be a positive finite number (got -1)", ["certify", "--data", r1, "--lambda", "-1", "--measure", "@measure1.json"] },
            { "--lambda must be a number (got 'abc')", ["solve", "--data", r1, "--lambda", "abc"] },
            { "give λ with --lambda L, or as a fraction of λ_max with --lambda-ratio R", ["solve", "--data", r1] },
            { "need d + 1 = 2", ["certify", "--data", r1, "--lambda", "0.1", "--measure", "@measure2.json"] },
            { "not valid JSON", ["certify", "--data", r1, "--lambda", "0.1", "--measure", "@broken.json"] },
            { "no array 'measure.atoms' or 'atoms'", ["certify", "--data", r1, "--lambda", "0.1", "--measure", "@noatoms.json"] },
            { "has 2 entries but the data set has 8 rows", ["certificate", "--data", r1, "--lambda", "0.1", "--residual", "@residual2.json"] },
            { "d ≤ 6", ["regions", "--data", "@d7.csv"] },
            { "above the limit", ["regions", "--data", "@huge.csv"] },
            { "Unrecognized command or argument 'frobnicate'", ["frobnicate"] },
            { "does not exist", ["demo", "--out-dir", "/no/such/directory"] },
            { "does not exist", ["solve", "--data", r1, "--lambda", "0.1", "--out", "/no/such/directory/s.json"] },
        };
    }

    [Theory]
    [MemberData(nameof(BadInputs))]
    public void BadInputPrintsOneErrorLineAndExitsWithTwo(string expected, string[] args)
    {
        var (code, stdout, stderr) = Run(args.Select(Materialise).ToArray());

        Assert.Equal(Cli.Cli.BadInput, code);
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var line = Assert.Single(lines);
        Assert.StartsWith("error: ", line);
        Assert.Contains(expected, line);
        Assert.DoesNotContain("   at ", stderr + stdout);
    }

    /// <summary>"@name" stands for a bad input file written to the temporary directory.</summary>
    private string Materialise(string arg) => arg switch
    {
        "@bad.csv" => WriteTemp("bad.csv", "x1,y\n0,1\n1,2,3\n"),
        "@nan.csv" => WriteTemp("nan.csv", "x1,y\n0,1\nNaN,2\n"),
        "@measure1.json" => WriteTemp("measure1.json", """{"measure": {"atoms": [{"direction": [1, 0], "amplitude": 1}]}}"""),
        "@measure2.json" => WriteTemp("measure2.json", """{"measure": {"atoms": [{"direction": [1, 0, 0], "amplitude": 1}]}}"""),
        "@broken.json" => WriteTemp("broken.json", "{\"atoms\": [1, "),
        "@noatoms.json" => WriteTemp("noatoms.json", """{"weights": []}"""),
        "@residual2.json" => WriteTemp("residual2.json", "[0.5, -0.5]"),
        "@d7.csv" => WriteTemp("d7.csv", "1,2,3,4,5,6,7,8\n2,3,4,5,6,7,8,9\n"),
        "@huge.csv" => WriteTemp("huge.csv", string.Join("\n", Enumerable.Range(0, 3000).Select(i => $"{i % 17},{i % 13},{i % 11},{i % 7},{i},0"))),
        _ => arg,
    };
}
