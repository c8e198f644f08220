using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using TvRelu.Cli;
using TvRelu.Cli.Commands;

namespace TvRelu.Tests;

/// <summary>
/// The command line under hostile input (issue 12): bad input is always one `error:` line and exit code 2, never an
/// internal failure (items 7, 11); a failing command leaves no output file behind (item 12); every enumerating command
/// refuses a problem over its limits before any work (item 8); and two writers of one campaign cannot lose records (item 5).
/// </summary>
public sealed class FaultCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tvrelu-fault-tests-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Temp(string name) => Path.Combine(_dir, name);

    private string WriteTemp(string name, string content)
    {
        File.WriteAllText(Temp(name), content);
        return Temp(name);
    }

    public static TheoryData<string, string[]> HostileInputs()
    {
        var r1 = ReferenceData.PathOf("r1_kink_1d.csv");
        return new TheoryData<string, string[]>
        {
            // Item 7: each was "internal failure" (exit 1).
            { "the output directory is empty", ["audit", "--claim", "cover-euler", "--trials", "1", "--out", ""] },
            { "the claim 'cover-euler' is listed twice", ["audit", "--claim", "cover-euler,cover-euler", "--trials", "1", "--out", "@dir"] },
            { "the claim 'cover-euler' is listed twice", ["audit", "--claim", "cover-euler, COVER-EULER", "--trials", "1", "--out", "@dir"] },
            { "more than the 2,147,483,591 .NET allows", ["train", "--data", r1, "--lambda", "0.01", "--width", "2147483647"] },
            { "--lr must be a finite number (got 'NaN')", ["train", "--data", r1, "--lambda", "0.01", "--width", "4", "--optimizer", "adam", "--lr", "NaN"] },
            { "--lambda must be below 1e154", ["solve", "--data", r1, "--lambda", "1e154"] },
            { "--tolerance must be below 1e154", ["certify", "--data", r1, "--lambda", "0.1", "--measure", "@measure.json", "--tolerance", "2e200"] },
            { "--init-scale must be below 1e154", ["train", "--data", r1, "--lambda", "0.01", "--width", "4", "--init-scale", "1e154"] },
            { "--noise must be below 1e154", ["train", "--data", r1, "--lambda", "0.01", "--width", "4", "--optimizer", "label-noise", "--noise", "-3e160"] },
            { "--lr-decay must be a finite number", ["train", "--data", r1, "--lambda", "0.01", "--width", "4", "--lr", "0.1", "--lr-decay", "Infinity"] },
            { "--lambda must be a finite number (got '1e400')", ["solve", "--data", r1, "--lambda", "1e400"] },
            { "a grid of 2,147,483,647 directions", ["compare", "--data", r1, "--lambda", "0.01", "--grid", "2147483647", "--epochs", "1"] },
            // Item 11: each was silently accepted.
            { "--lr must be a finite number (got 'NaN')", ["train", "--data", r1, "--lambda", "0.01", "--width", "4", "--lr", "NaN"] },
            { "no claim was given", ["audit", "--claim", "", "--trials", "1", "--out", "@dir"] },
            { "has an empty entry", ["audit", "--claim", "cover-euler,,representer", "--trials", "1", "--out", "@dir"] },
            { "atom 2 of measure file", ["certify", "--data", r1, "--lambda", "0.1", "--measure", "@zero.json"] },
            { "beyond the range of double precision", ["certificate", "--data", r1, "--lambda", "0.1", "--residual", "@huge-residual.json"] },
            // Item 12: output paths are checked before the work.
            { "--out is empty", ["solve", "--data", r1, "--lambda", "0.1", "--out", ""] },
            { "is a directory, not a file", ["solve", "--data", r1, "--lambda", "0.1", "--out", "@dir"] },
            { "the directory '/no/such/dir' does not exist", ["solve", "--data", r1, "--lambda", "0.1", "--out", "@x.json", "--plot", "/no/such/dir/p.png"] },
            { "--out and --plot name the same file", ["solve", "--data", r1, "--lambda", "0.1", "--out", "@x.json", "--plot", "@x.json"] },
            { "--counterexample is empty", ["audit", "replay", "cover-euler", "1", "--counterexample", ""] },
            // The limits' own options.
            { "--max-cells must be positive", ["regions", "--data", r1, "--max-cells", "0"] },
            { "--max-memory must be a positive amount of memory", ["regions", "--data", r1, "--max-memory", "lots"] },
            { "--max-seconds must be a finite number", ["regions", "--data", r1, "--max-seconds", "NaN"] },
        };
    }

    [Theory]
    [MemberData(nameof(HostileInputs))]
    public void HostileInputIsOneErrorLineAndExitCodeTwo(string expected, string[] args)
    {
        var (code, stdout, stderr) = CliTests.Run(args.Select(Materialise).ToArray());

        Assert.True(code == Cli.Cli.BadInput, $"exit {code}: {stderr}");
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: ", line);
        Assert.Contains(expected, line);
        Assert.DoesNotContain("internal failure", line);
        Assert.DoesNotContain("(Parameter", line);
        Assert.DoesNotContain("   at ", stderr + stdout);
        // Nothing was written: no output file, no half of one.
        Assert.False(File.Exists(Temp("x.json")));
        Assert.Empty(Directory.GetFiles(_dir, ".*"));
    }

    /// <summary>"@name" stands for a file (or, for "@dir", a directory) in the temporary directory.</summary>
    private string Materialise(string arg) => arg switch
    {
        "@dir" => Directory.CreateDirectory(Temp("existing-dir")).FullName,
        "@x.json" => Temp("x.json"),
        "@measure.json" => WriteTemp("measure.json", """{"atoms": [{"direction": [1, 0], "amplitude": 1}]}"""),
        "@zero.json" => WriteTemp("zero.json", """{"atoms": [{"direction": [1, 0], "amplitude": 1}, {"direction": [0, 0], "amplitude": 2}]}"""),
        "@huge-residual.json" => WriteTemp("huge-residual.json", "[1, 2, 3, 1e400, 5, 6, 7, 8]"),
        _ => arg,
    };

    [Fact]
    public void AnExistingShardFileWithoutResumeIsRefusedAndKept()
    {
        var outDir = Temp("campaign");
        Assert.Equal(0, CliTests.Run("audit", "--claim", "cover-euler", "--trials", "3", "--out", outDir).Code);
        var file = Assert.Single(Directory.GetFiles(outDir, "*.jsonl"));
        var before = File.ReadAllText(file);

        var (code, _, err) = CliTests.Run("audit", "--claim", "cover-euler", "--trials", "3", "--out", outDir);
        Assert.Equal(2, code);
        Assert.Contains("already exists: resume the campaign", err);
        Assert.Equal(before, File.ReadAllText(file));
    }

    [Fact]
    public void ResumeAfterATornNewlineKeepsTheLastRecordAndTheNext()
    {
        // Item 4: a run killed after 7 of 10 records whose last write lost only its '\n'. Resume glued record 8 onto
        // record 7, both were lost, and the campaign was still reported complete.
        string[] campaign = ["audit", "--claim", "cover-euler", "--trials", "10", "--seed", "9", "--out", Temp("torn")];
        Assert.Equal(0, CliTests.Run(campaign).Code);
        var file = Assert.Single(Directory.GetFiles(Temp("torn"), "*.jsonl"));
        var complete = File.ReadAllLines(file);
        Assert.Equal(11, complete.Length); // the header and ten records
        File.WriteAllText(file, string.Join("\n", complete.Take(8)));

        var (code, _, err) = CliTests.Run([.. campaign, "--resume"]);
        Assert.True(code == 0, err);
        Assert.Equal(complete.Select(WithoutTiming), File.ReadAllLines(file).Select(WithoutTiming));
    }

    /// <summary>A record line without its timing field (the only part two runs of a trial may differ in).</summary>
    private static string WithoutTiming(string line) => System.Text.RegularExpressions.Regex.Replace(line, "\"elapsedMs\":[^,}]*", "");

    [Fact]
    public void MergeRefusesShardsOfCampaignsWithDifferentSeeds()
    {
        // Shards 0/2 and 1/2 of two different campaigns: their trials never collide (item 6 merged them silently).
        Assert.Equal(0, CliTests.Run("audit", "--claim", "cover-euler", "--trials", "4", "--seed", "1", "--shard", "0/2", "--out", Temp("a")).Code);
        Assert.Equal(0, CliTests.Run("audit", "--claim", "cover-euler", "--trials", "4", "--seed", "2", "--shard", "1/2", "--out", Temp("b")).Code);

        var (code, _, err) = CliTests.Run("audit", "merge", Temp("a"), Temp("b"), "--out", Temp("merged"));
        Assert.Equal(2, code);
        Assert.Contains("belong to different campaigns (seed 2 here, 1 there)", err);
        Assert.Empty(Directory.GetFiles(Temp("merged"), "*.jsonl"));
    }

    [Fact]
    public void AFailedCommandLeavesNoOutputFile()
    {
        // A command that writes its JSON, then a plot, then fails (the plot's failure of item 12, made certain).
        var context = new CliContext(new StringWriter(), new StringWriter());
        var outOption = CliOptions.Out("the result");
        var plotOption = new Option<string?>("--plot");
        var command = new Command("fails-late") { outOption, plotOption };
        var json = Temp("result.json");
        var plot = Temp("plot.png");
        File.WriteAllText(json, "the result of an earlier run");
        var body = Cli.Cli.Guarded(context, parsed =>
        {
            context.Emit(parsed.GetValue(outOption), new { answer = 42 }, _ => { });
            File.WriteAllText(parsed.GetValue(plotOption)!, "half a PNG");
            throw new TvReluInputException("the plot failed");
        });

        Assert.Equal(Cli.Cli.BadInput, body(command.Parse(["--out", json, "--plot", plot])));
        // The earlier result is intact, the new plot is gone, and no temporary file is left.
        Assert.Equal("the result of an earlier run", File.ReadAllText(json));
        Assert.False(File.Exists(plot));
        Assert.Equal([json], Directory.GetFiles(_dir));

        // The same command succeeding replaces the result atomically.
        var ok = Cli.Cli.Guarded(context, parsed =>
        {
            context.Emit(parsed.GetValue(outOption), new { answer = 42 }, _ => { });
            return Cli.Cli.Success;
        });
        Assert.Equal(Cli.Cli.Success, ok(command.Parse(["--out", json])));
        Assert.Contains("\"answer\": 42", File.ReadAllText(json));
        Assert.Equal([json], Directory.GetFiles(_dir));
    }

    public static TheoryData<string[]> EnumeratingCommands()
    {
        var r1 = ReferenceData.PathOf("r1_kink_1d.csv");
        return new TheoryData<string[]>
        {
            { ["regions", "--data", r1] },
            { ["certificate", "--data", r1, "--lambda", "0.1", "--residual", "@residual.json", "--method", "enumeration"] },
            { ["solve", "--data", r1, "--lambda", "0.1", "--method", "enumeration"] },
            { ["certify", "--data", r1, "--lambda", "0.1", "--measure", "@measure.json", "--method", "enumeration"] },
            { ["train", "--data", r1, "--lambda", "0.1", "--width", "4", "--method", "enumeration"] },
            { ["compare", "--data", r1, "--lambda", "0.1"] },
            { ["demo", "--out-dir", "@dir"] },
        };
    }

    [Theory]
    [MemberData(nameof(EnumeratingCommands))]
    public void EveryEnumeratingCommandRefusesAProblemOverItsLimits(string[] args)
    {
        var materialised = args.Select(a => a == "@residual.json" ? WriteTemp("residual.json", "[1, 0, 0, 0, 0, 0, 0, 0]") : Materialise(a)).ToArray();
        foreach (var (option, value) in new[] { ("--max-cells", "3"), ("--max-memory", "1MB"), ("--max-seconds", "1e-9") })
        {
            var (code, _, err) = CliTests.Run([.. materialised, option, value]);
            Assert.True(code == 2, $"{args[0]} {option}: exit {code}, {err}");
            Assert.Contains("is refused before starting", err);
            Assert.Contains($"raise {option}", err);
        }
    }

    [Theory]
    [InlineData(200_000, 1)]
    [InlineData(3000, 2)]
    [InlineData(50, 6)]
    public void TheIssuesReproducersAreRefusedWithTheirEstimate(int n, int d)
    {
        var random = new Random(n);
        var rows = Enumerable.Range(0, n).Select(_ =>
            string.Join(",", Enumerable.Range(0, d + 1).Select(_ => (random.NextDouble() - 0.5).ToString("R", CultureInfo.InvariantCulture))));
        var data = WriteTemp("big.csv", string.Join("\n", rows));
        // `regions` streams these by default where the streaming pass fits the limits (issue 13): the stored
        // enumeration is asked for by name.
        foreach (var command in new[] { "regions", "solve" })
        {
            var (code, _, err) = CliTests.Run(command == "regions" ? [command, "--data", data, "--method", "enumeration"] : [command, "--data", data, "--lambda", "0.1", "--method", "enumeration"]);
            Assert.Equal(2, code);
            Assert.Contains($"N = {n} points in d = {d} is refused before starting", err);
            Assert.Contains("GB of memory, above the limit --max-memory", err);
        }
    }

    [Fact]
    public void TwoProcessesOnOneDirectoryLoseNothingAndAKilledWriterReleasesItsLock()
    {
        // Item 5: two processes writing the same campaign into one directory both exited 0, and 25 of 200 records were
        // lost. Here the first writes while the second tries: the second is refused, and after the first is killed
        // mid-campaign a third takes over at once (the lock died with the process) and loses none of its records.
        var outDir = Temp("shared");
        string[] campaign = ["audit", "--claim", "cover-euler", "--trials", "1000000", "--seed", "5", "--out", outDir];
        var file = Path.Combine(outDir, "cover-euler.shard-0-of-1.jsonl");
        using var first = new Child(campaign);
        first.WaitForRecords(file, 20);

        var (code, err) = Child.Run([.. campaign, "--resume"]);
        Assert.Equal(2, code);
        Assert.Contains("another process is writing shard 0/1", err);

        first.Kill();
        var killed = CompleteRecords(file);
        Assert.True(killed.Count >= 20);

        using var third = new Child([.. campaign, "--resume"]);
        third.WaitForRecords(file, killed.Count + 20);
        third.Kill();

        var records = CompleteRecords(file);
        // Trials 0, 1, 2, … in order, each once: the first writer's records, then the third's, none lost or doubled.
        Assert.Equal(Enumerable.Range(0, records.Count), records.Select(r => r.Trial));
        Assert.Equal(killed, records.Take(killed.Count));
    }

    /// <summary>`tvrelu` in a process of its own, killed when disposed if it still runs (so a failing test leaves none).</summary>
    private sealed class Child : IDisposable
    {
        private static readonly string CliDll = Path.Combine(AppContext.BaseDirectory, "TvRelu.Cli.dll");
        private readonly Process _process;
        private readonly StringWriter _error = new();

        internal Child(string[] args)
        {
            var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            info.ArgumentList.Add(CliDll);
            foreach (var a in args)
            {
                info.ArgumentList.Add(a);
            }
            _process = Process.Start(info)!;
            // Drain the pipes, so that a full buffer never blocks the child.
            _process.OutputDataReceived += (_, _) => { };
            _process.ErrorDataReceived += (_, e) =>
            {
                lock (_error)
                {
                    _error.WriteLine(e.Data);
                }
            };
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
        }

        /// <summary>Runs to the end (at most two minutes: a writer that was not refused would run for hours).</summary>
        internal static (int Code, string Err) Run(string[] args)
        {
            using var child = new Child(args);
            Assert.True(child._process.WaitForExit(TimeSpan.FromMinutes(2)), "the second writer was not refused: it is still writing");
            child._process.WaitForExit();
            lock (child._error)
            {
                return (child._process.ExitCode, child._error.ToString());
            }
        }

        internal void WaitForRecords(string file, int count)
        {
            var clock = Stopwatch.StartNew();
            while (!File.Exists(file) || CompleteRecords(file).Count < count)
            {
                Assert.False(_process.HasExited, "the writer ended before writing its records");
                Assert.True(clock.Elapsed < TimeSpan.FromMinutes(3), $"fewer than {count} records after 3 minutes");
                Thread.Sleep(50);
            }
        }

        /// <summary>A kill at whatever point the child has reached.</summary>
        internal void Kill()
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                Kill();
            }
            _process.Dispose();
        }
    }

    /// <summary>The records of a shard file that parse (a kill may cut the last line), as (trial, line).</summary>
    private static List<(int Trial, string Line)> CompleteRecords(string file)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var records = new List<(int, string)>();
        while (reader.ReadLine() is { } line)
        {
            try
            {
                using var json = System.Text.Json.JsonDocument.Parse(line);
                if (json.RootElement.TryGetProperty("trial", out var trial))
                {
                    records.Add((trial.GetInt32(), line));
                }
            }
            catch (System.Text.Json.JsonException)
            {
                // A line cut by the kill.
            }
        }
        return records;
    }
}
