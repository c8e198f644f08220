/// The limit certificate p* of THEORY.md §6 against closed forms on 1-D teachers of one atom: for an interior atom
/// p* is the least-norm (noise-shifted) solution of s·v_C(p) = θ₀; for an atom on the hyperplane of x_h it is the
/// least-norm solution of s·v_{C−}(p) = θ₀ + β x̃_h with p_h = −sβ, minimised over β ≥ 0 in closed form, so flat
/// (β* = 0) and ridge (β* > 0) are known before the library is asked. Whenever η of the closed form stays below 1
/// off the atom (dense sampling, with a margin) it is p*; whenever it clearly exceeds 1, p* has an active cut and
/// the teacher must not be decided.
module TvRelu.Core.Tests.LimitCertificateTests

open System
open Xunit
open TvRelu.Core.Tests.Oracles
open TvRelu.Core.Data
open TvRelu.Core.Arrangements
open TvRelu.Core.Stability
open TvRelu.TestSupport

/// G⁻¹ v for the 2×2 Gram matrix G = Σ_{i∈S} x̃_i x̃_iᵀ (Cramer's rule).
let private gramSolve (rows: float[][]) (v: float[]) =
    let g = Array2D.zeroCreate 2 2

    for r in rows do
        for a in 0..1 do
            for b in 0..1 do
                g.[a, b] <- g.[a, b] + r.[a] * r.[b]

    let det = g.[0, 0] * g.[1, 1] - g.[0, 1] * g.[1, 0]

    [|
        (g.[1, 1] * v.[0] - g.[0, 1] * v.[1]) / det
        (g.[0, 0] * v.[1] - g.[1, 0] * v.[0]) / det
    |]

/// The largest of |η_p| (λ = 1) off the atom's own closed cells and −s·η_p on them, over 20 000 directions of the
/// circle: on its own cells s·η_p ≤ 1 holds by the equations (Lemma 1), with equality only at θ₀, so this is the
/// off-atom maximum of §6. The own cells are those agreeing with θ₀ on every hyperplane but `through` (if any).
let private sampledAway (rows: float[][]) (p: float[]) (theta0: float[]) (through: int) =
    let s = if eta rows p 1.0 theta0 > 0.0 then 1.0 else -1.0

    let own (theta: float[]) =
        rows
        |> Array.indexed
        |> Array.forall (fun (i, r) -> i = through || (dot theta r > 0.0) = (dot theta0 r > 0.0))

    Array.init 20_000 (fun t -> let a = 2.0 * Math.PI * float t / 20_000.0 in [| cos a; sin a |])
    |> Array.map (fun th -> let e = eta rows p 1.0 th in if own th then -s * e else abs e)
    |> Array.max

/// Distinct 1-D inputs in [−3, 3], at least 0.05 apart (so that no atom is near two hyperplanes). The wide range
/// matters: on [−1, 1] a single boundary atom is never flat (θ₀ᵀG⁻¹x̃_h < 0 in 286 of 286 draws), on [−3, 3] it is
/// in about half.
let private inputs (rng: Random) =
    let n = 5 + rng.Next 6
    let xs = Array.init n (fun _ -> 6.0 * rng.NextDouble() - 3.0) |> Array.sort

    if Array.pairwise xs |> Array.forall (fun (a, b) -> b - a >= 0.05) then
        Some xs
    else
        None

let private datasetOf (xs: float[]) =
    Dataset.CreateOrRaise(xs |> Array.map (fun v -> [| v |]), Array.zeroCreate xs.Length)

/// How the library's verdict compares with the closed form; counted so that every branch is seen.
type private Outcome =
    | Agreed of string
    | RefusedDegenerate
    | Skipped

let private isDecided (status: LimitStatus) =
    match status with
    | Decided _ -> true
    | _ -> false

/// Checks one teacher given the closed-form p and the kind it implies.
let private check (label: string) rows (xs: float[]) theta0 through (p: float[]) (expected: LimitKind) (jump: float option) =
    let data = datasetOf xs
    let arr = Arrangement.ofDataset data
    let s = if eta rows p 1.0 theta0 > 0.0 then 1.0 else -1.0
    let teacher = [| ({ Direction = theta0; Amplitude = s }: Atom) |]
    let away = sampledAway rows p theta0 through

    if away < 0.99 then
        let lc = LimitCertificate.minimalNorm arr data teacher
        Assert.True((lc.Status = Decided expected), sprintf "%s: expected %A, got %A" label expected lc.Status)
        let error = Array.map2 (-) lc.Dual p |> Array.map abs |> Array.max
        Assert.True(error <= Accuracy.Of(Accuracy.Certified, norm p), sprintf "%s: p* is %g from the closed form" label error)
        Assert.True(lc.Margin > 0.0, sprintf "%s: decided with margin %g" label lc.Margin)

        match jump with
        | Some j ->
            Assert.Equal(1, lc.Jumps.Length)
            Assert.True(abs (lc.Jumps.[0].Jump - j) <= Accuracy.Certified, sprintf "%s: jump %g, closed form %g" label lc.Jumps.[0].Jump j)
        | None -> Assert.Empty(lc.Jumps)

        Agreed(sprintf "%A" expected)
    elif away > 1.01 then
        // The closed form violates |η| ≤ 1 off the atom, so p* differs from it by an active cut: degenerate.
        let lc = LimitCertificate.minimalNorm arr data teacher
        Assert.False(isDecided lc.Status, sprintf "%s: |η| of the cut-free p reaches %g, yet %A" label away lc.Status)
        RefusedDegenerate
    else
        Skipped

/// A 1-D teacher of one atom at least 0.05 from every hyperplane with two or more active rows, drawn from the seed
/// (with a noise level α ≤ 0.02 and a unit direction u drawn after it).
let private interiorTeacher (seed: int) =
    let rng = Random(seed)

    match inputs rng with
    | None -> None
    | Some xs ->
        let rows = xs |> Array.map (fun v -> [| v; 1.0 |])
        let theta0 = randomUnit rng 2
        let s = if rng.Next 2 = 0 then -1.0 else 1.0
        let active = rows |> Array.map (fun r -> dot theta0 r > 0.0)
        let clear = rows |> Array.forall (fun r -> abs (dot theta0 (unit r)) >= 0.05)
        let alpha = 0.02 * rng.NextDouble()
        let u = unit (gaussianVector rng rows.Length)

        if clear && (active |> Array.filter id |> Array.length) >= 2 then
            Some(xs, rows, theta0, s, active, alpha, u)
        else
            None

[<Fact>]
let ``an interior atom's limit certificate is the least-norm solution of its equations`` () =
    let outcomes = ResizeArray()

    for seed in 1..100 do
        match interiorTeacher seed with
        | None -> ()
        | Some(xs, rows, theta0, s, active, _, _) ->
            let w =
                gramSolve (rows |> Array.filter (fun r -> dot theta0 r > 0.0)) (scale s theta0)

            let p = Array.init rows.Length (fun i -> if active.[i] then dot rows.[i] w else 0.0)
            outcomes.Add(check (sprintf "seed %d" seed) rows xs theta0 -1 p Interior None)

    let agreed = outcomes |> Seq.filter (fun o -> o = Agreed "Interior") |> Seq.length
    let refused = outcomes |> Seq.filter ((=) RefusedDegenerate) |> Seq.length
    Assert.True(agreed >= 8 && refused >= 2, sprintf "agreed %d, refused %d: both branches must be exercised" agreed refused)

[<Fact>]
let ``noise shifts the interior certificate to the nearest point of the affine set`` () =
    let mutable agreed = 0

    for seed in 1..100 do
        match interiorTeacher seed with
        | None -> ()
        | Some(xs, rows, theta0, s, active, alpha, u) ->
            // p_S = αu_S + X_Sᵀ G⁻¹ (sθ₀ − X_S αu_S); off S nothing constrains p, so p_i = αu_i.
            let pulled =
                Array.init 2 (fun k ->
                    s * theta0.[k]
                    - (Array.init rows.Length (fun i -> if active.[i] then alpha * u.[i] * rows.[i].[k] else 0.0)
                       |> Array.sum))

            let w = gramSolve (rows |> Array.filter (fun r -> dot theta0 r > 0.0)) pulled

            let p =
                Array.init rows.Length (fun i -> alpha * u.[i] + (if active.[i] then dot rows.[i] w else 0.0))

            if sampledAway rows p theta0 -1 < 0.99 then
                let data = datasetOf xs
                let arr = Arrangement.ofDataset data
                let teacher = [| ({ Direction = theta0; Amplitude = s }: Atom) |]
                let lc = LimitCertificate.ofTeacher arr data teacher alpha u
                Assert.Equal(Decided Interior, lc.Status)
                let error = Array.map2 (-) lc.Dual p |> Array.map abs |> Array.max
                Assert.True(error <= Accuracy.Of(Accuracy.Certified, norm p), sprintf "seed %d: p* is %g from the closed form" seed error)
                agreed <- agreed + 1

    Assert.True(agreed >= 8, sprintf "only %d noisy teachers were checked" agreed)

[<Fact>]
let ``a boundary atom is flat or a ridge exactly as the closed form's beta says`` () =
    let outcomes = ResizeArray()

    for seed in 1..200 do
        let rng = Random(seed)

        match inputs rng with
        | None -> ()
        | Some xs ->
            let rows = xs |> Array.map (fun v -> [| v; 1.0 |])
            let h = rng.Next xs.Length
            // θ₀ ⊥ x̃_h: the kink of the neuron sits on the data point x_h, pointing either way.
            let theta0 = scale (if rng.Next 2 = 0 then -1.0 else 1.0) (unit [| 1.0; -xs.[h] |])
            let s = if rng.Next 2 = 0 then -1.0 else 1.0
            let minus = rows |> Array.mapi (fun i r -> i <> h && dot theta0 r > 0.0)

            let sMinus =
                rows |> Array.indexed |> Array.filter (fun (i, _) -> minus.[i]) |> Array.map snd

            if sMinus.Length >= 2 then
                // f(β) = (θ₀ + βx̃_h)ᵀ G⁻¹ (θ₀ + βx̃_h) + β², minimised over β ≥ 0 (THEORY.md §6: p_h = −s(β + ν), ν = 0).
                let gX = gramSolve sMinus rows.[h]
                let beta = max 0.0 (-(dot theta0 gX) / (dot rows.[h] gX + 1.0))
                let w = gramSolve sMinus (scale s (add theta0 (scale beta rows.[h])))

                let p =
                    Array.init rows.Length (fun i ->
                        if minus.[i] then dot rows.[i] w
                        elif i = h then -s * beta
                        else 0.0)

                let kind = if beta = 0.0 then BoundaryFlat else BoundaryRidge
                outcomes.Add(check (sprintf "seed %d" seed) rows xs theta0 h p kind (Some(-s * beta)))

    let count o =
        outcomes |> Seq.filter ((=) o) |> Seq.length

    let flat, ridge = count (Agreed "BoundaryFlat"), count (Agreed "BoundaryRidge")
    Assert.True(flat >= 3 && ridge >= 3, sprintf "flat %d, ridge %d: both kinds must be exercised" flat ridge)

[<Fact>]
let ``rationals with terms beyond the double range convert to the nearest doubles`` () =
    // p* over the rationals reached terms of thousands of bits (low-noise-interior, seed 5086659856221309099), where
    // Fraction.ToDouble gives NaN: both terms overflow to infinity before the division.
    let big = System.Numerics.BigInteger.Pow(System.Numerics.BigInteger(2), 3000)
    let f = Fractions.Fraction(3I * big + 1I, big)

    Assert.True(
        Double.IsNaN(f.ToDouble())
        || Double.IsInfinity(f.ToDouble())
        || f.ToDouble() = 3.0
    )

    Assert.Equal(3.0, TvRelu.Core.Numerics.Rational.toFloat f)

    Assert.Equal(-2.0 / 3.0, TvRelu.Core.Numerics.Rational.toFloat (Fractions.Fraction(-2I * big - 1I, 3I * big)), 15)

    Assert.Equal(0.0, TvRelu.Core.Numerics.Rational.toFloat (Fractions.Fraction(System.Numerics.BigInteger.Zero, big)))
    // Exact on doubles of every magnitude, subnormals included.
    for x in [ 1.0; -0.1; 1e300; -1e-300; 5e-324; 123456.789 ] do
        Assert.Equal(x, TvRelu.Core.Numerics.Rational.toFloat (TvRelu.Core.Numerics.Rational.ofFloat x))
