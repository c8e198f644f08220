using ScottPlot;

namespace TvRelu.Cli.Plotting;

/// <summary>
/// The d = 2 panels: the fit f_μ as a heatmap over the input plane with the kink line w·x + b = 0 of each
/// atom, and the certificate η on the sphere of neurons S² in Lambert's azimuthal equal-area projection, one
/// disk per hemisphere (b ≥ 0 and b ≤ 0), with the arrangement's great circles {⟨θ, x̃_i⟩ = 0} (the region
/// boundaries, THEORY.md §3), the atoms, and the level sets {η = ±1} (for a certified solution, the points of Σ).
/// </summary>
internal static class PlanePlots
{
    /// <summary>Pixels per side of the fit heatmap and of each hemisphere's disk.</summary>
    private const int Resolution = 240;

    /// <summary>The disk of one hemisphere has radius √2 in the equal-area projection; the two sit side by side.</summary>
    private static readonly double Radius = Math.Sqrt(2);

    private static readonly double[] Centres = [-1.6, 1.6];

    internal static Plot Fit(TvReluProblem problem, Measure measure, string title)
    {
        var xs = problem.Inputs.Select(r => r[0]).ToArray();
        var ys = problem.Inputs.Select(r => r[1]).ToArray();
        var ((x0, x1), (y0, y1)) = SquareBox(xs, ys);
        // Row 0 of a heatmap is drawn at the top: it holds the largest x2.
        var values = new double[Resolution, Resolution];
        for (var i = 0; i < Resolution; i++)
        {
            var y = y1 - (y1 - y0) * (i + 0.5) / Resolution;
            for (var j = 0; j < Resolution; j++)
            {
                values[i, j] = measure.Evaluate([x0 + (x1 - x0) * (j + 0.5) / Resolution, y]);
            }
        }
        var plot = new Plot();
        var heatmap = plot.Add.Heatmap(values);
        heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
        heatmap.Rectangle = new CoordinateRect(x0, x1, y0, y1);
        plot.Add.ColorBar(heatmap).Label = "f_μ(x)";
        var (plus, minus) = (false, false);
        foreach (var atom in measure.Atoms)
        {
            if (KinkSegment(atom.Direction, x0, x1, y0, y1) is not { } segment)
            {
                continue;
            }
            var line = plot.Add.Line(segment.X1, segment.Y1, segment.X2, segment.Y2);
            line.Color = atom.Amplitude > 0 ? Colors.OrangeRed : Colors.Black;
            line.LineWidth = 2;
            line.LinePattern = LinePattern.Dashed;
            if (atom.Amplitude > 0 ? !plus : !minus)
            {
                line.LegendText = atom.Amplitude > 0 ? "kink line w·x + b = 0, a > 0" : "kink line w·x + b = 0, a < 0";
                (plus, minus) = atom.Amplitude > 0 ? (true, minus) : (plus, true);
            }
        }
        var data = plot.Add.ScatterPoints(xs, ys);
        data.MarkerShape = MarkerShape.FilledCircle;
        data.MarkerSize = 6;
        data.Color = Colors.Black;
        data.LegendText = "data x_i";
        plot.Axes.SetLimits(x0, x1, y0, y1);
        return Plots.LabelledOutside(plot, "fit f_μ over the input plane\n" + title, "x1", "x2");
    }

    internal static Plot Certificate(TvReluProblem problem, Solution solution)
    {
        var certificate = problem.CertificateOf(solution.Residual, solution.Lambda);
        var plot = new Plot();
        var top = 1.0;
        for (var h = 0; h < 2; h++)
        {
            var south = h == 1;
            var values = new double[Resolution, Resolution];
            for (var i = 0; i < Resolution; i++)
            {
                var v = Radius - 2 * Radius * (i + 0.5) / Resolution;
                for (var j = 0; j < Resolution; j++)
                {
                    var u = -Radius + 2 * Radius * (j + 0.5) / Resolution;
                    values[i, j] = Unproject(u, v, south) is { } theta ? certificate.Evaluate(theta) : double.NaN;
                    top = double.IsNaN(values[i, j]) ? top : Math.Max(top, Math.Abs(values[i, j]));
                }
            }
            var heatmap = plot.Add.Heatmap(values);
            heatmap.Colormap = new ScottPlot.Colormaps.Balance();
            heatmap.Rectangle = new CoordinateRect(Centres[h] - Radius, Centres[h] + Radius, -Radius, Radius);
            heatmap.ManualRange = new ScottPlot.Range(-top, top);
            heatmap.NaNCellColor = Colors.Transparent;
            if (h == 0)
            {
                plot.Add.ColorBar(heatmap).Label = "η(θ)";
            }
            var rim = plot.Add.Circle(Centres[h], 0, Radius);
            rim.LineColor = Colors.Black;
            rim.FillColor = Colors.Transparent;
            var label = plot.Add.Text(south ? "b ≤ 0 (south)" : "b ≥ 0 (north)", Centres[h], Radius + 0.12);
            label.Alignment = Alignment.LowerCenter;
            label.LabelFontSize = 16;
        }
        GreatCircles(plot, problem);
        Markers(plot, solution);
        plot.Axes.SetLimits(Centres[0] - Radius - 0.1, Centres[1] + Radius + 0.1, -Radius - 0.1, Radius + 0.45);
        plot.Axes.SquareUnits();
        plot.HideGrid();
        plot.Axes.Bottom.IsVisible = false;
        plot.Axes.Left.IsVisible = false;
        plot.Axes.Frame(false);
        plot.Title("certificate η on the sphere S² of neurons θ = (w1, w2, b)\nLambert equal-area; w1 right, w2 up; grey: region boundaries");
        plot.ShowLegend(Edge.Right);
        return plot;
    }

    /// <summary>The arrangement's great circles ⟨θ, x̃_i⟩ = 0, one polyline per hemisphere they cross.</summary>
    private static void GreatCircles(Plot plot, TvReluProblem problem)
    {
        var first = true;
        foreach (var x in problem.Inputs.Select(r => (r[0], r[1])).Distinct())
        {
            var n = Normalise([x.Item1, x.Item2, 1.0]);
            // An orthonormal basis (e1, e2) of the plane ⊥ n: e1 horizontal (b = 0), e2 = n × e1.
            var e1 = Normalise([-n[1], n[0], 0.0]);
            var e2 = new[] { n[1] * e1[2] - n[2] * e1[1], n[2] * e1[0] - n[0] * e1[2], n[0] * e1[1] - n[1] * e1[0] };
            var segment = new List<Coordinates>();
            var southSegment = false;
            for (var k = 0; k <= 720; k++)
            {
                var t = Math.PI * 2 * k / 720;
                double[] p = [Math.Cos(t) * e1[0] + Math.Sin(t) * e2[0], Math.Cos(t) * e1[1] + Math.Sin(t) * e2[1], Math.Cos(t) * e1[2] + Math.Sin(t) * e2[2]];
                var south = p[2] < 0;
                if (segment.Count > 0 && south != southSegment)
                {
                    first = Draw(plot, segment, first);
                    segment = [];
                }
                southSegment = south;
                segment.Add(Project(p));
            }
            Draw(plot, segment, first);
            first = false;
        }
    }

    private static bool Draw(Plot plot, List<Coordinates> segment, bool legend)
    {
        if (segment.Count < 2)
        {
            return legend;
        }
        var line = plot.Add.ScatterLine(segment.Select(c => c.X).ToArray(), segment.Select(c => c.Y).ToArray());
        line.Color = Colors.Gray.WithAlpha(0.7);
        line.LineWidth = 1;
        if (legend)
        {
            line.LegendText = "great circles ⟨θ, (x_i, 1)⟩ = 0";
        }
        return false;
    }

    /// <summary>The atoms (filled, by sign, sized by mass) and the saturation set, whose points are the level sets η = ±1.</summary>
    private static void Markers(Plot plot, Solution solution)
    {
        var atoms = solution.Measure.Atoms;
        var heaviest = atoms.Count > 0 ? atoms.Max(a => Math.Abs(a.Amplitude)) : 1.0;
        foreach (var sign in new[] { 1, -1 })
        {
            var group = atoms.Where(a => Math.Sign(a.Amplitude) == sign).ToArray();
            for (var i = 0; i < group.Length; i++)
            {
                var c = Project(group[i].Direction);
                var marker = plot.Add.Marker(c.X, c.Y, MarkerShape.FilledDiamond, (float)(9 + 9 * Math.Abs(group[i].Amplitude) / heaviest));
                marker.Color = Plots.SignColor(sign);
                marker.LegendText = i == 0 ? (sign > 0 ? "atoms, a > 0" : "atoms, a < 0") : "";
            }
            var level = solution.Saturation.Where(p => p.Sign == sign).ToArray();
            if (level.Length > 0)
            {
                var points = level.Select(p => Project(p.Direction)).ToArray();
                var ring = plot.Add.ScatterPoints(points.Select(p => p.X).ToArray(), points.Select(p => p.Y).ToArray());
                ring.MarkerShape = MarkerShape.OpenCircle;
                ring.MarkerSize = 22;
                ring.MarkerLineWidth = 2;
                ring.Color = sign > 0 ? Colors.DarkRed : Colors.DarkBlue;
                ring.LegendText = sign > 0 ? "{η = +1} (points of Σ)" : "{η = −1} (points of Σ)";
            }
        }
    }

    /// <summary>Lambert's azimuthal equal-area projection of a unit θ onto its hemisphere's disk (radius √2).</summary>
    private static Coordinates Project(IReadOnlyList<double> direction)
    {
        var p = Normalise(direction.ToArray());
        var south = p[2] < 0;
        var scale = Math.Sqrt(2 / (1 + Math.Abs(p[2])));
        return new Coordinates(Centres[south ? 1 : 0] + scale * p[0], scale * p[1]);
    }

    /// <summary>The inverse of <see cref="Project"/> on one disk (coordinates relative to its centre); null outside it.</summary>
    private static double[]? Unproject(double u, double v, bool south)
    {
        var r2 = u * u + v * v;
        if (r2 > 2)
        {
            return null;
        }
        var s = Math.Sqrt(1 - r2 / 4);
        var z = 1 - r2 / 2;
        return [u * s, v * s, south ? -z : z];
    }

    /// <summary>The part of the line w·x + b = 0 of θ = (w, b) inside the box; null if w = 0 or the line misses it.</summary>
    private static (double X1, double Y1, double X2, double Y2)? KinkSegment(IReadOnlyList<double> theta, double x0, double x1, double y0, double y1)
    {
        var (w1, w2, b) = (theta[0], theta[1], theta[2]);
        var points = new List<(double X, double Y)>();
        if (Math.Abs(w2) > 1e-12)
        {
            foreach (var x in new[] { x0, x1 })
            {
                var y = -(b + w1 * x) / w2;
                if (y >= y0 && y <= y1)
                {
                    points.Add((x, y));
                }
            }
        }
        if (Math.Abs(w1) > 1e-12)
        {
            foreach (var y in new[] { y0, y1 })
            {
                var x = -(b + w2 * y) / w1;
                if (x >= x0 && x <= x1)
                {
                    points.Add((x, y));
                }
            }
        }
        return points.Count >= 2 ? (points[0].X, points[0].Y, points[^1].X, points[^1].Y) : null;
    }

    /// <summary>A square box around the points, 10% wider than their larger extent, so that lengths and angles are true.</summary>
    private static ((double, double), (double, double)) SquareBox(double[] xs, double[] ys)
    {
        var half = 0.6 * Math.Max(Math.Max(xs.Max() - xs.Min(), ys.Max() - ys.Min()), 1e-9);
        var (cx, cy) = ((xs.Max() + xs.Min()) / 2, (ys.Max() + ys.Min()) / 2);
        return ((cx - half, cx + half), (cy - half, cy + half));
    }

    private static double[] Normalise(double[] v)
    {
        var norm = Math.Sqrt(v.Sum(x => x * x));
        return v.Select(x => x / norm).ToArray();
    }
}
