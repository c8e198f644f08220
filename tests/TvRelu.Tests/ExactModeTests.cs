using System.Globalization;
using System.Numerics;

namespace TvRelu.Tests;

/// <summary>Exact rational verification (issue 6) through the façade and the command line.</summary>
public sealed class ExactModeTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tvrelu-exact-tests-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Temp(string name) => Path.Combine(_dir, name);

    private static double Decimal(string s) => double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture);

    /// <summary>"p/q" with integers p and q &gt; 0.</summary>
    private static (BigInteger P, BigInteger Q) Fraction(string text)
    {
        var parts = text.Split('/');
        Assert.Equal(2, parts.Length);
        var q = BigInteger.Parse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture);
        Assert.True(q > 0);
        return (BigInteger.Parse(parts[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture), q);
    }

    [Fact]
    public void ExactCertifyVerifiesTheSolutionAndEnclosesTheReferenceOptimum()
    {
        var problem = ReferenceData.Problem("r1_kink_1d.csv");
        var (lower, upper) = ReferenceBounds("r1_kink_1d.csv");
        var solution = problem.Solve(0.01);

        var report = problem.Certify(solution.Measure, 0.01, exact: true);

        var exact = Assert.IsType<ExactCertification>(report.Exact);
        Assert.Equal("verified", exact.Verdict);
        Assert.Empty(exact.Failures);
        Assert.True(Decimal(exact.LowerDecimal) <= upper + 1e-9, $"exact lower {exact.LowerDecimal} above the reference {upper}");
        Assert.True(Decimal(exact.UpperDecimal) >= lower - 1e-9, $"exact upper {exact.UpperDecimal} below the reference {lower}");
        var (lp, lq) = Fraction(exact.Lower);
        var (up, uq) = Fraction(exact.Upper);
        Assert.True(lp * uq <= up * lq, "lower ≤ upper exactly");
        Assert.True(report.Certified);
    }

    [Fact]
    public void ExactModeIsOffByDefault()
    {
        var problem = ReferenceData.Problem("r1_kink_1d.csv");
        var solution = problem.Solve(0.01);

        Assert.Null(solution.Exact);
        Assert.Null(problem.Certify(solution.Measure, 0.01).Exact);
    }

    [Fact]
    public void ExactCertifyRefutesAMeasureWithOneAmplitudeScaledBy1Point01()
    {
        var problem = ReferenceData.Problem("r1_kink_1d.csv");
        var atoms = problem.Solve(0.01).Measure.Atoms.ToArray();
        atoms[0] = atoms[0] with { Amplitude = atoms[0].Amplitude * 1.01 };

        var exact = problem.Certify(Measure.FromAtoms(2, atoms), 0.01, exact: true).Exact!;

        Assert.Equal("refuted", exact.Verdict);
        Assert.NotEmpty(exact.Failures);
    }

    [Fact]
    public void SolveWithExactAttachesTheVerificationOfTheReturnedMeasure()
    {
        var problem = ReferenceData.Problem("r2_duplicates_1d.csv");

        var solution = problem.Solve(0.05, new SolveOptions { Exact = true });

        Assert.Same(solution.Certification.Exact, solution.Exact);
        Assert.Equal("verified", solution.Exact!.Verdict);
    }

    [Fact]
    public void CliCertifyExactOnTheJsonWrittenBySolveReportsVerified()
    {
        var data = ReferenceData.PathOf("r2_duplicates_1d.csv");
        Assert.Equal(0, CliTests.Run("solve", "--data", data, "--lambda", "0.05", "--out", Temp("solution.json")).Code);

        var (code, _, stderr) = CliTests.Run("certify", "--data", data, "--lambda", "0.05", "--measure", Temp("solution.json"), "--exact", "--out", Temp("audit.json"));

        Assert.Equal(0, code);
        Assert.Equal("", stderr);
        var audit = CliTests.ReadJson(Temp("audit.json"));
        Assert.True(audit.GetProperty("certified").GetBoolean());
        var exact = audit.GetProperty("exact");
        Assert.Equal("verified", exact.GetProperty("verdict").GetString());
        Assert.Equal(0, exact.GetProperty("failures").GetArrayLength());
        Assert.False(CliTests.ReadJson(Temp("solution.json")).TryGetProperty("exact", out _));
    }

    [Fact]
    public void CliSolveExactWritesRationalBoundsThatParseAsBigIntegerFractions()
    {
        var (code, _, stderr) = CliTests.Run("solve", "--data", ReferenceData.PathOf("r1_kink_1d.csv"), "--lambda", "0.01", "--exact", "--out", Temp("solution.json"));

        Assert.Equal(0, code);
        Assert.Equal("", stderr);
        var json = CliTests.ReadJson(Temp("solution.json"));
        var exact = json.GetProperty("exact");
        Assert.Equal(
            new[] { "failures", "lower", "lowerDecimal", "upper", "upperDecimal", "verdict" },
            exact.EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal("verified", exact.GetProperty("verdict").GetString());
        var (lp, lq) = Fraction(exact.GetProperty("lower").GetString()!);
        var (up, uq) = Fraction(exact.GetProperty("upper").GetString()!);
        Assert.True(lp * uq <= up * lq);
        var objective = json.GetProperty("objective").GetDouble();
        Assert.True(Decimal(exact.GetProperty("lowerDecimal").GetString()!) <= objective + 1e-12);
        Assert.True(Decimal(exact.GetProperty("upperDecimal").GetString()!) >= objective - 1e-9);
    }

    [Fact]
    public void CliCertifyExactTableShowsTheVerdictAndTheEnclosure()
    {
        var data = ReferenceData.PathOf("r1_kink_1d.csv");
        Assert.Equal(0, CliTests.Run("solve", "--data", data, "--lambda", "0.01", "--out", Temp("solution.json")).Code);

        var (code, stdout, _) = CliTests.Run("certify", "--data", data, "--lambda", "0.01", "--measure", Temp("solution.json"), "--exact");

        Assert.Equal(0, code);
        Assert.Contains("exact rational verification", stdout);
        Assert.Contains("verified", stdout);
        Assert.Contains("J* ∈", stdout);
    }

    private static (double Lower, double Upper) ReferenceBounds(string file)
    {
        foreach (var row in ReferenceData.SolveCases())
        {
            if ((string)row[0] == file)
            {
                return ((double)row[3], (double)row[4]);
            }
        }
        throw new InvalidOperationException($"no reference case for {file}");
    }
}
