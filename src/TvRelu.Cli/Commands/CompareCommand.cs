using System.CommandLine;
using TvRelu.Cli.Json;
using TvRelu.Cli.Output;

namespace TvRelu.Cli.Commands;

/// <summary>
/// `tvrelu compare`: the exact solver, sliding Frank–Wolfe, gradient descent at widths 10, 100 and 1000, and a
/// fixed-grid LASSO on one problem, every answer audited by the same exact certificate (THEORY.md §2). Rows:
/// "exact" (column generation), "sliding Frank–Wolfe" (exact oracle), "GD, m = …" (neurons / clusters),
/// "grid LASSO, M" (M grid directions).
/// </summary>
internal static class CompareCommand
{
    internal static Command Create(CliContext context)
    {
        var input = new ProblemInput();
        var epochs = TrainingCliOptions.Epochs();
        var seed = TrainingCliOptions.Seed();
        var grid = new Option<int>("--grid")
        {
            Description = "directions of the fixed-grid LASSO (default 2000)",
            DefaultValueFactory = _ => 2000,
        };
        var output = CliOptions.Out("the comparison");
        var command = new Command("compare", "Exact solver, sliding Frank–Wolfe, gradient descent at widths 10/100/1000 and a fixed-grid LASSO, audited by one exact certificate.")
        {
            input.Data, input.Lambda, epochs, seed, grid, output,
        };
        command.SetAction(Cli.Guarded(context, parsed =>
        {
            var (problem, lambdaValue) = input.Read(parsed);
            var options = new CompareOptions { Epochs = parsed.GetValue(epochs), Seed = parsed.GetValue(seed), GridSize = parsed.GetValue(grid) };
            var comparison = LiveProgress.Run(context, $"comparing at λ = {Tables.Num(lambdaValue)}: exact, sliding Frank–Wolfe, gradient descent at widths 10/100/1000, grid LASSO",
                () => problem.Compare(lambdaValue, options));
            var rows = comparison.Rows
                .Select(r => new CompareRowJson(r.Method, r.Objective, r.Gap, r.Certified, r.Excess, r.Neurons, r.Atoms, r.Seconds))
                .ToList();
            var document = new CompareJson(TvReluProblem.Convention, problem.DataPoints, problem.Dimension, lambdaValue, comparison.OptimalObjective, rows, problem.ChosenMethodName);
            context.Emit(parsed.GetValue(output), document, console =>
            {
                var table = Tables.Grid(
                    Tables.Heading("compare", problem, lambdaValue) + "; every gap from the exact sup |η|",
                    "method", "objective J", "certified gap", "J − J*", "neurons / atoms", "seconds");
                foreach (var r in rows)
                {
                    table.AddTextRow(r.Method, Tables.Num(r.Objective), Tables.Num(r.Gap, 4) + (r.Certified ? " ✓" : ""), Tables.Num(r.Excess, 4),
                        r.Neurons > 0 ? $"{Tables.Count(r.Neurons, "neuron")} / {Tables.Count(r.Atoms, "cluster")}" : Tables.Count(r.Atoms, "atom"),
                        Tables.Num(r.Seconds, 3));
                }
                console.Write(table);
            });
            return Cli.Success;
        }));
        return command;
    }
}
