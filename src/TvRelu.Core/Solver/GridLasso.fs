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

    /// Solves the LASSO on the given directions exactly, by a working set: the amplitudes on the working set
    /// are the non-negative quadratic program of the split a = a⁺ − a⁻ (the exact amplitude solver of the
    /// sliding Frank–Wolfe step, `Nnls.solveQuadratic`), and the grid directions violating the LASSO's optimality condition
    /// |⟨φ_k, y − Φa⟩| ≤ λ join the set, the worst first, until none does. (Coordinate descent stalls on
    /// a fine grid, whose neighbouring columns are nearly equal.) The result is then audited with the
    /// exact certificate, which looks at every direction, not only the grid's.
    let onArrangement (arr: Arrangement) (data: Dataset) (lambda: float) (grid: float[][]) (maxRounds: int) =
        Lambda.requirePositive "lambda" lambda

        let sw = Stopwatch.StartNew()
        let rows = data.AugmentedRaw
        let y = data.LabelsRaw

        let feats =
            grid
            |> Array.map (fun t -> rows |> Array.map (fun x -> max 0.0 (Dense.dot t x)))

        let m = grid.Length
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
                working.RemoveAll(fun k -> a.[k] = 0.0) |> ignore

        let mu = Measure.ofAtoms arr.AmbientDimension (Array.map2 (fun t v -> t, v) grid a)

        {
            Measure = mu
            Assessment = Gap.assess arr data lambda None mu
            GridSize = m
            Rounds = rounds
            Seconds = sw.Elapsed.TotalSeconds
        }
