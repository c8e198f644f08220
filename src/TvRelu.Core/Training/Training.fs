namespace TvRelu.Core.Training

open System
open System.Diagnostics
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

/// Finite-width training of two-layer ReLU networks (THEORY.md §1, §7), connected to the exact theory:
/// every run can be certified by the exact supremum of its measure's certificate.
module Training =

    let private validate (data: Dataset) (lambda: float) (width: int) (options: TrainingOptions) =
        if not (lambda >= 0.0) || Double.IsInfinity lambda then
            invalidArg "lambda" (sprintf "λ must be a non-negative finite number (got %g)" lambda)

        if width < 1 then
            invalidArg "width" (sprintf "the width must be at least 1 (got %d)" width)

        if options.Stopping.MaxEpochs < 1 then
            invalidArg "options" (sprintf "the number of epochs must be at least 1 (got %d)" options.Stopping.MaxEpochs)

        if options.HistoryEvery < 1 then
            invalidArg "options" "HistoryEvery must be at least 1"

        if options.CertifyEvery < 0 then
            invalidArg "options" "CertifyEvery must be at least 0"

        match options.LearningRate with
        | Backtracking ->
            if options.Optimizer <> GradientDescent then
                invalidArg "options" "backtracking is for gradient descent only: give Adam and label-noise SGD a step size"
        | Constant r
        | InverseTimeDecay(r, _) ->
            if not (r > 0.0) || Double.IsInfinity r then
                invalidArg "options" (sprintf "the learning rate must be positive and finite (got %g)" r)

        match options.LearningRate with
        | InverseTimeDecay(_, t) when not (t > 0.0) -> invalidArg "options" "the decay time must be positive"
        | _ -> ()

        match options.Optimizer with
        | LabelNoiseSgd s when not (s >= 0.0) || Double.IsInfinity s ->
            invalidArg "options" (sprintf "the label noise must be a non-negative finite number (got %g)" s)
        | _ -> ()

        match options.BatchSize with
        | Some b when b < 1 || b > data.Count ->
            invalidArg "options" (sprintf "the batch size must be between 1 and N = %d (got %d)" data.Count b)
        | _ -> ()

    let private rateAt (schedule: LearningRate) (epoch: int) =
        match schedule with
        | Backtracking -> nan
        | Constant r -> r
        | InverseTimeDecay(r, t) -> r / (1.0 + float epoch / t)

    /// The state of a run. A class rather than mutable locals: F# turns mutable locals captured by a
    /// closure into heap cells, which made the inner loop three times slower.
    [<Sealed>]
    type private Run(ws: Workspace, p: float[], lambda: float, y: float[]) =
        let rows = Array.init ws.Rows id
        let g = Array.zeroCreate p.Length
        let loss = Network.lossAndGradient ws y rows 1.0 lambda p g
        member val P = p with get, set
        member val G: float[] = g with get, set
        member val Loss = loss with get, set
        member val Rate = 1.0 with get, set
        member val AdamSteps = 0 with get, set
        member val M1: float[] = Array.zeroCreate p.Length
        member val M2: float[] = Array.zeroCreate p.Length
        member val Trial: float[] = Array.zeroCreate p.Length
        member val TrialG: float[] = Array.zeroCreate p.Length
        /// The longest step Armijo accepted so far: the scale of the floor.
        member val LongestStep = 0.0 with get, set
        /// The iterate with the lowest objective so far, and that objective.
        member val Best: float[] = Array.copy p with get, set
        member val BestLoss = loss with get, set
        member _.AllRows = rows
        member _.Workspace = ws
        member _.Lambda = lambda
        member _.Labels = y

        /// The clean objective and gradient at P.
        member this.Refresh() =
            this.Loss <- Network.lossAndGradient ws y rows 1.0 lambda this.P this.G

    /// Armijo backtracking with a decaying floor: the step is never shorter than
    /// 0.05 · (longest step Armijo accepted so far) / (1 + t/20000) at epoch t, and such a step is taken even
    /// without sufficient decrease, unless it raises the objective by more than 0.1% (then the floor's scale
    /// halves, so the floor settles where the zig-zag it allows stays that small). Why: the objective has
    /// kinks wherever a neuron's hyperplane meets a data point, and a minimiser's neurons sit exactly there
    /// when its atoms are on region boundaries (THEORY.md §3, the usual case for d = 1). At a kink the
    /// one-sided −∇ need not be a descent direction, so Armijo alone shrinks the step to nothing and stalls
    /// (measured: a gap near 1.6e-4 on the 1-D reference case for every one of 100 seeds); with the floor,
    /// gradient descent zig-zags across the kinks with a step that decays like a subgradient method's, and
    /// keeps converging. (A non-monotone Armijo test, against the worst recent objective, was tried first:
    /// early on it lets the objective climb back to its starting value, which kills neurons.) Returns false
    /// when no step can be taken.
    let private backtrackingStep (run: Run) (epoch: int) =
        let p = run.P
        let g = run.G
        let trial = run.Trial
        let gg = Dense.dot g g
        let reference = run.Loss
        let floor = 0.05 * run.LongestStep / (1.0 + float epoch / 20000.0)
        let mutable floored = run.Rate < floor

        if floored then
            run.Rate <- floor

        let mutable result = None

        while result.IsNone do
            let lr = run.Rate

            for k in 0 .. p.Length - 1 do
                trial.[k] <- p.[k] - lr * g.[k]

            let l =
                Network.lossAndGradient run.Workspace run.Labels run.AllRows 1.0 run.Lambda trial run.TrialG

            let armijo = l <= reference - Tolerances.armijo * lr * gg
            // A floored step may go up a little (a zig-zag across a kink costs ~ step · ‖g‖²), not a lot: a
            // step that raises the objective by more than 0.1% of it is too long for this region after all,
            // and then plain Armijo takes over below the floor for this epoch.
            let forced = floored && l <= reference + Tolerances.flooredRise * abs reference

            if Double.IsFinite l && (armijo || forced) then
                Array.blit trial 0 p 0 p.Length
                Array.blit run.TrialG 0 g 0 g.Length
                run.Loss <- l

                if armijo then
                    run.LongestStep <- max run.LongestStep lr

                run.Rate <- 1.2 * lr
                result <- Some true
            elif lr < Tolerances.smallestStep then
                result <- Some false
            else
                // A floored step that went up too much: the region wants shorter steps, so the floor halves.
                if floored then
                    run.LongestStep <- 0.5 * run.LongestStep

                floored <- false
                run.Rate <- 0.5 * lr

        result.Value

    let private gradientStep (run: Run) =
        let p = run.P
        let g = run.G
        let lr = run.Rate

        for k in 0 .. p.Length - 1 do
            p.[k] <- p.[k] - lr * g.[k]

        run.Refresh()

    let private adamStep (run: Run) =
        let p = run.P
        let g = run.G
        let m1 = run.M1
        let m2 = run.M2
        let lr = run.Rate
        run.AdamSteps <- run.AdamSteps + 1
        let c1 = 1.0 - 0.9 ** float run.AdamSteps
        let c2 = 1.0 - 0.999 ** float run.AdamSteps

        for k in 0 .. p.Length - 1 do
            m1.[k] <- 0.9 * m1.[k] + 0.1 * g.[k]
            m2.[k] <- 0.999 * m2.[k] + 0.001 * g.[k] * g.[k]
            p.[k] <- p.[k] - lr * (m1.[k] / c1) / (sqrt (m2.[k] / c2) + Tolerances.adamEpsilon)

        run.Refresh()

    /// One epoch of label-noise SGD: ⌈N/B⌉ steps over a fresh permutation, each with fresh Gaussian noise on
    /// the labels of its batch (weighted N/B so that each step is unbiased for the full objective).
    let private labelNoiseEpoch (run: Run) (noise: float) (batch: int) (rng: Random) (order: int[]) (noisy: float[]) =
        let nRows = order.Length

        for k in nRows - 1 .. -1 .. 1 do
            let t = rng.Next(k + 1)
            let tmp = order.[k]
            order.[k] <- order.[t]
            order.[t] <- tmp

        let p = run.P
        let g = run.G
        let mutable start = 0

        while start < nRows do
            let rows =
                if batch >= nRows then
                    run.AllRows
                else
                    order.[start .. min nRows (start + batch) - 1]

            for i in rows do
                noisy.[i] <- run.Labels.[i] + noise * Sampling.gaussian rng

            Network.lossAndGradient run.Workspace noisy rows (float nRows / float rows.Length) run.Lambda p g
            |> ignore

            let lr = run.Rate

            for k in 0 .. p.Length - 1 do
                p.[k] <- p.[k] - lr * g.[k]

            start <- start + batch
        // The clean objective and gradient, for the history and the divergence check.
        run.Refresh()

    let private entry (arr: Arrangement option) (data: Dataset) (lambda: float) (run: Run) (epoch: int) (withGap: bool) =
        let net = Network.ofParameters run.Workspace.Ambient run.P

        {
            Epoch = epoch
            Objective = run.Loss
            RebalancedObjective = Network.rebalancedObjective lambda data net
            GradientNorm = Dense.norm run.G
            LearningRate = run.Rate
            Gap =
                match arr with
                | Some a when withGap -> Some (Gap.assess a data lambda None (Network.toMeasure net)).Gap
                | _ -> None
        }

    /// Trains a network of the given width on the data (λ ≥ 0 is the weight decay of §1). `arr` is needed
    /// only for the certified gaps in the history (CertifyEvery); without it they are skipped.
    let trainOn (arr: Arrangement option) (data: Dataset) (lambda: float) (width: int) (options: TrainingOptions) =
        validate data lambda width options
        let sw = Stopwatch.StartNew()

        let net0 =
            Network.initialise options.Initialisation options.Seed width data.Dimension

        let run = Run(Workspace(data, width), net0.Parameters, lambda, data.LabelsRaw)

        match options.LearningRate with
        | Backtracking -> ()
        | schedule -> run.Rate <- rateAt schedule 0

        let history = ResizeArray<HistoryEntry>()
        let maxEpochs = options.Stopping.MaxEpochs
        let progressEvery = max 1 (maxEpochs / 200)

        let noisy =
            match options.Optimizer with
            | LabelNoiseSgd _ -> true
            | _ -> false

        let noiseRng = Random(options.Seed + 1)
        let order = Array.init data.Count id
        let noisyLabels = Array.copy data.LabelsRaw
        history.Add(entry arr data lambda run 0 (options.CertifyEvery > 0))
        let mutable epoch = 0
        let mutable stop = None
        let mutable calm = 0

        while stop.IsNone do
            epoch <- epoch + 1
            let previous = run.Loss

            match options.LearningRate with
            | Backtracking -> ()
            | schedule -> run.Rate <- rateAt schedule (epoch - 1)

            match options.Optimizer, options.LearningRate with
            | GradientDescent, Backtracking ->
                if not (backtrackingStep run epoch) then
                    stop <- Some ObjectiveStalled
            | GradientDescent, _ -> gradientStep run
            | Adam, _ -> adamStep run
            | LabelNoiseSgd noise, _ -> labelNoiseEpoch run noise (defaultArg options.BatchSize data.Count) noiseRng order noisyLabels

            let loss = run.Loss

            if not noisy && loss < run.BestLoss then
                run.BestLoss <- loss
                Array.blit run.P 0 run.Best 0 run.Best.Length

            if stop.IsNone then
                if Double.IsNaN loss || Double.IsInfinity loss then
                    stop <- Some Diverged
                elif not noisy && Dense.norm run.G <= options.Stopping.GradientTolerance then
                    stop <- Some GradientVanished
                else
                    if
                        not noisy
                        && abs (previous - loss) <= options.Stopping.RelativeTolerance * abs loss
                    then
                        calm <- calm + 1
                    else
                        calm <- 0

                    if calm >= options.Stopping.Patience then
                        stop <- Some ObjectiveStalled
                    elif epoch >= maxEpochs then
                        stop <- Some MaxEpochsReached

            if stop.IsSome || epoch % options.HistoryEvery = 0 then
                let certifyNow =
                    stop.IsSome || (options.CertifyEvery > 0 && epoch % options.CertifyEvery = 0)

                if stop <> Some Diverged then
                    history.Add(entry arr data lambda run epoch certifyNow)

            match options.Progress with
            | Some report when stop.IsSome || epoch % progressEvery = 0 ->
                report
                    {
                        Epoch = epoch
                        MaxEpochs = maxEpochs
                        Objective = loss
                    }
            | _ -> ()
        // Gradient descent and Adam return their best iterate: the floored steps of backtracking (and Adam's
        // steps) may go up near kinks, and a diverged run's last iterate is not finite. Label-noise SGD returns
        // its last iterate, the object of the implicit-regularisation analysis (§7).
        let final, finalLoss = if noisy then run.P, run.Loss else run.Best, run.BestLoss

        {
            Network = Network.ofParameters run.Workspace.Ambient final
            Epochs = epoch
            Stop = stop.Value
            History = history.ToArray()
            Objective = finalLoss
            Seconds = sw.Elapsed.TotalSeconds
        }

    /// Trains and records certified gaps when `CertifyEvery` asks for them (the arrangement is then built).
    let train (data: Dataset) (lambda: float) (width: int) (options: TrainingOptions) =
        let arr =
            if options.CertifyEvery > 0 && lambda > 0.0 then
                Some(Arrangement.ofDataset data)
            else
                None

        trainOn arr data lambda width options

    /// Solves P_λ exactly once for a series of training runs on the same data and λ > 0.
    let reference (data: Dataset) (lambda: float) =
        let arr = Arrangement.ofDataset data

        {
            Data = data
            Lambda = lambda
            Arrangement = arr
            Exact = CertifiedSolve.onArrangement arr data lambda SolverOptions.Default
        }

    /// Certifies a network against the exact solution: the objective of its measure, the exact
    /// supremum of its certificate, the certified gap (THEORY.md §2), J* and the excess J(μ) − J*, and its
    /// clusters next to |Σ| (§7 (i)).
    let certify (reference: TrainingReference) (clusters: ClusterOptions) (net: Network) =
        let data = reference.Data
        let lambda = reference.Lambda
        let mu = Network.toMeasure net
        let a = Gap.assess reference.Arrangement data lambda None mu
        let jStar = reference.Exact.Assessment.Objective

        {
            Measure = mu
            Assessment = a
            TrainingObjective = Network.objective lambda data net
            RebalancedObjective = Network.rebalancedObjective lambda data net
            OptimalObjective = jStar
            Excess = a.Objective - jStar
            Clusters = Network.cluster clusters net
            SaturationPoints = reference.Exact.Saturation.Length
            ExactAtoms = reference.Exact.Measure.Count
        }

    /// One seeded, certified training run with the given options (their seed is replaced by `seed`).
    let trialWith (reference: TrainingReference) (options: TrainingOptions) (seed: int) (width: int) =
        let run =
            trainOn
                (Some reference.Arrangement)
                reference.Data
                reference.Lambda
                width
                { options with
                    Seed = seed
                    CertifyEvery = 0
                    Progress = None
                }

        let c = certify reference ClusterOptions.Default run.Network

        {
            Seed = seed
            Width = width
            Epochs = run.Epochs
            Stop = run.Stop
            Objective = c.Assessment.Objective
            OptimalObjective = c.OptimalObjective
            Excess = c.Excess
            Gap = c.Assessment.Gap
            Clusters = c.Clusters.Length
            SaturationPoints = c.SaturationPoints
            ReachedOptimum = c.Excess <= Tolerances.reachedOptimum
            Seconds = run.Seconds
        }

    /// The default gradient-descent trial of the audit (i) of THEORY.md §7: backtracking GD from the
    /// standard initialisation, the default stopping rule, certified and clustered.
    let gdTrial (reference: TrainingReference) (seed: int) (width: int) =
        trialWith reference TrainingOptions.Default seed width

    /// The number of clusters of a network with the default options (`Network.clusterCount`).
    let clusterCount (net: Network) =
        Network.clusterCount ClusterOptions.Default net

    /// One seeded label-noise SGD run (the optimiser in `options` should be `LabelNoiseSgd`; λ ≥ 0 is its weight
    /// decay, 0 for pure label noise), summarised for the audit (ii) of THEORY.md §7: its clusters, its implicit
    /// penalty R and weighted TV, next to the support of a weighted-TV solution computed once by the caller
    /// (`WeightedTv.onArrangement`).
    let labelNoiseTrial (data: Dataset) (lambda: float) (options: TrainingOptions) (weighted: WeightedSolution) (seed: int) (width: int) =
        let run =
            trainOn
                None
                data
                lambda
                width
                { options with
                    Seed = seed
                    CertifyEvery = 0
                    Progress = None
                }

        let net = run.Network
        let f = Network.forward net data

        let loss =
            Array.fold2 (fun s a b -> s + 0.5 * (a - b) * (a - b)) 0.0 f data.LabelsRaw

        {
            Seed = seed
            Width = width
            Epochs = run.Epochs
            TrainingLoss = loss
            Penalty = LabelNoise.penalty data net
            WeightedTotalVariation = LabelNoise.weightedTotalVariation data (Network.toMeasure net)
            Clusters = clusterCount net
            WeightedSupport = weighted.Measure.Count
            Seconds = run.Seconds
        }
