using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using ScottPlot;
using TvRelu.Cli.Json;
using TvRelu.Cli.Output;
using TvRelu.Cli.Plotting;

namespace TvRelu.Cli.Commands;

/// <summary>
/// `tvrelu path`: the regularisation path, K values of λ log-spaced from λ_max down to R·λ_max (glmnet's grid,
/// `lambda.min.ratio` = 1e-4), solved largest first with warm starts and the rescue of `solve`, each point
/// certified on its own (THEORY.md §2). The JSON is one `solve` record per λ.
/// </summary>
internal static class PathCommand
{
    internal static Command Create(CliContext context)
    {
        var data = new DataInput();
        var count = new Option<int>("--count")
        {
            Description = "the number K of values of λ (default 50)",
            DefaultValueFactory = _ => 50,
        };
        var minRatio = new Option<double>("--min-ratio")
        {
            Description = "the smallest λ as a fraction R of λ_max, 0 < R < 1 (default 1e-4)",
            DefaultValueFactory = _ => 1e-4,
        };
        var output = CliOptions.Out("the path (one solve record per λ)");
        var plot = new Option<string?>("--plot")
        {
            Description = "write a PNG of the number of atoms, the objective J and the TV norm against λ",
        };
        var command = new Command("path", "The regularisation path: K values of λ from λ_max down to R·λ_max, warm-started, every point certified. Exit code 0 when all are certified, 3 otherwise.")
        {
            data.Data, count, minRatio, output, plot,
        };
        command.SetAction(Cli.Guarded(context, parsed =>
        {
            var k = parsed.GetValue(count);
            var r = parsed.GetValue(minRatio);
            if (k < 1)
            {
                throw new TvReluInputException($"--count must be at least 1 (got {k})");
            }
            if (!(r > 0 && r < 1))
            {
                throw new TvReluInputException($"--min-ratio must be in (0, 1) (got {r.ToString(CultureInfo.InvariantCulture)})");
            }
            var problem = data.Load(parsed);
            var lambdaMax = LiveProgress.Run(context, "enumerating the dual regions for λ_max", () => problem.LambdaMax);
            if (!(lambdaMax > 0))
            {
                throw new TvReluInputException("λ_max is 0 (all labels are zero): the zero measure is optimal at every λ and there is no path");
            }
            var lambdas = Enumerable.Range(0, k).Select(i => lambdaMax * Math.Pow(r, k == 1 ? 0.0 : (double)i / (k - 1))).ToArray();
            var clock = Stopwatch.StartNew();
            var path = LiveProgress.Run(context, $"solving the path: {k} values of λ down to {Tables.Num(r)} λ_max", () => problem.SolvePath(lambdas));
            var seconds = clock.Elapsed.TotalSeconds;
            // Each record's seconds are its own solve and certification (the one enumeration is in its timings).
            var records = path.Select(s => SolveJson.Of(s, (s.Timings.Solve + s.Timings.Certification).TotalSeconds, lambdaMax)).ToList();
            var uncertified = path.Count(s => !s.Certified);
            if (uncertified > 0)
            {
                context.Error.WriteLine($"warning: {uncertified} of {path.Count} points are NOT certified optimal (exit code 3)");
            }
            context.Emit(parsed.GetValue(output), records, console =>
            {
                var table = Tables.Grid(Tables.Heading("path", problem) + $"; λ_max = {Tables.Num(lambdaMax)}, {Tables.Num(seconds, 3)} s",
                    "λ", "λ / λ_max", "objective J", "TV norm", "atoms", "certified gap");
                foreach (var s in path)
                {
                    table.AddTextRow(Tables.Num(s.Lambda, 6), Tables.Num(s.Lambda / lambdaMax, 4), Tables.Num(s.Objective),
                        Tables.Num(s.Measure.TotalVariation), s.Measure.Atoms.Count.ToString(CultureInfo.InvariantCulture),
                        Tables.Num(s.Gap, 3) + (s.Certified ? " ✓" : " NOT certified"));
                }
                console.Write(table);
            });
            if (parsed.GetValue(plot) is { } plotPath)
            {
                context.Output.WriteLine($"plot: {Write(path, plotPath)}");
            }
            return uncertified == 0 ? Cli.Success : Cli.NotCertified;
        }));
        return command;
    }

    /// <summary>Three panels against log10 λ: the number of atoms, the objective J and the TV norm.</summary>
    private static string Write(IReadOnlyList<Solution> path, string plotPath)
    {
        var full = Plots.WritablePath(plotPath);
        var x = path.Select(s => Math.Log10(s.Lambda)).ToArray();
        Plot Panel(string title, double[] y)
        {
            var plot = new Plot();
            Plots.Curve(plot, x, y, title);
            return Plots.LabelledOutside(plot, title + " against λ", "log10 λ", title);
        }
        Plots.Stack(full,
            (Panel("atoms", path.Select(s => (double)s.Measure.Atoms.Count).ToArray()), 400),
            (Panel("objective J", path.Select(s => s.Objective).ToArray()), 400),
            (Panel("TV norm", path.Select(s => s.Measure.TotalVariation).ToArray()), 400));
        return full;
    }
}
