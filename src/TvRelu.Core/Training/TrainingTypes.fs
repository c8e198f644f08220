namespace TvRelu.Core.Training

open System
open TvRelu.Core.Numerics
open TvRelu.Core.Data
open TvRelu.Core.Arrangements
open TvRelu.Core.Certificates
open TvRelu.Core.Solver

/// The optimiser of finite-width training.
type Optimizer =
    /// Full-batch gradient descent on ½‖f(X) − y‖² + (λ/2) Σ_j (c_j² + ‖θ_j‖²) (THEORY.md §1).
    | GradientDescent
    /// Adam (Kingma and Ba) with β₁ = 0.9, β₂ = 0.999, ε = 1e-8, on the same objective (the weight decay is
    /// part of the gradient, so Adam minimises the stated objective, unlike decoupled AdamW).
    | Adam
    /// SGD with label noise (THEORY.md §7 (ii)): at every step each label used gets fresh Gaussian noise of
    /// standard deviation `noise`, then one gradient step is taken on the noisy objective.
    | LabelNoiseSgd of noise: float

/// The step size.
type LearningRate =
    /// Armijo backtracking (sufficient decrease 1e-4, halve on failure, grow by 1.2 after success) with a
    /// floor that decays like 1/t, so that the kinks of the objective cannot stall it: no step size to
    /// choose. For gradient descent only.
    | Backtracking
    /// A fixed step.
    | Constant of rate: float
    /// rate / (1 + t / epochs) at epoch t: the decaying step of stochastic approximation.
    | InverseTimeDecay of rate: float * epochs: float

/// When training stops.
type StoppingRule =
    {
        /// Hard limit on epochs (never a claim of optimality: the result is certified separately).
        MaxEpochs: int
        /// Stop when |L_{t−1} − L_t| ≤ RelativeTolerance · |L_t| for `Patience` epochs in a row (not used with
        /// label noise, whose objective never settles).
        RelativeTolerance: float
        Patience: int
        /// Stop when the full gradient's norm is at most this (not used with label noise).
        GradientTolerance: float
    }

    /// 20 000 epochs, relative change 1e-12 over 10 epochs, gradient 1e-10.
    static member Default =
        {
            MaxEpochs = 20_000
            RelativeTolerance = Tolerances.trainingStall
            Patience = 10
            GradientTolerance = Tolerances.trainingGradient
        }

    /// A copy with a budget of `epochs` epochs.
    member o.WithMaxEpochs(epochs: int) = { o with MaxEpochs = epochs }

    /// A copy that stalls when the objective changes by at most `tolerance` of itself.
    member o.WithRelativeTolerance(tolerance: float) =
        { o with RelativeTolerance = tolerance }

    /// A copy that stalls after `epochs` calm epochs in a row.
    member o.WithPatience(epochs: int) = { o with Patience = epochs }

    /// A copy that stops when the gradient's norm is at most `tolerance`.
    member o.WithGradientTolerance(tolerance: float) =
        { o with GradientTolerance = tolerance }

/// Why training stopped.
type StopReason =
    | ObjectiveStalled
    | GradientVanished
    | MaxEpochsReached
    /// The objective became infinite or NaN (a step size too large).
    | Diverged

/// A progress report, sent every 1/200 of the epoch budget.
type TrainingProgress =
    {
        Epoch: int
        MaxEpochs: int
        Objective: float
    }

/// One point of the training history.
type HistoryEntry =
    {
        Epoch: int
        /// ½‖f(X) − y‖² + (λ/2) Σ_j (c_j² + ‖θ_j‖²) with the clean labels.
        Objective: float
        /// ½‖f(X) − y‖² + λ Σ_j |c_j|‖θ_j‖, the objective after rebalancing (§1): ≥ J of the network's measure.
        RebalancedObjective: float
        /// Norm of the gradient of `Objective`.
        GradientNorm: float
        /// The step size used at this epoch.
        LearningRate: float
        /// The certified gap of the network's measure (exact supremum, THEORY.md §2), at the epochs where
        /// it was computed (every `CertifyEvery`, and the last).
        Gap: float option
    }

/// Settings of `Training.train`.
type TrainingOptions =
    {
        Optimizer: Optimizer
        LearningRate: LearningRate
        Initialisation: Initialisation
        Seed: int
        Stopping: StoppingRule
        /// Mini-batch size for label-noise SGD (None: full batch; an epoch is then one step, otherwise ⌈N/B⌉).
        BatchSize: int option
        /// A history entry every this many epochs (and at the first and last).
        HistoryEvery: int
        /// The certified gap every this many epochs (0: only at the end). Costs one exact supremum each time.
        CertifyEvery: int
        Progress: (TrainingProgress -> unit) option
    }

    /// Gradient descent with backtracking from the standard initialisation scaled by 0.1 (with weight decay
    /// the penalty starts near λm·scale²/2: at scale 1 and width 1000 gradient descent, whose step the
    /// curvature ~ mN limits, spends most of its epochs shedding it), seed 0, the default
    /// stopping rule, history every 100 epochs, gap every 1000.
    static member Default =
        {
            Optimizer = GradientDescent
            LearningRate = Backtracking
            Initialisation = Standard 0.1
            Seed = 0
            Stopping = StoppingRule.Default
            BatchSize = None
            HistoryEvery = 100
            CertifyEvery = 1000
            Progress = None
        }

    /// A copy with the given optimiser.
    member o.WithOptimizer(optimizer: Optimizer) = { o with Optimizer = optimizer }

    /// A copy with the given step size rule.
    member o.WithLearningRate(rate: LearningRate) = { o with LearningRate = rate }

    /// A copy with the given initialisation.
    member o.WithInitialisation(init: Initialisation) = { o with Initialisation = init }

    /// A copy with the given seed.
    member o.WithSeed(seed: int) = { o with Seed = seed }

    /// A copy with the given stopping rule.
    member o.WithStopping(stopping: StoppingRule) = { o with Stopping = stopping }

    /// A copy with mini-batches of `size` rows for label-noise SGD; null for the full batch.
    member o.WithBatchSize(size: Nullable<int>) =
        { o with
            BatchSize = Option.ofNullable size
        }

    /// A copy with a history entry every `epochs` epochs.
    member o.WithHistoryEvery(epochs: int) = { o with HistoryEvery = epochs }

    /// A copy certifying the gap every `epochs` epochs (0: only at the end).
    member o.WithCertifyEvery(epochs: int) = { o with CertifyEvery = epochs }

    /// A copy reporting progress to `report` (null for none).
    member o.WithProgress(report: Action<TrainingProgress>) =
        { o with
            Progress = (if isNull report then None else Some report.Invoke)
        }

/// A finished training run.
type TrainingRun =
    {
        /// The best iterate (lowest training objective) for gradient descent and Adam, the last one for
        /// label-noise SGD. The history follows the iterates.
        Network: Network
        Epochs: int
        Stop: StopReason
        History: HistoryEntry[]
        /// The training objective of `Network` (clean labels).
        Objective: float
        Seconds: float
    }

/// A trained network audited against the exact solution (THEORY.md §1, §2, §7 (i)).
type NetworkCertificate =
    {
        /// The network's measure Σ_j c_j‖θ_j‖ δ_{θ_j/‖θ_j‖}.
        Measure: Measure
        /// Its objective J(μ), exact sup|η| and certified gap.
        Assessment: Assessment
        /// The training objective with the raw weights (≥ RebalancedObjective ≥ J(μ) ≥ J*).
        TrainingObjective: float
        RebalancedObjective: float
        /// J* from the exact solver (certified to its tolerance).
        OptimalObjective: float
        /// J(μ) − J*.
        Excess: float
        /// The neurons grouped into atoms.
        Clusters: NeuronCluster[]
        /// |Σ| of the exact solution, the bound the clusters are compared with (§7 (i)).
        SaturationPoints: int
        /// Atoms of the exact solver's minimiser.
        ExactAtoms: int
    }

/// The exact side of an experiment, computed once and shared by many training runs.
type TrainingReference =
    {
        Data: Dataset
        Lambda: float
        Arrangement: Arrangement
        Exact: Solution
    }

/// One seeded training run, certified: the record the audits of §7 collect.
type TrainingTrial =
    {
        Seed: int
        Width: int
        Epochs: int
        Stop: StopReason
        /// J of the trained network's measure.
        Objective: float
        OptimalObjective: float
        Excess: float
        /// The certified gap (exact supremum).
        Gap: float
        Clusters: int
        SaturationPoints: int
        /// Excess ≤ 1e-6: the threshold of the audit (i).
        ReachedOptimum: bool
        Seconds: float
    }

/// One seeded label-noise SGD run next to the weighted-TV solution (THEORY.md §7 (ii)).
type LabelNoiseTrial =
    {
        Seed: int
        Width: int
        Epochs: int
        /// ½‖f(X) − y‖² at the end, clean labels.
        TrainingLoss: float
        /// R = (1/N) Σ_i ‖∇_params f(x_i)‖² of the final weights.
        Penalty: float
        /// ∫ ω d|ν| of the final network's measure (= R after the per-neuron rescaling of `LabelNoise.rebalance`).
        WeightedTotalVariation: float
        /// Clusters of the final network (default cluster options).
        Clusters: int
        /// Atoms of the weighted-TV solution it is compared with.
        WeightedSupport: int
        Seconds: float
    }
