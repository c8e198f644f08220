namespace TvRelu.Core.Solver

open System
open System.Diagnostics
open TvRelu.Core.Numerics
open TvRelu.Core.Data
open TvRelu.Core.Arrangements
open TvRelu.Core.Certificates

/// A result of the fixed-grid baseline.
type GridLassoResult =
    {
        Measure: Measure
        /// Objective, certified gap and exact sup|η| of `Measure`: the grid's answer audited exactly.
        Assessment: Assessment
        /// Number of grid directions.
        GridSize: int
        /// Working-set rounds used.
        Rounds: int
        Seconds: float
    }

/// The classical discretisation the exact solvers replace: fix a grid of directions θ_1..θ_M on the sphere
/// and solve the LASSO min_a ½‖Φa − y‖² + λ‖a‖₁ (Φ's columns φ(θ_k)) exactly on the grid. Its
/// objective is an upper bound on J* (THEORY.md §1) that a finite grid generally cannot close: the
/// minimiser's atoms sit at points (often on region boundaries, §3) that no grid contains.
module GridLasso =

    /// M directions on S^d: equally spaced angles for d = 1, a Fibonacci lattice for d = 2 (near-uniform,
    /// deterministic), and normalised Gaussian vectors from the seed for d ≥ 3.
    let directions (d: int) (count: int) (seed: int) =
        if count < 1 then
            invalidArg "count" "the grid needs at least one direction"

        match d with
        | 1 -> Array.init count (fun k -> let t = 2.0 * Math.PI * float k / float count in [| cos t; sin t |])
        | 2 ->
            let golden = Math.PI * (3.0 - sqrt 5.0)

            Array.init count (fun k ->
                let z = 1.0 - 2.0 * (float k + 0.5) / float count
                let r = sqrt (1.0 - z * z)
                [| r * cos (golden * float k); r * sin (golden * float k); z |])
        | _ ->
            let rng = Random(seed)

            Array.init count (fun _ ->
                let g = Array.init (d + 1) (fun _ -> Sampling.gaussian rng)
                Dense.scale (1.0 / Dense.norm g) g)

    /// Coordinate-descent epochs on one working set before the round ends anyway (the outer gap then decides):
    /// a budget, not a tolerance.
    [<Literal>]
    let private maxEpochs = 10_000

    /// Rounds of coordinate descent after the working set: each is at most `maxEpochs` epochs on a working
    /// set of a few dozen columns, which bounds the time of `compare` (issue 16: under 30 s on 15 points).
    [<Literal>]
    let private descentRounds = 20

    /// Rounds of the growing working set (ten columns each) before descent takes over: its quadratic program
    /// grows with the set, and at 2,000 directions and λ = 1e-3 λ_max an unbounded set took minutes.
    [<Literal>]
    let private workingSetRounds = 10

    /// Iterates per Anderson extrapolation (skglm's default of 5).
    [<Literal>]
    let private andersonDepth = 5

    /// The grid's columns φ(θ_k) = (⟨θ_k, x̃_i⟩)₊ and their squared norms.
    let private features (data: Dataset) (grid: float[][]) =
        let rows = data.AugmentedRaw

        let feats =
            grid
            |> Array.map (fun t -> rows |> Array.map (fun x -> max 0.0 (Dense.dot t x)))

        feats, feats |> Array.map (fun f -> Dense.dot f f)

    /// The LASSO's duality gap at amplitudes a with residual r = y − Φa, over the columns `cols`: the dual
    /// point is r scaled into the feasible set max_k |⟨φ_k, θ⟩| ≤ λ, and the gap is
    /// ½‖r‖² + λ‖a‖₁ − (⟨θ, y⟩ − ½‖θ‖²). Zero exactly at the grid's minimiser (standard LASSO duality).
    let private dualityGap (feats: float[][]) (cols: seq<int>) (y: float[]) (lambda: float) (a: float[]) (r: float[]) =
        let mutable worst = 0.0

        for k in cols do
            worst <- max worst (abs (Dense.dot feats.[k] r))

        let theta = Dense.scale (1.0 / max 1.0 (worst / lambda)) r
        let l1 = a |> Array.sumBy abs

        0.5 * Dense.dot r r + lambda * l1
        - (Dense.dot theta y - 0.5 * Dense.dot theta theta)

    /// Cyclic coordinate descent on the working set (soft-thresholding one amplitude at a time, the residual
    /// kept in step) until the gap restricted to the working set is below `target`, checked every ten
    /// epochs. On a small working set an epoch is cheap, so near-equal neighbouring columns (which slow the
    /// rate) cost epochs, not time.
    /// One epoch of cyclic coordinate descent over the working set: each amplitude soft-thresholded in turn,
    /// the residual kept in step.
    let private epoch (feats: float[][]) (norms: float[]) (lambda: float) (working: int[]) (a: float[]) (r: float[]) =
        for k in working do
            if norms.[k] > 0.0 then
                let f = feats.[k]
                let z = a.[k] + Dense.dot f r / norms.[k]
                let next = float (sign z) * max 0.0 (abs z - lambda / norms.[k])
                let delta = next - a.[k]

                if delta <> 0.0 then
                    a.[k] <- next

                    for i in 0 .. r.Length - 1 do
                        r.[i] <- r.[i] - delta * f.[i]

    /// Anderson extrapolation of the last iterates s_0..s_K of the working set's amplitudes (skglm, Bertrand
    /// and Massias 2021): the affine combination Σ c_i s_i whose differences' combination is shortest
    /// (c ∝ (UᵀU)⁻¹1, U the successive differences). Kept only when it lowers the objective: coordinate
    /// descent alone creeps along near-equal neighbouring grid columns.
    let private extrapolate
        (feats: float[][])
        (y: float[])
        (lambda: float)
        (working: int[])
        (history: float[][])
        (a: float[])
        (r: float[])
        =
        let k = history.Length - 1
        let u = Array.init k (fun i -> Dense.sub history.[i + 1] history.[i])
        let g = Array2D.init k k (fun i j -> Dense.dot u.[i] u.[j])
        let z = Dense.solveSymmetric g (Array.create k 1.0)
        let total = Array.sum z

        if Double.IsFinite total && total <> 0.0 then
            let extr =
                Array.init working.Length (fun w -> Seq.sum (seq { for i in 0 .. k - 1 -> z.[i] / total * history.[i + 1].[w] }))

            let re = Array.copy y

            for w in 0 .. working.Length - 1 do
                if extr.[w] <> 0.0 then
                    let f = feats.[working.[w]]

                    for i in 0 .. re.Length - 1 do
                        re.[i] <- re.[i] - extr.[w] * f.[i]

            let objective (res: float[]) (amp: seq<float>) =
                0.5 * Dense.dot res res + lambda * Seq.sumBy abs amp

            if objective re extr < objective r (working |> Seq.map (fun j -> a.[j])) then
                working |> Array.iteri (fun w j -> a.[j] <- extr.[w])
                Array.blit re 0 r 0 r.Length

    /// Coordinate descent on the working set with Anderson extrapolation every `andersonDepth` epochs, until
    /// the gap restricted to the working set is below `target` (checked every ten epochs) or the epoch budget.
    let private descend
        (feats: float[][])
        (norms: float[])
        (y: float[])
        (lambda: float)
        (working: int[])
        (target: float)
        (a: float[])
        (r: float[])
        =
        let history = ResizeArray<float[]>()
        let snapshot () = working |> Array.map (fun k -> a.[k])
        history.Add(snapshot ())
        let mutable epochs = 0
        let mutable fin = false

        while not fin && epochs < maxEpochs do
            epochs <- epochs + 1
            epoch feats norms lambda working a r
            history.Add(snapshot ())

            if history.Count > andersonDepth then
                extrapolate feats y lambda working (history.ToArray()) a r
                history.Clear()
                history.Add(snapshot ())

            if epochs % 10 = 0 then
                fin <- dualityGap feats working y lambda a r <= target

    /// A first solution by a growing working set: the amplitudes on the working set are the non-negative
    /// quadratic program of the split a = a⁺ − a⁻ (`Nnls.solveQuadratic`), and the grid columns violating
    /// |⟨φ_k, y − Φa⟩| ≤ λ join the set, the worst ten first, until none does. The set never shrinks: a
    /// column that left when its amplitude was zero re-entered the next round, and on fine grids at small λ
    /// that cycled for the whole budget (`compare` did not finish, issue 16). Fast, but on near-equal
    /// neighbouring columns the split's quadratic program is nearly singular and its minimiser inexact.
    let private workingSet (feats: float[][]) (y: float[]) (lambda: float) (maxRounds: int) =
        let m = feats.Length
        let a = Array.zeroCreate m
        let working = ResizeArray<int>()
        let mutable rounds = 0
        let mutable fin = false

        while not fin && rounds < maxRounds do
            rounds <- rounds + 1
            let r = Array.copy y

            for k in working do
                for i in 0 .. r.Length - 1 do
                    r.[i] <- r.[i] - a.[k] * feats.[k].[i]

            let violators =
                [|
                    for k in 0 .. m - 1 do
                        let c = abs (Dense.dot feats.[k] r)

                        if c > lambda * (1.0 + Tolerances.pricingSlack) && not (working.Contains k) then
                            yield k, c
                |]
                |> Array.sortByDescending snd
                |> Array.truncate 10

            if violators.Length = 0 then
                fin <- true
            else
                for k, _ in violators do
                    working.Add k
                // Columns +φ_k and −φ_k for every working direction; b ≥ 0 is (a⁺, a⁻).
                let cols =
                    [|
                        for k in working do
                            yield feats.[k]
                            yield Dense.scale -1.0 feats.[k]
                    |]

                let q =
                    Array2D.init cols.Length cols.Length (fun s t -> Dense.dot cols.[s] cols.[t])

                let c = cols |> Array.map (fun f -> Dense.dot f y - lambda)

                let b0 =
                    [|
                        for k in working do
                            yield max a.[k] 0.0
                            yield max -a.[k] 0.0
                    |]

                let b = Nnls.solveQuadratic q c b0
                working |> Seq.iteri (fun s k -> a.[k] <- b.[2 * s] - b.[2 * s + 1])

        a, rounds

    /// Solves the LASSO on the given directions: the growing working set (`workingSet`) first, then
    /// coordinate descent with Anderson extrapolation on working sets (celer and skglm: the support and the
    /// most violating columns, twice as many as the support and at least ten, solved to a tenth of the
    /// current gap) for at most `descentRounds` rounds or until the grid's duality gap is
    /// `Tolerances.gridLassoGap` of its objective (floored at `Tolerances.gapRounding` ½‖y‖²). Descent never
    /// raises the objective, so the result is at least as good as the working set's. The result is then
    /// audited with the exact certificate, which looks at every direction, not only the grid's.
    let onArrangement (arr: Arrangement) (data: Dataset) (lambda: float) (grid: float[][]) (maxRounds: int) =
        Lambda.requirePositive "lambda" lambda

        let sw = Stopwatch.StartNew()
        let y = data.LabelsRaw
        let feats, norms = features data grid
        let m = grid.Length
        let a, first = workingSet feats y lambda (min maxRounds workingSetRounds)
        let r = Array.copy y

        for k in 0 .. m - 1 do
            if a.[k] <> 0.0 then
                for i in 0 .. r.Length - 1 do
                    r.[i] <- r.[i] - a.[k] * feats.[k].[i]

        let floor = Tolerances.gapRounding * 0.5 * Dense.dot y y
        let mutable rounds = 0
        let mutable fin = false

        while not fin && rounds < descentRounds do
            let gap = dualityGap feats [ 0 .. m - 1 ] y lambda a r
            let objective = 0.5 * Dense.dot r r + lambda * (a |> Array.sumBy abs)

            if gap <= max (Tolerances.gridLassoGap * objective) floor then
                fin <- true
            else
                rounds <- rounds + 1
                let support = [| 0 .. m - 1 |] |> Array.filter (fun k -> a.[k] <> 0.0)

                let candidates =
                    [| 0 .. m - 1 |]
                    |> Array.filter (fun k -> a.[k] = 0.0 && norms.[k] > 0.0)
                    |> Array.map (fun k -> k, abs (Dense.dot feats.[k] r))
                    |> Array.sortByDescending snd
                    |> Array.truncate (max 10 (2 * support.Length))
                    |> Array.map fst

                descend feats norms y lambda (Array.append support candidates) (max (0.1 * gap) floor) a r

        let mu = Measure.ofAtoms arr.AmbientDimension (Array.map2 (fun t v -> t, v) grid a)

        {
            Measure = mu
            Assessment = Gap.assess arr data lambda None mu
            GridSize = m
            Rounds = first + rounds
            Seconds = sw.Elapsed.TotalSeconds
        }
