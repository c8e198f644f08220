using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace TvRelu.Cli.Commands;

/// <summary>`--data` and `--lambda`: the problem P_λ a command works on.</summary>
internal sealed class ProblemInput
{
    internal Option<string> Data { get; } = CliOptions.Data();

    internal Option<double> Lambda { get; } = CliOptions.Lambda();

    /// <summary>Reads the data (bad data throw <see cref="TvReluInputException"/>) and λ (checked by the façade when used).</summary>
    internal (TvReluProblem Problem, double Lambda) Read(ParseResult parsed) =>
        (TvReluProblem.FromCsv(parsed.GetValue(Data)!), parsed.GetValue(Lambda));
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
