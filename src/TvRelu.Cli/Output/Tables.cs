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

    internal static string Num(double x) => x.ToString("G10", CultureInfo.InvariantCulture);

    internal static string Vec(IEnumerable<double> v) => "(" + string.Join(", ", v.Select(x => x.ToString("G6", CultureInfo.InvariantCulture))) + ")";

    /// <summary>The title of a command's main table: which problem it is about.</summary>
    internal static string Heading(string command, TvReluProblem problem, double? lambda = null) =>
        $"tvrelu {command}: N = {problem.DataPoints}, d = {problem.Dimension}" + (lambda is { } l ? $", λ = {Num(l)}" : "");

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

    internal static Table Atoms(Measure measure)
    {
        var table = Grid($"measure: {measure.Atoms.Count} atoms, ‖μ‖_TV = {Num(measure.TotalVariation)}", "#", "direction θ = (w, b)", "amplitude");
        var i = 0;
        foreach (var a in measure.Atoms)
        {
            table.AddTextRow((++i).ToString(CultureInfo.InvariantCulture), Vec(a.Direction), Num(a.Amplitude));
        }
        return table;
    }

    internal static Table Saturation(IReadOnlyList<SaturationPoint> points)
    {
        var table = Grid($"saturation set Σ = {{|η| = 1}}: {points.Count} points", "#", "direction θ", "sign", "η(θ)", "where");
        var i = 0;
        foreach (var p in points)
        {
            table.AddTextRow((++i).ToString(CultureInfo.InvariantCulture), Vec(p.Direction), Sign(p.Sign), Num(p.Value), p.Interior ? "interior" : "boundary");
        }
        return table;
    }

    internal static void WriteSolution(IAnsiConsole console, TvReluProblem problem, Solution s, double seconds)
    {
        console.Write(KeyValues(Heading("solve", problem, s.Lambda),
        [
            ("convention", s.Convention),
            ("objective J(μ)", Num(s.Objective)),
            ("dual objective (lower bound)", Num(s.Certification.DualObjective)),
            ("certified gap", Num(s.Gap)),
            ("tolerance", Num(s.Certification.Tolerance)),
            ("certified", s.Certified ? "yes" : "NO"),
            ("exact sup |η|", Num(s.Certification.CertificateSup)),
            ("regions (cells)", $"{s.Cells} ({s.CellsWithActiveNeurons} with an active neuron)"),
            ("bounds on |Σ|", $"|Σ| = {s.Bounds.SaturationPoints} ≤ 2·active cells = {s.Bounds.TwiceActiveCells}"
                + (s.Bounds.Faces is { } f ? $", ≤ faces = {f}" : "") + $"; N = {s.Bounds.DataPoints}"),
            ("uniqueness", $"rank-sufficient: {YesNo(s.Uniqueness.RankSufficient)}, unique: {YesNo(s.Uniqueness.Unique)}"),
            ("column-generation rounds", s.Rounds.ToString(CultureInfo.InvariantCulture)),
            ("seconds", $"{Num(seconds)} (enumeration {Num(s.Timings.Enumeration.TotalSeconds)}, solve {Num(s.Timings.Solve.TotalSeconds)}, certification {Num(s.Timings.Certification.TotalSeconds)})"),
        ]));
        console.Write(Atoms(s.Measure));
        console.Write(Saturation(s.Saturation));
    }

    internal static string YesNo(bool b) => b ? "yes" : "no";
}
