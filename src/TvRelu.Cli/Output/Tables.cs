using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace TvRelu.Cli.Output;

/// <summary>Readable summaries of the results, as Spectre.Console tables written to any TextWriter.</summary>
internal static class Tables
{
    internal static IAnsiConsole ConsoleFor(TextWriter writer)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(writer),
        });
        console.Profile.Width = 120;
        return console;
    }

    /// <summary>
    /// The one number format of every table, warning and plot title: up to <paramref name="digits"/>
    /// significant digits, plain decimals from 1e-4 up to 10^digits, otherwise "1.5e-13" (lower-case e,
    /// no '+', no leading zeros), always in the invariant culture.
    /// </summary>
    internal static string Num(double x, int digits = 10)
    {
        if (double.IsNaN(x))
        {
            return "NaN";
        }
        if (double.IsInfinity(x))
        {
            return x > 0 ? "∞" : "-∞";
        }
        var a = Math.Abs(x);
        if (a == 0 || (a >= 1e-4 && a < Math.Pow(10, digits)))
        {
            // Rounded to the significant digits first, so that 0.30000000000000004 prints as 0.3.
            var rounded = double.Parse(x.ToString("G" + digits, CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
            return rounded.ToString("0.###################", CultureInfo.InvariantCulture);
        }
        return x.ToString("0." + new string('#', Math.Max(digits - 1, 1)) + "e-0", CultureInfo.InvariantCulture);
    }

    /// <summary>A direction or input vector: six significant digits per entry.</summary>
    internal static string Vec(IEnumerable<double> v) => "(" + string.Join(", ", v.Select(x => Num(x, 6))) + ")";

    /// <summary>"1 atom", "3 atoms".</summary>
    internal static string Count(int n, string noun) => n.ToString(CultureInfo.InvariantCulture) + " " + (n == 1 ? noun : noun + "s");

    /// <summary>
    /// An exact rational "p/q" as a table shows it: whole when short, else its size (the full value is in
    /// the JSON that --out writes; a table cell of 200 digits helps nobody).
    /// </summary>
    internal static string Rational(string exact)
    {
        if (exact.Length <= 40)
        {
            return exact;
        }
        var parts = exact.Split('/');
        return parts.Length == 2
            ? $"a fraction of {parts[0].TrimStart('-').Length} / {parts[1].Length} digits (in full with --out)"
            : $"{exact.Length} digits (in full with --out)";
    }

    /// <summary>The title of a command's main table: which problem it is about.</summary>
    internal static string Heading(string command, TvReluProblem problem, double? lambda = null) =>
        $"tvrelu {command}: N = {problem.DataPoints}, d = {problem.Dimension}" + (lambda is { } l ? $", λ = {Num(l)}" : "");

    /// <summary>The rows that place λ against λ_max (the zero measure is optimal for λ ≥ λ_max).</summary>
    internal static IEnumerable<(string, string)> LambdaRows(Commands.LambdaChoice choice) =>
    [
        ("λ", Num(choice.Lambda)),
        ("λ_max (μ = 0 is optimal for λ ≥ λ_max)", Num(choice.LambdaMax)),
        ("λ / λ_max", choice.Ratio is { } r ? Num(r, 6) : "undefined (λ_max = 0)"),
    ];

    internal static string Sign(int s) => s > 0 ? "+1" : "−1";

    /// <summary>A table with a title and plain-text cells (no markup is interpreted in the cells).</summary>
    internal static Table Grid(string title, params string[] headers)
    {
        var table = new Table { Border = TableBorder.Rounded, Title = new TableTitle(Markup.Escape(title)) };
        foreach (var h in headers)
        {
            table.AddColumn(new TableColumn(new Text(h)));
        }
        return table;
    }

    internal static Table AddTextRow(this Table table, params string[] cells)
    {
        table.AddRow(cells.Select(c => (IRenderable)new Text(c)).ToArray());
        return table;
    }

    internal static Table KeyValues(string title, IEnumerable<(string Key, string Value)> rows)
    {
        var table = Grid(title, "quantity", "value");
        foreach (var (k, v) in rows)
        {
            table.AddTextRow(k, v);
        }
        return table;
    }

    internal static Table Atoms(Measure measure, string what = "measure μ")
    {
        var table = Grid($"{what}: {Count(measure.Atoms.Count, "atom")}, ‖μ‖_TV = {Num(measure.TotalVariation)}", "#", "direction θ = (w, b)", "amplitude");
        var i = 0;
        foreach (var a in measure.Atoms)
        {
            table.AddTextRow((++i).ToString(CultureInfo.InvariantCulture), Vec(a.Direction), Num(a.Amplitude));
        }
        return table;
    }

    /// <summary>The saturation set Σ = {|η| = 1} of a feasible certificate (points within the saturation tolerance of ±1).</summary>
    internal static Table Saturation(IReadOnlyList<SaturationPoint> points) =>
        Points($"saturation set Σ = {{|η| = 1}}: {Count(points.Count, "point")}", points);

    /// <summary>
    /// The regions' extremes where |η| exceeds 1: what an infeasible dual vector has instead of a saturation
    /// set. Calling them "the saturation set" would suggest an optimality condition that does not hold.
    /// </summary>
    internal static Table Violations(IReadOnlyList<SaturationPoint> points, double supremumAbs) =>
        Points($"NOT dual feasible (sup |η| = {Num(supremumAbs)} > 1): {Count(points.Count, "region extreme")} with |η| > 1; "
            + "there is no saturation set, and q/sup|η| is the feasible rescaling", points);

    private static Table Points(string title, IReadOnlyList<SaturationPoint> points)
    {
        var table = Grid(title, "#", "direction θ", "sign", "η(θ)", "where");
        var i = 0;
        foreach (var p in points)
        {
            table.AddTextRow((++i).ToString(CultureInfo.InvariantCulture), Vec(p.Direction), Sign(p.Sign), Num(p.Value), p.Interior ? "interior" : "boundary");
        }
        return table;
    }

    internal static void WriteSolution(IAnsiConsole console, Commands.LambdaChoice choice, Solution s, double seconds)
    {
        console.Write(KeyValues(Heading("solve", choice.Problem, s.Lambda),
        [
            ("convention", s.Convention),
            .. LambdaRows(choice),
            ("objective J(μ)", Num(s.Objective)),
            ("dual objective (lower bound)", Num(s.Certification.DualObjective)),
            ("certified gap", Num(s.Gap)),
            ("tolerance", Num(s.Certification.Tolerance)),
            ("certified", s.Certified ? "yes" : "NO"),
            .. Commands.MethodCliOptions.SupremumRows(s.Certification),
            .. (s.Certification.Method == Commands.MethodCliOptions.StreamingName
                ? [("|Σ| (from the streaming pass)", $"{s.Bounds.SaturationPoints}; N = {s.Bounds.DataPoints}")]
                : s.Certification.SupremumBounds is null
                ? [("regions (cells)", $"{s.Cells} ({s.CellsWithActiveNeurons} with an active neuron)"),
                    ("bounds on |Σ|", $"|Σ| = {s.Bounds.SaturationPoints} ≤ 2 × active cells = {s.Bounds.TwiceActiveCells}"
                        + (s.Bounds.Faces is { } f ? $", ≤ faces = {f}" : "") + $"; N = {s.Bounds.DataPoints}")]
                : new (string, string)[] { ("|Σ| (from the branch-and-bound leaves)", (s.SaturationKnown ? $"{s.Bounds.SaturationPoints}" : "unknown") + $"; N = {s.Bounds.DataPoints}") }),
            ("uniqueness", s.Uniqueness.Known
                ? $"rank-sufficient: {YesNo(s.Uniqueness.RankSufficient)}, unique: {YesNo(s.Uniqueness.Unique)}"
                : $"unknown: {s.Uniqueness.Reason}"),
            ("column-generation rounds", s.Rounds.ToString(CultureInfo.InvariantCulture)),
            ("seconds", $"{Num(seconds, 3)} (enumeration {Num(s.Timings.Enumeration.TotalSeconds, 3)}, solve {Num(s.Timings.Solve.TotalSeconds, 3)}, certification {Num(s.Timings.Certification.TotalSeconds, 3)})"),
        ]));
        WriteExact(console, s.Exact);
        console.Write(Atoms(s.Measure));
        console.Write(Saturation(s.Saturation));
    }

    /// <summary>Exact mode's verdict, the exact enclosure of J* and what failed; nothing when exact mode was off.</summary>
    internal static void WriteExact(IAnsiConsole console, ExactCertification? exact)
    {
        if (exact is null)
        {
            return;
        }
        var rows = new List<(string, string)>
        {
            ("verdict", exact.Verdict),
            ("J* ∈ (decimals, rounded outwards)", $"[{exact.LowerDecimal}, {exact.UpperDecimal}]"),
            ("lower bound (exact)", Rational(exact.Lower)),
            ("upper bound (exact)", Rational(exact.Upper)),
            ("gap bound J(μ) − J* ≤", exact.GapBoundDecimal),
            ("rank Φ_Σ (exact)", exact.Rank is { } r ? $"{r} of {exact.RankPoints} points" : "not computed"),
            ("seconds", Num(exact.Seconds, 3)),
        };
        rows.AddRange(exact.Failures.Select(f => ("failure", f)));
        console.Write(KeyValues("exact rational verification (THEORY.md §8)", rows));
    }

    internal static string YesNo(bool b) => b ? "yes" : "no";
}
