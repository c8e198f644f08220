namespace TvRelu.Tests;

/// <summary>The façade's training, sliding Frank–Wolfe and weighted-TV methods (issue 5).</summary>
public class TrainingFacadeTests
{
    private static readonly TrainOptions Short = new() { MaxEpochs = 300, CertifyEvery = 100 };

    [Fact]
    public void TrainingIsCertifiedAgainstTheExactOptimum()
    {
        var problem = ReferenceData.Problem("r3_teacher_2d.csv");
        var reports = new List<TrainingProgress>();

        var result = problem.Train(0.02, 20, Short, new Collector(reports));

        Assert.Equal(20, result.Network.Width);
        Assert.True(result.Objective >= result.OptimalObjective - 1e-9, $"J(μ) = {result.Objective} below J* = {result.OptimalObjective}");
        Assert.True(result.Excess <= result.Gap + 1e-9);
        Assert.True(result.TrainingObjective >= result.RebalancedObjective - 1e-12);
        Assert.True(result.RebalancedObjective >= result.Objective - 1e-12);
        Assert.Equal(problem.Solve(0.02).Objective, result.OptimalObjective, 12);
        Assert.Equal(0, result.History[0].Epoch);
        Assert.Equal(result.Epochs, result.History[^1].Epoch);
        Assert.NotNull(result.History[^1].Gap);
        Assert.Contains(result.History, h => h.Epoch == 100 && h.Gap is not null);
        Assert.NotEmpty(reports);
        Assert.Equal(result.Epochs, reports[^1].Epoch);
        // The network and its measure compute the same function.
        var x = problem.Inputs[0];
        Assert.Equal(result.Network.Evaluate(x), result.Measure.Evaluate(x), 10);
    }

    [Fact]
    public void SlidingFrankWolfeAgreesWithTheExactSolver()
    {
        var problem = ReferenceData.Problem("r1_kink_1d.csv");

        var fw = problem.SlidingFrankWolfe(0.01);
        var exact = problem.Solve(0.01);

        Assert.True(fw.Certified);
        Assert.Equal(exact.Objective, fw.Objective, 8);
        Assert.Equal(exact.Measure.Atoms.Count, fw.Measure.Atoms.Count);
    }

    [Fact]
    public void TheWeightedProblemIsSolvedToACertifiedGap()
    {
        var problem = ReferenceData.Problem("r2_duplicates_1d.csv");

        var solution = problem.SolveWeighted(0.05);

        Assert.True(solution.Certified, $"gap {solution.Gap}");
        Assert.Equal(solution.Objective, 0.5 * solution.Certification.Residual.Sum(r => r * r) + 0.05 * problem.WeightedTotalVariation(solution.Measure), 12);
        Assert.True(solution.Certification.CertificateSup <= 1 + 1e-6);
    }

    [Fact]
    public void TheLabelNoisePenaltyOfARebalancedNetworkIsItsWeightedTotalVariation()
    {
        var problem = ReferenceData.Problem("r1_kink_1d.csv");
        // A one-neuron network with |c| balanced against the weight: R = 2|c|‖θ‖√(A(θ̂)B(θ̂))/N only at the best scale,
        // so check the inequality R ≥ ∫ω d|ν| that holds at every scale.
        var network = new TrainedNetwork([new Neuron([1.0], -0.2, 0.7), new Neuron([-2.0], 0.5, -0.3)]);
        var measure = Measure.FromAtoms(2, [new Atom([1.0, -0.2], 0.7), new Atom([-2.0, 0.5], -0.3)]);

        Assert.True(problem.LabelNoisePenalty(network) >= problem.WeightedTotalVariation(measure) - 1e-12);
    }

    [Fact]
    public void TheGridBaselineIsAuditedExactly()
    {
        var problem = ReferenceData.Problem("r1_kink_1d.csv");

        var grid = problem.GridLasso(0.01, 400);

        Assert.True(grid.Certification.Objective >= problem.Solve(0.01).Objective - 1e-9);
    }

    [Fact]
    public void BadTrainingInputIsRefusedWithAMessage()
    {
        var problem = ReferenceData.Problem("r1_kink_1d.csv");

        Assert.Contains("width", Assert.Throws<TvReluInputException>(() => problem.Train(0.01, 0)).Message);
        Assert.Contains("epochs", Assert.Throws<TvReluInputException>(() => problem.Train(0.01, 5, new TrainOptions { MaxEpochs = 0 })).Message);
        Assert.Contains("λ", Assert.Throws<TvReluInputException>(() => problem.Train(-1, 5)).Message);
        Assert.Contains("decay", Assert.Throws<TvReluInputException>(() => problem.Train(0.01, 5, new TrainOptions { LearningRateDecay = 10 })).Message);
        Assert.Contains("batch", Assert.Throws<TvReluInputException>(() => problem.Train(0.01, 5, new TrainOptions { Optimizer = TrainingOptimizer.LabelNoise, BatchSize = 99 })).Message);
        Assert.Contains("MaxRounds", Assert.Throws<TvReluInputException>(() => problem.SlidingFrankWolfe(0.01, new FrankWolfeOptions { MaxRounds = 0 })).Message);
    }

    private sealed class Collector(List<TrainingProgress> into) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => into.Add(value);
    }

    [Fact]
    public void CompareAuditsEveryMethodAgainstTheCertifiedOptimum()
    {
        var problem = ReferenceData.Problem("r1_kink_1d.csv");
        var options = new CompareOptions { Widths = [5, 20], Epochs = 200, GridSize = 100 };

        var comparison = problem.Compare(0.01, options);

        Assert.Equal(["exact", "sliding Frank–Wolfe", "GD, m = 5", "GD, m = 20", "grid LASSO, 100"], comparison.Rows.Select(r => r.Method));
        var exact = comparison.Rows[0];
        Assert.True(exact.Certified);
        Assert.Equal(exact.Objective, comparison.OptimalObjective);
        // No method's measure beats the certified optimum by more than the exact solver's gap (THEORY.md §2),
        // and each excess is certified by its own gap.
        foreach (var row in comparison.Rows.Skip(1))
        {
            Assert.Equal(row.Objective - comparison.OptimalObjective, row.Excess, 12);
            Assert.True(row.Excess >= -exact.Gap, $"{row.Method}: J − J* = {row.Excess} below −gap* = {-exact.Gap}");
            Assert.True(row.Excess <= row.Gap + exact.Gap, $"{row.Method}: J − J* = {row.Excess} above its gap {row.Gap}");
        }
        Assert.Equal(5, comparison.Rows[2].Neurons);
        Assert.Throws<TvReluInputException>(() => problem.Compare(0.01, options with { GridSize = 0 }));
    }
}
