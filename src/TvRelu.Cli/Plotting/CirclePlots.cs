using ScottPlot;

namespace TvRelu.Cli.Plotting;

/// <summary>
/// The d = 1 panels: the data with the fitted function and its kinks, and the dual certificate η over the
/// circle of neurons θ = (cos t, sin t) with the region boundaries and the ±1 levels (THEORY.md §2–§3).
/// Legends sit outside the data area, so that atoms near t ≈ π or the edges stay visible.
/// </summary>
internal static class CirclePlots
{
    internal static Plot Fit(TvReluProblem problem, Measure measure, string title)
    {
        var xs = problem.Inputs.Select(r => r[0]).ToArray();
        var ys = problem.Labels.ToArray();
        var f = (double x) => measure.Evaluate([x]);
        var (lo, hi) = (xs.Min(), xs.Max());
        var pad = 0.08 * Math.Max(hi - lo, 1e-9);
        (lo, hi) = (lo - pad, hi + pad);
        var kinks = measure.Atoms
            .Where(a => Math.Abs(a.Direction[0]) > 1e-12)
            .Select(a => -a.Direction[1] / a.Direction[0])
            .Where(k => k > lo && k < hi)
            .ToArray();
        var grid = Enumerable.Range(0, 801).Select(i => lo + (hi - lo) * i / 800).Concat(kinks).Order().ToArray();

        var plot = new Plot();
        Plots.Points(plot, xs, ys, "data", MarkerShape.FilledCircle, 8);
        Plots.Curve(plot, grid, grid.Select(f).ToArray(), "fit f_μ");
        foreach (var k in kinks)
        {
            var line = plot.Add.VerticalLine(k);
            line.LinePattern = LinePattern.Dotted;
            line.Color = Colors.Gray;
        }
        if (kinks.Length > 0)
        {
            Plots.Points(plot, kinks, kinks.Select(f).ToArray(), "kinks (atoms)", MarkerShape.OpenDiamond, 14);
        }
        plot.Axes.SetLimitsX(lo, hi);
        return Plots.LabelledOutside(plot, "fit f_μ: " + title, "x", "y");
    }

    internal static Plot Certificate(TvReluProblem problem, Solution solution)
    {
        var certificate = problem.CertificateOf(solution.Residual, solution.Lambda);
        var ts = Enumerable.Range(0, 2001).Select(i => 2 * Math.PI * i / 2000).ToArray();
        var eta = ts.Select(t => certificate.Evaluate([Math.Cos(t), Math.Sin(t)])).ToArray();

        var plot = new Plot();
        // θ = (cos t, sin t) meets the hyperplane of x_i where x_i cos t + sin t = 0.
        var first = true;
        foreach (var x in problem.Inputs.Select(r => r[0]).Distinct())
        {
            foreach (var t in new[] { Angle(1, -x), Angle(-1, x) })
            {
                var boundary = plot.Add.VerticalLine(t);
                boundary.Color = Colors.Gray.WithAlpha(0.5);
                boundary.LineWidth = 1;
                if (first)
                {
                    boundary.LegendText = "region boundaries";
                    first = false;
                }
            }
        }
        foreach (var level in new[] { 1.0, -1.0 })
        {
            var line = plot.Add.HorizontalLine(level);
            line.LinePattern = LinePattern.Dashed;
            line.Color = Colors.Red;
            line.LegendText = level > 0 ? "η = ±1" : "";
        }
        Plots.Curve(plot, ts, eta, "η(θ)");
        foreach (var sign in new[] { 1, -1 })
        {
            var atoms = solution.Measure.Atoms.Where(a => Math.Sign(a.Amplitude) == sign).ToArray();
            if (atoms.Length > 0)
            {
                Plots.Points(plot,
                    atoms.Select(a => Angle(a.Direction[0], a.Direction[1])).ToArray(),
                    atoms.Select(_ => (double)sign).ToArray(),
                    sign > 0 ? "atoms, a > 0 (η = 1)" : "atoms, a < 0 (η = −1)", MarkerShape.FilledDiamond, 11, Plots.SignColor(sign));
            }
        }
        plot.Axes.SetLimitsX(0, 2 * Math.PI);
        var top = Math.Max(1.0, eta.Max(Math.Abs));
        plot.Axes.SetLimitsY(-1.15 * top, 1.15 * top);
        return Plots.LabelledOutside(plot, "dual certificate η on the circle of neurons θ = (w, b) = (cos t, sin t)", "t (radians)", "η");
    }

    /// <summary>The angle of (c, s) in [0, 2π).</summary>
    private static double Angle(double c, double s)
    {
        var t = Math.Atan2(s, c);
        return t < 0 ? t + 2 * Math.PI : t;
    }
}
