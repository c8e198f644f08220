using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Runtime.CompilerServices;
using TvRelu.Cli.Json;

namespace TvRelu.Cli.Commands;

/// <summary>
/// `--data` with `--delimiter`: the data set a command reads. The data option carries its companion
/// options, so that a command listing only `input.Data` still accepts `--delimiter` (see <see cref="CliOptions.AttachCompanions"/>).
/// </summary>
internal sealed class DataInput
{
    internal DataInput(params Option[] more)
    {
        Delimiter = CliOptions.Delimiter();
        Data = new DataOption([Delimiter, .. more]);
    }

    internal DataOption Data { get; }

    internal Option<CsvDelimiter> Delimiter { get; }

    /// <summary>Reads the data; bad data throw <see cref="TvReluInputException"/>.</summary>
    internal TvReluProblem Load(ParseResult parsed) =>
        TvReluProblem.FromCsv(parsed.GetValue(Data)!, parsed.GetValue(Delimiter)).WithLimits(CliOptions.Limits(parsed))
            .WithMethod(MethodCliOptions.Read(parsed));
}

/// <summary>
/// `--data`, `--delimiter`, and `--lambda` or `--lambda-ratio`: the problem P_λ a command works on.
/// Exactly one of `--lambda L` and `--lambda-ratio R` (λ = R·λ_max) is required.
/// </summary>
internal sealed class ProblemInput
{
    internal ProblemInput()
    {
        LambdaRatio = CliOptions.LambdaRatio();
        DataInput = new DataInput(LambdaRatio);
    }

    internal DataInput DataInput { get; }

    internal DataOption Data => DataInput.Data;

    internal Option<double?> Lambda { get; } = CliOptions.Lambda();

    internal Option<double?> LambdaRatio { get; }

    /// <summary>
    /// Reads the data (bad data throw <see cref="TvReluInputException"/>), λ_max, and λ: given, or R·λ_max.
    /// λ_max is that of P_λ, or of the weighted (label-noise) problem when <paramref name="weighted"/>
    /// (sup |⟨y, φ(θ)⟩| / ω(θ), THEORY.md §7). With <paramref name="context"/>, the enumeration behind
    /// λ_max shows progress on a terminal.
    /// </summary>
    internal LambdaChoice Read(ParseResult parsed, CliContext? context = null, bool weighted = false)
    {
        var (lambda, ratio) = Given(parsed);
        var problem = DataInput.Load(parsed);
        var lambdaMax = Output.LiveProgress.Run(context, "enumerating the dual regions for λ_max",
            () => weighted ? problem.WeightedLambdaMax : problem.LambdaMax);
        if (!weighted && problem.LambdaMaxBounds is { Exact: false } b)
        {
            context?.Error.WriteLine(
                $"warning: λ_max is not exact under this branch-and-bound budget ({b.Status}): it lies in [{Output.Tables.Num(b.Lower)}, {Output.Tables.Num(b.Upper)}], and λ/λ_max uses the best value found, {Output.Tables.Num(lambdaMax)}");
        }
        return new LambdaChoice(problem, lambda ?? Scaled(ratio!.Value, lambdaMax), lambdaMax);
    }

    /// <summary>λ as given, or R·λ_max: <paramref name="lambdaMax"/> runs only for `--lambda-ratio` (the streaming
    /// pass computes λ_max by a pass of its own, not worth doing just to print λ/λ_max).</summary>
    internal double ReadLambda(ParseResult parsed, Func<double> lambdaMax)
    {
        var (lambda, ratio) = Given(parsed);
        return lambda ?? Scaled(ratio!.Value, lambdaMax());
    }

    /// <summary>Exactly one of `--lambda` and `--lambda-ratio`, positive and finite.</summary>
    private (double? Lambda, double? Ratio) Given(ParseResult parsed)
    {
        var (lambda, ratio) = (parsed.GetValue(Lambda), parsed.GetValue(LambdaRatio));
        if (lambda is null == ratio is null)
        {
            throw new TvReluInputException(lambda is null
                ? "give λ with --lambda L, or as a fraction of λ_max with --lambda-ratio R (see 'tvrelu lambda-max')"
                : "give either --lambda or --lambda-ratio, not both");
        }
        if (lambda is { } l && (!(l > 0) || double.IsInfinity(l)))
        {
            throw new TvReluInputException($"λ must be a positive finite number (got {l.ToString(CultureInfo.InvariantCulture)})");
        }
        if (ratio is { } r && (!(r > 0) || double.IsInfinity(r)))
        {
            throw new TvReluInputException($"--lambda-ratio must be a positive finite number (got {r.ToString(CultureInfo.InvariantCulture)})");
        }
        return (lambda, ratio);
    }

    private static double Scaled(double fraction, double lambdaMax) => lambdaMax > 0
        ? fraction * lambdaMax
        : throw new TvReluInputException("λ_max = 0 (⟨y, φ(θ)⟩ vanishes for every neuron θ): the zero measure is optimal for every λ, so --lambda-ratio means nothing here; use --lambda");
}

/// <summary>The problem, the λ a command runs at and λ_max; deconstructs as (problem, λ).</summary>
/// <param name="Problem">The data's problem.</param>
/// <param name="Lambda">λ, as given or R·λ_max.</param>
/// <param name="LambdaMax">λ_max = sup_θ |⟨y, φ(θ)⟩| (exact): the zero measure is optimal exactly for λ ≥ λ_max.</param>
internal sealed record LambdaChoice(TvReluProblem Problem, double Lambda, double LambdaMax)
{
    /// <summary>λ/λ_max, or null when λ_max = 0.</summary>
    internal double? Ratio => LambdaMax > 0 ? Lambda / LambdaMax : null;

    /// <summary>(problem, λ), for the commands that need no more.</summary>
    internal void Deconstruct(out TvReluProblem problem, out double lambda) => (problem, lambda) = (Problem, Lambda);
}

/// <summary>`--data`, with the options that go wherever it goes (`--delimiter`, and `--lambda-ratio` where `--lambda` is).</summary>
internal sealed class DataOption : Option<string>
{
    internal DataOption(IReadOnlyList<Option> companions)
        : base("--data")
    {
        Description = "CSV file: an optional header row, the columns x1..xd, and the label y last (comma-, tab- or semicolon-separated)";
        Required = true;
        Companions = companions;
    }

    internal IReadOnlyList<Option> Companions { get; }
}

/// <summary>The options shared by several commands (a new instance per command).</summary>
internal static class CliOptions
{
    /// <summary>Adds to every command the companions of its `--data` option that it does not list itself.</summary>
    internal static void AttachCompanions(Command command)
    {
        foreach (var data in command.Options.OfType<DataOption>().ToArray())
        {
            foreach (var companion in data.Companions.Where(c => !command.Options.Contains(c)))
            {
                command.Options.Add(companion);
            }
        }
        foreach (var sub in command.Subcommands)
        {
            AttachCompanions(sub);
        }
    }

    internal static Option<CsvDelimiter> Delimiter() => new("--delimiter")
    {
        Description = "field separator of --data: comma, tab or semicolon (default: detected from the first line; '.' is always the decimal point)",
        CustomParser = result =>
        {
            var token = result.Tokens.Count == 1 ? result.Tokens[0].Value : null;
            switch (token)
            {
                case "comma" or ",":
                    return CsvDelimiter.Comma;
                case "tab" or "\t" or "\\t":
                    return CsvDelimiter.Tab;
                case "semicolon" or ";":
                    return CsvDelimiter.Semicolon;
                case "auto":
                    return CsvDelimiter.Detect;
                default:
                    result.AddError($"--delimiter must be comma, tab or semicolon (got '{token}')");
                    return CsvDelimiter.Detect;
            }
        },
    };

    internal static Option<double?> Lambda() => new("--lambda")
    {
        Description = "λ > 0 in J(μ) = ½‖Kμ − y‖² + λ‖μ‖_TV (or give --lambda-ratio)",
        CustomParser = result => ParseNumber(result, "--lambda"),
    };

    internal static Option<double?> LambdaRatio() => new("--lambda-ratio")
    {
        Description = "λ as a fraction R of λ_max: λ = R·λ_max (the zero measure is optimal for λ ≥ λ_max; try 0.1 to 0.001)",
        CustomParser = result => ParseNumber(result, "--lambda-ratio"),
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
