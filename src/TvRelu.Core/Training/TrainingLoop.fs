namespace TvRelu.Core.Training

open System
open System.Diagnostics
open TvRelu.Core.Numerics
open TvRelu.Core.Data
open TvRelu.Core.Arrangements
open TvRelu.Core.Certificates
open TvRelu.Core.Training.Optimisers

/// The training loop (THEORY.md §1, §7): epochs of the chosen optimiser until a stopping rule fires, with
/// the history and, where asked, the certified gap of the network's measure.
module internal TrainingLoop =

    /// Refuses options that cannot train: λ < 0, no width, no epochs, a schedule the optimiser cannot use.
    let validate (data: Dataset) (lambda: float) (width: int) (options: TrainingOptions) =
        Lambda.requireNonNegative "lambda" lambda

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

    /// A history entry of the current iterate, with the certified gap of its measure when asked and possible.
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

    /// The label-noise draws of a run: their generator (seeded apart from the initialisation), the epoch's
    /// permutation and the noisy labels.
    type private Noise(data: Dataset, seed: int) =
        member val Rng = Random(seed + 1)
        member val Order = Array.init data.Count id
        member val Labels = Array.copy data.LabelsRaw

    /// One epoch of the chosen optimiser (the schedule's step set first); false when backtracking can take
    /// no step.
    let private epochStep (options: TrainingOptions) (data: Dataset) (noise: Noise) (run: Run) (epoch: int) =
        match options.LearningRate with
        | Backtracking -> ()
        | schedule -> run.Rate <- rateAt schedule (epoch - 1)

        match options.Optimizer, options.LearningRate with
        | GradientDescent, Backtracking -> backtrackingStep run epoch
        | GradientDescent, _ ->
            gradientStep run
            true
        | Adam, _ ->
            adamStep run
            true
        | LabelNoiseSgd sd, _ ->
            labelNoiseEpoch run sd (defaultArg options.BatchSize data.Count) noise.Rng noise.Order noise.Labels
            true

    /// Why to stop after this epoch, if at all: divergence, a vanished gradient, `Patience` calm epochs (the
    /// objective moved by at most RelativeTolerance of itself; `calm` counts them), or the budget. Label-noise
    /// SGD, whose objective never settles, stops only on divergence or the budget.
    let private stopAfter (options: TrainingOptions) (noisy: bool) (run: Run) (previous: float) (epoch: int) (calm: int) =
        let loss = run.Loss
        let rule = options.Stopping

        if Double.IsNaN loss || Double.IsInfinity loss then
            Some Diverged, calm
        elif not noisy && Dense.norm run.G <= rule.GradientTolerance then
            Some GradientVanished, calm
        else
            let calm =
                if not noisy && abs (previous - loss) <= rule.RelativeTolerance * abs loss then
                    calm + 1
                else
                    0

            if calm >= rule.Patience then
                Some ObjectiveStalled, calm
            elif epoch >= rule.MaxEpochs then
                Some MaxEpochsReached, calm
            else
                None, calm

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

        let noise = Noise(data, options.Seed)
        history.Add(entry arr data lambda run 0 (options.CertifyEvery > 0))
        let mutable epoch = 0
        let mutable stop = None
        let mutable calm = 0

        while stop.IsNone do
            epoch <- epoch + 1
            let previous = run.Loss
            let stepped = epochStep options data noise run epoch

            if not noisy && run.Loss < run.BestLoss then
                run.BestLoss <- run.Loss
                Array.blit run.P 0 run.Best 0 run.Best.Length

            if not stepped then
                stop <- Some ObjectiveStalled
            else
                let s, c = stopAfter options noisy run previous epoch calm
                stop <- s
                calm <- c

            if (stop.IsSome || epoch % options.HistoryEvery = 0) && stop <> Some Diverged then
                let certifyNow =
                    stop.IsSome || (options.CertifyEvery > 0 && epoch % options.CertifyEvery = 0)

                history.Add(entry arr data lambda run epoch certifyNow)

            match options.Progress with
            | Some report when stop.IsSome || epoch % progressEvery = 0 ->
                report
                    {
                        Epoch = epoch
                        MaxEpochs = maxEpochs
                        Objective = run.Loss
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
