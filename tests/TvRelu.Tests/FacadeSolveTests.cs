using TvRelu.TestSupport;

namespace TvRelu.Tests;

/// <summary>The façade's solver and auditing against the independent reference values.</summary>
public class FacadeSolveTests
{
    [Theory]
    [MemberData(nameof(ReferenceData.SolveCases), MemberType = typeof(ReferenceData))]
    public void SolveMatchesTheIndependentObjectiveBoundsAndIsCertified(string file, double lambda, int cellsWithActive, double lower, double upper)
    {
        var problem = ReferenceData.Problem(file);

        var solution = problem.Solve(lambda);

        Assert.True(solution.Certified, $"{file}: gap {solution.Gap} above tolerance {solution.Certification.Tolerance}");
        Assert.InRange(solution.Objective, lower - 1e-9, upper + 1e-9);
        Assert.Equal(cellsWithActive, solution.CellsWithActiveNeurons);
        Assert.True(solution.Certification.CertificateSup <= 1 + 1e-6, $"sup |η| = {solution.Certification.CertificateSup}");
        Assert.InRange(solution.Gap, 0.0, solution.Certification.Tolerance);
        Assert.Equal(lambda, solution.Lambda);
        Assert.Equal(problem.DataPoints, solution.DataPoints);
        Assert.Equal(problem.Dimension, solution.Dimension);
    }

    [Theory]
    [MemberData(nameof(ReferenceData.SolveCases), MemberType = typeof(ReferenceData))]
    public void TheSupportLiesInTheSaturationSetWithMatchingSigns(string file, double lambda, int cellsWithActive, double lower, double upper)
    {
        _ = (cellsWithActive, lower, upper);
        var solution = ReferenceData.Problem(file).Solve(lambda);

        Assert.NotEmpty(solution.Measure.Atoms);
        foreach (var atom in solution.Measure.Atoms)
        {
            Assert.Equal(1.0, Norm(atom.Direction), 12);
            Assert.Contains(solution.Saturation, p =>
                p.Sign == Math.Sign(atom.Amplitude) && Distance(p.Direction, atom.Direction) <= 1e-6);
        }
        Assert.Equal(solution.Saturation.Count, solution.Bounds.SaturationPoints);
        Assert.True(solution.Bounds.SaturationPoints <= solution.Bounds.TwiceActiveCells);
        Assert.Equal(2 * solution.CellsWithActiveNeurons, solution.Bounds.TwiceActiveCells);
        Assert.Null(solution.Bounds.Faces);
    }

    [Fact]
    public void CertifyingTheSolversMeasureAgreesWithTheSolver()
    {
        var problem = ReferenceData.Problem("r1_kink_1d.csv");
        var solution = problem.Solve(0.01);

        var report = problem.Certify(solution.Measure, 0.01);

        Assert.True(report.Certified);
        Assert.Equal(solution.Objective, report.Objective, 12);
        Assert.Equal(solution.Measure.TotalVariation, report.TotalVariation, 12);
    }

    [Fact]
    public void APerturbedMeasureIsNotCertifiedAndItsGapCoversItsExcess()
    {
        var problem = ReferenceData.Problem("r1_kink_1d.csv");
        var solution = problem.Solve(0.01);
        var perturbed = Measure.FromAtoms(2, solution.Measure.Atoms.Select(a => a with { Amplitude = a.Amplitude * 1.05 }));

        var report = problem.Certify(perturbed, 0.01);

        Assert.False(report.Certified);
        Assert.True(report.Objective > solution.Objective);
        // J(μ) − J* ≤ gap, with J* ≥ the solver's dual bound.
        Assert.True(report.Gap >= report.Objective - solution.Objective - 1e-12);
    }

    [Fact]
    public void TheCertificateOfTheOptimalResidualIsFeasibleAndSaturatesOnTheSupport()
    {
        var problem = ReferenceData.Problem("r3_teacher_2d.csv");
        var solution = problem.Solve(0.02);

        var certificate = problem.CertificateOf(solution.Residual.ToArray(), 0.02);

        Assert.True(certificate.SupremumAbs <= 1 + 1e-6);
        Assert.InRange(certificate.Infimum.Value, -1 - 1e-6, 0.0);
        foreach (var extremum in new[] { certificate.Supremum, certificate.Infimum })
        {
            Assert.Equal(1.0, Norm(extremum.Argument), 9);
            Assert.Equal(extremum.Value, certificate.Evaluate(extremum.Argument), 9);
        }
        foreach (var atom in solution.Measure.Atoms)
        {
            Assert.Equal(Math.Sign(atom.Amplitude), certificate.Evaluate(atom.Direction), 6);
        }
        Assert.Equal(solution.Saturation.Count, certificate.Saturation().Count);
    }

    [Fact]
    public void NoSampledDirectionExceedsTheExactSupremum()
    {
        var problem = ReferenceData.Problem("r5_random_3d.csv");
        var random = new Random(7);
        var dual = Enumerable.Range(0, problem.DataPoints).Select(_ => random.NextDouble() - 0.5).ToArray();
        var certificate = problem.CertificateOf(dual, 0.3);

        for (var k = 0; k < 5000; k++)
        {
            var theta = Enumerable.Range(0, 4).Select(_ => Gaussian(random)).ToArray();
            var scale = 1 / Norm(theta);
            var eta = certificate.Evaluate(theta.Select(t => t * scale).ToArray());
            Assert.InRange(eta, certificate.Infimum.Value - 1e-12, certificate.Supremum.Value + 1e-12);
        }
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(1.5)]
    [InlineData(100.0)]
    public void LambdaAtOrAboveLambdaMaxGivesTheZeroMeasureCertified(double factor)
    {
        var problem = ReferenceData.Problem("r1_kink_1d.csv");
        var lambdaMax = problem.LambdaMax;
        Assert.True(lambdaMax > 0);

        var solution = problem.Solve(lambdaMax * factor);

        Assert.True(solution.Certified);
        Assert.Empty(solution.Measure.Atoms);
        Assert.Equal(0.0, solution.Measure.TotalVariation);
        Assert.Equal(0.5 * problem.Labels.Sum(y => y * y), solution.Objective, 12);
    }

    [Fact]
    public void BelowLambdaMaxTheMeasureIsNotZero()
    {
        var problem = ReferenceData.Problem("r1_kink_1d.csv");

        var solution = problem.Solve(problem.LambdaMax * 0.9);

        Assert.True(solution.Certified);
        Assert.NotEmpty(solution.Measure.Atoms);
    }

    [Theory]
    [InlineData("r1_kink_1d.csv")]
    [InlineData("r4_collinear_2d.csv")]
    public void ThePathIsCertifiedAndMonotoneInTotalVariation(string file)
    {
        var problem = ReferenceData.Problem(file);
        var lambdaMax = problem.LambdaMax;
        var lambdas = new[] { 0.005, 0.5, 0.02, 0.1, 0.01, 1.2, 0.05, 0.2 }.Select(f => f * lambdaMax).ToArray();

        var path = problem.SolvePath(lambdas);

        Assert.Equal(lambdas.Length, path.Count);
        Assert.All(path, s => Assert.True(s.Certified, $"λ = {s.Lambda}: gap {s.Gap}"));
        var byLambda = path.OrderBy(s => s.Lambda).ToArray();
        Assert.Equal(lambdas.Order(), byLambda.Select(s => s.Lambda));
        for (var i = 1; i < byLambda.Length; i++)
        {
            var (smaller, larger) = (byLambda[i - 1], byLambda[i]);
            Assert.True(
                larger.Measure.TotalVariation <= smaller.Measure.TotalVariation + Accuracy.Of(1e-7, smaller.Measure.TotalVariation),
                $"TV {larger.Measure.TotalVariation} at λ = {larger.Lambda} exceeds TV {smaller.Measure.TotalVariation} at λ = {smaller.Lambda}");
        }
        Assert.Empty(byLambda[^1].Measure.Atoms);
    }

    [Fact]
    public void ThePathAgreesWithSeparateSolves()
    {
        var problem = ReferenceData.Problem("r2_duplicates_1d.csv");
        var lambdas = new[] { 0.2, 0.05, 0.01 };

        var path = problem.SolvePath(lambdas);

        foreach (var s in path)
        {
            Assert.Equal(problem.Solve(s.Lambda).Objective, s.Objective, 9);
        }
    }

    [Fact]
    public void FromArraysAndFromCsvGiveTheSameProblem()
    {
        var fromCsv = ReferenceData.Problem("r4_collinear_2d.csv");
        var inputs = fromCsv.Inputs;
        var x = new double[inputs.Count, 2];
        for (var i = 0; i < inputs.Count; i++)
        {
            x[i, 0] = inputs[i][0];
            x[i, 1] = inputs[i][1];
        }
        var fromArrays = TvReluProblem.FromArrays(x, fromCsv.Labels.ToArray());

        Assert.Equal(fromCsv.Solve(0.05).Measure, fromArrays.Solve(0.05).Measure);
    }

    [Fact]
    public void ACountedFaceBoundIsReported()
    {
        var solution = ReferenceData.Problem("r4_collinear_2d.csv").Solve(0.05, new SolveOptions { CountFaces = true });

        Assert.NotNull(solution.Bounds.Faces);
        Assert.True(solution.Bounds.SaturationPoints <= solution.Bounds.Faces);
    }

    [Fact]
    public void ATightRoundBudgetIsReportedAsNotCertifiedRatherThanOptimal()
    {
        var solution = ReferenceData.Problem("r5_random_3d.csv").Solve(0.1, new SolveOptions { MaxRounds = 1, ColumnsPerRound = 1 });

        Assert.False(solution.Certified);
        Assert.True(solution.Gap > solution.Certification.Tolerance);
        // Σ of a residual that need not be optimal decides nothing: uniqueness is unknown, as under branch and bound,
        // not a verdict on the wrong Σ.
        Assert.Equal("enumeration", solution.Certification.Method);
        Assert.False(solution.Uniqueness.Known);
        Assert.Contains("not certified", solution.Uniqueness.Reason);
        Assert.False(solution.SaturationKnown);
    }

    [Fact]
    public void FewerPointsThanDimensionsPlusOneAreSolvedAndCertified()
    {
        // N = 2 < d + 1 = 4: the inputs span only an affine line, every region contains a line.
        var problem = TvReluProblem.FromArrays(new double[,] { { 0, 1, 2 }, { 1, -1, 0.5 } }, [1.0, -0.5]);

        var solution = problem.Solve(0.01);

        Assert.True(solution.Certified);
        // With so few points an exact fit costs little: the residual is of the order of λ.
        Assert.All(solution.Residual, r => Assert.True(Math.Abs(r) < 0.1));
    }

    [Fact]
    public void AConstantLabelIsFittedAndCertified()
    {
        var problem = TvReluProblem.FromArrays(new double[,] { { -1 }, { 0 }, { 0.5 }, { 2 } }, [3.0, 3.0, 3.0, 3.0]);

        var solution = problem.Solve(0.05);

        Assert.True(solution.Certified);
        // The constant is a neuron θ = (0, 1) with amplitude 3 (TV 3), or cheaper combinations; either
        // way f_μ is close to 3 at every data point.
        Assert.All(problem.Inputs, x => Assert.Equal(3.0, solution.Measure.Evaluate(x), 1));
        Assert.True(solution.Objective <= 0.05 * 3.0 + 1e-9);
    }

    internal static double Norm(IReadOnlyList<double> v) => Math.Sqrt(v.Sum(x => x * x));

    private static double Distance(IReadOnlyList<double> a, IReadOnlyList<double> b) =>
        Math.Sqrt(a.Zip(b, (p, q) => (p - q) * (p - q)).Sum());

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
