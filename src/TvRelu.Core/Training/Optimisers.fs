namespace TvRelu.Core.Training

open System
open TvRelu.Core.Numerics

/// The optimisers of finite-width training (THEORY.md §1, §7): the state of a run and one step (or epoch)
/// of gradient descent with backtracking or a fixed schedule, Adam, and SGD with label noise.
module internal Optimisers =

    /// The step of a fixed or decaying schedule at an epoch (NaN for backtracking, which finds its own).
    let rateAt (schedule: LearningRate) (epoch: int) =
        match schedule with
        | Backtracking -> nan
        | Constant r -> r
        | InverseTimeDecay(r, t) -> r / (1.0 + float epoch / t)

    /// The state of a run. A class rather than mutable locals: F# turns mutable locals captured by a
    /// closure into heap cells, which made the inner loop three times slower.
    [<Sealed>]
    type Run(ws: Workspace, p: float[], lambda: float, y: float[]) =
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
    let backtrackingStep (run: Run) (epoch: int) =
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

    /// One step of gradient descent at the schedule's rate.
    let gradientStep (run: Run) =
        let p = run.P
        let g = run.G
        let lr = run.Rate

        for k in 0 .. p.Length - 1 do
            p.[k] <- p.[k] - lr * g.[k]

        run.Refresh()

    /// One step of Adam (β₁ = 0.9, β₂ = 0.999, ε = `Tolerances.adamEpsilon`) on the full objective.
    let adamStep (run: Run) =
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
    let labelNoiseEpoch (run: Run) (noise: float) (batch: int) (rng: Random) (order: int[]) (noisy: float[]) =
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
