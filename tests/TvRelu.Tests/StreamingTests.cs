using System.Globalization;
using System.Text.Json;

namespace TvRelu.Tests;

/// <summary>
/// The streaming pass (issue 13) through the façade and the command line: the same answers as the stored
/// enumeration on the reference data, k shards merged equal to one run, and a clear error for every bad
/// shard, partial and merge.
/// </summary>
public sealed class StreamingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tvrelu-streaming-tests-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Temp(string name) => Path.Combine(_dir, name);

    private static string Num(double x) => x.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>A residual-like dual vector, fixed by a seed.</summary>
    private static double[] Dual(int n, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => rng.NextDouble() * 2.0 - 1.0).ToArray();
    }

    public static TheoryData<string, int> ReferenceFiles() => new()
    {
        { "r1_kink_1d.csv", 1 }, { "r2_duplicates_1d.csv", 2 }, { "r3_teacher_2d.csv", 3 }, { "r4_collinear_2d.csv", 4 }, { "r5_random_3d.csv", 5 },
    };

    [Theory]
    [MemberData(nameof(ReferenceFiles))]
    public void StreamingExtremesAndCountsEqualTheStoredOnesOnTheReferenceData(string file, int seed)
    {
        var problem = ReferenceData.Problem(file);
        var q = Dual(problem.DataPoints, seed);
        var stored = problem.CertificateOf(q, 0.1);
        var streamed = problem.CertificateStreaming(q, 0.1, new StreamingSettings { SaturationTolerance = null });
        Assert.Equal(stored.Supremum.Value, streamed.Supremum.Value, 1e-12);
        Assert.Equal(stored.Infimum.Value, streamed.Infimum.Value, 1e-12);
        Assert.True(streamed.Consistent);
        var regions = problem.Regions();
        Assert.Equal(regions.Cells, streamed.Regions.Cells);
        Assert.Equal(regions.Cells, problem.RegionsStreaming().Cells);
        Assert.Equal(regions.CoverCount, streamed.Regions.CoverCount);
    }

    [Theory]
    [MemberData(nameof(ReferenceData.CellCountCases), MemberType = typeof(ReferenceData))]
    public void StreamingCountsMatchTheReferenceTable(string file, int cells)
    {
        var report = ReferenceData.Problem(file).RegionsStreaming();
        Assert.Equal(cells, report.Cells);
        Assert.True(report.Consistent);
    }

    [Fact]
    public void ThreeShardsMergedThroughTheirJsonEqualOneRun()
    {
        var problem = ReferenceData.Problem("r3_teacher_2d.csv");
        var q = Dual(problem.DataPoints, 7);
        var one = problem.CertificateStreaming(q, 0.05);
        var parts = Enumerable.Range(0, 3)
            .Select(i => StreamingPartial.Parse(problem.CertificatePartial(q, 0.05, i, 3).ToJson(), $"shard {i}"))
            .Reverse()
            .ToArray();
        var merged = StreamingPartial.MergeCertificate(parts, problem.Dimension);
        Assert.Equal(one.Supremum.Value, merged.Supremum.Value);
        Assert.Equal(one.Supremum.Argument, merged.Supremum.Argument);
        Assert.Equal(one.Infimum.Value, merged.Infimum.Value);
        Assert.Equal(one.Regions.Cells, merged.Regions.Cells);
        Assert.Equal(one.Saturation.Count, merged.Saturation.Count);
    }

    [Fact]
    public void BadShardsAndSettingsAreRefused()
    {
        var problem = ReferenceData.Problem("r1_kink_1d.csv");
        var q = Dual(problem.DataPoints, 1);
        Assert.Contains("shard 2/2", Assert.Throws<TvReluInputException>(() => problem.CertificatePartial(q, 0.1, 2, 2)).Message);
        Assert.Contains("shard -1/2", Assert.Throws<TvReluInputException>(() => problem.RegionsPartial(-1, 2)).Message);
        Assert.Contains("λ", Assert.Throws<TvReluInputException>(() => problem.CertificateStreaming(q, 0.0)).Message);
        Assert.Contains("entries", Assert.Throws<TvReluInputException>(() => problem.CertificateStreaming(q[1..], 0.1)).Message);
        Assert.Contains("thread", Assert.Throws<TvReluInputException>(() => problem.RegionsStreaming(new StreamingSettings { Threads = -1 })).Message);
        var part = problem.CertificatePartial(q, 0.1, 0, 2);
        Assert.Contains("missing", Assert.Throws<TvReluInputException>(() => StreamingPartial.MergeCertificate([part], 1)).Message);
        Assert.Contains("not a streaming partial", Assert.Throws<TvReluInputException>(() => StreamingPartial.Parse("{}", "x.json")).Message);
    }

    [Fact]
    public void TheCostModelNamesCoversCountAndAnOrderNMemory()
    {
        var small = TvReluProblem.FromRows([[0.0], [1.0], [2.0]], [0.0, 1.0, 0.0]).Estimate(EnumerationMethod.Streaming);
        Assert.Equal(6, small.Cells);
        Assert.Equal("streaming pass", small.Method);
        var problem = ReferenceData.Problem("r3_teacher_2d.csv");
        var estimate = problem.Estimate(EnumerationMethod.Streaming, certificate: false, threads: 1);
        Assert.Equal((double)problem.EstimatedCellCount, estimate.Cells);
        Assert.True(estimate.MemoryBytes < 200_000_000, $"{estimate.MemoryBytes} bytes for N = {problem.DataPoints}");
        // One of k shards (k at most the work items, one per hyperplane from rank 3 on) does 1/k of the work.
        var shard = problem.Estimate(EnumerationMethod.Streaming, certificate: false, threads: 1, shards: 4);
        Assert.Equal(estimate.Cells / 4, shard.Cells, 6);
        Assert.Equal(estimate.Seconds / 4, shard.Seconds, 12);
        Assert.Equal(estimate.MemoryBytes, shard.MemoryBytes);
        Assert.Equal([EnumerationMethod.Stored, EnumerationMethod.Streaming], problem.EnumerationEstimates.Select(e => e.Method == "stored enumeration" ? EnumerationMethod.Stored : EnumerationMethod.Streaming));
    }

    /// <summary>
    /// One estimate path (issue 12's limits, issue 13's method): the streaming pass is refused before any work by the
    /// same limits as the stored enumeration, a shard by its own share, and `auto` picks the method that fits.
    /// </summary>
    [Fact]
    public void TheStreamingPassIsRefusedByTheSameLimitsAndAutoPicksTheMethodThatFits()
    {
        // d = 2, N = 3000: 9·10^6 regions, past the stored enumeration's default memory (the issue's reproducer),
        // within the streaming pass's; 30 points in d = 1 stay with the stored enumeration.
        var large = EarlyRefusalTests.Gaussian(3000, 2, 5);
        Assert.NotNull(large.Estimate(EnumerationMethod.Stored).Exceeds(large.Limits));
        Assert.Null(large.Estimate(EnumerationMethod.Streaming).Exceeds(large.Limits));
        Assert.Equal(EnumerationMethod.Streaming, large.PreferredMethod());
        Assert.Equal(EnumerationMethod.Stored, EarlyRefusalTests.Gaussian(30, 1, 5).PreferredMethod());

        var q = Dual(3000, 5);
        var tight = large.WithLimits(new EnumerationLimits { MaxCells = 1e6 });
        var e = Assert.Throws<TvReluLimitException>(() => tight.CertificateStreaming(q, 0.1));
        Assert.Equal(EnumerationLimit.Cells, e.Limit);
        Assert.Equal("streaming pass", e.Estimate.Method);
        Assert.Contains("EnumerationLimits.MaxCells", e.Message);
        Assert.Throws<TvReluLimitException>(() => tight.RegionsStreaming());
        // 16 shards each visit a sixteenth of the regions: under the cell limit, so one shard runs.
        Assert.Null(tight.Estimate(EnumerationMethod.Streaming, shards: 16).Exceeds(tight.Limits));
        Assert.Contains("one of 2 shards", Assert.Throws<TvReluLimitException>(() => tight.RegionsPartial(0, 2)).Message);
        // A time limit the pass cannot meet refuses it at once, the stored enumeration too.
        var hurried = EarlyRefusalTests.Gaussian(300, 2, 5).WithLimits(new EnumerationLimits { MaxSeconds = 1e-9 });
        Assert.Equal(EnumerationLimit.Time, Assert.Throws<TvReluLimitException>(() => hurried.RegionsStreaming()).Limit);
    }

    // -------------------------------------------------------------------------------------------
    // The command line.

    private string Residual(int n, int seed)
    {
        var path = Temp($"q{seed}.json");
        File.WriteAllText(path, JsonSerializer.Serialize(new { residual = Dual(n, seed) }));
        return path;
    }

    [Fact]
    public void CliShardsMergedEqualOneStreamingRun()
    {
        var data = ReferenceData.PathOf("r5_random_3d.csv");
        var q = Residual(ReferenceData.Problem("r5_random_3d.csv").DataPoints, 3);
        string[] common = ["certificate", "--data", data, "--lambda", "0.1", "--residual", q];
        var one = CliTests.Run([.. common, "--method", "streaming", "--out", Temp("one.json")]);
        Assert.Equal(0, one.Code);
        var parts = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var path = Temp($"part{i}.json");
            var run = CliTests.Run([.. common, "--shard", $"{i}/3", "--out", path]);
            Assert.Equal(0, run.Code);
            Assert.Contains($"shard {i}/3", run.Out);
            parts.Add(path);
        }
        var merged = CliTests.Run(["certificate", "merge", parts[2], parts[0], parts[1], "--out", Temp("merged.json")]);
        Assert.Equal(0, merged.Code);
        Assert.Equal("", merged.Err);
        Assert.Equal(File.ReadAllText(Temp("one.json")), File.ReadAllText(Temp("merged.json")));
        // And the stored enumeration gives the same extremes.
        Assert.Equal(0, CliTests.Run([.. common, "--method", "enumeration", "--out", Temp("stored.json")]).Code);
        var stored = CliTests.ReadJson(Temp("stored.json"));
        var streamed = CliTests.ReadJson(Temp("one.json"));
        Assert.Equal(stored.GetProperty("supremumAbs").GetDouble(), streamed.GetProperty("supremumAbs").GetDouble(), 1e-12);
    }

    [Fact]
    public void CliRegionsShardsFromTheSchedulerVariablesMergeToTheStoredCount()
    {
        var data = ReferenceData.PathOf("r4_collinear_2d.csv");
        var stored = CliTests.Run("regions", "--data", data, "--method", "enumeration", "--out", Temp("stored.json"));
        Assert.Equal(0, stored.Code);
        var parts = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            var path = Temp($"regions{i}.json");
            Environment.SetEnvironmentVariable("SLURM_ARRAY_TASK_ID", i.ToString(CultureInfo.InvariantCulture));
            Environment.SetEnvironmentVariable("SLURM_ARRAY_TASK_COUNT", "2");
            try
            {
                Assert.Equal(0, CliTests.Run("regions", "--data", data, "--shard", "auto", "--out", path).Code);
            }
            finally
            {
                Environment.SetEnvironmentVariable("SLURM_ARRAY_TASK_ID", null);
                Environment.SetEnvironmentVariable("SLURM_ARRAY_TASK_COUNT", null);
            }
            parts.Add(path);
        }
        Assert.Equal(0, CliTests.Run("regions", "merge", parts[0], parts[1], "--out", Temp("merged.json")).Code);
        Assert.Equal(
            CliTests.ReadJson(Temp("stored.json")).GetProperty("cells").GetInt64(),
            CliTests.ReadJson(Temp("merged.json")).GetProperty("cells").GetInt64());
    }

    [Theory]
    [InlineData("3/3", "need 0 <= i < k")]
    [InlineData("a/b", "integers")]
    [InlineData("auto", "SLURM_ARRAY_TASK_ID")]
    public void CliRefusesABadShardWithOneErrorLine(string shard, string reason)
    {
        var data = ReferenceData.PathOf("r1_kink_1d.csv");
        var (code, _, err) = CliTests.Run("regions", "--data", data, "--shard", shard, "--out", Temp("x.json"));
        Assert.Equal(2, code);
        Assert.StartsWith("error: ", err);
        Assert.Contains(reason, err);
        Assert.Single(err.Trim().Split('\n'));
    }

    [Fact]
    public void CliRefusesAStreamingPassOverTheLimitsAtOnceNamingTheEstimateAndTheOption()
    {
        var huge = Temp("huge.csv");
        File.WriteAllText(huge, string.Join("\n", Enumerable.Range(0, 3000).Select(i => $"{i % 17},{i % 13},{i % 11},{i % 7},{i},0")));
        var started = System.Diagnostics.Stopwatch.StartNew();
        var (code, _, err) = CliTests.Run("regions", "--data", huge, "--method", "streaming");
        Assert.Equal(2, code);
        Assert.StartsWith("error: ", err);
        Assert.Contains("N = 3000 points in d = 5 is refused before starting: the streaming pass would need", err);
        Assert.Contains("--max-cells", err);
        Assert.True(started.Elapsed.TotalSeconds < 30, $"refused after {started.Elapsed.TotalSeconds} s");
        // Raising the cell limit leaves the time limit, which a shard's share does not meet either.
        var shard = CliTests.Run("regions", "--data", huge, "--shard", "0/8", "--out", Temp("h.json"), "--max-cells", "1e30");
        Assert.Equal(2, shard.Code);
        Assert.Contains("(one of 8 shards) is refused before starting", shard.Err);
        Assert.Contains("--max-seconds", shard.Err);
    }

    [Fact]
    public void CliMergeRefusesMissingForeignAndMalformedPartials()
    {
        var data = ReferenceData.PathOf("r1_kink_1d.csv");
        var q = Residual(ReferenceData.Problem("r1_kink_1d.csv").DataPoints, 5);
        Assert.Equal(0, CliTests.Run("certificate", "--data", data, "--lambda", "0.1", "--residual", q, "--shard", "0/2", "--out", Temp("c0.json")).Code);
        Assert.Equal(0, CliTests.Run("regions", "--data", data, "--shard", "1/2", "--out", Temp("r1.json")).Code);
        File.WriteAllText(Temp("bad.json"), "{ \"format\": 3 }");
        foreach (var (args, reason) in new (string[], string)[]
        {
            (["certificate", "merge", Temp("c0.json")], "missing"),
            (["certificate", "merge", Temp("c0.json"), Temp("r1.json")], "cannot be merged"),
            (["certificate", "merge", Temp("bad.json")], "not a streaming partial"),
            (["certificate", "merge", Temp("none.json")], "does not exist"),
            (["certificate", "--data", data, "--lambda", "0.1", "--residual", q, "--shard", "1/2"], "give --out"),
        })
        {
            var (code, _, err) = CliTests.Run(args);
            Assert.Equal(2, code);
            Assert.StartsWith("error: ", err);
            Assert.Contains(reason, err);
        }
    }
}
