using ScottPlot;

namespace TvRelu.Cli.Plotting;

/// <summary>
/// PNG plots of a training run: the loss (as its excess over J*) and certified-gap curves on a log scale,
/// and for d = 1 the neurons' kinks x = −b/w (with their signed mass c‖(w, b)‖, and summed per cluster)
/// against the exact solution's atoms. Built with the markers, curves and labels of <see cref="Plots"/>.
/// </summary>
internal static class TrainingPlots
{
    internal static string Write(TvReluProblem problem, TrainingResult result, string path)
    {
        var full = Plots.WritablePath(path);
        if (problem.Dimension == 1)
        {
            var figure = new Multiplot(Curves(result));
            figure.AddPlot(Kinks(problem, result));
            figure.SavePng(full, 1000, 1100);
        }
        else
        {
            Curves(result).SavePng(full, 1000, 600);
        }
        return full;
    }

    /// <summary>log10 of a positive quantity; values at or below zero (an excess within rounding) sit at 1e-16.</summary>
    private static double[] Log(IEnumerable<double> values) => values.Select(v => Math.Log10(Math.Max(v, 1e-16))).ToArray();

    private static Plot Curves(TrainingResult result)
    {
        var plot = new Plot();
        var epochs = result.History.Select(h => (double)h.Epoch).ToArray();
        Plots.Curve(plot, epochs, Log(result.History.Select(h => h.Objective - result.OptimalObjective)), "training objective − J*");
        Plots.Curve(plot, epochs, Log(result.History.Select(h => h.RebalancedObjective - result.OptimalObjective)), "rebalanced objective − J*");
        var gaps = result.History.Where(h => h.Gap is not null).ToArray();
        if (gaps.Length > 0)
        {
            Plots.Curve(plot, gaps.Select(h => (double)h.Epoch).ToArray(), Log(gaps.Select(h => h.Gap!.Value)), "certified gap (exact sup |η|)");
        }
        return Plots.Labelled(plot,
            $"training: m = {result.Network.Width}, {result.Epochs} epochs ({result.StopReason}); final gap {result.Gap:G3}, J − J* = {result.Excess:G3}",
            "epoch", "log10", Alignment.UpperRight);
    }

    private static Plot Kinks(TvReluProblem problem, TrainingResult result)
    {
        var plot = new Plot();
        foreach (var x in problem.Inputs.Select(r => r[0]).Distinct())
        {
            var line = plot.Add.VerticalLine(x);
            line.Color = Colors.Gray.WithAlpha(0.4);
            line.LineWidth = 1;
        }
        var total = result.Network.Neurons.Sum(n => Math.Abs(n.OutputWeight) * Norm(n));
        var neurons = result.Network.Neurons
            .Where(n => Math.Abs(n.InputWeights[0]) > 1e-12 && Math.Abs(n.OutputWeight) * Norm(n) > 1e-6 * total)
            .Select(n => (Direction: (IReadOnlyList<double>)[.. n.InputWeights, n.Bias], Mass: n.OutputWeight * Norm(n)));
        Kinked(plot, neurons, "neurons: kink −b/w, mass c‖(w, b)‖", MarkerShape.FilledCircle, 5);
        Kinked(plot, result.Clusters.Select(c => (c.Direction, c.Amplitude)), "clusters: summed mass", MarkerShape.FilledCircle, 9);
        Kinked(plot, result.OptimalMeasure.Atoms.Select(a => (a.Direction, a.Amplitude)), "exact solution's atoms", MarkerShape.OpenDiamond, 16);
        return Plots.Labelled(plot, "kinks of the neurons against the exact minimiser's (grey: data x_i)", "kink position x = −b/w", "signed mass", Alignment.UpperLeft);
    }

    /// <summary>Points at the kinks x = −b/w of the directions (w, b) with w ≠ 0, at the height of their mass.</summary>
    private static void Kinked(Plot plot, IEnumerable<(IReadOnlyList<double> Direction, double Mass)> atoms, string legend, MarkerShape shape, float size)
    {
        var kinked = atoms.Where(a => Math.Abs(a.Direction[0]) > 1e-12).ToArray();
        if (kinked.Length > 0)
        {
            Plots.Points(plot, kinked.Select(a => -a.Direction[1] / a.Direction[0]).ToArray(), kinked.Select(a => a.Mass).ToArray(), legend, shape, size);
        }
    }

    private static double Norm(Neuron n) => Math.Sqrt(n.InputWeights.Sum(w => w * w) + n.Bias * n.Bias);
}
