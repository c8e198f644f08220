using System.CommandLine;
using TvRelu.Cli.Json;
using TvRelu.Cli.Output;

namespace TvRelu.Cli.Commands;

/// <summary>
/// `tvrelu lambda-max`: λ_max = sup_θ |⟨y, φ(θ)⟩|, exact over the whole sphere: the zero measure is optimal
/// exactly for λ ≥ λ_max (THEORY.md §2 with q = y), so useful values of λ are fractions of it.
/// </summary>
internal static class LambdaMaxCommand
{
    /// <summary>The fractions of λ_max the table suggests: from a few atoms to a close fit.</summary>
    private static readonly double[] Fractions = [1e-1, 1e-2, 1e-3];

    internal static Command Create(CliContext context)
    {
        var data = new DataInput();
        var weighted = new Option<bool>("--weighted")
        {
            Description = "λ_max of the label-noise (weighted-TV) problem of `solve --weighted`: sup |⟨y, φ(θ)⟩| / ω(θ)",
        };
        var output = CliOptions.Out("λ_max");
        var command = new Command("lambda-max", "λ_max = sup_θ |⟨y, φ(θ)⟩| over the whole sphere (exact): the zero network is optimal exactly for λ ≥ λ_max. Choose λ as a fraction of it (--lambda-ratio).")
        {
            data.Data, weighted, output,
        };
        command.SetAction(Cli.Guarded(context, parsed =>
        {
            var problem = data.Load(parsed);
            var isWeighted = parsed.GetValue(weighted);
            var lambdaMax = LiveProgress.Run(context, "enumerating the dual regions for λ_max", () => isWeighted ? problem.WeightedLambdaMax : problem.LambdaMax);
            // The weighted λ_max is always enumerated (exact); P_λ's may be a budgeted search's interval.
            var bounds = isWeighted ? null : problem.LambdaMaxBounds;
            var exact = bounds?.Exact ?? true;
            var document = new LambdaMaxJson(
                isWeighted ? WeightedSolveJson.WeightedConvention : TvReluProblem.Convention,
                isWeighted ? "weighted-tv" : "tv",
                problem.DataPoints, problem.Dimension, lambdaMax, exact,
                isWeighted ? "enumeration" : problem.ChosenMethodName,
                SupremumBoundsJson.Of(bounds));
            if (!exact)
            {
                context.Error.WriteLine(
                    $"warning: the branch-and-bound budget ran out ({bounds!.Status}): λ_max is NOT exact, it lies in [{Tables.Num(bounds.Lower)}, {Tables.Num(bounds.Upper)}] and {Tables.Num(lambdaMax)} is the best value found (exit code 3)");
            }
            context.Emit(parsed.GetValue(output), document, console =>
            {
                var rows = new List<(string, string)>
                {
                    ("convention", document.Convention),
                    (exact ? "λ_max" : "λ_max (best found, NOT exact)", Tables.Num(lambdaMax)),
                };
                if (bounds is not null)
                {
                    rows.Add(("method", document.Method));
                    rows.Add(("λ_max in", $"[{Tables.Num(bounds.Lower)}, {Tables.Num(bounds.Upper)}] ({(bounds.Exact ? "exact" : bounds.Status)}, {bounds.Nodes.ToString(System.Globalization.CultureInfo.InvariantCulture)} nodes)"));
                }
                rows.AddRange(Fractions.Select(f => ($"λ = {Tables.Num(f)} λ_max (--lambda-ratio {Tables.Num(f)})", Tables.Num(f * lambdaMax))));
                console.Write(Tables.KeyValues(Tables.Heading(isWeighted ? "lambda-max --weighted" : "lambda-max", problem), rows));
            });
            return exact ? Cli.Success : Cli.NotCertified;
        }));
        return command;
    }
}
