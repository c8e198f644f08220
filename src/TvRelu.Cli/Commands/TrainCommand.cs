using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Spectre.Console;
using TvRelu.Cli.Json;
using TvRelu.Cli.Output;
using TvRelu.Cli.Plotting;

namespace TvRelu.Cli.Commands;

/// <summary>
/// `tvrelu train`: trains a finite-width network by gradient descent, Adam or label-noise SGD and certifies
/// it against the exact solution (THEORY.md §1, §2, §7).
/// </summary>
internal static class TrainCommand
{
    internal static Command Create(CliContext context)
    {
        var input = new ProblemInput();
        var width = TrainingCliOptions.Width();
        var optimizer = TrainingCliOptions.Optimizer();
        var noise = TrainingCliOptions.Number("--noise", "standard deviation of the label noise for --optimizer label-noise (default 0.1)");
        var epochs = TrainingCliOptions.Epochs();
        var seed = TrainingCliOptions.Seed();
        var lr = TrainingCliOptions.Number("--lr", "step size (default: Armijo backtracking with a decaying floor for gd, 1e-3 for adam, 1e-2 for label-noise)");
        var decay = TrainingCliOptions.Number("--lr-decay", "decay the step as lr / (1 + epoch / T) with this T (needs --lr for gd)");
        var init = TrainingCliOptions.Initialisation();
        var initScale = TrainingCliOptions.Number("--init-scale", "initialisation scale (default 0.1)");
        var output = CliOptions.Out("the certified network, its measure and its history");
        var plot = new Option<string?>("--plot")
        {
            Description = "write a PNG of the loss and gap curves and, for d = 1, the neurons' kinks −b/w against the exact solution's",
        };
        var command = new Command("train", "Train a two-layer ReLU network of width m with weight decay λ and certify it against the exact optimum. Exit code 0 when training finishes (its gap is rigorous either way), 3 when it diverges.")
        {
            input.Data, input.Lambda, width, optimizer, noise, epochs, seed, lr, decay, init, initScale, output, plot,
        };
        command.SetAction(Cli.Guarded(context, parsed =>
        {
            var choice = input.Read(parsed, context);
            var (problem, lambdaValue) = choice;
            var m = parsed.GetValue(width);
            var options = new TrainOptions
            {
                Optimizer = TrainingCliOptions.ParseOptimizer(parsed.GetValue(optimizer)),
                Noise = parsed.GetValue(noise) ?? TrainOptions.Default.Noise,
                MaxEpochs = parsed.GetValue(epochs),
                Seed = parsed.GetValue(seed),
                LearningRate = parsed.GetValue(lr),
                LearningRateDecay = parsed.GetValue(decay),
                Initialisation = parsed.GetValue(init) == "small" ? InitialisationRegime.Small : InitialisationRegime.Standard,
                InitialisationScale = parsed.GetValue(initScale) ?? TrainOptions.Default.InitialisationScale,
                HistoryEvery = Math.Max(1, parsed.GetValue(epochs) / 500),
                CertifyEvery = Math.Max(1, parsed.GetValue(epochs) / 20),
            };
            var clock = Stopwatch.StartNew();
            var result = TrainWithProgress(context, problem, lambdaValue, m, options);
            var seconds = clock.Elapsed.TotalSeconds;
            context.Emit(parsed.GetValue(output), TrainJson.Of(choice, options, m, result, seconds), console => Write(console, choice, m, options, result, seconds));
            if (parsed.GetValue(plot) is { } plotPath)
            {
                context.Output.WriteLine($"plot: {TrainingPlots.Write(problem, result, plotPath)}");
            }
            // A trained network is rarely certified optimal, and that is not a failure: its gap is a rigorous
            // bound either way. Exit code 3 is for a run whose numbers cannot be trusted: training diverged.
            if (result.StopReason == TrainingStopReason.Diverged)
            {
                context.Error.WriteLine("warning: training diverged (the objective became infinite or NaN): lower --lr (exit code 3)");
                return Cli.NotCertified;
            }
            return Cli.Success;
        }));
        return command;
    }

    /// <summary>Trains under a Spectre.Console progress bar on a terminal; plainly when the output is redirected.</summary>
    internal static TrainingResult TrainWithProgress(CliContext context, TvReluProblem problem, double lambda, int width, TrainOptions options)
    {
        if (!LiveProgress.IsInteractive(context))
        {
            return problem.Train(lambda, width, options);
        }
        TrainingResult? result = null;
        AnsiConsole.Console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask($"training m = {width}", maxValue: options.MaxEpochs);
                // Synchronous reports: System.Progress<T> would post them to the thread pool, out of order.
                var reporter = new Reporter(p =>
                {
                    task.Value = p.Epoch;
                    task.Description = $"training m = {width}, objective {Tables.Num(p.Objective, 6)}";
                });
                result = problem.Train(lambda, width, options, reporter);
                task.Value = task.MaxValue;
            });
        return result!;
    }

    private static void Write(IAnsiConsole console, LambdaChoice choice, int width, TrainOptions options, TrainingResult r, double seconds)
    {
        console.Write(Tables.KeyValues(
            Tables.Heading("train", choice.Problem, choice.Lambda) + $", m = {width}, {TrainingCliOptions.NameOf(options.Optimizer)}",
        [
            ("convention", TvReluProblem.Convention),
            .. Tables.LambdaRows(choice),
            ("training objective (raw weights)", Tables.Num(r.TrainingObjective)),
            ("objective J(μ) of the network's measure", Tables.Num(r.Objective)),
            ("optimum J* (exact solver)", Tables.Num(r.OptimalObjective) + (r.OptimalCertified ? "" : " (NOT certified: an upper bound on J*)")),
            ("J(μ) − J*", Tables.Num(r.Excess)),
            ("certified gap", Tables.Num(r.Gap)),
            ("certified optimal", r.Certification.Certified ? "yes" : "no"),
            .. MethodCliOptions.SupremumRows(r.Certification),
            ("network's measure μ", $"{Tables.Count(r.Measure.Atoms.Count, "atom")}, ‖μ‖_TV = {Tables.Num(r.Measure.TotalVariation)}"),
            ("clusters of the network's neurons", $"{Tables.Count(r.Clusters.Count, "cluster")} (the exact minimiser's |Σ| = {(r.SaturationPoints is { } k ? k.ToString(CultureInfo.InvariantCulture) : "unknown")})"),
            ("epochs", $"{r.Epochs} ({r.StopReason})"),
            ("seconds", Tables.Num(seconds, 3)),
        ]));
        var table = Tables.Grid($"the trained network's neurons in clusters (angle ≤ {Tables.Num(options.ClusterAngleTolerance)} rad)", "#", "direction θ = (w, b)", "amplitude", "neurons", "spread (rad)");
        var i = 0;
        foreach (var c in r.Clusters)
        {
            table.AddTextRow((++i).ToString(CultureInfo.InvariantCulture), Tables.Vec(c.Direction), Tables.Num(c.Amplitude), c.Neurons.ToString(CultureInfo.InvariantCulture), Tables.Num(c.Spread, 3));
        }
        console.Write(table);
        // The exact solver's minimiser, for comparison: not the network (whose measure is summarised above).
        console.Write(Tables.Atoms(r.OptimalMeasure, "for comparison, the exact minimiser μ* of P_λ (exact solver, not the network)"));
    }

    private sealed class Reporter(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
