/// The vertex reduction and the uniqueness test of THEORY.md §5 on minimisers built backwards, so that the optimal
/// set is known before the library is asked. On x = (−2, −1, 0, 1, 2) the dual vector q ⊥ span(1, x) with
/// g(c) = Σ q_i (x_i − c)₊ = (√2, −1, √2) at c = (−1, 0, 1) has η(θ) = η(−θ) (X̃ᵀq = 0) and |η| = 1 exactly at the
/// six points ±θ_c, θ_c = (1, −c)/√(1 + c²), signs (+, −, +) per pair, and below 1 elsewhere (each linear piece of g
/// is monotone in |g|/√(1 + c²) on its segment). Any measure on those six points with those signs is then a minimiser
/// of P_λ(y) for y = λq + Kμ. Six features in R⁵ are dependent: φ(θ_c) − φ(−θ_c) = X̃θ_c, and the three X̃θ_c lie
/// in a plane, with the null vector δ = (√2, −2, √2) on the θ_c and its negative on the −θ_c (mass change 0). This is
/// the d = 1 case |Σ| = 2N − 4 of §3.
module TvRelu.Core.Tests.VertexTests

open System
open Xunit
open TvRelu.Core.Tests.Oracles
open TvRelu.Core.Data
open TvRelu.Core.Arrangements
open TvRelu.Core.Certificates
open TvRelu.Core.Uniqueness
open TvRelu.TestSupport

let private xs = [| -2.0; -1.0; 0.0; 1.0; 2.0 |]
let private rows = xs |> Array.map (fun v -> [| v; 1.0 |])
let private r2 = sqrt 2.0

/// q from g by hand: q5 = g(1), q4 = g(0) − 2q5, q3 = g(−1) − 2q4 − 3q5, then Σq = 0 and Σq x = 0 give q1, q2.
let private q = [| r2; -1.0 - 2.0 * r2; 2.0 + 2.0 * r2; -1.0 - 2.0 * r2; r2 |]

/// The six saturation points (θ_c then −θ_c for c = −1, 0, 1) and their signs.
let private sigma =
    [|
        for c in [ -1.0; 0.0; 1.0 ] do
            let theta = unit [| 1.0; -c |]
            let s = if c = 0.0 then -1.0 else 1.0
            yield theta, s
            yield scale -1.0 theta, s
    |]

/// The null vector of the six features, in the order of `sigma`.
let private delta = [| r2; -r2; -2.0; 2.0; r2; -r2 |]

let private feature (theta: float[]) =
    rows |> Array.map (fun r -> relu (dot theta r))

/// Kμ for atoms (direction, amplitude), from the definition.
let private forward (atoms: (float[] * float)[]) =
    atoms
    |> Array.fold (fun acc (th, a) -> add acc (scale a (feature th))) (Array.zeroCreate rows.Length)

/// Numerical rank of the columns (independent of the library's SVD): a column whose orthogonalised part is below
/// 1e-8 of its norm is dependent.
let private rank (columns: float[][]) = (orthonormalBasis 1e-8 columns).Length

/// The minimiser on all six points with amplitudes s_j a_j (a_j ∈ [0.2, 2.2]) and the labels it is optimal for.
let private problem (seed: int) =
    let rng = Random(seed)
    let lambda = 10.0 ** (-3.0 + 5.0 * rng.NextDouble())

    let atoms =
        sigma |> Array.map (fun (th, s) -> th, s * (0.2 + 2.0 * rng.NextDouble()))

    let y = add (scale lambda q) (forward atoms)
    let data = Dataset.CreateOrRaise(xs |> Array.map (fun v -> [| v |]), y)
    data, lambda, atoms

[<Fact>]
let ``the construction is what the module comment says`` () =
    // g at the knots, q ⊥ span(1, x), and |η_q| ≤ 1 on 10⁵ directions with equality at the six points.
    let g c =
        Array.fold2 (fun acc qi xi -> acc + qi * relu (xi - c)) 0.0 q xs

    Assert.Equal(r2, g -1.0, 12)
    Assert.Equal(-1.0, g 0.0, 12)
    Assert.Equal(r2, g 1.0, 12)
    Assert.Equal(0.0, Array.sum q, 12)
    Assert.Equal(0.0, Array.fold2 (fun acc qi xi -> acc + qi * xi) 0.0 q xs, 12)

    let sampled =
        Array.init 100_000 (fun t -> let a = 2.0 * Math.PI * float t / 1e5 in abs (eta rows q 1.0 [| cos a; sin a |]))

    Assert.True(Array.max sampled <= 1.0 + Accuracy.Rounding)

    for th, s in sigma do
        Assert.Equal(s, eta rows q 1.0 th, 12)

    Assert.Equal(5, rank (sigma |> Array.map (fst >> feature)))
    let moved = forward (Array.map2 (fun (th, _) d -> th, d) sigma delta)
    Assert.True(norm moved <= Accuracy.Rounding, sprintf "Φδ = %g" (norm moved))

[<Fact>]
let ``a minimiser on six dependent points reduces to a vertex with the same fit and mass`` () =
    for seed in 1..12 do
        let data, lambda, atoms = problem seed
        let arr = Arrangement.ofDataset data
        let mu = Measure.ofAtoms 2 atoms
        Assert.Equal(6, mu.Count)
        let assessment = Gap.assess arr data lambda None mu
        Assert.True(assessment.Certified, sprintf "seed %d: the constructed minimiser is not certified" seed)
        let reduced, after = Vertex.reduce arr data lambda None mu assessment
        let kept = reduced.AtomsRaw |> Array.map (fun a -> a.Direction, a.Amplitude)
        let label = sprintf "seed %d (λ = %g)" seed lambda
        // A vertex: at most rank Φ_Σ = 5 atoms, with independent features.
        Assert.True(kept.Length <= 5, sprintf "%s: %d atoms left" label kept.Length)
        Assert.Equal(kept.Length, rank (kept |> Array.map (fst >> feature)))
        Assert.True(after.Certified, label)
        // Still a minimiser: the same Kμ and the same mass, on Σ with Σ's signs.
        let fit = forward atoms
        let drift = distance (forward kept) fit
        Assert.True(drift <= Accuracy.Of(Accuracy.Certified, norm fit), sprintf "%s: Kμ moved by %g" label drift)
        let mass = atoms |> Array.sumBy (snd >> abs)
        let keptMass = kept |> Array.sumBy (snd >> abs)
        Assert.True(abs (keptMass - mass) <= Accuracy.Of(Accuracy.Certified, mass), sprintf "%s: mass %g, was %g" label keptMass mass)

        for th, a in kept do
            let onSigma =
                sigma
                |> Array.exists (fun (p, s) -> distance th p <= Accuracy.Certified && sign a = int s)

            Assert.True(onSigma, sprintf "%s: an atom off Σ or of the wrong sign at %A" label th)

[<Fact>]
let ``uniqueness is refuted by the antipodal dependency and confirmed without it`` () =
    for seed in 1..6 do
        let data, lambda, atoms = problem seed

        let verdict =
            Uniqueness.decide data (sigma |> Array.map (fun (th, s) -> th, int s)) (Array.map snd atoms)

        Assert.Equal(5, verdict.Rank)
        Assert.False(verdict.RankSufficient)
        Assert.False(verdict.Unique)
        // The oracle: a second minimiser μ + tδ, certified, with the same objective.
        let t =
            0.5
            * (Array.map2 (fun (_, a) d -> if a * d < 0.0 then abs (a / d) else infinity) atoms delta
               |> Array.min)

        let other = Array.map2 (fun (th, a) d -> th, a + t * d) atoms delta
        let arr = Arrangement.ofDataset data
        let a1 = Gap.assess arr data lambda None (Measure.ofAtoms 2 atoms)
        let a2 = Gap.assess arr data lambda None (Measure.ofAtoms 2 other)
        Assert.True(a2.Certified)
        Assert.Equal(a1.Objective, a2.Objective, 9)
        Assert.True(distance (Array.map snd atoms) (Array.map snd other) > 0.1 * t)
        // After the vertex step the dropped point carries 0 and the null vector can still move into it.
        let zeroed = Array.copy (Array.map snd atoms)

        let hit =
            Array.map2 (fun (_, a) d -> if a * d < 0.0 then abs (a / d) else infinity) atoms delta

        let j = Array.IndexOf(hit, Array.min hit)
        let vertex = Array.mapi (fun i a -> a + hit.[j] * delta.[i]) zeroed
        vertex.[j] <- 0.0

        let onVertex =
            Uniqueness.decide data (sigma |> Array.map (fun (th, s) -> th, int s)) vertex

        Assert.False(onVertex.Unique, sprintf "seed %d: a vertex of a segment reported unique" seed)

    // Without the dependency: x = (−3, −1, 1, 3), g(−1) = 1, g(1) = −1 saturates at four points with independent
    // features (rank 4), so every measure on them is the unique minimiser.
    let x4 = [| -3.0; -1.0; 1.0; 3.0 |]
    let rows4 = x4 |> Array.map (fun v -> [| v; 1.0 |])

    let points =
        [|
            for c in [ -1.0; 1.0 ] do
                let theta = unit [| 1.0; -c |]
                let s = if c < 0.0 then 1 else -1
                yield theta, s
                yield scale -1.0 theta, s
        |]

    let phi =
        points
        |> Array.map (fun (th, _) -> rows4 |> Array.map (fun r -> relu (dot th r)))

    Assert.Equal(4, rank phi)

    let data4 =
        Dataset.CreateOrRaise(x4 |> Array.map (fun v -> [| v |]), Array.zeroCreate 4)

    let verdict = Uniqueness.decide data4 points [| 1.0; 0.5; -0.7; -1.2 |]
    Assert.True(verdict.Unique && verdict.RankSufficient && verdict.Rank = 4)
