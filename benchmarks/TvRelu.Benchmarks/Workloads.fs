/// The seeded problems behind every performance number the project reports (issues 2 and 3).
module TvRelu.Benchmarks.Workloads

open System
open TvRelu.Core.Data
open TvRelu.Core.Arrangements
open TvRelu.Core.Solver

let private gaussian (rnd: Random) =
    sqrt (-2.0 * log (1.0 - rnd.NextDouble()))
    * cos (2.0 * Math.PI * rnd.NextDouble())

/// All 2^D vertices of the unit cube (the threshold-function inputs, OEIS A000609).
let cube (dim: int) =
    let x =
        Array.init (1 <<< dim) (fun i -> Array.init dim (fun k -> float ((i >>> k) &&& 1)))

    Dataset.CreateOrRaise(x, Array.zeroCreate x.Length)

/// N standard Gaussian inputs in R^d with labels from a three-neuron teacher plus noise 0.1.
let teacher (seed: int) (d: int) (n: int) =
    let rnd = Random(seed)
    let x = Array.init n (fun _ -> Array.init d (fun _ -> gaussian rnd))
    let neurons = Array.init 3 (fun _ -> Array.init (d + 1) (fun _ -> gaussian rnd))

    let y =
        x
        |> Array.map (fun (xi: float[]) ->
            let clean =
                neurons
                |> Array.sumBy (fun (t: float[]) ->
                    let mutable z = t.[d]

                    for k in 0 .. d - 1 do
                        z <- z + t.[k] * xi.[k]

                    max 0.0 z)

            clean + 0.1 * gaussian rnd)

    Dataset.CreateOrRaise(x, y)

/// λ = 1% of λ_max for the teacher data: a regime with several atoms, far from both extremes.
let lambdaFor (data: Dataset) =
    0.01 * Solve.lambdaMax (Arrangement.ofDataset data) data
