using ScottPlot;
using TvRelu.Cli.Output;

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
            Plots.Stack(full, (Curves(result), 550), (Kinks(problem, result), 550));
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
        return Plots.LabelledOutside(plot,
            $"training: m = {result.Network.Width}, {result.Epochs} epochs ({result.StopReason})\nfinal gap {Tables.Num(result.Gap, 3)}, J − J* = {Tables.Num(result.Excess, 3)}",
            "epoch", "log10");
    }

    private static Plot Kinks(TvReluProblem problem, TrainingResult result)
    {
        var plot = new Plot();
        var xs = problem.Inputs.Select(r => r[0]).ToArray();
        foreach (var x in xs.Distinct())
        {
            var line = plot.Add.VerticalLine(x);
            line.Color = Colors.Gray.WithAlpha(0.4);
            line.LineWidth = 1;
        }
        var total = result.Network.Neurons.Sum(n => Math.Abs(n.OutputWeight) * Norm(n));
        var neurons = result.Network.Neurons
            .Where(n => Math.Abs(n.InputWeights[0]) > 1e-12 && Math.Abs(n.OutputWeight) * Norm(n) > 1e-6 * total)
            .Select(n => (Direction: (IReadOnlyList<double>)[.. n.InputWeights, n.Bias], Mass: n.OutputWeight * Norm(n)))
            .ToArray();
        var clusters = result.Clusters.Select(c => (c.Direction, Mass: c.Amplitude)).ToArray();
        var exact = result.OptimalMeasure.Atoms.Select(a => (a.Direction, Mass: a.Amplitude)).ToArray();
        Kinked(plot, neurons, "neurons: kink −b/w, mass c‖(w, b)‖", MarkerShape.FilledCircle, 5);
        Kinked(plot, clusters, "clusters: summed mass", MarkerShape.FilledCircle, 9);
        Kinked(plot, exact, "exact solution's atoms", MarkerShape.OpenDiamond, 16);
        var (box, outside) = RobustBox(xs, neurons, clusters, exact);
        plot.Axes.SetLimits(box.Left, box.Right, box.Bottom, box.Top);
        var note = outside > 0 ? $"; {Tables.Count(outside, "neuron")} outside the axes" : "";
        return Plots.LabelledOutside(plot, $"kinks of the neurons against the exact minimiser's\n(grey: data x_i{note})", "kink position x = −b/w", "signed mass");
    }

    /// <summary>
    /// Axes that show what matters: x over the data (padded), y over the exact atoms, the clusters and the middle
    /// 96% of the neurons' masses. Label-noise SGD leaves a few neurons with kinks far outside the data or huge
    /// opposite masses that cancel; scaled to them, the panel spanned −600 to 2800 and showed nothing.
    /// Returns the box and how many neurons fall outside it.
    /// </summary>
    private static (CoordinateRect Box, int Outside) RobustBox(
        double[] xs, (IReadOnlyList<double> Direction, double Mass)[] neurons, (IReadOnlyList<double> Direction, double Mass)[] clusters, (IReadOnlyList<double> Direction, double Mass)[] exact)
    {
        var pad = 0.15 * Math.Max(xs.Max() - xs.Min(), 1e-9);
        var (left, right) = (xs.Min() - pad, xs.Max() + pad);
        var masses = neurons.Select(n => n.Mass).Order().ToArray();
        var central = masses.Length == 0 ? [] : new[] { masses[(int)(0.02 * (masses.Length - 1))], masses[(int)Math.Ceiling(0.98 * (masses.Length - 1))] };
        var ys = central.Concat(clusters.Select(c => c.Mass)).Concat(exact.Select(a => a.Mass)).Append(0.0).ToArray();
        var span = Math.Max(ys.Max() - ys.Min(), 1e-9);
        var (bottom, top) = (ys.Min() - 0.1 * span, ys.Max() + 0.1 * span);
        var outside = neurons.Count(n =>
        {
            var kink = -n.Direction[1] / n.Direction[0];
            return kink < left || kink > right || n.Mass < bottom || n.Mass > top;
        });
        return (new CoordinateRect(left, right, bottom, top), outside);
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
