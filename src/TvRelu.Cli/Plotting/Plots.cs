using ScottPlot;
using SkiaSharp;
using TvRelu.Cli.Output;

namespace TvRelu.Cli.Plotting;

/// <summary>
/// PNG plots of a solution. d = 1: the data with the fit and its kinks, and the certificate η over the
/// circle of neurons (<see cref="CirclePlots"/>). d = 2: the fit as a heatmap over the input plane with each
/// atom's kink line, and η on the sphere S² in an equal-area projection (<see cref="PlanePlots"/>).
/// d ≥ 3: the labels against the fitted values.
/// </summary>
internal static class Plots
{
    internal const int Width = 1000;

    internal static string Write(TvReluProblem problem, Solution solution, string path)
    {
        var full = WritablePath(path);
        var fitTitle = FitTitle(problem, solution.Measure, solution.Lambda, solution.Certified, solution.Gap, null);
        switch (problem.Dimension)
        {
            case 1:
                Stack(full, (CirclePlots.Fit(problem, solution.Measure, fitTitle), 550), (CirclePlots.Certificate(problem, solution), 550));
                break;
            case 2:
                Stack(full, (PlanePlots.Fit(problem, solution.Measure, fitTitle), 780), (PlanePlots.Certificate(problem, solution), 560));
                break;
            default:
                DataAgainstFit(problem, solution.Measure, fitTitle).SavePng(full, Width, 800);
                break;
        }
        return full;
    }

    /// <summary>The fit alone (for a measure without the certificate of P_λ, such as the weighted problem's).</summary>
    internal static string WriteFit(TvReluProblem problem, Measure measure, double lambda, bool certified, double gap, string path, string problemName)
    {
        var full = WritablePath(path);
        var title = FitTitle(problem, measure, lambda, certified, gap, problemName);
        var plot = problem.Dimension switch
        {
            1 => CirclePlots.Fit(problem, measure, title),
            2 => PlanePlots.Fit(problem, measure, title),
            _ => DataAgainstFit(problem, measure, title),
        };
        plot.SavePng(full, Width, problem.Dimension == 2 ? 850 : 650);
        return full;
    }

    /// <summary>Panels one above the other, each with its own height, in one PNG.</summary>
    internal static void Stack(string path, params (Plot Plot, int Height)[] panels)
    {
        using var surface = SKSurface.Create(new SKImageInfo(Width, panels.Sum(p => p.Height)));
        surface.Canvas.Clear(SKColors.White);
        var top = 0;
        foreach (var (plot, height) in panels)
        {
            using var panel = SKSurface.Create(new SKImageInfo(Width, height));
            plot.Render(panel.Canvas, Width, height);
            using var snapshot = panel.Snapshot();
            surface.Canvas.DrawImage(snapshot, 0, top);
            top += height;
        }
        using var image = surface.Snapshot();
        using var png = image.Encode(SKEncodedImageFormat.Png, 100);
        File.WriteAllBytes(path, png.ToArray());
    }

    private static string FitTitle(TvReluProblem problem, Measure measure, double lambda, bool certified, double gap, string? problemName) =>
        (problemName is null ? "" : problemName + ": ")
        + $"N = {problem.DataPoints}, λ = {Tables.Num(lambda, 4)}, {Tables.Count(measure.Atoms.Count, "atom")}, "
        + (certified ? $"certified gap ≤ {Tables.Num(gap, 3)}" : "NOT certified");

    /// <summary>The full path of a PNG to write; bad input when its directory does not exist.</summary>
    internal static string WritablePath(string path)
    {
        var full = Path.GetFullPath(path);
        if (Path.GetDirectoryName(full) is { Length: > 0 } dir && !Directory.Exists(dir))
        {
            throw new TvReluInputException($"cannot write '{path}': the directory '{dir}' does not exist");
        }
        return full;
    }

    private static Plot DataAgainstFit(TvReluProblem problem, Measure measure, string title)
    {
        var ys = problem.Labels.ToArray();
        var fitted = problem.Inputs.Select(measure.Evaluate).ToArray();
        var plot = new Plot();
        var (lo, hi) = (Math.Min(ys.Min(), fitted.Min()), Math.Max(ys.Max(), fitted.Max()));
        var diagonal = plot.Add.Line(lo, lo, hi, hi);
        diagonal.LinePattern = LinePattern.Dashed;
        diagonal.Color = Colors.Gray;
        diagonal.LegendText = "f = y";
        Points(plot, ys, fitted, "data points", MarkerShape.FilledCircle, 8);
        return Labelled(plot, $"d = {problem.Dimension}: labels against fitted values; {title}", "label y", "fit f_μ(x)", Alignment.UpperLeft);
    }

    internal static void Points(Plot plot, double[] xs, double[] ys, string legend, MarkerShape shape, float size, Color? color = null)
    {
        var points = plot.Add.ScatterPoints(xs, ys);
        points.LegendText = legend;
        points.MarkerShape = shape;
        points.MarkerSize = size;
        if (color is { } c)
        {
            points.Color = c;
        }
    }

    internal static void Curve(Plot plot, double[] xs, double[] ys, string legend)
    {
        var curve = plot.Add.ScatterLine(xs, ys);
        curve.LegendText = legend;
        curve.LineWidth = 2;
    }

    internal static Plot Labelled(Plot plot, string title, string xLabel, string yLabel, Alignment legend)
    {
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        plot.ShowLegend(legend);
        return plot;
    }

    /// <summary>The labels outside the data area, so that no legend hides a point (atoms near the edges).</summary>
    internal static Plot LabelledOutside(Plot plot, string title, string xLabel, string yLabel)
    {
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        plot.ShowLegend(Edge.Right);
        return plot;
    }

    /// <summary>The sign colours of atoms: red for positive amplitude, blue for negative.</summary>
    internal static Color SignColor(double amplitude) => amplitude > 0 ? Colors.Red : Colors.Blue;
}
