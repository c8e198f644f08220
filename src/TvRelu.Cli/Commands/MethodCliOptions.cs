using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using TvRelu.Cli.Output;

namespace TvRelu.Cli.Commands;

/// <summary>
/// `--method`, `--time-limit` and `--node-limit` (issue 14): how the supremum of the certificate is computed, and the budget
/// of branch and bound. One `--method` option for every method: a new method adds its name to <see cref="Methods"/>.
/// </summary>
internal static class MethodCliOptions
{
    internal const string MethodName = "--method";

    internal const string TimeLimitName = "--time-limit";

    internal const string NodeLimitName = "--node-limit";

    /// <summary>The values of `--method` that choose the façade's method, in the order the help lists them.</summary>
    internal static readonly IReadOnlyList<(string Name, CertificationMethod Method)> Methods =
    [
        ("auto", CertificationMethod.Auto),
        ("enumeration", CertificationMethod.Enumeration),
        ("branch-and-bound", CertificationMethod.BranchAndBound),
        (StreamingName, CertificationMethod.Streaming),
    ];

    /// <summary>
    /// The streaming pass of issue 13, a value of the same `--method` on the commands in <see cref="Streams"/>: `certificate`
    /// and `regions` run the pass itself (with `--shard` and `--threads`, <see cref="StreamingCommands"/>); `solve` runs column
    /// generation priced by one pass per round, `certify` and `lambda-max` one pass, so no region is ever stored. `train`,
    /// `path` and `compare` do not stream yet.
    /// </summary>
    internal const string StreamingName = "streaming";

    /// <summary>The commands that certify, and so take the method options with the budgets.</summary>
    internal static bool Certifies(Command command) =>
        command.Name is "solve" or "certify" or "certificate" or "lambda-max" or "train" or "path";

    /// <summary>
    /// The commands whose computation needs every region of the arrangement: they take `--method` without the budgets, and
    /// `branch-and-bound` is parsed and then refused with the reason (exit 2), not rejected as an unknown value.
    /// </summary>
    internal static bool NeedsRegions(Command command) => command.Name is "regions" or "compare" or "audit";

    /// <summary>For a command that does not load a problem (`audit`): `--method branch-and-bound` refused, naming why.</summary>
    internal static void RefuseBranchAndBound(ParseResult parsed, string what, string why)
    {
        if (parsed.GetValue<string>(MethodName) == "branch-and-bound")
        {
            throw new TvReluInputException($"{what} cannot use branch and bound: {why}, so it needs the region enumeration (--method enumeration or auto)", MethodName);
        }
    }

    /// <summary>Whether the command also offers the streaming pass as a `--method`.</summary>
    internal static bool Streams(Command command) => command.Name is "certificate" or "regions" or "solve" or "certify" or "lambda-max";

    /// <summary>Adds the three options to a command (only `--method`, without the budgets, to those that need every region).</summary>
    internal static void Add(Command command)
    {
        string[] accepted = [.. Methods.Select(m => m.Name).Where(name => name != StreamingName || Streams(command))];
        var method = new Option<string>(MethodName)
        {
            Description = $"how the supremum of the certificate is computed: {string.Join(", ", accepted)} (default auto: the region enumeration when its estimate fits the limits and d ≤ {TvReluProblem.MaxDimension}"
                + (Streams(command)
                    ? command.Name is "certificate" or "regions"
                        ? $", the streaming pass above {TvReluProblem.StreamingAboveCells.ToString("N0", CultureInfo.InvariantCulture)} regions when it fits"
                        : $", else the streaming pass when one pass fits and d ≤ {TvReluProblem.MaxAutoStreamingDimension}"
                    : "")
                + (NeedsRegions(command) ? "; branch-and-bound is refused: this command needs every region)" : ", else branch and bound)"),
            DefaultValueFactory = _ => "auto",
        };
        method.Validators.Add(result =>
        {
            var token = result.Tokens.Count == 1 ? result.Tokens[0].Value : null;
            if (token is not null && !accepted.Contains(token))
            {
                result.AddError($"{MethodName} must be one of {string.Join(", ", accepted)} (got '{token}')");
            }
        });
        command.Options.Add(method);
        if (NeedsRegions(command))
        {
            return;
        }
        command.Options.Add(new Option<double?>(TimeLimitName)
        {
            Description = "seconds branch and bound may take (the whole solve, or one certification): when they run out, the supremum is an interval and 'certified' holds only if the gap from its upper end meets the tolerance",
            CustomParser = result => Positive(result, TimeLimitName),
        });
        command.Options.Add(new Option<double?>(NodeLimitName)
        {
            Description = "the most nodes of each branch-and-bound search (default 10^7)",
            CustomParser = result => Positive(result, NodeLimitName) is { } n
                ? (n == Math.Floor(n) ? n : Fail(result, NodeLimitName, "a whole number"))
                : null,
        });
    }

    /// <summary>The method options given on the command line; the enumeration for a command that does not offer them.</summary>
    internal static MethodOptions Read(ParseResult parsed)
    {
        var command = parsed.CommandResult.Command;
        if (!command.Options.Any(o => o.Name == MethodName))
        {
            return new MethodOptions { Method = CertificationMethod.Enumeration };
        }
        var name = parsed.GetValue<string>(MethodName);
        // These need every region: the enumeration (or `regions`' streaming pass, decided by the command), and branch and bound
        // only so that the façade refuses it with the reason.
        if (NeedsRegions(command))
        {
            return new MethodOptions { Method = name == "branch-and-bound" ? CertificationMethod.BranchAndBound : CertificationMethod.Enumeration };
        }
        var seconds = parsed.GetValue<double?>(TimeLimitName);
        var nodes = parsed.GetValue<double?>(NodeLimitName);
        return new MethodOptions
        {
            // On `certificate`, "streaming" is decided by the command before the façade's method is used (StreamingCommands).
            Method = Methods.FirstOrDefault(m => m.Name == name, (Name: "auto", Method: CertificationMethod.Auto)).Method,
            TimeLimit = seconds is { } s ? TimeSpan.FromSeconds(s) : null,
            NodeLimit = nodes is { } n ? (long)n : null,
        };
    }

    /// <summary>The rows of a report that say which method computed sup|η| and, for branch and bound, its interval.</summary>
    internal static IEnumerable<(string, string)> SupremumRows(CertificationReport report)
    {
        if (report.SupremumBounds is not { } b)
        {
            if (report.Method == StreamingName)
            {
                yield return ("method", $"{StreamingName} (no region stored; sup |η| with its rounding)");
            }
            yield return ("exact sup |η|", Tables.Num(report.CertificateSup));
            yield break;
        }
        yield return ("method", report.Method);
        yield return (b.Exact ? "exact sup |η|" : "sup |η| in", b.Exact
            ? Tables.Num(report.CertificateSup)
            : $"[{Tables.Num(b.Lower)}, {Tables.Num(b.Upper)}] (the gap uses the upper end)");
        yield return ("branch-and-bound nodes", $"{b.Nodes.ToString(CultureInfo.InvariantCulture)} ({b.Status})");
    }

    /// <summary>For a certificate computed by branch and bound: the method and the intervals of sup η and inf η.</summary>
    internal static IEnumerable<(string, string)> IntervalRows(DualCertificate certificate)
    {
        if (certificate.SupremumInterval is not { } sup || certificate.InfimumInterval is not { } inf)
        {
            yield break;
        }
        yield return ("method", certificate.Method);
        foreach (var (name, b) in new[] { ("sup η", sup), ("inf η", inf) })
        {
            yield return ($"{name} in", $"[{Tables.Num(b.Lower)}, {Tables.Num(b.Upper)}] ({(b.Exact ? "exact" : b.Status)}, {b.Nodes.ToString(CultureInfo.InvariantCulture)} nodes)");
        }
    }

    private static double? Positive(ArgumentResult result, string name)
    {
        var value = CliOptions.ParseNumber(result, name);
        return value is > 0 ? value : value is null ? null : Fail(result, name, "a positive number");
    }

    private static double? Fail(ArgumentResult result, string name, string what)
    {
        result.AddError($"{name} must be {what} (got '{(result.Tokens.Count == 1 ? result.Tokens[0].Value : "")}')");
        return null;
    }
}
