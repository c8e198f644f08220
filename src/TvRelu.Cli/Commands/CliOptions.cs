using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

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
    internal TvReluProblem Load(ParseResult parsed) => TvReluProblem.FromCsv(parsed.GetValue(Data)!, parsed.GetValue(Delimiter));
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
        var problem = DataInput.Load(parsed);
        var lambdaMax = Output.LiveProgress.Run(context, "enumerating the dual regions for λ_max",
            () => weighted ? problem.WeightedLambdaMax : problem.LambdaMax);
        if (ratio is { } fraction)
        {
            if (!(lambdaMax > 0))
            {
                throw new TvReluInputException("λ_max = 0 (⟨y, φ(θ)⟩ vanishes for every neuron θ): the zero measure is optimal for every λ, so --lambda-ratio means nothing here; use --lambda");
            }
            return new LambdaChoice(problem, fraction * lambdaMax, lambdaMax);
        }
        return new LambdaChoice(problem, lambda!.Value, lambdaMax);
    }
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

    internal static Option<string?> Out(string what) => new("--out")
    {
        Description = $"write {what} as JSON to this file instead of printing a table",
    };

    internal static Option<bool> Faces(string why) => new("--faces")
    {
        Description = $"also enumerate the faces of every dimension ({why})",
    };

    internal static Option<bool> Exact() => new("--exact")
    {
        Description = "also decide the certificate in exact rational arithmetic: verdict verified/refuted/undecided and J* enclosed between exact rationals",
    };

    /// <summary>Numbers are read in the invariant culture, so '0.5' means the same everywhere.</summary>
    private static double? ParseNumber(ArgumentResult result, string name)
    {
        var token = result.Tokens.Count == 1 ? result.Tokens[0].Value : null;
        if (token is not null && double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }
        result.AddError($"{name} must be a number (got '{token}')");
        return null;
    }
}
