/// Measures (THEORY.md §1): the canonical form keeps the network function, and the forward
/// operator, TV norm, objective and residual agree with a ReLU network evaluated directly.
module TvRelu.Core.Tests.MeasureTests

open System
open Xunit
open FsCheck.Xunit
open TvRelu.Core.Tests.Oracles
open TvRelu.Core.Tests.Generators
open TvRelu.Core.Data
open TvRelu.TestSupport

/// The network's neurons as raw (unnormalised) atoms, with some repeated on purpose: the same
/// direction with a rescaled weight (same point of the sphere), and a zero amplitude.
let private rawAtoms (case: NetworkCase) =
    let atoms = case.Neurons |> Array.map (fun (c, w, b) -> Array.append w [| b |], c)
    let u0, a0 = atoms.[0]
    Array.append atoms [| scale 3.0 u0, -0.25 * a0; u0, 0.0 |]

let private neuronsOf (atoms: (float[] * float)[]) =
    atoms
    |> Array.map (fun (u: float[], a) -> a, u.[0 .. u.Length - 2], u.[u.Length - 1])

[<Property(Arbitrary = [| typeof<Networks> |], MaxTest = 150)>]
let ``canonical measures keep the network function and normalise, merge and drop atoms`` (case: NetworkCase) =
    let raw = rawAtoms case
    let mu = Measure.ofAtoms (case.Data.D + 1) raw
    let net = neuronsOf raw
    // Positive homogeneity: a σ(⟨u, x̃⟩) = a‖u‖ σ(⟨u/‖u‖, x̃⟩), so f is unchanged.
    for x in case.Data.Inputs do
        let f = network net x

        let tol =
            1e-12
            * (1.0 + (net |> Array.sumBy (fun (c, w, b) -> abs c * (norm w * norm x + abs b))))

        Assert.True(abs (Measure.evaluate mu x - f) <= tol, sprintf "f_μ(x) = %g, network %g" (Measure.evaluate mu x) f)

    Assert.Equal<float>(case.Data.Inputs |> Array.map (Measure.evaluate mu), Measure.forward mu case.Data.Dataset)

    for a in mu.Atoms do
        Assert.True(abs (norm a.Direction - 1.0) <= 1e-14)
        Assert.True(a.Amplitude <> 0.0)
    // Atoms are distinct points, sorted lexicographically.
    let dirs = mu.Atoms |> Array.map (fun a -> a.Direction)

    for i in 0 .. dirs.Length - 1 do
        for j in i + 1 .. dirs.Length - 1 do
            Assert.True(distance dirs.[i] dirs.[j] > Measure.mergeTolerance)

    Assert.Equal<float[]>(Array.sort dirs, dirs)
    // The first neuron and its rescaled copy are one atom of amplitude a‖u‖ (1 − 0.75) = 0.25 a‖u‖.
    let u0, a0 = raw.[0]

    let merged =
        mu.Atoms |> Array.tryFind (fun a -> distance a.Direction (unit u0) <= 1e-9)

    match merged with
    | Some a -> Assert.Equal(0.25 * a0 * norm u0, a.Amplitude, 10)
    | None -> failwith "the first atom disappeared"
    // TV: Σ |a_j| ‖u_j‖ over the network, with the merged pair counting once.
    let expected =
        (case.Neurons
         |> Array.sumBy (fun (c, w, b) -> abs c * norm (Array.append w [| b |])))
        - 0.75 * abs a0 * norm u0

    let tv = Measure.totalVariation mu
    Assert.True(tv <= expected + Accuracy.Of(Accuracy.Rounding, expected))

    if mu.Count = case.Neurons.Length then
        Assert.Equal(expected, tv, 10)

[<Property(Arbitrary = [| typeof<Networks> |], MaxTest = 100)>]
let ``objective and residual agree with the network evaluated directly`` (case: NetworkCase) (lambda0: float) =
    let lambda = if Double.IsFinite lambda0 then abs lambda0 % 10.0 else 1.0
    let atoms = case.Neurons |> Array.map (fun (c, w, b) -> Array.append w [| b |], c)
    let mu = Measure.ofAtoms (case.Data.D + 1) atoms
    let data = case.Data.Dataset
    let f = case.Data.Inputs |> Array.map (network case.Neurons)
    let r = Array.map2 (-) case.Data.Labels f
    let tv = Measure.totalVariation mu
    let j = 0.5 * dot r r + lambda * tv
    Assert.True(distance r (Measure.residual data mu) <= Accuracy.Of(1e-9, norm f))
    Assert.True(abs (Measure.objective lambda data mu - j) <= Accuracy.Of(1e-9, j))

[<Fact>]
let ``opposite atoms at one point cancel, and bad atoms are refused`` () =
    let mu = Measure.ofAtoms 2 [ [| 1.0; 1.0 |], 2.0; [| 2.0; 2.0 |], -1.0 ]
    Assert.Equal(0, mu.Count)
    Assert.Equal(0.0, Measure.totalVariation mu)
    Assert.Equal(0, (Measure.ofAtoms 2 [ [| 0.0; 0.0 |], 5.0 ]).Count)

    Assert.Throws<ArgumentException>(fun () -> Measure.ofAtoms 2 [ [| 1.0 |], 1.0 ] |> ignore)
    |> ignore

    Assert.Throws<ArgumentException>(fun () -> Measure.ofAtoms 2 [ [| 1.0; nan |], 1.0 ] |> ignore)
    |> ignore

    Assert.Throws<ArgumentException>(fun () -> Measure.ofAtoms 2 [ [| 1.0; 0.0 |], infinity ] |> ignore)
    |> ignore

/// 10^5 atoms: 40,000 random directions on S², each given twice (the copy moved by a thousandth of the merge
/// tolerance), and 10,000 more pairs 20 tolerances apart, all shuffled. The canonical form must merge exactly
/// the first kind of pair and keep the second apart; the construction is the oracle. (The merge used to
/// test every kept atom, quadratic in the count: 263 s for a 10^5-neuron network, issue 12. Its cost is
/// measured in benchmarks/, not here.)
[<Fact>]
let ``a measure of 10^5 atoms merges exactly the pairs within the tolerance`` () =
    let rng = Random(20261129)
    let tol = Measure.mergeTolerance
    // u moved by `by` along a random tangent direction (so the distance is `by` to second order).
    let moved (u: float[]) (by: float) =
        let g = randomUnit rng 3
        unit (add u (scale by (unit (sub g (scale (dot g u) u)))))

    let pairs =
        [|
            for _ in 1..40_000 do
                let u = randomUnit rng 3
                let a, b = 1.0 + rng.NextDouble(), 1.0 + rng.NextDouble()
                yield [| u, a; moved u (1e-3 * tol), b |], [ u, a + b ]

            for _ in 1..10_000 do
                let u = randomUnit rng 3
                let v = moved u (20.0 * tol)
                yield [| u, 1.0; v, -2.0 |], [ u, 1.0; v, -2.0 ]
        |]

    let atoms = pairs |> Array.collect fst
    let order = Array.init atoms.Length id |> Array.sortBy (fun _ -> rng.Next())
    let mu = Measure.ofAtoms 3 (order |> Array.map (fun k -> atoms.[k]))
    let expected = pairs |> Array.collect (snd >> List.toArray) |> Array.sortBy fst
    Assert.Equal(expected.Length, mu.Count)

    Array.iter2
        (fun (u, a) (atom: Atom) ->
            Assert.True(distance u atom.Direction <= tol, sprintf "direction %A against %A" atom.Direction u)
            Assert.True(abs (atom.Amplitude - a) <= 1e-12 * abs a, sprintf "amplitude %g, expected %g" atom.Amplitude a))
        expected
        mu.Atoms

/// The merge's grid only narrows the candidates: over directions bunched so that many fall within the radius
/// of one another, it gives every item the same leader as testing every leader made so far.
[<Property(MaxTest = 60)>]
let ``the grid merge gives the leaders of the exhaustive merge`` (seed: int) (bunches: byte) (dimension: byte) =
    let rng = Random(seed)
    let n = 2 + int dimension % 4
    let radius = 10.0 ** -(1.0 + float (rng.Next 8))
    let centres = Array.init (1 + int bunches % 12) (fun _ -> randomUnit rng n)

    let directions =
        Array.init 300 (fun _ ->
            let c = centres.[rng.Next centres.Length]
            unit (add c (scale (radius * 2.0 * rng.NextDouble()) (randomUnit rng n))))

    let group = Array.init directions.Length (fun _ -> rng.Next 2)

    let accepts l i =
        group.[l] = group.[i] && distance directions.[l] directions.[i] <= radius

    let byGrid, _ =
        TvRelu.Core.Numerics.Merge.byDirection radius directions (fun _ -> true) accepts (fun _ _ -> ())

    let exhaustive, _ =
        TvRelu.Core.Numerics.Merge.amongAll directions.Length (fun _ -> true) accepts (fun _ _ -> ())

    byGrid = exhaustive
