namespace TvRelu.ProofsChecks.Claims

open TvRelu.ProofsChecks
open TvRelu.Core.Data
open TvRelu.Core.Arrangements
open TvRelu.Core.Solver

/// Problems built backwards with a known optimal set that is not a single point (THEORY.md §3, §5): d = 1, sorted
/// inputs x_0 < … < x_{N−1}, and a dual vector q ⊥ span(1, x) (so η(θ) = η(−θ)) whose spline
/// g(c) = Σ_i q_i (x_i − c)₊ takes the values s_k √(1 + x_k²) at the interior knots, signs alternating. Then
/// η_q = ±1 at the 2(N − 2) = 2N − 4 points ±θ_k, θ_k = (1, −x_k)/√(1 + x_k²), and the face oracle checks that
/// |η_q| < 1 elsewhere (draws where a linear piece peaks inside its segment are rejected). Any measure on those points
/// with those signs is a minimiser of P_λ(y) for y = λq + Kμ: so the conjecture's bound |Σ| ≤ 2N − 4 is attained,
/// and the 2N − 4 > N features are dependent (the vertex reduction of §5 has work to do).
module Antipodal =

    /// q ⊥ span(1, x) with g(x_k) = target_k for k = 1 … N − 2, by back substitution: g(x_k) involves q_{k+1} … q_{N−1}
    /// only, and the two moment equations then fix q_0 and q_1. g vanishes left of x_0 (Σq = 0, Σqx = 0) and right
    /// of x_{N−1}.
    let dualOf (xs: float[]) (targets: float[]) =
        let n = xs.Length
        let q = Array.zeroCreate<float> n

        for k in n - 2 .. -1 .. 1 do
            let known = seq { k + 2 .. n - 1 } |> Seq.sumBy (fun i -> q.[i] * (xs.[i] - xs.[k]))

            q.[k + 1] <- (targets.[k - 1] - known) / (xs.[k + 1] - xs.[k])

        let s = q.[2..] |> Array.sum
        let t = Array.fold2 (fun acc qi xi -> acc + qi * xi) 0.0 q.[2..] xs.[2..]
        // q_0 + q_1 = −s, x_0 q_0 + x_1 q_1 = −t.
        q.[1] <- (-t + xs.[0] * s) / (xs.[1] - xs.[0])
        q.[0] <- -s - q.[1]
        q

    /// The saturation points ±θ_k with their signs, for the interior knots of the sorted inputs.
    let points (xs: float[]) (signs: float[]) =
        [|
            for k in 1 .. xs.Length - 2 do
                let r = sqrt (1.0 + xs.[k] * xs.[k])
                let theta = [| 1.0 / r; -xs.[k] / r |]
                yield theta, signs.[k - 1]
                yield Array.map (~-) theta, signs.[k - 1]
        |]

    /// Sorted inputs at least 0.2 apart in [−2.5, 2.5]; x = (−2, −1, 0, 1, 2) when twenty draws fail.
    let private inputs (rng: Rng) (n: int) =
        let draw () =
            Array.init n (fun _ -> rng.Uniform(-2.5, 2.5)) |> Array.sort

        seq { 1..20 }
        |> Seq.map (fun _ -> draw ())
        |> Seq.tryFind (fun xs -> Array.pairwise xs |> Array.forall (fun (a, b) -> b - a >= 0.2))
        |> Option.defaultValue [| -2.0; -1.0; 0.0; 1.0; 2.0 |]

    /// The d = 1 problem y = λ p + Kμ built backwards from a dual p (η = ⟨p, φ⟩, the `scale` of the dual stored in
    /// Duals: 1 for p itself, λ for q = λ p) and a measure μ on {|η| = 1}: μ is then a minimiser of P_λ(y) — when the
    /// face oracle finds sup |η| = 1, else None (the draw is not of its family).
    let knownOptimum (kind: string) (seed: int64) (xs: float[]) (lambda: float) (p: float[]) (scale: float) atoms =
        let rows = xs |> Array.map (fun v -> [| v |])

        let y =
            xs |> Array.mapi (fun i x -> lambda * p.[i] + Generate.network atoms [| x |])

        let data = Dataset.CreateOrRaise(rows, y)
        let arr = Arrangement.ofDataset data
        let sup, _, _ = FaceOracle.supremumAbs arr data 1.0 p

        if abs (sup - 1.0) <= 1e-12 then
            Some
                {
                    Seed = seed
                    Kind = kind
                    Inputs = rows
                    Labels = y
                    Duals = p |> Array.map (fun v -> scale * v)
                    LambdaFraction = lambda / Solve.lambdaMax arr data
                    Teacher = atoms
                }
        else
            None

    /// A problem of the family with its known minimiser (the teacher: every point of Σ, amplitudes s_k · U(0.2, 2)),
    /// or None when the face oracle finds |η_q| above 1 off the points (then the draw is not of the family).
    let generate (rng: Rng) : Problem option =
        let n = rng.Int(5, 8)
        let xs = inputs rng n
        let first = if rng.Bernoulli 0.5 then 1.0 else -1.0

        let signs =
            Array.init (xs.Length - 2) (fun k -> if k % 2 = 0 then first else -first)

        let q =
            dualOf xs (Array.init (xs.Length - 2) (fun k -> signs.[k] * sqrt (1.0 + xs.[k + 1] * xs.[k + 1])))

        let sigma = points xs signs
        let lambda = rng.LogUniform(1e-3, 10.0)
        let atoms = sigma |> Array.map (fun (th, s) -> th, s * rng.Uniform(0.2, 2.0))
        knownOptimum "antipodal" rng.Seed xs lambda q 1.0 atoms
