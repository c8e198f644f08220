using System.Collections.Concurrent;
using Microsoft.FSharp.Core;
using CoreClusterOptions = TvRelu.Core.Training.ClusterOptions;
using CoreFrankWolfe = TvRelu.Core.Solver.SlidingFrankWolfe;
using CoreFrankWolfeOptions = TvRelu.Core.Solver.FrankWolfeOptions;
using CoreGridLasso = TvRelu.Core.Solver.GridLasso;
using CoreInitialisation = TvRelu.Core.Training.Initialisation;
using CoreLabelNoise = TvRelu.Core.Training.LabelNoise;
using CoreLearningRate = TvRelu.Core.Training.LearningRate;
using CoreOptimizer = TvRelu.Core.Training.Optimizer;
using CoreSolution = TvRelu.Core.Solver.Solution;
using CoreSolve = TvRelu.Core.Solver.Solve;
using CoreSolverOptions = TvRelu.Core.Solver.SolverOptions;
using CoreStoppingRule = TvRelu.Core.Training.StoppingRule;
using CoreTraining = TvRelu.Core.Training.Training;
using CoreTrainingOptions = TvRelu.Core.Training.TrainingOptions;
using CoreTrainingProgress = TvRelu.Core.Training.TrainingProgress;
using CoreTrainingReference = TvRelu.Core.Training.TrainingReference;
using CoreWeightedTv = TvRelu.Core.Training.WeightedTv;

namespace TvRelu;

// Finite-width training, sliding Frank–Wolfe, the weighted-TV (label-noise) problem and the grid
// baseline (THEORY.md §1, §7), as methods of the problem so that they share its regions.
public sealed partial class TvReluProblem
{
    /// <summary>The exact solutions behind <see cref="Train"/>'s certification, one per λ, computed once.</summary>
    private readonly ConcurrentDictionary<double, Lazy<CoreSolution>> _exact = new();

    /// <summary>The weighted problem's λ_max, once computed (a pure function of the data: a race only computes it twice).</summary>
    private double? _weightedLambdaMax;

    /// <summary>
    /// Trains a two-layer ReLU network of the given width on ½‖f(X) − y‖² + (λ/2) Σ_j (c_j² + ‖(w_j, b_j)‖²)
    /// (THEORY.md §1), or with label noise (§7), and certifies it: the objective of its measure, the exact
    /// certificate supremum, the certified gap, J* from the exact solver, and its clusters next to |Σ|.
    /// </summary>
    /// <param name="lambda">λ &gt; 0, the weight decay (and the TV weight of the certification).</param>
    /// <param name="width">The number of neurons m ≥ 1.</param>
    /// <param name="options">Training settings; <c>null</c> for <see cref="TrainOptions.Default"/>.</param>
    /// <param name="progress">Receives a report every 1/200 of the epoch budget; may be <c>null</c>.</param>
    /// <returns>The trained network and its certification.</returns>
    /// <exception cref="TvReluInputException">λ ≤ 0, width ≤ 0, bad options, or a problem too large to enumerate.</exception>
    public TrainingResult Train(double lambda, int width, TrainOptions? options = null, IProgress<TrainingProgress>? progress = null)
    {
        RequireSolvable(lambda);
        if (width < 1)
        {
            throw new TvReluInputException($"the width must be at least 1 (got {width})", nameof(width));
        }
        options ??= TrainOptions.Default;
        var core = ToCore(options, progress);
        EnsureTrainable(width);
        if (UsesBranchAndBound)
        {
            return TrainByBranchAndBound(lambda, width, core, options);
        }
        var reference = Reference(lambda);
        var run = Guard.InRange(() => CoreTraining.trainOn(FSharpOption<TvRelu.Core.Arrangements.Arrangement>.Some(reference.Arrangement), _data, lambda, width, core));
        var clusterOptions = CoreClusterOptions.Default
            .WithAngleTolerance(options.ClusterAngleTolerance)
            .WithMassTolerance(options.ClusterMassTolerance);
        var certificate = CoreTraining.certify(reference, clusterOptions, run.Network);
        var measure = new Measure(certificate.Measure);
        return new TrainingResult
        {
            Network = TrainingConversions.ToFacade(run.Network),
            Measure = measure,
            Certification = certificate.Assessment.ToFacade(lambda, measure),
            TrainingObjective = certificate.TrainingObjective,
            RebalancedObjective = certificate.RebalancedObjective,
            OptimalObjective = certificate.OptimalObjective,
            OptimalMeasure = new Measure(reference.Exact.Measure),
            OptimalCertified = reference.Exact.Assessment.Certified,
            Clusters = ReadOnly.Map(certificate.Clusters, c => new NeuronCluster(ReadOnly.Copy(c.Direction), c.Amplitude, c.Neurons.Length, c.Spread)),
            SaturationPoints = certificate.SaturationPoints,
            Epochs = run.Epochs,
            StopReason = TrainingConversions.ToFacade(run.Stop),
            History = ReadOnly.Map(run.History, TrainingConversions.ToFacade),
            Seconds = run.Seconds,
        };
    }

    /// <summary>
    /// Solves P_λ by sliding Frank–Wolfe (Denoyelle, Duval, Peyré, Soubies) with an exact linear minimisation
    /// oracle: each round adds the exact argmax of |η| over the sphere, then amplitudes and directions are
    /// refined jointly and zero atoms pruned. It stops only on a certified gap, so it is a second exact solver
    /// next to <see cref="Solve"/>.
    /// </summary>
    /// <param name="lambda">λ &gt; 0.</param>
    /// <param name="options">Settings; <c>null</c> for <see cref="FrankWolfeOptions.Default"/>.</param>
    /// <returns>The measure with its certified gap. Check <see cref="AuditedSolution.Certified"/>: false only if the round budget ran out.</returns>
    /// <exception cref="TvReluInputException">λ ≤ 0, bad options, or a problem too large to enumerate.</exception>
    public AuditedSolution SlidingFrankWolfe(double lambda, FrankWolfeOptions? options = null)
    {
        RequireSolvable(lambda);
        RefuseBranchAndBound("sliding Frank–Wolfe", "its exact oracle maximises |η| over every region of the arrangement");
        var r = Guard.InRange(() => CoreFrankWolfe.onArrangement(_arrangement.Value, _data, lambda, ToCore(options ?? FrankWolfeOptions.Default)));
        return Audited(r.Measure, r.Assessment, lambda, r.Rounds, r.Seconds);
    }

    /// <summary>
    /// Solves the label-noise problem min ½‖Kν − y‖² + λ ∫ ω d|ν| with ω(θ) = (2/N)√(A(θ)B(θ)) (THEORY.md §7)
    /// by sliding Frank–Wolfe with an exact oracle that maximises ⟨θ, v_C⟩ / (c_F √(θᵀG_Fθ)) over every face of
    /// every region. See the README's section on the weighted problem for what carries over from P_λ.
    /// </summary>
    /// <param name="lambda">λ &gt; 0.</param>
    /// <param name="options">Settings; <c>null</c> for <see cref="FrankWolfeOptions.Default"/>.</param>
    /// <returns>The measure with the weighted problem's objective, certified gap and supremum (its
    /// <see cref="CertificationReport.TotalVariation"/> is the plain ‖ν‖_TV; <see cref="WeightedTotalVariation"/> gives ∫ ω d|ν|).</returns>
    /// <exception cref="TvReluInputException">λ ≤ 0, bad options, or a problem too large to enumerate.</exception>
    public AuditedSolution SolveWeighted(double lambda, FrankWolfeOptions? options = null)
    {
        RequireSolvable(lambda);
        RefuseBranchAndBound("the weighted (label-noise) problem", "its exact weighted oracle maximises over every face of every region");
        var r = CoreWeightedTv.onArrangement(_arrangement.Value, _data, lambda, ToCore(options ?? FrankWolfeOptions.Default));
        return Audited(r.Measure, r.Assessment, lambda, r.Rounds, r.Seconds);
    }

    /// <summary>
    /// λ_max of the weighted (label-noise) problem, sup_θ |⟨y, φ(θ)⟩| / ω(θ) over the whole sphere (THEORY.md §7):
    /// its zero measure is optimal exactly for λ ≥ this value. Computed by the exact weighted oracle with q = y.
    /// </summary>
    /// <exception cref="TvReluInputException">The problem is too large to enumerate.</exception>
    public double WeightedLambdaMax
    {
        get
        {
            RefuseBranchAndBound("the weighted (label-noise) λ_max", "its exact weighted oracle maximises over every face of every region");
            return _weightedLambdaMax ??= CoreWeightedTv.supremum(_arrangement.Value, _data, 1.0, _data.Labels).Value;
        }
    }

    /// <summary>
    /// The fixed-grid baseline: the LASSO over a grid of directions on the sphere (equally spaced for d = 1, a
    /// Fibonacci lattice for d = 2, seeded random for d ≥ 3), solved exactly on the grid by a working set, audited exactly.
    /// </summary>
    /// <param name="lambda">λ &gt; 0.</param>
    /// <param name="gridSize">The number of directions, at least 1.</param>
    /// <returns>The grid's measure with its exact certified gap (generally far from certified).</returns>
    /// <exception cref="TvReluInputException">λ ≤ 0, a grid size below 1, or a problem too large to enumerate.</exception>
    public AuditedSolution GridLasso(double lambda, int gridSize)
    {
        RequireSolvable(lambda);
        if (gridSize < 1)
        {
            throw new TvReluInputException($"the grid needs at least one direction (got {gridSize})", nameof(gridSize));
        }
        EnsureGridFits(gridSize);
        RefuseBranchAndBound("the grid LASSO", "its audit computes the exact supremum region by region");
        var grid = CoreGridLasso.directions(Dimension, gridSize, 0);
        var r = Guard.InRange(() => CoreGridLasso.onArrangement(_arrangement.Value, _data, lambda, grid, 10_000));
        return Audited(r.Measure, r.Assessment, lambda, r.Rounds, r.Seconds);
    }

    private static AuditedSolution Audited(TvRelu.Core.Data.Measure core, TvRelu.Core.Certificates.Assessment assessment, double lambda, int rounds, double seconds)
    {
        var measure = new Measure(core);
        return new AuditedSolution { Measure = measure, Certification = assessment.ToFacade(lambda, measure), Rounds = rounds, Seconds = seconds };
    }

    /// <summary>
    /// The label-noise implicit penalty R = (1/N) Σ_i ‖∇_params f(x_i)‖² of a network's raw weights
    /// (THEORY.md §7); after the optimal per-neuron rescaling it equals <see cref="WeightedTotalVariation"/> of
    /// the network's measure.
    /// </summary>
    /// <param name="network">A network on inputs of dimension d.</param>
    /// <returns>R.</returns>
    /// <exception cref="TvReluInputException">The network's input dimension differs from the data's.</exception>
    public double LabelNoisePenalty(TrainedNetwork network) =>
        CoreLabelNoise.penalty(_data, TrainingConversions.ToCore(network, Dimension));

    /// <summary>∫ ω d|ν| = Σ_j |a_j| ω(θ_j) with ω(θ) = (2/N)√(A(θ)B(θ)) (THEORY.md §7).</summary>
    /// <param name="measure">A measure on S^d.</param>
    /// <returns>The weighted total variation.</returns>
    /// <exception cref="TvReluInputException">The measure's dimension differs from d + 1.</exception>
    public double WeightedTotalVariation(Measure measure)
    {
        ArgumentNullException.ThrowIfNull(measure);
        if (measure.AmbientDimension != Dimension + 1)
        {
            throw new TvReluInputException($"the measure's directions have {measure.AmbientDimension} numbers but the data need d + 1 = {Dimension + 1}", nameof(measure));
        }
        return CoreLabelNoise.weightedTotalVariation(_data, measure.Core);
    }

    private CoreTrainingReference Reference(double lambda)
    {
        EnsureTractable();
        var exact = _exact.GetOrAdd(lambda, l => new Lazy<CoreSolution>(() => TvRelu.Core.Solver.CertifiedSolve.onArrangement(_arrangement.Value, _data, l, CoreSolverOptions.Default))).Value;
        return new CoreTrainingReference(_data, lambda, _arrangement.Value, exact);
    }

    private static CoreFrankWolfeOptions ToCore(FrankWolfeOptions options)
    {
        Guard.Tolerance(options.Tolerance, nameof(options.Tolerance));
        TrainingConversions.AtLeast(options.MaxRounds, 1, nameof(options.MaxRounds));
        TrainingConversions.AtLeast(options.SlideIterations, 0, nameof(options.SlideIterations));
        return CoreFrankWolfeOptions.Default
            .WithTolerance(options.Tolerance)
            .WithMaxRounds(options.MaxRounds)
            .WithSlideIterations(options.SlideIterations);
    }

    private CoreTrainingOptions ToCore(TrainOptions o, IProgress<TrainingProgress>? progress)
    {
        TrainingConversions.AtLeast(o.MaxEpochs, 1, "epochs");
        TrainingConversions.AtLeast(o.Patience, 1, nameof(o.Patience));
        TrainingConversions.AtLeast(o.HistoryEvery, 1, nameof(o.HistoryEvery));
        TrainingConversions.AtLeast(o.CertifyEvery, 0, nameof(o.CertifyEvery));
        TrainingConversions.Positive(o.InitialisationScale, nameof(o.InitialisationScale));
        TrainingConversions.NonNegative(o.Noise, nameof(o.Noise));
        TrainingConversions.NonNegative(o.RelativeTolerance, nameof(o.RelativeTolerance));
        TrainingConversions.NonNegative(o.GradientTolerance, nameof(o.GradientTolerance));
        TrainingConversions.Positive(o.ClusterAngleTolerance, nameof(o.ClusterAngleTolerance));
        TrainingConversions.NonNegative(o.ClusterMassTolerance, nameof(o.ClusterMassTolerance));
        if (o.BatchSize is { } b && (b < 1 || b > DataPoints))
        {
            throw new TvReluInputException($"the batch size must be between 1 and N = {DataPoints} (got {b})", nameof(o.BatchSize));
        }
        var optimizer = o.Optimizer switch
        {
            TrainingOptimizer.GradientDescent => CoreOptimizer.GradientDescent,
            TrainingOptimizer.Adam => CoreOptimizer.Adam,
            TrainingOptimizer.LabelNoise => CoreOptimizer.NewLabelNoiseSgd(o.Noise),
            _ => throw new TvReluInputException($"unknown optimizer {o.Optimizer}", nameof(o.Optimizer)),
        };
        var rate = o.LearningRate ?? o.Optimizer switch
        {
            TrainingOptimizer.Adam => 1e-3,
            TrainingOptimizer.LabelNoise => 1e-2,
            _ => double.NaN,
        };
        CoreLearningRate schedule;
        if (double.IsNaN(rate))
        {
            if (o.LearningRateDecay is not null)
            {
                throw new TvReluInputException("a learning-rate decay needs a learning rate: backtracking chooses its own steps", nameof(o.LearningRateDecay));
            }
            schedule = CoreLearningRate.Backtracking;
        }
        else
        {
            TrainingConversions.Positive(rate, "learning rate");
            if (o.LearningRateDecay is { } t)
            {
                TrainingConversions.Positive(t, nameof(o.LearningRateDecay));
                schedule = CoreLearningRate.NewInverseTimeDecay(rate, t);
            }
            else
            {
                schedule = CoreLearningRate.NewConstant(rate);
            }
        }
        var init = o.Initialisation == InitialisationRegime.Small
            ? CoreInitialisation.NewSmall(o.InitialisationScale)
            : CoreInitialisation.NewStandard(o.InitialisationScale);
        var stopping = CoreStoppingRule.Default
            .WithMaxEpochs(o.MaxEpochs)
            .WithRelativeTolerance(o.RelativeTolerance)
            .WithPatience(o.Patience)
            .WithGradientTolerance(o.GradientTolerance);
        return CoreTrainingOptions.Default
            .WithOptimizer(optimizer)
            .WithLearningRate(schedule)
            .WithInitialisation(init)
            .WithSeed(o.Seed)
            .WithStopping(stopping)
            .WithBatchSize(o.BatchSize)
            .WithHistoryEvery(o.HistoryEvery)
            .WithCertifyEvery(o.CertifyEvery)
            .WithProgress(progress is null ? null : p => progress.Report(new TrainingProgress(p.Epoch, p.MaxEpochs, p.Objective)));
    }
}
