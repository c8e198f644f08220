using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using TvRelu.Audit;
using TvRelu.Cli.Output;

namespace TvRelu.Cli.Commands;

/// <summary>
/// `tvrelu audit`: generative campaigns over the claims catalogue of proofs-checks (issue 4).
/// The engine (seeds, shards, JSON lines, resume, merge, report) is the façade's <see cref="ClaimsAudit"/>
/// over TvRelu.ProofsChecks; this is the command line and the live progress display over it.
/// </summary>
internal static class AuditCommand
{
    internal static Command Create(CliContext context)
    {
        var claim = new Option<string>("--claim") { Description = "a claim id, a comma-separated list, or 'all' (the active claims)", DefaultValueFactory = _ => "all" };
        var trials = new Option<int>("--trials") { Description = "trials per claim (over all shards)", DefaultValueFactory = _ => 100 };
        var seed = new Option<long>("--seed") { Description = "campaign seed: trial t of claim c uses a seed derived from (seed, c, t)", DefaultValueFactory = _ => 1L };
        var shard = new Option<string?>("--shard") { Description = "this process's part i/k (0-based); default: SLURM_ARRAY_TASK_ID/COUNT or JOB_COMPLETION_INDEX (+TVRELU_SHARD_COUNT) when set, else the whole campaign" };
        var output = new Option<string>("--out") { Description = "directory for the JSON-lines results", DefaultValueFactory = _ => "audit" };
        var resume = new Option<bool>("--resume") { Description = "skip trials already recorded in --out" };
        var command = new Command("audit", "Audit the theory's claims with seeded, sharded, resumable campaigns (see proofs-checks/README.md).")
        {
            claim, trials, seed, shard, output, resume,
            Merge(context),
            Report(context),
            Replay(context),
            Mutants(context),
        };
        command.SetAction(Cli.Guarded(context, parsed =>
        {
            MethodCliOptions.RefuseBranchAndBound(parsed, "the claims audit",
                "its claims are statements about the regions of the arrangement (cell counts, faces, one extreme value per region), checked region by region");
            var trialCount = parsed.GetValue(trials);
            if (trialCount <= 0)
            {
                throw new TvReluInputException($"--trials must be positive (got {trialCount})", "--trials");
            }
            var campaign = new AuditCampaign
            {
                Claims = Select(parsed.GetValue(claim)!).Select(c => c.Id).ToArray(),
                Trials = trialCount,
                Seed = parsed.GetValue(seed),
                Shard = AuditShard.Resolve(parsed.GetValue(shard)),
                OutputDirectory = parsed.GetValue(output)!,
                Resume = parsed.GetValue(resume),
            };
            var console = Tables.ConsoleFor(context.Output);
            AuditRunSummary? summary = null;
            console.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                .Start(progress =>
                {
                    var tasks = new Dictionary<string, ProgressTask>();
                    summary = ClaimsAudit.Run(campaign, new Reporter(p =>
                    {
                        if (!tasks.TryGetValue(p.Claim, out var task))
                        {
                            task = progress.AddTask(p.Claim, maxValue: Math.Max(1, p.Total));
                            tasks[p.Claim] = task;
                        }
                        task.Value = p.Completed;
                        task.Description = $"{p.Claim}  pass {p.Passed}  fail {p.Refuted}  inconclusive {p.Inconclusive}  n/a {p.NotApplicable}";
                    }));
                });
            var table = new Table().AddColumns("claim", "planned", "resumed", "run", "passed", "failed", "inconclusive", "n/a", "trials/s");
            foreach (var c in summary!.Claims)
            {
                table.AddRow(Markup.Escape(c.Claim), N(c.Planned), N(c.Resumed), N(c.Run), N(c.Passed), N(c.Refuted), N(c.Inconclusive), N(c.NotApplicable),
                    c.TrialsPerSecond.ToString("0.##", CultureInfo.InvariantCulture));
            }
            console.Write(table);
            foreach (var c in summary.Claims)
            {
                if (c.RepairedLines > 0)
                {
                    context.Error.WriteLine($"warning: {c.File}: dropped {c.RepairedLines} line(s) cut by an earlier kill; every complete record was kept");
                }
                foreach (var f in c.Failures.Take(5))
                {
                    context.Output.WriteLine($"{c.Claim}: trial {f.Trial} (replay seed {f.Seed}): {f.Message}");
                }
            }
            context.Output.WriteLine($"results in {Path.GetFullPath(summary.OutputDirectory)} (shard {summary.Shard}, seed {summary.Parameters.Seed})");
            // Refuted claims are findings, not a failure of the run: they are in the table and the files.
            return Cli.Success;
        }));
        return command;
    }

    private static Command Merge(CliContext context)
    {
        var dirs = new Argument<string[]>("dirs") { Description = "shard result directories", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string>("--out") { Description = "directory for the merged results", Required = true };
        var command = new Command("merge", "Combine the JSON-lines results of several shards (duplicates kept once).") { dirs, output };
        command.SetAction(Cli.Guarded(context, parsed =>
        {
            var summary = ClaimsAudit.Merge(parsed.GetValue(dirs)!, parsed.GetValue(output)!);
            foreach (var r in summary.Records)
            {
                context.Output.WriteLine($"{r.Claim}: {r.Records} records");
            }
            context.Output.WriteLine($"duplicates {summary.Duplicates}, conflicts {summary.Conflicts}, corrupt lines {summary.CorruptLines}, missing trials {summary.Missing}");
            return Cli.Success;
        }));
        return command;
    }

    private static Command Report(CliContext context)
    {
        var dir = new Argument<string>("dir") { Description = "a campaign's result directory" };
        var command = new Command("report", "Write DIR/report.md: a table per claim, failures with replay seeds, bound tightness, fitted slopes, and PNG plots.") { dir };
        command.SetAction(Cli.Guarded(context, parsed =>
        {
            context.Output.WriteLine($"wrote {ClaimsAudit.WriteReport(parsed.GetValue(dir)!)}");
            return Cli.Success;
        }));
        return command;
    }

    private static Command Replay(CliContext context)
    {
        var id = new Argument<string>("claim") { Description = "the claim's id" };
        var seedArg = new Argument<long>("seed") { Description = "the replay seed printed with the failure (not the campaign seed)" };
        var csv = CliOptions.OutputFile(new Option<string?>("--counterexample") { Description = "write the shrunk counterexample (CSV, readable by --data) to this file" });
        var command = new Command("replay", "Re-run one trial from its replay seed: the verdict, the message and the shrunk counterexample.") { id, seedArg, csv };
        command.SetAction(Cli.Guarded(context, parsed =>
        {
            var record = ClaimsAudit.Replay(parsed.GetValue(id)!, parsed.GetValue(seedArg));
            var verdict = record.Verdict switch
            {
                AuditVerdict.Passed => "passed",
                AuditVerdict.NotApplicable => "not applicable",
                AuditVerdict.Inconclusive => "inconclusive",
                _ => "refuted",
            };
            context.Output.WriteLine($"{record.Claim}, seed {record.Seed}: {verdict} ({record.Kind})");
            if (record.Message.Length > 0)
            {
                context.Output.WriteLine(record.Message);
            }
            foreach (var (name, value) in record.Quantities.OrderBy(q => q.Key, StringComparer.Ordinal))
            {
                context.Output.WriteLine($"  {name} = {value.ToString("R", CultureInfo.InvariantCulture)}");
            }
            var path = parsed.GetValue(csv);
            if (path is not null && record.Counterexample.Length > 0)
            {
                File.WriteAllText(context.Stage(path), record.Counterexample);
                context.Output.WriteLine($"the {record.ShrunkRows}-row counterexample goes to {path}");
            }
            return Cli.Success;
        }));
        return command;
    }

    private static Command Mutants(CliContext context)
    {
        var claim = new Option<string>("--claim") { Description = "a claim id, a comma-separated list, or 'all' (the active claims)", DefaultValueFactory = _ => "all" };
        var mutant = new Option<string>("--mutant") { Description = "a mutant id, a comma-separated list, or 'all'", DefaultValueFactory = _ => "all" };
        var trials = new Option<int>("--trials") { Description = "at most this many trials per (claim, mutant); a run stops at its first refutation", DefaultValueFactory = _ => 20 };
        var seed = new Option<long>("--seed") { Description = "campaign seed of the trials", DefaultValueFactory = _ => 1L };
        var output = new Option<string>("--out") { Description = "directory for mutants.json and report.md", Required = true };
        var command = new Command("mutants", "Run each claim's campaign against deliberately broken variants of the library (switched on in-process) and report which claims catch each: DIR/mutants.json and DIR/report.md.")
        {
            claim, mutant, trials, seed, output,
        };
        command.SetAction(Cli.Guarded(context, parsed =>
        {
            var trialCount = parsed.GetValue(trials);
            if (trialCount <= 0)
            {
                throw new TvReluInputException($"--trials must be positive (got {trialCount})", "--trials");
            }
            var claims = string.Join(",", Select(parsed.GetValue(claim)!).Select(c => c.Id));
            var outcomes = ClaimsAudit.Mutants(claims, parsed.GetValue(mutant)!, trialCount, parsed.GetValue(seed), parsed.GetValue(output)!,
                progress: new MutantReporter(o => context.Output.WriteLine(
                    $"{o.Mutant} / {o.Claim}: {(o.Killed ? "killed" : o.Crashed > 0 ? "crashed" : "survived")} after {N(o.Trials)} trial(s){(o.Targeted ? " (targeted)" : "")}")));
            var outDir = Path.GetFullPath(parsed.GetValue(output)!);
            var missed = outcomes.Where(o => o.Targeted && !o.Killed).Select(o => $"{o.Claim}/{o.Mutant}").ToArray();
            var falseKills = outcomes.Where(o => o.Mutant == "none" && o.Killed).Select(o => o.Claim).ToArray();
            context.Output.WriteLine($"{outcomes.Count(o => o.Targeted && o.Killed)} of {outcomes.Count(o => o.Targeted)} targeted (claim, mutant) pairs killed; surviving: {(missed.Length == 0 ? "none" : string.Join(", ", missed))}");
            if (falseKills.Length > 0)
            {
                context.Output.WriteLine($"refuted on the unmutated library: {string.Join(", ", falseKills)}");
            }
            context.Output.WriteLine($"wrote {Path.Combine(outDir, "mutants.json")} and {Path.Combine(outDir, "report.md")}");
            return Cli.Success;
        }));
        return command;
    }

    private static IReadOnlyList<AuditClaim> Select(string spec)
    {
        try
        {
            return ClaimsAudit.Select(spec);
        }
        catch (TvReluInputException e)
        {
            throw new TvReluInputException(e.Message, "--claim", e);
        }
    }

    private static string N(int n) => n.ToString(CultureInfo.InvariantCulture);

    /// <summary>Synchronous reports of the mutation audit's (claim, mutant) runs.</summary>
    private sealed class MutantReporter(Action<AuditMutantOutcome> report) : IProgress<AuditMutantOutcome>
    {
        public void Report(AuditMutantOutcome value) => report(value);
    }

    /// <summary>Synchronous reports: System.Progress&lt;T&gt; would post them to the thread pool, out of order.</summary>
    private sealed class Reporter(Action<AuditProgress> report) : IProgress<AuditProgress>
    {
        public void Report(AuditProgress value) => report(value);
    }
}
