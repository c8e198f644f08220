using TvRelu.Cli;
using Xunit;

namespace TvRelu.Tests;

/// <summary>`tvrelu audit` over the proofs-checks engine: a campaign writes one JSON line per trial,
/// resume adds nothing, merge and report work on its output, and bad arguments exit with code 2.</summary>
public sealed class AuditCliTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("tvrelu-audit-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static (int Code, string Out, string Err) Run(params string[] args) => CliTests.Run(args);

    [Fact]
    public void CampaignWritesOneRecordPerTrialAndResumeAddsNone()
    {
        var outDir = Path.Combine(dir, "run");
        var (code, _, err) = Run("audit", "--claim", "cover-euler", "--trials", "5", "--seed", "7", "--out", outDir);
        Assert.Equal(0, code);
        Assert.Equal("", err);
        var file = Assert.Single(Directory.GetFiles(outDir, "*.jsonl"));
        // The campaign's header, then one record per trial.
        Assert.StartsWith("{\"campaign\":", File.ReadLines(file).First());
        Assert.Equal(5, Records(file));

        var (again, _, _) = Run("audit", "--claim", "cover-euler", "--trials", "5", "--seed", "7", "--out", outDir, "--resume");
        Assert.Equal(0, again);
        Assert.Equal(5, Records(file));

        var merged = Path.Combine(dir, "merged");
        Assert.Equal(0, Run("audit", "merge", outDir, "--out", merged).Code);
        Assert.Equal(0, Run("audit", "report", merged).Code);
        Assert.True(File.Exists(Path.Combine(merged, "report.md")));
    }

    private static int Records(string file) => File.ReadAllLines(file).Count(l => l.StartsWith("{\"claim\":", StringComparison.Ordinal));

    [Theory]
    [InlineData("audit", "--claim", "no-such-claim")]
    [InlineData("audit", "--trials", "0")]
    [InlineData("audit", "--shard", "3/2")]
    [InlineData("audit", "report", "/no/such/dir")]
    public void BadArgumentsExitWithCodeTwo(params string[] args)
    {
        var (code, _, err) = Run(args.Concat(new[] { "--out", Path.Combine(dir, "x") }).Where((a, i) => !(args.Contains("report") && i >= args.Length)).ToArray());
        Assert.Equal(2, code);
        Assert.StartsWith("error:", err);
        Assert.DoesNotContain("(Parameter", err);
    }

    [Fact]
    public void ThePinnedBoundarySeedReplaysAsAFlatTeacherNotARefutation()
    {
        // The boundary "counterexample" of the first long campaign (issue 11): its limit certificate is flat
        // (p*_H = 0, THEORY.md §6), outside the paper's hypothesis, so it is measured and not refuted.
        var csv = Path.Combine(dir, "counterexample.csv");
        var (code, output, _) = Run("audit", "replay", "low-noise-boundary", "-6317712095956537911", "--counterexample", csv);
        Assert.Equal(0, code);
        Assert.Contains("not applicable (boundary-k1-d1)", output);
        Assert.Contains("boundary-flat teacher: p*_H = 0 exactly", output);
        Assert.DoesNotContain("refuted", output);
        Assert.False(File.Exists(csv));
    }

    [Theory]
    [InlineData("--mutant", "no-such-mutant")]
    [InlineData("--trials", "0")]
    [InlineData("--claim", "no-such-claim")]
    public void MutantsRefusesBadArgumentsWithOneErrorLine(string option, string value)
    {
        var (code, _, err) = Run("audit", "mutants", option, value, "--out", Path.Combine(dir, "m"));
        Assert.Equal(2, code);
        Assert.StartsWith("error:", err);
        Assert.Single(err.TrimEnd().Split('\n'));
    }

    [Fact]
    public void AnUnknownClaimListsTheKnownOnes()
    {
        var (code, _, err) = Run("audit", "--claim", "no-such-claim", "--out", Path.Combine(dir, "y"));
        Assert.Equal(2, code);
        Assert.Contains("no claim 'no-such-claim'", err);
        Assert.Contains("dedios-bruna-ii", err);
    }
}

/// <summary>The mutation audit switches its mutants process-wide, so its run must not overlap other tests in this
/// process (a mutant switched on breaks whatever else runs meanwhile).</summary>
[CollectionDefinition("mutation audit", DisableParallelization = true)]
public sealed class MutationAuditCollection;

/// <summary>`tvrelu audit mutants` end to end, alone in its collection.</summary>
[Collection("mutation audit")]
public sealed class AuditMutantsCliTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("tvrelu-mutants-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static (int Code, string Out, string Err) Run(params string[] args) => CliTests.Run(args);

    [Fact]
    public void MutantsWritesTheKillTableAndTheBaseline()
    {
        var outDir = Path.Combine(dir, "mutants");
        var (code, output, err) = Run("audit", "mutants", "--claim", "cover-euler", "--mutant", "cover-off-by-one", "--trials", "5", "--seed", "3", "--out", outDir);
        Assert.Equal(0, code);
        Assert.Equal("", err);
        Assert.Contains("1 of 1 targeted (claim, mutant) pairs killed; surviving: none", output);
        var json = File.ReadAllText(Path.Combine(outDir, "mutants.json"));
        Assert.Contains("\"mutant\": \"none\"", json);
        Assert.Contains("\"mutant\": \"cover-off-by-one\"", json);
        Assert.Contains("\"killed\": true", json);
        Assert.Contains("| cover-off-by-one |", File.ReadAllText(Path.Combine(outDir, "report.md")));
    }
}
