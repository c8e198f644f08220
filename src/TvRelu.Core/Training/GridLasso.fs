namespace TvRelu.Core

open System
open System.Diagnostics
open TvRelu.Core.Numerics

/// A result of the fixed-grid baseline.
type GridLassoResult =
    { Measure: Measure
      /// Objective, certified gap and exact sup|η| of `Measure`: the grid's answer audited exactly.
      Assessment: Assessment
      /// Number of grid directions.
      GridSize: int
      /// Coordinate-descent sweeps used.
      Sweeps: int
      Seconds: float }

/// The classical discretisation the exact solvers replace: fix a grid of directions θ_1..θ_M on the sphere
/// and solve the LASSO min_a ½‖Φa − y‖² + λ‖a‖₁ (Φ's columns φ(θ_k)) by cyclic coordinate descent. Its
/// objective is an upper bound on J* (THEORY.md §1) that a finite grid generally cannot close: the
/// minimiser's atoms sit at points (often on region boundaries, §3) that no grid contains.
module GridLasso =

    /// M directions on S^d: equally spaced angles for d = 1, a Fibonacci lattice for d = 2 (near-uniform,
    /// deterministic), and normalised Gaussian vectors from the seed for d ≥ 3.
    let directions (d: int) (count: int) (seed: int) =
        if count < 1 then invalidArg "count" "the grid needs at least one direction"
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
                let g = Array.init (d + 1) (fun _ -> Network.gaussian rng)
                Dense.scale (1.0 / Dense.norm g) g)

    /// Soft thresholding, the exact one-coordinate LASSO step.
    let private shrink (z: float) (t: float) = if z > t then z - t elif z < -t then z + t else 0.0

    /// Solves the LASSO on the given directions by cyclic coordinate descent with an active-set strategy
    /// (sweeps over the non-zero coordinates until they settle, then one full sweep to admit new ones), to a
    /// relative change of 1e-13 or `maxSweeps`, and audits the result with the exact certificate.
    let onArrangement (arr: Arrangement) (data: Dataset) (lambda: float) (grid: float[][]) (maxSweeps: int) =
        if not (lambda > 0.0) || Double.IsInfinity lambda then invalidArg "lambda" (sprintf "λ must be a positive finite number (got %g)" lambda)
        let sw = Stopwatch.StartNew()
        let rows = data.AugmentedRaw
        let y = data.LabelsRaw
        let feats = grid |> Array.map (fun t -> rows |> Array.map (fun x -> max 0.0 (Dense.dot t x)))
        let sq = feats |> Array.map (fun f -> Dense.dot f f)
        let m = grid.Length
        let a = Array.zeroCreate m
        let r = Array.copy y
        let scale = max 1e-300 (Dense.norm y)
        let update k =
            if sq.[k] = 0.0 then 0.0
            else
                let f = feats.[k]
                let z = a.[k] + Dense.dot f r / sq.[k]
                let next = shrink z (lambda / sq.[k])
                let delta = next - a.[k]
                if delta <> 0.0 then
                    for i in 0 .. r.Length - 1 do
                        r.[i] <- r.[i] - delta * f.[i]
                    a.[k] <- next
                abs delta * sqrt sq.[k]
        let mutable sweeps = 0
        let mutable fin = false
        while not fin && sweeps < maxSweeps do
            sweeps <- sweeps + 1
            let mutable change = 0.0
            for k in 0 .. m - 1 do
                change <- max change (update k)
            if change <= 1e-13 * scale then fin <- true
            else
                let active = [| for k in 0 .. m - 1 do if a.[k] <> 0.0 then yield k |]
                let mutable inner = true
                while inner && sweeps < maxSweeps do
                    sweeps <- sweeps + 1
                    let mutable c = 0.0
                    for k in active do
                        c <- max c (update k)
                    inner <- c > 1e-13 * scale
        let mu = Measure.ofAtoms arr.AmbientDimension (Array.map2 (fun t v -> t, v) grid a)
        { Measure = mu
          Assessment = Gap.assess arr data lambda None mu
          GridSize = m
          Sweeps = sweeps
          Seconds = sw.Elapsed.TotalSeconds }

    /// The baseline on a grid of `count` directions (see `directions`).
    let solve (data: Dataset) (lambda: float) (count: int) =
        onArrangement (Arrangement.ofDataset data) data lambda (directions data.Dimension count 0) 100_000
