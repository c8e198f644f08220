using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using TvRelu.Cli.Json;
using TvRelu.Cli.Output;

namespace TvRelu.Cli.Commands;

/// <summary>
/// `tvrelu compare`: the exact solver, sliding Frank–Wolfe, gradient descent at widths 10, 100 and 1000, and a
/// fixed-grid LASSO on one problem, every answer audited by the same exact certificate (THEORY.md §2).
/// </summary>
internal static class CompareCommand
{
    private static readonly int[] Widths = [10, 100, 1000];

    internal static Command Create(CliContext context)
    {
        var data = CliOptions.Data();
        var lambda = CliOptions.Lambda();
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
            data, lambda, epochs, seed, grid, output,
        };
        command.SetAction(Cli.Guarded(context, parsed =>
        {
            var problem = TvReluProblem.FromCsv(parsed.GetValue(data)!);
            var lambdaValue = parsed.GetValue(lambda);
            var rows = Run(problem, lambdaValue, parsed.GetValue(epochs), parsed.GetValue(seed), parsed.GetValue(grid));
            var optimum = rows[0].Objective;
            var document = new CompareJson(TvReluProblem.Convention, problem.DataPoints, problem.Dimension, lambdaValue, optimum, rows);
            context.Emit(parsed.GetValue(output), document, console =>
            {
                var table = Tables.Grid(
                    $"tvrelu compare: N = {problem.DataPoints}, d = {problem.Dimension}, λ = {Tables.Num(lambdaValue)}; every gap from the exact sup |η|",
                    "method", "objective J", "certified gap", "J − J*", "neurons / atoms", "seconds");
                foreach (var r in rows)
                {
                    table.AddTextRow(r.Method, Tables.Num(r.Objective), Tables.Num(r.Gap) + (r.Certified ? " ✓" : ""), Tables.Num(r.Excess),
                        r.Neurons > 0 ? $"{r.Neurons} neurons, {r.Atoms} clusters" : $"{r.Atoms} atoms",
                        r.Seconds.ToString("F3", CultureInfo.InvariantCulture));
                }
                console.Write(table);
            });
            return Cli.Success;
        }));
        return command;
    }

    private static List<CompareRowJson> Run(TvReluProblem problem, double lambda, int epochs, int seed, int gridSize)
    {
        var rows = new List<CompareRowJson>();
        var clock = Stopwatch.StartNew();
        var exact = problem.Solve(lambda);
        var optimum = exact.Objective;
        rows.Add(new("exact (column generation)", exact.Objective, exact.Gap, exact.Certified, 0.0, 0, exact.Measure.Atoms.Count, clock.Elapsed.TotalSeconds));
        clock.Restart();
        var fw = problem.SlidingFrankWolfe(lambda);
        rows.Add(new("sliding Frank–Wolfe (exact oracle)", fw.Objective, fw.Gap, fw.Certified, fw.Objective - optimum, 0, fw.Measure.Atoms.Count, clock.Elapsed.TotalSeconds));
        foreach (var width in Widths)
        {
            var options = new TrainOptions { MaxEpochs = epochs, Seed = seed, CertifyEvery = 0 };
            var gd = problem.Train(lambda, width, options);
            rows.Add(new($"gradient descent, m = {width}", gd.Objective, gd.Gap, gd.Certification.Certified, gd.Excess, width, gd.Clusters.Count, gd.Seconds));
        }
        clock.Restart();
        var lasso = problem.GridLasso(lambda, gridSize);
        rows.Add(new($"fixed-grid LASSO, {gridSize} directions", lasso.Certification.Objective, lasso.Certification.Gap, lasso.Certification.Certified,
            lasso.Certification.Objective - optimum, 0, lasso.Measure.Atoms.Count, clock.Elapsed.TotalSeconds));
        return rows;
    }
}
