namespace TvRelu;

/// <summary>The optimiser of finite-width training (THEORY.md §1, §7).</summary>
public enum TrainingOptimizer
{
    /// <summary>Full-batch gradient descent on ½‖f(X) − y‖² + (λ/2) Σ_j (c_j² + ‖(w_j, b_j)‖²).</summary>
    GradientDescent,

    /// <summary>Adam (β₁ = 0.9, β₂ = 0.999, ε = 1e-8) on the same objective, weight decay inside the gradient.</summary>
    Adam,

    /// <summary>SGD with label noise: fresh Gaussian noise of standard deviation <see cref="TrainOptions.Noise"/> on the labels at every step (THEORY.md §7 (ii)).</summary>
    LabelNoise,
}

/// <summary>How the weights are drawn at the start.</summary>
public enum InitialisationRegime
{
    /// <summary>Fan-in Gaussians times the scale: θ_j ~ N(0, I/(d+1)), c_j ~ N(0, 1/m).</summary>
    Standard,

    /// <summary>Balanced small weights: θ_j uniform on the sphere times the scale, c_j = ±scale.</summary>
    Small,
}

/// <summary>Why training stopped.</summary>
public enum TrainingStopReason
{
    /// <summary>The objective changed by less than the relative tolerance for <see cref="TrainOptions.Patience"/> epochs in a row, or no step decreased it.</summary>
    ObjectiveStalled,

    /// <summary>The gradient's norm fell below the gradient tolerance.</summary>
    GradientVanished,

    /// <summary>The epoch budget ran out.</summary>
    MaxEpochsReached,

    /// <summary>The objective became infinite or NaN: the step size is too large.</summary>
    Diverged,
}

/// <summary>
/// Settings of <see cref="TvReluProblem.Train"/>. The defaults: gradient descent with Armijo
/// backtracking from the standard initialisation scaled by 0.1, at most 20 000 epochs.
/// </summary>
public sealed record TrainOptions
{
    private static readonly TvRelu.Core.Training.TrainingOptions CoreTraining = TvRelu.Core.Training.TrainingOptions.Default;
    private static readonly TvRelu.Core.Training.StoppingRule CoreStopping = TvRelu.Core.Training.StoppingRule.Default;
    private static readonly TvRelu.Core.Training.ClusterOptions CoreClusters = TvRelu.Core.Training.ClusterOptions.Default;

    /// <summary>The default settings.</summary>
    public static TrainOptions Default { get; } = new();

    /// <summary>The optimiser.</summary>
    public TrainingOptimizer Optimizer { get; init; } = TrainingOptimizer.GradientDescent;

    /// <summary>
    /// The step size; <c>null</c> for backtracking (gradient descent), 1e-3 (Adam) or 1e-2 (label noise).
    /// </summary>
    public double? LearningRate { get; init; }

    /// <summary>When set, the step decays as rate / (1 + t / LearningRateDecay) at epoch t (not with backtracking).</summary>
    public double? LearningRateDecay { get; init; }

    /// <summary>Standard deviation of the label noise (label-noise SGD only).</summary>
    public double Noise { get; init; } = 0.1;

    /// <summary>Mini-batch size for label-noise SGD; <c>null</c> for the full batch.</summary>
    public int? BatchSize { get; init; }

    /// <summary>The initialisation regime.</summary>
    public InitialisationRegime Initialisation { get; init; } = InitialisationRegime.Standard;

    /// <summary>
    /// The initialisation scale. 0.1 by default: with weight decay the penalty starts near λ m scale² / 2, and at
    /// scale 1 and width 1000 gradient descent spends most of its epochs shedding it.
    /// </summary>
    public double InitialisationScale { get; init; } = 0.1;

    /// <summary>The seed of the initialisation (and of the label noise).</summary>
    public int Seed { get; init; }

    /// <summary>The epoch budget.</summary>
    public int MaxEpochs { get; init; } = CoreStopping.MaxEpochs;

    /// <summary>Stop when the relative change of the objective stays below this for <see cref="Patience"/> epochs.</summary>
    public double RelativeTolerance { get; init; } = CoreStopping.RelativeTolerance;

    /// <summary>Epochs in a row the relative change must stay below the tolerance.</summary>
    public int Patience { get; init; } = CoreStopping.Patience;

    /// <summary>Stop when the gradient's norm is at most this.</summary>
    public double GradientTolerance { get; init; } = CoreStopping.GradientTolerance;

    /// <summary>A history entry every this many epochs.</summary>
    public int HistoryEvery { get; init; } = CoreTraining.HistoryEvery;

    /// <summary>The certified gap every this many epochs in the history (0: only at the end).</summary>
    public int CertifyEvery { get; init; } = CoreTraining.CertifyEvery;

    /// <summary>Neurons whose directions are within this angle (radians) and have the same output sign form one cluster.</summary>
    public double ClusterAngleTolerance { get; init; } = CoreClusters.AngleTolerance;

    /// <summary>Neurons carrying at most this fraction of the total mass Σ_j |c_j| ‖(w_j, b_j)‖ are left out of the clusters.</summary>
    public double ClusterMassTolerance { get; init; } = CoreClusters.MassTolerance;
}

/// <summary>One neuron x ↦ c · max(⟨w, x⟩ + b, 0).</summary>
/// <param name="InputWeights">w ∈ R^d.</param>
/// <param name="Bias">b.</param>
/// <param name="OutputWeight">c.</param>
public sealed record Neuron(IReadOnlyList<double> InputWeights, double Bias, double OutputWeight);

/// <summary>A two-layer ReLU network Σ_j c_j max(⟨w_j, x⟩ + b_j, 0).</summary>
/// <param name="Neurons">The neurons.</param>
public sealed record TrainedNetwork(IReadOnlyList<Neuron> Neurons)
{
    /// <summary>The width m.</summary>
    public int Width => Neurons.Count;

    /// <summary>f(x) = Σ_j c_j max(⟨w_j, x⟩ + b_j, 0).</summary>
    /// <param name="x">An input of d numbers.</param>
    /// <returns>f(x).</returns>
    public double Evaluate(IReadOnlyList<double> x)
    {
        ArgumentNullException.ThrowIfNull(x);
        var sum = 0.0;
        foreach (var n in Neurons)
        {
            if (n.InputWeights.Count != x.Count)
            {
                throw new TvReluInputException($"the input has {x.Count} numbers but the network takes d = {n.InputWeights.Count}", nameof(x));
            }
            var z = n.Bias;
            for (var k = 0; k < x.Count; k++)
            {
                z += n.InputWeights[k] * x[k];
            }
            sum += n.OutputWeight * Math.Max(z, 0.0);
        }
        return sum;
    }
}

/// <summary>Neurons grouped into one atom: same output sign, directions within the angle tolerance.</summary>
/// <param name="Direction">The mass-weighted mean unit direction (w, b) of the members.</param>
/// <param name="Amplitude">Σ c_j ‖(w_j, b_j)‖ over the members.</param>
/// <param name="Neurons">The number of members.</param>
/// <param name="Spread">The largest angle (radians) between a member and the heaviest member.</param>
public sealed record NeuronCluster(IReadOnlyList<double> Direction, double Amplitude, int Neurons, double Spread);

/// <summary>One point of the training history.</summary>
/// <param name="Epoch">The epoch (0 is the initialisation).</param>
/// <param name="Objective">½‖f(X) − y‖² + (λ/2) Σ_j (c_j² + ‖(w_j, b_j)‖²), clean labels.</param>
/// <param name="RebalancedObjective">½‖f(X) − y‖² + λ Σ_j |c_j| ‖(w_j, b_j)‖: the objective after rebalancing, ≥ J of the network's measure.</param>
/// <param name="GradientNorm">The norm of the objective's gradient.</param>
/// <param name="LearningRate">The step size in use.</param>
/// <param name="Gap">The certified gap of the network's measure (exact supremum) when it was computed at this epoch, else <c>null</c>.</param>
public sealed record TrainingHistoryEntry(int Epoch, double Objective, double RebalancedObjective, double GradientNorm, double LearningRate, double? Gap);

/// <summary>A progress report of a training run.</summary>
/// <param name="Epoch">Epochs done.</param>
/// <param name="MaxEpochs">The budget.</param>
/// <param name="Objective">The current training objective.</param>
public sealed record TrainingProgress(int Epoch, int MaxEpochs, double Objective);

/// <summary>
/// A trained network, certified against the exact solution: its measure's objective, certified gap and
/// exact certificate supremum (THEORY.md §2), J*, and its clusters next to |Σ| (§7 (i)).
/// </summary>
public sealed record TrainingResult
{
    /// <summary>The trained network (raw weights, not rebalanced): the best iterate (lowest training objective) for gradient descent and Adam, the last for label-noise SGD.</summary>
    public required TrainedNetwork Network { get; init; }

    /// <summary>The network's measure Σ_j c_j ‖θ_j‖ δ_{θ_j/‖θ_j‖} (THEORY.md §1).</summary>
    public required Measure Measure { get; init; }

    /// <summary>J(μ), the certified gap and the exact sup |η| of the network's measure.</summary>
    public required CertificationReport Certification { get; init; }

    /// <summary>J(μ), from <see cref="Certification"/>.</summary>
    public double Objective => Certification.Objective;

    /// <summary>The certified gap of the network's measure, from <see cref="Certification"/>.</summary>
    public double Gap => Certification.Gap;

    /// <summary>The final training objective with the raw weights (≥ <see cref="RebalancedObjective"/> ≥ <see cref="Objective"/> ≥ J*).</summary>
    public required double TrainingObjective { get; init; }

    /// <summary>The objective after the optimal rebalancing of every neuron.</summary>
    public required double RebalancedObjective { get; init; }

    /// <summary>J* from the exact solver.</summary>
    public required double OptimalObjective { get; init; }

    /// <summary>J(μ) − J*.</summary>
    public double Excess => Objective - OptimalObjective;

    /// <summary>The exact solver's minimiser, for comparison.</summary>
    public required Measure OptimalMeasure { get; init; }

    /// <summary>The neurons grouped into atoms.</summary>
    public required IReadOnlyList<NeuronCluster> Clusters { get; init; }

    /// <summary>|Σ| of the exact solution: the bound the number of clusters is compared with. Null when Σ is not known (a
    /// branch-and-bound reference solve that is not certified, or whose search for Σ ran out of budget).</summary>
    public required int? SaturationPoints { get; init; }

    /// <summary>Whether the reference solve behind <see cref="OptimalObjective"/> is certified (when not, J* is only its
    /// objective, an upper bound on the optimum, and <see cref="Excess"/> may be negative).</summary>
    public required bool OptimalCertified { get; init; }

    /// <summary>Epochs run.</summary>
    public required int Epochs { get; init; }

    /// <summary>Why training stopped.</summary>
    public required TrainingStopReason StopReason { get; init; }

    /// <summary>The history, every <see cref="TrainOptions.HistoryEvery"/> epochs and at the last.</summary>
    public required IReadOnlyList<TrainingHistoryEntry> History { get; init; }

    /// <summary>Training time in seconds (certification excluded).</summary>
    public required double Seconds { get; init; }
}

/// <summary>Settings of the sliding Frank–Wolfe solvers (<see cref="TvReluProblem.SlidingFrankWolfe"/>, <see cref="TvReluProblem.SolveWeighted"/>).</summary>
public sealed record FrankWolfeOptions
{
    private static readonly TvRelu.Core.Solver.FrankWolfeOptions CoreFrankWolfe = TvRelu.Core.Solver.FrankWolfeOptions.Default;

    /// <summary>The default settings.</summary>
    public static FrankWolfeOptions Default { get; } = new();

    /// <summary>Certified-gap tolerance; <c>null</c> for max(1e-9 · J, 1e-13 · ½‖y‖²).</summary>
    public double? Tolerance { get; init; }

    /// <summary>Rounds before giving up; the result is then reported as not certified, never as optimal.</summary>
    public int MaxRounds { get; init; } = CoreFrankWolfe.MaxRounds;

    /// <summary>Newton iterations of the sliding step per round.</summary>
    public int SlideIterations { get; init; } = CoreFrankWolfe.SlideIterations;
}

/// <summary>
/// A measure from one of the solvers next to <see cref="TvReluProblem.Solve"/>: sliding Frank–Wolfe, the
/// weighted-TV solver or the fixed-grid baseline, with its certification. For
/// <see cref="TvReluProblem.SolveWeighted"/> the certification is that of the weighted problem: its
/// objective is ½‖Kν − y‖² + λ ∫ ω d|ν| and its supremum that of |⟨q, φ(θ)⟩| / (λ ω(θ)).
/// </summary>
public sealed record AuditedSolution
{
    /// <summary>The measure found.</summary>
    public required Measure Measure { get; init; }

    /// <summary>Its objective, dual bound, certified gap and exact certificate supremum.</summary>
    public required CertificationReport Certification { get; init; }

    /// <summary>The objective, from <see cref="Certification"/>.</summary>
    public double Objective => Certification.Objective;

    /// <summary>The certified gap, from <see cref="Certification"/>.</summary>
    public double Gap => Certification.Gap;

    /// <summary>Whether the gap is below the tolerance, from <see cref="Certification"/>.</summary>
    public bool Certified => Certification.Certified;

    /// <summary>Rounds used (Frank–Wolfe rounds, or working-set rounds of the grid baseline).</summary>
    public required int Rounds { get; init; }

    /// <summary>Wall time in seconds (region enumeration excluded).</summary>
    public required double Seconds { get; init; }
}
