using System.Text.Json;

namespace TvRelu.Tests;

/// <summary>`tvrelu train` and `tvrelu compare`, run in-process.</summary>
public class TrainCommandTests
{
    private static (int Code, string Output, string Error) Run(params string[] args) => CliTests.Run(args);

    [Fact]
    public void TrainWritesTheSolveFieldsForTheNetworksMeasurePlusNetworkAndHistory()
    {
        var path = Path.Combine(Path.GetTempPath(), $"tvrelu-train-{Guid.NewGuid():N}.json");
        try
        {
            var (code, _, error) = Run("train", "--data", ReferenceData.PathOf("r1_kink_1d.csv"), "--lambda", "0.01",
                "--width", "12", "--epochs", "200", "--seed", "3", "--out", path);

            Assert.True(code == 0, error);
            using var document = JsonDocument.Parse(File.ReadAllText(path));
            var root = document.RootElement;
            foreach (var field in new[] { "convention", "lambda", "objective", "dualObjective", "gap", "certified", "certificateSup", "optimalObjective", "excess", "clusters", "saturationPoints" })
            {
                Assert.True(root.TryGetProperty(field, out _), $"missing '{field}'");
            }
            Assert.True(root.GetProperty("objective").GetDouble() >= root.GetProperty("optimalObjective").GetDouble() - 1e-9);
            var atoms = root.GetProperty("measure").GetProperty("atoms");
            Assert.True(atoms.GetArrayLength() > 0);
            Assert.Equal(2, atoms[0].GetProperty("direction").GetArrayLength());
            Assert.Equal(12, root.GetProperty("network").GetProperty("neurons").GetArrayLength());
            Assert.Equal(1, root.GetProperty("network").GetProperty("neurons")[0].GetProperty("inputWeights").GetArrayLength());
            var history = root.GetProperty("history");
            Assert.True(history.GetArrayLength() >= 2);
            Assert.Equal(0, history[0].GetProperty("epoch").GetInt32());
            Assert.Equal(JsonValueKind.Number, history[history.GetArrayLength() - 1].GetProperty("gap").ValueKind);
            Assert.Equal("gd", root.GetProperty("optimizer").GetString());
            Assert.Equal(3, root.GetProperty("seed").GetInt32());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void TrainPlotsAndPrintsASummary()
    {
        var plot = Path.Combine(Path.GetTempPath(), $"tvrelu-train-{Guid.NewGuid():N}.png");
        try
        {
            var (code, output, error) = Run("train", "--data", ReferenceData.PathOf("r2_duplicates_1d.csv"), "--lambda", "0.05",
                "--width", "8", "--epochs", "100", "--optimizer", "label-noise", "--noise", "0.05", "--plot", plot);

            Assert.True(code == 0, error);
            Assert.Contains("certified gap", output);
            Assert.Contains("|Σ|", output);
            Assert.True(new FileInfo(plot).Length > 1000);
        }
        finally
        {
            File.Delete(plot);
        }
    }

    [Theory]
    [InlineData("--width", "0", "width")]
    [InlineData("--epochs", "0", "epochs")]
    [InlineData("--optimizer", "sgd", "--optimizer")]
    [InlineData("--lr", "fast", "--lr")]
    public void BadTrainInputIsOneErrorLineAndExitCodeTwo(string option, string value, string mentioned)
    {
        var args = new List<string> { "train", "--data", ReferenceData.PathOf("r1_kink_1d.csv"), "--lambda", "0.01", "--width", "5" };
        var at = args.IndexOf(option);
        if (at >= 0)
        {
            args[at + 1] = value;
        }
        else
        {
            args.AddRange([option, value]);
        }

        var (code, _, error) = Run([.. args]);

        Assert.Equal(2, code);
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error:", line);
        Assert.Contains(mentioned, line);
    }

    [Fact]
    public void CompareAuditsEveryMethodInOneTable()
    {
        var (code, output, error) = Run("compare", "--data", ReferenceData.PathOf("r2_duplicates_1d.csv"), "--lambda", "0.05", "--epochs", "100", "--grid", "200");

        Assert.True(code == 0, error);
        foreach (var method in new[] { "exact", "sliding Frank–Wolfe", "GD, m = 10 ", "GD, m = 100 ", "GD, m = 1000", "grid LASSO, 200" })
        {
            Assert.Contains(method, output);
        }
    }
}
