using System.CommandLine;
using System.CommandLine.Help;
using System.Text.Json;
using Spectre.Console;
using TvRelu.Cli.Commands;
using TvRelu.Cli.Json;
using TvRelu.Cli.Output;

namespace TvRelu.Cli;

/// <summary>
/// The `tvrelu` command line. <see cref="Run"/> is the whole program with its streams passed in,
/// so that tests can run it in-process.
/// </summary>
public static class Cli
{
    /// <summary>Exit code of a successful run: for `solve`, `certify` and `demo`, the answer is certified.</summary>
    public const int Success = 0;

    /// <summary>
    /// Exit code of a run that finished but whose answer is not certified: `solve` or `certify` with a gap above
    /// the tolerance (or, with --exact, not verified), `train` that diverged.
    /// </summary>
    public const int NotCertified = 3;

    /// <summary>The exit codes as `tvrelu --help` and the README state them.</summary>
    internal const string ExitCodes =
        "Exit codes: 0 done (solve/certify/demo: certified), 3 finished but NOT certified (solve/certify: gap above the tolerance or exact mode not verified; train: diverged), 2 bad input, 1 internal failure.";

    /// <summary>Exit code of an unexpected internal failure (a bug, not bad input).</summary>
    public const int InternalError = 1;

    /// <summary>Exit code of bad input: a bad command line, a missing or malformed file, λ ≤ 0, …</summary>
    public const int BadInput = 2;

    /// <summary>
    /// Runs the command line. Bad input of any kind prints one line `error: …` to
    /// <paramref name="error"/> and returns <see cref="BadInput"/>; no stack trace is ever printed.
    /// </summary>
    /// <param name="args">The arguments, without the program name.</param>
    /// <param name="output">Where results, tables and help go.</param>
    /// <param name="error">Where `error: …` lines go.</param>
    /// <returns>The exit code.</returns>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        var context = new CliContext(output, error);
        // A plain command named "tvrelu" rather than RootCommand, whose name is the executable's
        // ("TvRelu.Cli", or "testhost" under tests) and would show up in the usage text.
        var root = new Command(
            "tvrelu",
            "tvrelu: exact, certified training of infinite-width shallow ReLU networks with total-variation regularisation.\n"
            + "Convention: " + TvReluProblem.Convention + "\n" + ExitCodes)
        {
            new HelpOption(),
            new VersionOption(),
            RegionsCommand.Create(context),
            CertificateCommand.Create(context),
            SolveCommand.Create(context),
            CertifyCommand.Create(context),
            DemoCommand.Create(context),
            AuditCommand.Create(context),
            TrainCommand.Create(context),
            CompareCommand.Create(context),
            LambdaMaxCommand.Create(context),
            PathCommand.Create(context),
            PredictCommand.Create(context),
            ExportCommand.Create(context),
        };
        // The limits of early refusal (issue 12, item 8) on every command that may enumerate regions, subcommands
        // included: all but the audit, whose trials are small by construction.
        foreach (var command in root.Subcommands.Where(c => c.Name != "audit"))
        {
            CliOptions.AddLimitOptions(command);
        }
        foreach (var command in root.Subcommands.Where(c => MethodCliOptions.Certifies(c) || MethodCliOptions.Streams(c) || MethodCliOptions.NeedsRegions(c)))
        {
            MethodCliOptions.Add(command);
        }
        CliOptions.AttachCompanions(root);
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            // All parse errors on one line: for an unknown command, "Required command was not provided"
            // alone would hide the useful "Unrecognized command or argument".
            var messages = parsed.Errors.Select(e => e.Message.TrimEnd('.')).Distinct();
            error.WriteLine($"error: {string.Join("; ", messages)} (see 'tvrelu --help')");
            return BadInput;
        }
        return parsed.Invoke(new InvocationConfiguration
        {
            Output = output,
            Error = error,
            EnableDefaultExceptionHandler = false,
        });
    }

    /// <summary>
    /// Wraps a command's body: bad input becomes one `error:` line and exit code 2, anything else
    /// one `error: internal failure` line and exit code 1. Output files are all-or-nothing (issue 12,
    /// item 12): every output-file option is checked before the work starts, files written through
    /// <see cref="CliContext.Stage"/> replace their targets only when the command succeeds, and an output
    /// file that a failed command created (a plot written before a later failure) is removed.
    /// </summary>
    internal static Func<ParseResult, int> Guarded(CliContext context, Func<ParseResult, int> body) => parseResult =>
    {
        string[] outputs = [];
        try
        {
            outputs = CliOptions.OutputFiles(parseResult);
            var existing = outputs.Where(File.Exists).ToHashSet();
            try
            {
                var code = body(parseResult);
                context.Commit();
                return code;
            }
            catch
            {
                context.Abort();
                foreach (var created in outputs.Where(p => !existing.Contains(p) && File.Exists(p)))
                {
                    try
                    {
                        File.Delete(created);
                    }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                    {
                        context.Error.WriteLine($"warning: could not remove '{created}', written before the failure: {e.Message}");
                    }
                }
                throw;
            }
        }
        catch (TvReluLimitException e)
        {
            context.Error.WriteLine($"error: {e.Describe(CliOptions.OptionOf(e.Limit))}");
            return BadInput;
        }
        catch (Exception e) when (e is TvReluInputException or IOException or UnauthorizedAccessException or JsonException)
        {
            context.Error.WriteLine($"error: {e.Message}");
            return BadInput;
        }
        catch (Exception e)
        {
            context.Error.WriteLine($"error: internal failure ({e.GetType().Name}): {e.Message}");
            return InternalError;
        }
    };
}

/// <summary>The streams a run writes to.</summary>
/// <param name="Output">Results, tables and help.</param>
/// <param name="Error">`error: …` lines and warnings.</param>
internal sealed record CliContext(TextWriter Output, TextWriter Error)
{
    /// <summary>Output files written to a temporary name, by target: they replace their targets in <see cref="Commit"/>.</summary>
    private readonly List<(string Given, string Target, string Temporary)> _staged = [];

    /// <summary>Writes the JSON document to <paramref name="outPath"/> when given, else prints the tables.</summary>
    internal void Emit<T>(string? outPath, T document, Action<IAnsiConsole> tables)
    {
        if (outPath is not null)
        {
            JsonFiles.Write(Stage(outPath), document);
        }
        else
        {
            tables(Tables.ConsoleFor(Output));
        }
    }

    /// <summary>
    /// The temporary path (hidden, in the same directory) to write <paramref name="path"/> to. The file replaces
    /// <paramref name="path"/> atomically when the command succeeds and is deleted when it fails, so a failing
    /// command never leaves a file, nor half of one.
    /// </summary>
    internal string Stage(string path)
    {
        var target = JsonFiles.OutputPath(path);
        var temporary = Path.Combine(Path.GetDirectoryName(target)!, $".{Guid.NewGuid():N}.tmp-{Path.GetFileName(target)}");
        _staged.Add((path, target, temporary));
        return temporary;
    }

    /// <summary>Moves every staged file over its target (flushed to the disk first), and says so.</summary>
    internal void Commit()
    {
        foreach (var (given, target, temporary) in _staged)
        {
            using (var stream = new FileStream(temporary, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
            {
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, target, overwrite: true);
            Output.WriteLine($"wrote {given}");
        }
        _staged.Clear();
    }

    /// <summary>Deletes every staged file: the command failed, its outputs must not appear.</summary>
    internal void Abort()
    {
        foreach (var (_, _, temporary) in _staged)
        {
            File.Delete(temporary);
        }
        _staged.Clear();
    }
}
