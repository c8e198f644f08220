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
        var full = Path.GetFullPath(path);
        if (Path.GetDirectoryName(full) is { Length: > 0 } dir && !Directory.Exists(dir))
        {
            throw new TvReluInputException($"cannot write '{path}': the directory '{dir}' does not exist");
        }
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
        var data = plot.Add.ScatterPoints(xs, ys);
        data.LegendText = "data";
        data.MarkerSize = 8;
        var fit = plot.Add.ScatterLine(grid, grid.Select(f).ToArray());
        fit.LegendText = "fit f_μ";
        fit.LineWidth = 2;
        foreach (var k in kinks)
        {
            var line = plot.Add.VerticalLine(k);
            line.LinePattern = LinePattern.Dotted;
            line.Color = Colors.Gray;
        }
        if (kinks.Length > 0)
        {
            var marks = plot.Add.ScatterPoints(kinks, kinks.Select(f).ToArray());
            marks.LegendText = "kinks (atoms)";
            marks.MarkerShape = MarkerShape.OpenDiamond;
            marks.MarkerSize = 14;
        }
        plot.Title($"fit: N = {problem.DataPoints}, λ = {Output.Tables.Num(solution.Lambda)}, {solution.Measure.Atoms.Count} atoms, "
            + (solution.Certified ? $"certified gap ≤ {solution.Gap:G3}" : "NOT certified"));
        plot.XLabel("x");
        plot.YLabel("y");
        plot.ShowLegend(Alignment.UpperLeft);
        return plot;
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
        var curve = plot.Add.ScatterLine(ts, eta);
        curve.LegendText = "η(θ)";
        curve.LineWidth = 2;
        if (solution.Measure.Atoms.Count > 0)
        {
            var atoms = plot.Add.ScatterPoints(
                solution.Measure.Atoms.Select(a => Angle(a.Direction[0], a.Direction[1])).ToArray(),
                solution.Measure.Atoms.Select(a => (double)Math.Sign(a.Amplitude)).ToArray());
            atoms.LegendText = "atoms (η = ±1)";
            atoms.MarkerShape = MarkerShape.FilledDiamond;
            atoms.MarkerSize = 10;
        }
        plot.Title("dual certificate η on the circle of neurons θ = (w, b) = (cos t, sin t); grey: region boundaries");
        plot.XLabel("t (radians)");
        plot.YLabel("η");
        plot.Axes.SetLimitsX(0, 2 * Math.PI);
        plot.ShowLegend(Alignment.UpperCenter);
        return plot;
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
        var points = plot.Add.ScatterPoints(ys, fitted);
        points.LegendText = "data points";
        points.MarkerSize = 8;
        plot.Title($"d = {problem.Dimension}: labels against fitted values, λ = {Output.Tables.Num(solution.Lambda)}, {solution.Measure.Atoms.Count} atoms");
        plot.XLabel("label y");
        plot.YLabel("fit f_μ(x)");
        plot.ShowLegend();
        return plot;
    }

    /// <summary>The angle of (c, s) in [0, 2π).</summary>
    private static double Angle(double c, double s)
    {
        var t = Math.Atan2(s, c);
        return t < 0 ? t + 2 * Math.PI : t;
    }
}
