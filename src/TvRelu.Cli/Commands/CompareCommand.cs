using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
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
    private static readonly int[] Widths = [10, 100, 1000];

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
            var rows = Run(problem, lambdaValue, parsed.GetValue(epochs), parsed.GetValue(seed), parsed.GetValue(grid));
            var optimum = rows[0].Objective;
            var document = new CompareJson(TvReluProblem.Convention, problem.DataPoints, problem.Dimension, lambdaValue, optimum, rows);
            context.Emit(parsed.GetValue(output), document, console =>
            {
                var table = Tables.Grid(
                    Tables.Heading("compare", problem, lambdaValue) + "; every gap from the exact sup |η|",
                    "method", "objective J", "certified gap", "J − J*", "neurons / atoms", "seconds");
                foreach (var r in rows)
                {
                    table.AddTextRow(r.Method, Tables.Num(r.Objective), Short(r.Gap) + (r.Certified ? " ✓" : ""), Short(r.Excess),
                        r.Neurons > 0 ? $"{r.Neurons} / {r.Atoms} clusters" : $"{r.Atoms} atoms",
                        r.Seconds.ToString("F3", CultureInfo.InvariantCulture));
                }
                console.Write(table);
            });
            return Cli.Success;
        }));
        return command;
    }

    private static string Short(double x) => x.ToString("G4", CultureInfo.InvariantCulture);

    private static List<CompareRowJson> Run(TvReluProblem problem, double lambda, int epochs, int seed, int gridSize)
    {
        var rows = new List<CompareRowJson>();
        var clock = Stopwatch.StartNew();
        var exact = problem.Solve(lambda);
        var optimum = exact.Objective;
        rows.Add(new("exact", exact.Objective, exact.Gap, exact.Certified, 0.0, 0, exact.Measure.Atoms.Count, clock.Elapsed.TotalSeconds));
        clock.Restart();
        var fw = problem.SlidingFrankWolfe(lambda);
        rows.Add(new("sliding Frank–Wolfe", fw.Objective, fw.Gap, fw.Certified, fw.Objective - optimum, 0, fw.Measure.Atoms.Count, clock.Elapsed.TotalSeconds));
        foreach (var width in Widths)
        {
            var options = new TrainOptions { MaxEpochs = epochs, Seed = seed, CertifyEvery = 0 };
            var gd = problem.Train(lambda, width, options);
            rows.Add(new($"GD, m = {width}", gd.Objective, gd.Gap, gd.Certification.Certified, gd.Excess, width, gd.Clusters.Count, gd.Seconds));
        }
        clock.Restart();
        var lasso = problem.GridLasso(lambda, gridSize);
        rows.Add(new($"grid LASSO, {gridSize}", lasso.Objective, lasso.Gap, lasso.Certified, lasso.Objective - optimum, 0, lasso.Measure.Atoms.Count, clock.Elapsed.TotalSeconds));
        return rows;
    }
}
