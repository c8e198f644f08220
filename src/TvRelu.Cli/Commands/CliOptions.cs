using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Runtime.CompilerServices;
using TvRelu.Cli.Json;

namespace TvRelu.Cli.Commands;

/// <summary>`--data` and `--lambda`: the problem P_λ a command works on.</summary>
internal sealed class ProblemInput
{
    internal Option<string> Data { get; } = CliOptions.Data();

    internal Option<double> Lambda { get; } = CliOptions.Lambda();

    /// <summary>
    /// Reads the data (bad data throw <see cref="TvReluInputException"/>) under the command line's limits, and λ
    /// (checked by the façade when used).
    /// </summary>
    internal (TvReluProblem Problem, double Lambda) Read(ParseResult parsed) =>
        (CliOptions.ReadProblem(parsed, parsed.GetValue(Data)!), parsed.GetValue(Lambda));
}

/// <summary>The options shared by several commands (a new instance per command).</summary>
internal static class CliOptions
{
    internal static Option<string> Data() => new("--data")
    {
        Description = "CSV file: an optional header row, the columns x1..xd, and the label y last",
        Required = true,
    };

    internal static Option<double> Lambda() => new("--lambda")
    {
        Description = "λ > 0 in J(μ) = ½‖Kμ − y‖² + λ‖μ‖_TV",
        Required = true,
        CustomParser = result => ParseNumber(result, "--lambda") ?? 0.0,
    };

    internal static Option<double?> Tolerance() => new("--tolerance")
    {
        Description = "certified-gap tolerance (default max(1e-9·J, 1e-13·½‖y‖²))",
        CustomParser = result => ParseNumber(result, "--tolerance"),
    };

    internal static Option<string?> Out(string what) => OutputFile(new Option<string?>("--out")
    {
        Description = $"write {what} as JSON to this file instead of printing a table",
    });

    internal static Option<bool> Faces(string why) => new("--faces")
    {
        Description = $"also enumerate the faces of every dimension ({why})",
    };

    internal static Option<bool> Exact() => new("--exact")
    {
        Description = "also decide the certificate in exact rational arithmetic: verdict verified/refuted/undecided and J* enclosed between exact rationals",
    };

    /// <summary>
    /// The largest magnitude a numeric option may have: its square, 1e308, is still a finite double, so no product or
    /// square of option values overflows before the code that uses them can check the result (issue 12, item 7).
    /// </summary>
    internal const double LargestOptionValue = 1e154;

    /// <summary>
    /// Every numeric option is read here: in the invariant culture (so '0.5' means the same everywhere), finite, and
    /// below <see cref="LargestOptionValue"/> in magnitude. NaN, ±Infinity and 1e400 (read as Infinity) are parse errors.
    /// </summary>
    internal static double? ParseNumber(ArgumentResult result, string name)
    {
        var token = result.Tokens.Count == 1 ? result.Tokens[0].Value : null;
        if (token is null || !double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
        {
            result.AddError($"{name} must be a number (got '{token}')");
        }
        else if (!double.IsFinite(value))
        {
            result.AddError($"{name} must be a finite number (got '{token}')");
        }
        else if (Math.Abs(value) >= LargestOptionValue)
        {
            result.AddError($"{name} must be below 1e154 in magnitude (got '{token}'): its square would overflow");
        }
        else
        {
            return value;
        }
        return null;
    }

    /// <summary>The options that are files a command writes (see <see cref="OutputFile{T}"/>).</summary>
    private static readonly ConditionalWeakTable<Option, object> OutputFileOptions = [];

    /// <summary>
    /// Marks an option as naming a file the command writes: <see cref="Cli.Guarded"/> checks its path before the work
    /// starts and removes the file if the command fails after writing it. Options named --plot count as marked.
    /// </summary>
    internal static Option<T> OutputFile<T>(Option<T> option)
    {
        OutputFileOptions.AddOrUpdate(option, option);
        return option;
    }

    /// <summary>The full paths of the output files given on the command line, each checked (directory exists, not a
    /// directory, not empty), and no two the same.</summary>
    internal static string[] OutputFiles(ParseResult parsed)
    {
        var paths = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var option in parsed.CommandResult.Command.Options)
        {
            if ((OutputFileOptions.TryGetValue(option, out _) || option.Name == "--plot")
                && parsed.GetResult(option) is { Implicit: false } given)
            {
                var path = JsonFiles.OutputPath(given.Tokens.Count == 1 ? given.Tokens[0].Value : null, option.Name);
                if (paths.TryGetValue(path, out var other))
                {
                    throw new TvReluInputException($"{other} and {option.Name} name the same file '{path}'");
                }
                paths[path] = option.Name;
            }
        }
        return [.. paths.Keys];
    }

    /// <summary>--max-cells: raises or lowers <see cref="EnumerationLimits.MaxCells"/> (a name fixed by issue 13).</summary>
    internal const string MaxCellsName = "--max-cells";

    /// <summary>--max-memory: raises or lowers <see cref="EnumerationLimits.MaxMemoryBytes"/> (a name fixed by issue 13).</summary>
    internal const string MaxMemoryName = "--max-memory";

    /// <summary>--max-seconds: raises or lowers <see cref="EnumerationLimits.MaxSeconds"/>.</summary>
    internal const string MaxSecondsName = "--max-seconds";

    /// <summary>Adds the limit options to a command and to its subcommands.</summary>
    internal static void AddLimitOptions(Command command)
    {
        foreach (var option in LimitOptions())
        {
            command.Options.Add(option);
        }
        foreach (var sub in command.Subcommands)
        {
            AddLimitOptions(sub);
        }
    }

    /// <summary>The limits an enumerating command respects (new instances for each command).</summary>
    private static IEnumerable<Option> LimitOptions()
    {
        yield return new Option<double?>(MaxCellsName)
        {
            Description = $"refuse, before starting, a problem that may have more dual regions than this (default {EnumerationLimits.Default.MaxCells:G3})",
            Recursive = true,
            CustomParser = result => Positive(result, MaxCellsName, ParseNumber(result, MaxCellsName)),
        };
        yield return new Option<double?>(MaxMemoryName)
        {
            Description = "refuse, before starting, a problem whose enumeration needs more memory than this: bytes, or a number with kB, MB, GB or TB (default: 4 GB or half the available memory)",
            Recursive = true,
            CustomParser = result => ParseBytes(result),
        };
        yield return new Option<double?>(MaxSecondsName)
        {
            Description = $"refuse, before starting, a problem whose enumeration is estimated to take longer (default {EnumerationLimits.Default.MaxSeconds:G3} s)",
            Recursive = true,
            CustomParser = result => Positive(result, MaxSecondsName, ParseNumber(result, MaxSecondsName)),
        };
    }

    /// <summary>The limits given on the command line, the defaults for those not given (or not offered by the command).</summary>
    internal static EnumerationLimits Limits(ParseResult parsed)
    {
        var limits = EnumerationLimits.Default;
        if (Given(parsed, MaxCellsName) is { } cells)
        {
            limits = limits with { MaxCells = cells };
        }
        if (Given(parsed, MaxMemoryName) is { } bytes)
        {
            limits = limits with { MaxMemoryBytes = bytes };
        }
        if (Given(parsed, MaxSecondsName) is { } seconds)
        {
            limits = limits with { MaxSeconds = seconds };
        }
        return limits;
    }

    private static double? Given(ParseResult parsed, string name) =>
        parsed.CommandResult.Command.Options.Any(o => o.Name == name) ? parsed.GetValue<double?>(name) : null;

    /// <summary>A data file read as a problem under the command line's limits.</summary>
    internal static TvReluProblem ReadProblem(ParseResult parsed, string path) =>
        TvReluProblem.FromCsv(path).WithLimits(Limits(parsed));

    /// <summary>The option that sets a limit, for messages.</summary>
    internal static string OptionOf(EnumerationLimit limit) => limit switch
    {
        EnumerationLimit.Cells => MaxCellsName,
        EnumerationLimit.Memory => MaxMemoryName,
        _ => MaxSecondsName,
    };

    private static double? Positive(ArgumentResult result, string name, double? value)
    {
        if (value is <= 0)
        {
            result.AddError($"{name} must be positive (got '{result.Tokens[0].Value}')");
            return null;
        }
        return value;
    }

    /// <summary>Bytes: a number, optionally followed by kB, MB, GB or TB (powers of 1000) or KiB, MiB, GiB, TiB (of 1024).</summary>
    private static double? ParseBytes(ArgumentResult result)
    {
        var token = result.Tokens.Count == 1 ? result.Tokens[0].Value.Trim() : "";
        var units = new (string Suffix, double Factor)[]
        {
            ("KiB", 1024.0), ("MiB", 1024.0 * 1024), ("GiB", 1024.0 * 1024 * 1024), ("TiB", 1024.0 * 1024 * 1024 * 1024),
            ("kB", 1e3), ("KB", 1e3), ("MB", 1e6), ("GB", 1e9), ("TB", 1e12), ("B", 1.0),
        };
        var (number, factor) = (token, 1.0);
        foreach (var (suffix, f) in units)
        {
            if (token.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
            {
                (number, factor) = (token[..^suffix.Length].Trim(), f);
                break;
            }
        }
        if (double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            && double.IsFinite(value) && value > 0 && value < LargestOptionValue)
        {
            return value * factor;
        }
        result.AddError($"{MaxMemoryName} must be a positive amount of memory such as 8GB or 512MiB (got '{token}')");
        return null;
    }
}
