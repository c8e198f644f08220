using ScottPlot;

namespace TvRelu.Cli.Plotting;

/// <summary>
/// PNG plots of a solution. For d = 1, two panels: the data with the fitted function and its kinks,
/// and the dual certificate η over the circle of neurons θ = (cos t, sin t) with the region
/// boundaries and the ±1 levels. For d ≥ 2, the labels against the fitted values.
/// </summary>
internal static class Plots
{
    private const int Width = 1000;

    internal static string Write(TvReluProblem problem, Solution solution, string path)
    {
        var full = WritablePath(path);
        if (problem.Dimension == 1)
        {
            // new Multiplot() starts with an empty plot of its own: start from the first panel instead.
            var figure = new Multiplot(FitPanel(problem, solution));
            figure.AddPlot(CertificatePanel(problem, solution));
            figure.SavePng(full, Width, 1100);
        }
        else
        {
            DataAgainstFit(problem, solution).SavePng(full, Width, 800);
        }
        return full;
    }

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

    private static Plot FitPanel(TvReluProblem problem, Solution solution)
    {
        var xs = problem.Inputs.Select(r => r[0]).ToArray();
        var ys = problem.Labels.ToArray();
        var f = (double x) => solution.Measure.Evaluate([x]);
        var (lo, hi) = (xs.Min(), xs.Max());
        var pad = 0.08 * Math.Max(hi - lo, 1e-9);
        (lo, hi) = (lo - pad, hi + pad);
        var kinks = solution.Measure.Atoms
            .Where(a => Math.Abs(a.Direction[0]) > 1e-12)
            .Select(a => -a.Direction[1] / a.Direction[0])
            .Where(k => k > lo && k < hi)
            .ToArray();
        var grid = Enumerable.Range(0, 801).Select(i => lo + (hi - lo) * i / 800).Concat(kinks).Order().ToArray();

        var plot = new Plot();
        Points(plot, xs, ys, "data", MarkerShape.FilledCircle, 8);
        Curve(plot, grid, grid.Select(f).ToArray(), "fit f_μ");
        foreach (var k in kinks)
        {
            var line = plot.Add.VerticalLine(k);
            line.LinePattern = LinePattern.Dotted;
            line.Color = Colors.Gray;
        }
        if (kinks.Length > 0)
        {
            Points(plot, kinks, kinks.Select(f).ToArray(), "kinks (atoms)", MarkerShape.OpenDiamond, 14);
        }
        return Labelled(plot,
            $"fit: N = {problem.DataPoints}, λ = {Output.Tables.Num(solution.Lambda)}, {solution.Measure.Atoms.Count} atoms, "
            + (solution.Certified ? $"certified gap ≤ {solution.Gap:G3}" : "NOT certified"),
            "x", "y", Alignment.UpperLeft);
    }

    private static Plot CertificatePanel(TvReluProblem problem, Solution solution)
    {
        var certificate = problem.CertificateOf(solution.Residual, solution.Lambda);
        var ts = Enumerable.Range(0, 2001).Select(i => 2 * Math.PI * i / 2000).ToArray();
        var eta = ts.Select(t => certificate.Evaluate([Math.Cos(t), Math.Sin(t)])).ToArray();

        var plot = new Plot();
        // θ = (cos t, sin t) meets the hyperplane of x_i where x_i cos t + sin t = 0.
        foreach (var x in problem.Inputs.Select(r => r[0]).Distinct())
        {
            foreach (var t in new[] { Angle(1, -x), Angle(-1, x) })
            {
                var boundary = plot.Add.VerticalLine(t);
                boundary.Color = Colors.Gray.WithAlpha(0.5);
                boundary.LineWidth = 1;
            }
        }
        foreach (var level in new[] { 1.0, -1.0 })
        {
            var line = plot.Add.HorizontalLine(level);
            line.LinePattern = LinePattern.Dashed;
            line.Color = Colors.Red;
        }
        Curve(plot, ts, eta, "η(θ)");
        if (solution.Measure.Atoms.Count > 0)
        {
            Points(plot,
                solution.Measure.Atoms.Select(a => Angle(a.Direction[0], a.Direction[1])).ToArray(),
                solution.Measure.Atoms.Select(a => (double)Math.Sign(a.Amplitude)).ToArray(),
                "atoms (η = ±1)", MarkerShape.FilledDiamond, 10);
        }
        plot.Axes.SetLimitsX(0, 2 * Math.PI);
        return Labelled(plot, "dual certificate η on the circle of neurons θ = (w, b) = (cos t, sin t); grey: region boundaries",
            "t (radians)", "η", Alignment.UpperCenter);
    }

    private static Plot DataAgainstFit(TvReluProblem problem, Solution solution)
    {
        var ys = problem.Labels.ToArray();
        var fitted = problem.Inputs.Select(solution.Measure.Evaluate).ToArray();
        var plot = new Plot();
        var (lo, hi) = (Math.Min(ys.Min(), fitted.Min()), Math.Max(ys.Max(), fitted.Max()));
        var diagonal = plot.Add.Line(lo, lo, hi, hi);
        diagonal.LinePattern = LinePattern.Dashed;
        diagonal.Color = Colors.Gray;
        Points(plot, ys, fitted, "data points", MarkerShape.FilledCircle, 8);
        return Labelled(plot,
            $"d = {problem.Dimension}: labels against fitted values, λ = {Output.Tables.Num(solution.Lambda)}, {solution.Measure.Atoms.Count} atoms",
            "label y", "fit f_μ(x)", Alignment.UpperLeft);
    }

    internal static void Points(Plot plot, double[] xs, double[] ys, string legend, MarkerShape shape, float size)
    {
        var points = plot.Add.ScatterPoints(xs, ys);
        points.LegendText = legend;
        points.MarkerShape = shape;
        points.MarkerSize = size;
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

    /// <summary>The angle of (c, s) in [0, 2π).</summary>
    private static double Angle(double c, double s)
    {
        var t = Math.Atan2(s, c);
        return t < 0 ? t + 2 * Math.PI : t;
    }
}
