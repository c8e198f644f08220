using System.CommandLine;
using System.CommandLine.Invocation;
using System.Globalization;
using System.Numerics;
using TvRelu.Audit;
using TvRelu.Cli.Json;
using TvRelu.Cli.Output;

namespace TvRelu.Cli.Commands;

/// <summary>
/// The streaming pass of issue 13 on `tvrelu certificate` and `tvrelu regions`: `--method`, `--shard i/k`
/// (one shard writes a partial), `--threads`, and the `merge` subcommands that combine the partials of
/// every shard into the exact answer (THEORY.md §3). The stored enumeration stays the default where it
/// is fast (small problems); the streaming pass needs memory O(N·d) only.
/// </summary>
internal static class StreamingCommands
{
    /// <summary>Adds the streaming options and `merge` to `tvrelu certificate`.</summary>
    internal static void ExtendCertificate(Command command, CliContext context, ProblemInput input, Option<string> residual, Option<string?> output)
    {
        var (method, shard, threads) = Options(command);
        var stored = (SynchronousCommandLineAction)command.Action!;
        command.SetAction(Cli.Guarded(context, parsed =>
        {
            var part = ResolveShard(parsed.GetValue(shard));
            var problem = input.DataInput.Load(parsed);
            var settings = new StreamingSettings { Threads = parsed.GetValue(threads) };
            if (!Streams(problem, parsed.GetValue<string>(method), part, true, settings.Threads))
            {
                return stored.Invoke(parsed);
            }
            var path = part is { } shardOf ? PartialPath(parsed.GetValue(output), shardOf, "certificate") : null;
            var q = JsonFiles.ReadResidual(parsed.GetValue(residual)!);
            var lambda = input.ReadLambda(parsed, () => LiveProgress.Run(context, "λ_max by a streaming pass", () => problem.LambdaMaxStreaming(settings)));
            if (part is { } s)
            {
                var partial = problem.CertificatePartial(q, lambda, s.Index, s.Count, settings);
                WritePartial(context, path!, partial, s, "certificate");
                return Cli.Success;
            }
            var report = LiveProgress.Run(context, "the exact extremes of η by a streaming pass", () => problem.CertificateStreaming(q, lambda, settings));
            EmitCertificate(context, parsed.GetValue(output), problem.DataPoints, problem.Dimension, lambda, report);
            return Cli.Success;
        }));
        command.Subcommands.Add(MergeCommand(context, "certificate", (parts, path) =>
        {
            var first = parts[0];
            var report = StreamingPartial.MergeCertificate(parts, first.Dimension);
            EmitCertificate(context, path, first.DataPoints, first.Dimension, first.Lambda, report);
        }));
    }

    /// <summary>Adds the streaming options and `merge` to `tvrelu regions`.</summary>
    internal static void ExtendRegions(Command command, CliContext context, DataInput data, Option<string?> output)
    {
        var (method, shard, threads) = Options(command);
        var stored = (SynchronousCommandLineAction)command.Action!;
        command.SetAction(Cli.Guarded(context, parsed =>
        {
            var part = ResolveShard(parsed.GetValue(shard));
            var problem = data.Load(parsed);
            var settings = new StreamingSettings { Threads = parsed.GetValue(threads), SaturationTolerance = null };
            if (!Streams(problem, parsed.GetValue<string>(method), part, false, settings.Threads))
            {
                return stored.Invoke(parsed);
            }
            if (part is { } s)
            {
                var path = PartialPath(parsed.GetValue(output), s, "regions");
                WritePartial(context, path, problem.RegionsPartial(s.Index, s.Count, settings), s, "regions");
                return Cli.Success;
            }
            var report = LiveProgress.Run(context, "counting the dual regions by a streaming pass", () => problem.RegionsStreaming(settings));
            EmitRegions(context, parsed.GetValue(output), problem.DataPoints, problem.Dimension, report);
            return Cli.Success;
        }));
        command.Subcommands.Add(MergeCommand(context, "regions", (parts, path) =>
        {
            var first = parts[0];
            EmitRegions(context, path, first.DataPoints, first.Dimension, StreamingPartial.MergeRegions(parts, first.Dimension));
        }));
    }

    /// <summary>`--shard` and `--threads`; `--method` (with its value "streaming") is the one <see cref="MethodCliOptions"/> adds.</summary>
    private static (string Method, Option<string?> Shard, Option<int> Threads) Options(Command command)
    {
        var shard = new Option<string?>("--shard")
        {
            Description = "streaming shard i/k (0-based, 0 <= i < k), or 'auto' for SLURM_ARRAY_TASK_ID/COUNT or JOB_COMPLETION_INDEX (+TVRELU_SHARD_COUNT); writes a partial to --out, to combine with 'merge'; the limits bound one shard",
        };
        var threads = new Option<int>("--threads") { Description = "worker threads of the streaming pass (default: one per core)" };
        command.Options.Add(shard);
        command.Options.Add(threads);
        return (MethodCliOptions.MethodName, shard, threads);
    }

    /// <summary>
    /// Whether the streaming pass runs: a shard or `--method streaming` always, `auto` as the library prefers
    /// (<see cref="TvReluProblem.PreferredMethod"/>). A streaming run (or one shard of it) whose estimate exceeds
    /// the limits (`--max-cells`, `--max-memory`, `--max-seconds`) is refused here, before any work: the same
    /// estimates and limits as the stored enumeration (issue 12), one path for both.
    /// </summary>
    private static bool Streams(TvReluProblem problem, string? method, AuditShard? part, bool certificate, int threads)
    {
        var streaming = part is not null || method switch
        {
            MethodCliOptions.StreamingName => true,
            "enumeration" or "branch-and-bound" => false,
            _ => problem.PreferredMethod(certificate, threads) == EnumerationMethod.Streaming,
        };
        if (streaming)
        {
            problem.EnsureTractable(EnumerationMethod.Streaming, certificate, threads, part?.Count ?? 1);
        }
        return streaming;
    }

    /// <summary>
    /// An explicit shard "i/k", the batch scheduler's for 'auto' (the audit's resolver: a Slurm array or a
    /// Kubernetes indexed Job), none when the option is absent. 'auto' outside an array of several shards is
    /// refused: every process would run the whole pass.
    /// </summary>
    private static AuditShard? ResolveShard(string? text) =>
        string.IsNullOrWhiteSpace(text) ? null
        : text.Trim() != "auto" ? AuditShard.Parse(text)
        : AuditShard.Resolve(null) is { Count: > 1 } fromScheduler ? fromScheduler
        : throw new TvReluInputException("--shard auto: no array of several shards in SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT or JOB_COMPLETION_INDEX (+TVRELU_SHARD_COUNT); give --shard i/k, or leave it out for one run", "--shard");

    /// <summary>The partial file of a shard: `--out` is required, and checked before the pass.</summary>
    private static string PartialPath(string? path, AuditShard shard, string command) =>
        path ?? throw new TvReluInputException($"a shard writes a partial file: give --out FILE (then 'tvrelu {command} merge' the files of all {shard.Count} shards)", "--out");

    private static void WritePartial(CliContext context, string path, StreamingPartial partial, AuditShard shard, string command)
    {
        // Staged like every output (issue 12): the partial replaces its target only when the command succeeds.
        File.WriteAllText(context.Stage(path), partial.ToJson() + Environment.NewLine);
        context.Output.WriteLine(
            $"shard {shard.Index}/{shard.Count}: {partial.WorkItemsCovered} of {partial.WorkItems} work items; 'tvrelu {command} merge' the partials of all {shard.Count} shards");
    }

    private static Command MergeCommand(CliContext context, string kind, Action<IReadOnlyList<StreamingPartial>, string?> merge)
    {
        var parts = new Argument<string[]>("parts") { Description = $"the partial files of every shard i/k of one {kind} pass", Arity = ArgumentArity.OneOrMore };
        var output = CliOptions.Out($"the merged {kind} answer");
        var command = new Command("merge", $"Combine the partials of all shards of a streaming {kind} pass into the exact answer (no data needed).") { parts, output };
        command.SetAction(Cli.Guarded(context, parsed =>
        {
            var read = parsed.GetValue(parts)!.Select(path =>
            {
                if (!File.Exists(path))
                {
                    throw new TvReluInputException($"partial file '{path}' does not exist", "parts");
                }
                return StreamingPartial.Parse(File.ReadAllText(path), $"partial file '{path}'");
            }).ToArray();
            merge(read, parsed.GetValue(output));
            return Cli.Success;
        }));
        return command;
    }

    private static void EmitCertificate(CliContext context, string? path, int n, int d, double lambda, StreamingCertificateReport r)
    {
        var document = StreamingCertificateJson.Of(n, d, lambda, r);
        context.Emit(path, document, console =>
        {
            console.Write(Tables.KeyValues($"certificate (streaming): N = {n}, d = {d}, λ = {Tables.Num(lambda)}",
            [
                ("sup η (exact)", Tables.Num(r.Supremum.Value)),
                ("  attained at", Tables.Vec(r.Supremum.Argument)),
                ("inf η (exact)", Tables.Num(r.Infimum.Value)),
                ("  attained at", Tables.Vec(r.Infimum.Argument)),
                ("sup |η|", Tables.Num(r.SupremumAbs)),
                ("dual feasible (sup |η| ≤ 1)", Tables.YesNo(r.IsFeasible)),
                ("saturation points", r.SaturationComplete ? Count(r.Saturation.Count) : "not listed (|η| far above 1)"),
                ("cells (dual regions)", Count(r.Regions.Cells)),
                ("certifiable (cell counts agree)", Tables.YesNo(r.Consistent)),
            ]));
        });
    }

    private static void EmitRegions(CliContext context, string? path, int n, int d, StreamingRegionsReport r)
    {
        context.Emit(path, StreamingRegionsJson.Of(n, d, r), console =>
        {
            var rows = new List<(string, string)>
            {
                ("cells (dual regions)", Count(r.Cells)),
                ("cells with an active neuron", Count(r.Cells - 1)),
                ("distinct hyperplanes", Count(r.Hyperplanes)),
                ("Cover's count (general position)", r.CoverCount.ToString(CultureInfo.InvariantCulture)),
            };
            if (r.CellsByDeletionRestriction is { } c)
            {
                rows.Add(("cells by deletion–restriction", Count(c)));
            }
            if (r.FVector is { } f)
            {
                rows.Add(("f-vector [f0..fd]", "[" + string.Join(", ", f) + "]"));
                rows.Add(("Euler characteristic", $"{r.EulerCharacteristic} (expected {r.ExpectedEulerCharacteristic})"));
            }
            console.Write(Tables.KeyValues($"regions (streaming): N = {n}, d = {d}", rows));
        });
    }

    private static string Count(long n) => n.ToString("N0", CultureInfo.InvariantCulture);
}

/// <summary>`tvrelu certificate --method streaming` and `certificate merge` as JSON.</summary>
internal sealed record StreamingCertificateJson(
    string Convention,
    string Method,
    int N,
    int D,
    double Lambda,
    StreamingExtremumJson Supremum,
    StreamingExtremumJson Infimum,
    double SupremumAbs,
    bool Feasible,
    bool Consistent,
    bool SaturationComplete,
    IReadOnlyList<StreamingSaturationJson> Saturation,
    long Cells)
{
    internal static StreamingCertificateJson Of(int n, int d, double lambda, StreamingCertificateReport r) => new(
        TvReluProblem.Convention, "streaming", n, d, lambda,
        new(r.Supremum.Value, r.Supremum.Argument), new(r.Infimum.Value, r.Infimum.Argument),
        r.SupremumAbs, r.IsFeasible, r.Consistent, r.SaturationComplete,
        r.Saturation.Select(p => new StreamingSaturationJson(p.Direction, p.Sign, p.Interior, p.Cells.Count)).ToArray(),
        r.Regions.Cells);
}

/// <summary>An extreme value and a point attaining it.</summary>
internal sealed record StreamingExtremumJson(double Value, IReadOnlyList<double> Argument);

/// <summary>A saturation point and how many closed regions it maximises.</summary>
internal sealed record StreamingSaturationJson(IReadOnlyList<double> Direction, int Sign, bool Interior, int Cells);

/// <summary>`tvrelu regions --method streaming` and `regions merge` as JSON.</summary>
internal sealed record StreamingRegionsJson(
    string Method,
    int N,
    int D,
    int Hyperplanes,
    long Cells,
    long CellsWithActiveNeurons,
    BigInteger CoverCount,
    long? CellsByDeletionRestriction,
    IReadOnlyList<long>? Faces,
    long? EulerCharacteristic,
    int ExpectedEulerCharacteristic)
{
    internal static StreamingRegionsJson Of(int n, int d, StreamingRegionsReport r) => new(
        "streaming", n, d, r.Hyperplanes, r.Cells, r.Cells - 1, r.CoverCount, r.CellsByDeletionRestriction,
        r.FVector, r.EulerCharacteristic, r.ExpectedEulerCharacteristic);
}
