using ScottPlot;

namespace TvRelu.Cli.Plotting;

/// <summary>
/// PNG plots of a training run: the loss (as its excess over J*) and certified-gap curves on a log scale,
/// and for d = 1 the neurons' kinks x = −b/w (with their signed mass c‖(w, b)‖, and summed per cluster)
/// against the exact solution's atoms.
/// </summary>
internal static class TrainingPlots
{
    private const int Width = 1000;

    internal static string Write(TvReluProblem problem, TrainingResult result, string path)
    {
        var full = Path.GetFullPath(path);
        if (Path.GetDirectoryName(full) is { Length: > 0 } dir && !Directory.Exists(dir))
        {
            throw new TvReluInputException($"cannot write '{path}': the directory '{dir}' does not exist");
        }
        if (problem.Dimension == 1)
        {
            var figure = new Multiplot(Curves(result));
            figure.AddPlot(Kinks(problem, result));
            figure.SavePng(full, Width, 1100);
        }
        else
        {
            Curves(result).SavePng(full, Width, 600);
        }
        return full;
    }

    /// <summary>log10 of a positive quantity; values at or below zero (an excess within rounding) sit at 1e-16.</summary>
    private static double Log(double v) => Math.Log10(Math.Max(v, 1e-16));

    private static Plot Curves(TrainingResult result)
    {
        var plot = new Plot();
        var epochs = result.History.Select(h => (double)h.Epoch).ToArray();
        var loss = plot.Add.ScatterLine(epochs, result.History.Select(h => Log(h.Objective - result.OptimalObjective)).ToArray());
        loss.LegendText = "training objective − J*";
        loss.LineWidth = 2;
        var excess = plot.Add.ScatterLine(epochs, result.History.Select(h => Log(h.RebalancedObjective - result.OptimalObjective)).ToArray());
        excess.LegendText = "rebalanced objective − J*";
        excess.LineWidth = 2;
        var gaps = result.History.Where(h => h.Gap is not null).ToArray();
        if (gaps.Length > 0)
        {
            var gap = plot.Add.ScatterLine(gaps.Select(h => (double)h.Epoch).ToArray(), gaps.Select(h => Log(h.Gap!.Value)).ToArray());
            gap.LegendText = "certified gap (exact sup |η|)";
            gap.LineWidth = 2;
            gap.MarkerSize = 6;
        }
        plot.Title($"training: m = {result.Network.Width}, {result.Epochs} epochs ({result.StopReason}); final gap {result.Gap:G3}, J − J* = {result.Excess:G3}");
        plot.XLabel("epoch");
        plot.YLabel("log10");
        plot.ShowLegend(Alignment.UpperRight);
        return plot;
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
            .ToArray();
        if (neurons.Length > 0)
        {
            var points = plot.Add.ScatterPoints(
                neurons.Select(n => -n.Bias / n.InputWeights[0]).ToArray(),
                neurons.Select(n => n.OutputWeight * Norm(n)).ToArray());
            points.LegendText = "neurons: kink −b/w, mass c‖(w, b)‖";
            points.MarkerSize = 5;
        }
        var clusters = result.Clusters.Where(c => Math.Abs(c.Direction[0]) > 1e-12).ToArray();
        if (clusters.Length > 0)
        {
            var summed = plot.Add.ScatterPoints(
                clusters.Select(c => -c.Direction[1] / c.Direction[0]).ToArray(),
                clusters.Select(c => c.Amplitude).ToArray());
            summed.LegendText = "clusters: summed mass";
            summed.MarkerShape = MarkerShape.FilledCircle;
            summed.MarkerSize = 9;
        }
        var atoms = result.OptimalMeasure.Atoms.Where(a => Math.Abs(a.Direction[0]) > 1e-12).ToArray();
        if (atoms.Length > 0)
        {
            var exact = plot.Add.ScatterPoints(
                atoms.Select(a => -a.Direction[1] / a.Direction[0]).ToArray(),
                atoms.Select(a => a.Amplitude).ToArray());
            exact.LegendText = "exact solution's atoms";
            exact.MarkerShape = MarkerShape.OpenDiamond;
            exact.MarkerSize = 16;
        }
        plot.Title("kinks of the neurons against the exact minimiser's (grey: data x_i)");
        plot.XLabel("kink position x = −b/w");
        plot.YLabel("signed mass");
        plot.ShowLegend(Alignment.UpperLeft);
        return plot;
    }

    private static double Norm(Neuron n) => Math.Sqrt(n.InputWeights.Sum(w => w * w) + n.Bias * n.Bias);
}
