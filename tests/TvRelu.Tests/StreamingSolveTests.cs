using System.Globalization;
using System.Text.Json;

namespace TvRelu.Tests;

/// <summary>
/// Solves and certificates by the streaming pass (issue 13, "column generation on top"): column generation priced by
/// one streaming pass per round, so the regions are never stored. Independent oracles: the reference objective bounds,
/// the stored solver's certified objective (two certified objectives differ by at most the sum of their gaps), random
/// directions (never above the certified supremum), and a memory limit the stored enumeration is refused under.
/// </summary>
public sealed class StreamingSolveTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tvrelu-streaming-solve-tests-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Num(double x) => x.ToString("R", CultureInfo.InvariantCulture);

    private static readonly MethodOptions Streaming = new() { Method = CertificationMethod.Streaming };

    private static (double[,] X, double[] Y) Teacher(int n, int d, int seed) => MethodChoiceTests.Teacher(n, d, seed);

    private static double SampledSupremum(double[,] x, IReadOnlyList<double> q, double lambda, int samples, int seed) =>
        MethodChoiceTests.SampledSupremum(x, q, lambda, samples, seed);

    [Theory]
    [MemberData(nameof(ReferenceData.SolveCases), MemberType = typeof(ReferenceData))]
    public void StreamingSolveMeetsTheReferenceObjectiveBounds(string file, double lambda, int cellsWithActive, double lower, double upper)
    {
        _ = cellsWithActive;
        var problem = ReferenceData.Problem(file).WithMethod(Streaming);

        var solution = problem.Solve(lambda);

        Assert.True(solution.Certified, $"{file}: gap {solution.Gap} above tolerance {solution.Certification.Tolerance}");
        Assert.Equal("streaming", solution.Certification.Method);
        Assert.InRange(solution.Objective, lower - 1e-9, upper + 1e-9);
        Assert.True(solution.Certification.CertificateSup <= 1 + 1e-6, $"sup |η| = {solution.Certification.CertificateSup}");
        // The stored enumeration certifies the streaming solver's measure too.
        Assert.True(ReferenceData.Problem(file).Certify(solution.Measure, lambda).Certified);
        // Every atom lies in the saturation set the streaming pass reports, with its sign.
        foreach (var atom in solution.Measure.Atoms)
        {
            Assert.Contains(solution.Saturation, p =>
                p.Sign == Math.Sign(atom.Amplitude)
                && Math.Sqrt(p.Direction.Zip(atom.Direction, (a, b) => (a - b) * (a - b)).Sum()) <= 1e-6);
        }
    }

    /// <summary>
    /// d = 2, N = 400 (about 160,000 regions) under a memory limit between the two estimates: the stored enumeration is
    /// refused before any work, so the auto method streams, and its certified objective equals the stored solver's (on the
    /// same data without the limit) within the two gaps. Random directions never exceed the certified supremum. The
    /// limited problem's stored regions are built lazily behind the same limit check, so any use of them by the streaming
    /// solve, λ_max or certify would throw: they are never materialised.
    /// </summary>
    [Fact]
    public void AProblemTheStoredEnumerationIsRefusedIsSolvedAndCertifiedByStreaming()
    {
        var (x, y) = Teacher(400, 2, 13);
        var free = TvReluProblem.FromArrays(x, y);
        var storedBytes = free.Estimate(EnumerationMethod.Stored).MemoryBytes;
        var streamingBytes = free.Estimate(EnumerationMethod.Streaming).MemoryBytes;
        Assert.True(storedBytes > 1.5 * streamingBytes, $"stored {storedBytes} B, streaming {streamingBytes} B");
        var limit = Math.Sqrt(storedBytes * streamingBytes);
        var limited = free.WithLimits(new EnumerationLimits { MaxMemoryBytes = limit });

        Assert.Throws<TvReluLimitException>(() => limited.WithMethod(new MethodOptions { Method = CertificationMethod.Enumeration }).Solve(1.0));
        Assert.Equal(CertificationMethod.Streaming, limited.ChosenMethod);
        Assert.Equal("streaming", limited.ChosenMethodName);
        var lambda = 0.01 * limited.LambdaMax;
        Assert.Equal(free.LambdaMax, limited.LambdaMax, 1e-12 * free.LambdaMax);

        var streamed = limited.Solve(lambda);
        var stored = free.Solve(lambda);

        Assert.True(streamed.Certified, $"gap {streamed.Gap} above {streamed.Certification.Tolerance}");
        Assert.Equal("streaming", streamed.Certification.Method);
        Assert.True(stored.Certified);
        Assert.True(
            Math.Abs(streamed.Objective - stored.Objective) <= streamed.Gap + stored.Gap + 1e-12 * stored.Objective,
            $"J = {streamed.Objective} streaming, {stored.Objective} stored");
        var sampled = SampledSupremum(x, streamed.Residual, lambda, 20_000, 3);
        Assert.True(sampled <= streamed.Certification.CertificateSup * (1 + 1e-12), $"sampled {sampled} above {streamed.Certification.CertificateSup}");
        // Certify by the streaming pass agrees with the stored enumeration's certificate of the same measure.
        var byStreaming = limited.Certify(streamed.Measure, lambda);
        var byStored = free.Certify(streamed.Measure, lambda);
        Assert.Equal("streaming", byStreaming.Method);
        Assert.True(byStreaming.Certified && byStored.Certified);
        Assert.Equal(byStored.CertificateSup, byStreaming.CertificateSup, 1e-9);
    }

    [Fact]
    public void TheCommandLineSolvesAndCertifiesByStreamingWhereTheEnumerationIsRefused()
    {
        var (x, y) = Teacher(400, 2, 17);
        var data = Path.Combine(_dir, "teacher.csv");
        File.WriteAllLines(data, Enumerable.Range(0, y.Length).Select(i => $"{Num(x[i, 0])},{Num(x[i, 1])},{Num(y[i])}"));
        var problem = TvReluProblem.FromCsv(data);
        var limit = Math.Sqrt(problem.Estimate(EnumerationMethod.Stored).MemoryBytes * problem.Estimate(EnumerationMethod.Streaming).MemoryBytes);
        var memory = ((long)limit).ToString(CultureInfo.InvariantCulture);

        var (refusedCode, _, refusedErr) = CliTests.Run("solve", "--data", data, "--lambda-ratio", "0.01", "--max-memory", memory, "--method", "enumeration");
        Assert.Equal(2, refusedCode);
        Assert.StartsWith("error:", refusedErr.Trim());
        Assert.Contains("--max-memory", refusedErr);

        var solution = Path.Combine(_dir, "solution.json");
        var (code, _, err) = CliTests.Run("solve", "--data", data, "--lambda-ratio", "0.01", "--max-memory", memory, "--method", "streaming", "--out", solution);
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(File.ReadAllText(solution));
        Assert.Equal("streaming", doc.RootElement.GetProperty("method").GetString());
        Assert.True(doc.RootElement.GetProperty("certified").GetBoolean());

        // `certify` of that solution by the streaming pass, and a node limit refused with the streaming pass.
        var (certifyCode, _, certifyErr) = CliTests.Run("certify", "--data", data, "--measure", solution, "--lambda-ratio", "0.01", "--max-memory", memory, "--method", "streaming");
        Assert.True(certifyCode == 0, certifyErr);
        var (nodeCode, _, nodeErr) = CliTests.Run("solve", "--data", data, "--lambda-ratio", "0.01", "--method", "streaming", "--node-limit", "10");
        Assert.Equal(2, nodeCode);
        Assert.Contains("node limit", nodeErr);
    }

    /// <summary>`--plot` evaluates η on the sphere without stored regions (the certificate's lazy branch-and-bound form).</summary>
    [Fact]
    public void AStreamingSolveIsPlotted()
    {
        var plot = Path.Combine(_dir, "fit.png");
        var (code, stdout, err) = CliTests.Run("solve", "--data", ReferenceData.PathOf("r3_teacher_2d.csv"), "--lambda-ratio", "0.05", "--method", "streaming", "--plot", plot);
        Assert.True(code == 0, err);
        Assert.Contains("streaming", stdout);
        Assert.True(new FileInfo(plot).Length > 1000);
    }
}
