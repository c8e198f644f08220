using System.Globalization;
using System.Text;
using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using Xunit.Abstractions;

namespace TvRelu.Tests;

/// <summary>
/// The fuzz campaign of issue 12: hostile CSV text, option values across the whole double range, and measure and
/// residual JSON, run through the command line in-process (<c>Cli.Run</c>). The property: exit 2 with one
/// <c>error:</c> line, or exit 0/3 with a result whose <c>certified: true</c> survives checks that share no code with
/// the library (J recomputed from the data and the measure, η sampled at random directions never above the reported
/// supremum, the gap recomputed from scratch); never exit 1, never a stack trace; and input that is malformed by
/// construction (ragged rows, NaN text, 1e400) is never accepted. The cases come from FsCheck generators with an
/// explicit seed; <c>TVRELU_FUZZ_CASES</c> sets their number (the CI slice runs <see cref="CiCases"/>).
/// </summary>
public sealed class FuzzCampaignTests(ITestOutputHelper output) : IDisposable
{
    private const int CiCases = 160;
    private const ulong Seed = 20261129;

    private readonly string _dir = Directory.CreateTempSubdirectory("tvrelu-fuzz-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>One generated run: its category, the files it writes, its arguments, and what the oracle needs.</summary>
    public sealed record FuzzCase(
        string Category,
        string Label,
        IReadOnlyDictionary<string, string> Files,
        string[] Args,
        double[][]? Inputs,
        double[]? Labels,
        bool Malformed)
    {
        public override string ToString() =>
            $"{Category}/{Label}: {string.Join(' ', Args)}\n" + string.Join("\n", Files.Select(f => $"--- {f.Key}:\n{f.Value}"));
    }

    // ------------------------------------------------------------------------------------------
    // Generators.

    /// <summary>Numbers over the whole double range: ordinary, huge, tiny, subnormal, signed zeros.</summary>
    private static Gen<double> HostileNumber() =>
        Gen.Frequency(
            (8, Gen.Choose(-2000, 2000).Select(i => i / 1000.0)),
            (1, Gen.Choose(100, 308).Select(e => Math.Pow(10, e))),
            (1, Gen.Choose(-307, -100).Select(e => -Math.Pow(10, e))),
            (1, Gen.Elements(1e-310, -5e-324, 4.9e-324, 2.2250738585072009e-308, 0.0, -0.0, 1.7976931348623157e308)));

    /// <summary>Option texts across the whole double range, including spellings that are not numbers.</summary>
    private static readonly string[] OptionTexts =
    [
        "NaN", "nan", "Infinity", "-Infinity", "∞", "1e400", "-1e400", "1e-320", "5e-324", "2.2250738585072009e-308",
        "2.2250738585072014e-308", "0", "-0", "+0", "1e308", "-1e308", "1e154", "1e153", "1e-154", "0x10", "1,5", " 1", "",
        "1e", "1_000", "١", "-1", "0.1", "1e-3", "3", "1e-12", "1e12",
    ];

    private static Gen<double[][]> Matrix(int n, int columns, Gen<double> entry) =>
        Gen.ArrayOf(Gen.ArrayOf(entry, columns), n);

    /// <summary>Small data sets (N ≤ 8, d ≤ 2) with hostile entries, and λ from ordinary to extreme.</summary>
    private static Gen<(double[][] X, double[] Y, double Lambda)> HostileData() =>
        from n in Gen.Choose(1, 8)
        from d in Gen.Choose(1, 2)
        from x in Matrix(n, d, HostileNumber())
        from y in Gen.ArrayOf(HostileNumber(), n)
        from lambda in Gen.Elements(0.5, 0.1, 1e-3, 1e-8, 1e-100, 1e-300, 3e-308, 1e100)
        select (x, y, lambda);

    private static string Number(double v) => v.ToString("R", Inv);

    private static string CsvOf(double[][] x, double[] y, string delimiter, string newline, bool header) =>
        (header ? string.Join(delimiter, Enumerable.Range(1, x[0].Length).Select(k => $"x{k}").Append("y")) + newline : "")
        + string.Join(newline, x.Select((row, i) => string.Join(delimiter, row.Select(Number).Append(Number(y[i])))));

    /// <summary>CSV text: well-formed under BOM, CRLF and every delimiter, or malformed by construction.</summary>
    private static Gen<FuzzCase> CsvCase() =>
        from data in HostileData()
        from delimiter in Gen.Elements(",", ";", "\t")
        from newline in Gen.Elements("\n", "\r\n")
        from bom in Gen.Elements(false, true)
        from header in Gen.Elements(true, false)
        from mutation in Gen.Elements("none", "none", "none", "none", "none", "none", "ragged", "nan", "1e400", "garbage", "empty", "header-only", "inf")
        from at in Gen.Choose(0, 1000)
        select CsvCaseOf(data, delimiter, newline, bom, header, mutation, at);

    private static FuzzCase CsvCaseOf((double[][] X, double[] Y, double Lambda) data, string delimiter, string newline, bool bom, bool header, string mutation, int at)
    {
        var rows = CsvOf(data.X, data.Y, delimiter, newline, header).Split(newline).ToList();
        var first = header ? 1 : 0;
        var row = first + at % data.X.Length;
        var fields = rows[row].Split(delimiter);
        var field = at % fields.Length;
        switch (mutation)
        {
            case "ragged": rows[row] = string.Join(delimiter, fields.Take(fields.Length - 1)); break;
            case "nan": fields[field] = "NaN"; rows[row] = string.Join(delimiter, fields); break;
            case "inf": fields[field] = "-Infinity"; rows[row] = string.Join(delimiter, fields); break;
            case "1e400": fields[field] = "1e400"; rows[row] = string.Join(delimiter, fields); break;
            case "garbage": fields[field] = "12abc"; rows[row] = string.Join(delimiter, fields); break;
            case "empty": rows = [""]; break;
            case "header-only": rows = ["x1" + delimiter + "y"]; break;
        }

        var text = (bom ? "\uFEFF" : "") + string.Join(newline, rows);
        var malformed = mutation != "none";
        return new FuzzCase(
            "csv", mutation, new Dictionary<string, string> { ["data.csv"] = text },
            ["solve", "--data", "@data.csv", "--lambda", Number(data.Lambda), "--out", "@out.json"],
            malformed ? null : data.X, malformed ? null : data.Y, malformed);
    }

    /// <summary>One numeric option of a command given a value from anywhere in (or outside) the double range.</summary>
    private static Gen<FuzzCase> OptionCase() =>
        from template in Gen.Elements(
            new[] { "solve", "--data", "@r1", "--lambda", "#", "--out", "@out.json" },
            new[] { "solve", "--data", "@r1", "--lambda-ratio", "#", "--out", "@out.json" },
            new[] { "solve", "--data", "@r1", "--lambda", "0.05", "--max-seconds", "#", "--out", "@out.json" },
            new[] { "certify", "--data", "@r1", "--lambda", "#", "--measure", "@measure.json", "--out", "@out.json" },
            new[] { "certify", "--data", "@r1", "--lambda", "0.05", "--measure", "@measure.json", "--tolerance", "#", "--out", "@out.json" },
            new[] { "certificate", "--data", "@r1", "--lambda", "#", "--residual", "@residual.json", "--out", "@out.json" },
            new[] { "regions", "--data", "@r1", "--max-cells", "#" },
            new[] { "train", "--data", "@r1", "--lambda", "0.05", "--width", "3", "--epochs", "20", "--lr", "#" },
            new[] { "train", "--data", "@r1", "--lambda", "0.05", "--width", "3", "--epochs", "20", "--init-scale", "#" },
            new[] { "train", "--data", "@r1", "--lambda", "#", "--width", "3", "--epochs", "20" })
        from text in Gen.Elements(OptionTexts)
        select new FuzzCase(
            "option", $"{template[0]} {template[Array.IndexOf(template, "#") - 1]}",
            new Dictionary<string, string>
            {
                ["measure.json"] = """{"atoms": [{"direction": [0.6, 0.8], "amplitude": 0.3}, {"direction": [-0.6, 0.8], "amplitude": -0.2}]}""",
                ["residual.json"] = "[0.1, -0.2, 0.3, 0.1, -0.5, 0.2, 0.1, 0.3]",
            },
            template.Select(a => a == "#" ? text : a).ToArray(), R1Inputs, R1Labels, Malformed: false);

    /// <summary>Measure JSON for <c>certify</c> on r1: hostile amplitudes and directions, zero directions, wrong lengths, 1e400.</summary>
    private static Gen<FuzzCase> MeasureCase() =>
        from atoms in Gen.Choose(0, 3)
        from length in Gen.Frequency((6, Gen.Constant(2)), (1, Gen.Elements(1, 3)))
        from entries in Matrix(Math.Max(atoms, 1), length + 1, HostileNumber())
        from literal in Gen.Elements("", "", "", "1e400", "NaN", "\"1\"", "null")
        from lambda in Gen.Elements(0.5, 0.05, 1e-6, 1e-200)
        select MeasureCaseOf(atoms, length, entries, literal, lambda);

    private static FuzzCase MeasureCaseOf(int atoms, int length, double[][] entries, string literal, double lambda)
    {
        var parts = Enumerable.Range(0, atoms).Select(a =>
            $$"""{"direction": [{{string.Join(", ", entries[a].Take(length).Select(Number))}}], "amplitude": {{(a == 0 && literal != "" ? literal : Number(entries[a][length]))}}}""");
        var json = $$"""{"atoms": [{{string.Join(", ", parts)}}]}""";
        var label = (length == 2 ? "" : "wrong length ") + (literal == "" || atoms == 0 ? "numbers" : literal);
        return new FuzzCase(
            "measure", label, new Dictionary<string, string> { ["measure.json"] = json },
            ["certify", "--data", "@r1", "--lambda", Number(lambda), "--measure", "@measure.json", "--out", "@out.json"],
            R1Inputs, R1Labels, Malformed: (length != 2 || literal != "") && atoms > 0);
    }

    /// <summary>Residual JSON for <c>certificate</c> on r1: hostile entries, wrong lengths, 1e400, malformed text.</summary>
    private static Gen<FuzzCase> ResidualCase() =>
        from length in Gen.Frequency((6, Gen.Constant(8)), (1, Gen.Elements(0, 7, 9)))
        from q in Gen.ArrayOf(HostileNumber(), length)
        from literal in Gen.Elements("", "", "", "1e400", "NaN", "[", "{}")
        from lambda in Gen.Elements(1.0, 0.05, 1e-6, 1e-200, 1e200)
        select new FuzzCase(
            "residual", (length == 8 ? "" : "wrong length ") + (literal == "" ? "numbers" : literal),
            new Dictionary<string, string>
            {
                ["residual.json"] = literal switch
                {
                    "" => "[" + string.Join(", ", q.Select(Number)) + "]",
                    "[" or "{}" => literal,
                    _ => "[" + string.Join(", ", q.Select(Number).Prepend(literal)) + "]",
                },
            },
            ["certificate", "--data", "@r1", "--lambda", Number(lambda), "--residual", "@residual.json", "--out", "@out.json"],
            R1Inputs, R1Labels, Malformed: length != 8 || literal != "");

    private static Gen<FuzzCase> AnyCase() => Gen.OneOf(CsvCase(), OptionCase(), MeasureCase(), ResidualCase());

    // ------------------------------------------------------------------------------------------
    // The reference data r1, read here (not through the library) for the independent checks.

    private static readonly (double[][] X, double[] Y) R1 = ReadR1();
    private static double[][] R1Inputs => R1.X;
    private static double[] R1Labels => R1.Y;

    private static (double[][], double[]) ReadR1()
    {
        var rows = File.ReadAllLines(ReferenceData.PathOf("r1_kink_1d.csv")).Skip(1).Where(l => l.Length > 0)
            .Select(l => l.Split(',').Select(s => double.Parse(s, Inv)).ToArray()).ToArray();
        return (rows.Select(r => r[..^1]).ToArray(), rows.Select(r => r[^1]).ToArray());
    }

    // ------------------------------------------------------------------------------------------
    // The run and the independent checks.

    /// <summary>The outcome of one case: its exit code, whether it certified, and whether the checks passed.</summary>
    private sealed record Outcome(int Code, bool Certified, string? Failure);

    private Outcome RunCase(FuzzCase c, int index)
    {
        var dir = Directory.CreateDirectory(Path.Combine(_dir, index.ToString(Inv))).FullName;
        foreach (var (name, text) in c.Files)
        {
            File.WriteAllText(Path.Combine(dir, name), text, new UTF8Encoding(false));
        }

        var args = c.Args.Select(a => a == "@r1" ? ReferenceData.PathOf("r1_kink_1d.csv") : a.StartsWith('@') ? Path.Combine(dir, a[1..]) : a).ToArray();
        var (code, stdout, stderr) = CliTests.Run(args);
        if (stderr.Contains("   at ") || stdout.Contains("   at "))
        {
            return new Outcome(code, false, "stack trace");
        }

        switch (code)
        {
            case 2:
                var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
                return lines.Length == 1 && lines[0].StartsWith("error: ") && !lines[0].Contains("internal failure")
                    ? new Outcome(code, false, null)
                    : new Outcome(code, false, $"exit 2 without one error: line: {stderr}");
            case 0 or 3:
                if (c.Malformed)
                {
                    return new Outcome(code, false, "malformed input accepted");
                }

                var result = Path.Combine(dir, "out.json");
                if (!File.Exists(result))
                {
                    return new Outcome(code, false, null);
                }

                var json = CliTests.ReadJson(result);
                var certified = json.TryGetProperty("certified", out var cert) && cert.GetBoolean();
                return new Outcome(code, certified, Check(json, c, certified));
            default:
                return new Outcome(code, false, $"exit {code}: {stderr}");
        }
    }

    /// <summary>
    /// The independent checks of a result: for <c>solve</c> and <c>certify</c>, when certified, J recomputed from
    /// the data and the measure, η of the recomputed residual sampled at 2000 directions and at the atoms never above
    /// the reported supremum (beyond the rounding of one evaluation), and the gap J − D(q/max(1, sup)) recomputed and
    /// within the documented tolerance max(1e-9 J, 1e-13 ½‖y‖²) (or the given one); for <c>certificate</c>, sampled
    /// |η| of the given residual never above the reported sup |η|.
    /// </summary>
    private static string? Check(JsonElement json, FuzzCase c, bool certified)
    {
        var x = c.Inputs!;
        var y = c.Labels!;
        var lambda = json.GetProperty("lambda").GetDouble();
        var rows = x.Select(r => r.Append(1.0).ToArray()).ToArray();
        var rng = new Random(12);
        if (c.Args[0] == "certificate")
        {
            var qGiven = JsonSerializer.Deserialize<double[]>(c.Files["residual.json"])!;
            var supAbs = json.GetProperty("supremumAbs").GetDouble();
            var worst = Sampled(rows, qGiven, lambda, rng, []);
            return worst <= supAbs * (1 + 1e-9) + 1e-12 * Scale(rows, qGiven, lambda)
                ? null
                : $"sampled |η| {worst:R} above the reported sup {supAbs:R}";
        }

        if (!certified)
        {
            return null;
        }

        var atoms = json.GetProperty("measure").GetProperty("atoms").EnumerateArray()
            .Select(a => (Direction: a.GetProperty("direction").EnumerateArray().Select(v => v.GetDouble()).ToArray(), Amplitude: a.GetProperty("amplitude").GetDouble()))
            .ToArray();
        var q = rows.Select((r, i) => y[i] - atoms.Sum(a => a.Amplitude * Math.Max(0, Dot(a.Direction, r)))).ToArray();
        var j = 0.5 * Dot(q, q) + lambda * atoms.Sum(a => Math.Abs(a.Amplitude));
        var reportedJ = json.GetProperty("objective").GetDouble();
        var sup = json.GetProperty("certificateSup").GetDouble();
        if (!double.IsFinite(j) || !double.IsFinite(reportedJ) || !double.IsFinite(sup))
        {
            return $"certified with J = {j:R} (reported {reportedJ:R}), sup {sup:R}";
        }

        var yy = Dot(y, y);
        if (Math.Abs(j - reportedJ) > 1e-9 * Math.Abs(j) + 1e-13 * yy)
        {
            return $"J from scratch {j:R}, reported {reportedJ:R}";
        }

        var worstEta = Sampled(rows, q, lambda, rng, atoms.Select(a => a.Direction));
        // The rounding of one evaluation of η, and that of the residual itself: q_i = y_i − (Kμ)_i is exact only to
        // a few units of |y_i| + Σ_j |a_j| σ(⟨θ_j, x̃_i⟩), which at λ ≪ λ_max is most of q (an interpolating fit).
        var terms = rows.Select((r, i) => Math.Abs(y[i]) + atoms.Sum(a => Math.Abs(a.Amplitude) * Math.Max(0, Dot(a.Direction, r)))).ToArray();
        var rounding = 1e-12 * Scale(rows, q, lambda) + 1e-13 * Scale(rows, terms, lambda);
        if (worstEta > sup + rounding)
        {
            return $"sampled |η| {worstEta:R} above the reported sup {sup:R}";
        }

        var s = Math.Max(1.0, sup);
        var dual = Dot(y, q) / s - 0.5 * Dot(q, q) / (s * s);
        var tolerance = json.TryGetProperty("tolerance", out var t) ? t.GetDouble() : Math.Max(1e-9 * Math.Abs(j), 1e-13 * 0.5 * yy);
        var gap = j - dual;
        return gap <= tolerance + 1e-12 * (Math.Abs(j) + Math.Abs(dual)) + 1e-6 * tolerance
            ? null
            : $"gap from scratch {gap:R} above the tolerance {tolerance:R} (J {j:R}, dual {dual:R}, sup {sup:R})";
    }

    private static double Dot(double[] a, double[] b)
    {
        var s = 0.0;
        for (var k = 0; k < a.Length; k++)
        {
            s += a[k] * b[k];
        }

        return s;
    }

    /// <summary>max |η| over random unit directions and the given ones: η(θ) = (1/λ) Σ_i q_i max(0, ⟨θ, x̃_i⟩).</summary>
    private static double Sampled(double[][] rows, double[] q, double lambda, Random rng, IEnumerable<double[]> extra)
    {
        var n = rows[0].Length;
        var directions = Enumerable.Range(0, 2000).Select(_ =>
        {
            var t = Enumerable.Range(0, n).Select(_ => rng.NextDouble() * 2 - 1).ToArray();
            var norm = Math.Sqrt(Dot(t, t));
            return t.Select(v => v / norm).ToArray();
        }).Concat(extra.Where(d => d.Length == n));
        return directions.Max(t => Math.Abs(rows.Select((r, i) => q[i] * Math.Max(0, Dot(t, r))).Sum() / lambda));
    }

    /// <summary>(1/λ) Σ_i |q_i| ‖x̃_i‖: the scale of the rounding of one evaluation of η.</summary>
    private static double Scale(double[][] rows, double[] q, double lambda) =>
        rows.Select((r, i) => Math.Abs(q[i]) * Math.Sqrt(Dot(r, r))).Sum() / lambda;

    /// <summary>
    /// The campaign: every case ends in a clear refusal or in a result that survives the independent checks. The
    /// table of outcomes per category is written to the test output (and to <c>TVRELU_FUZZ_REPORT</c> when set).
    /// </summary>
    [Fact]
    public void HostileInputIsRefusedClearlyOrCertifiedCorrectly()
    {
        var count = int.TryParse(Environment.GetEnvironmentVariable("TVRELU_FUZZ_CASES"), out var n) && n > 0 ? n : CiCases;
        var cases = AnyCase().Sample(count, new Rnd(Seed), 30);
        var table = new SortedDictionary<string, int[]>(StringComparer.Ordinal);
        var failures = new List<string>();
        for (var i = 0; i < cases.Length; i++)
        {
            var outcome = RunCase(cases[i], i);
            var key = $"{cases[i].Category,-9} {cases[i].Label}";
            var row = table.TryGetValue(key, out var r) ? r : table[key] = new int[6];
            row[0]++;
            row[outcome.Code switch { 0 => 1, 2 => 2, 3 => 3, _ => 5 }]++;
            row[4] += outcome.Certified ? 1 : 0;
            if (outcome.Failure is not null)
            {
                failures.Add($"case {i}: {outcome.Failure}\n{cases[i]}");
            }
        }

        var report = new StringBuilder($"fuzz campaign: {count} cases, seed {Seed}\ncategory  input | tried | exit 0 | exit 2 | exit 3 | certified | other exit\n");
        foreach (var (key, r) in table)
        {
            report.AppendLine(CultureInfo.InvariantCulture, $"{key} | {r[0]} | {r[1]} | {r[2]} | {r[3]} | {r[4]} | {r[5]}");
        }

        report.AppendLine(CultureInfo.InvariantCulture, $"independent-check failures: {failures.Count}");
        output.WriteLine(report.ToString());
        if (Environment.GetEnvironmentVariable("TVRELU_FUZZ_REPORT") is { Length: > 0 } path)
        {
            File.WriteAllText(path, report + string.Join("\n\n", failures));
        }

        Assert.True(failures.Count == 0, string.Join("\n\n", failures.Take(5)));
    }
}
