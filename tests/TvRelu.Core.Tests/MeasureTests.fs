/// Measures (THEORY.md §1): the canonical form keeps the network function, and the forward
/// operator, TV norm, objective and residual agree with a ReLU network evaluated directly.
module TvRelu.Core.Tests.MeasureTests

open System
open Xunit
open FsCheck.Xunit
open TvRelu.Core.Tests.Oracles
open TvRelu.Core.Tests.Generators
open TvRelu.Core.Data

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
    Assert.True(tv <= expected + 1e-12 * (1.0 + expected))

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
    Assert.True(distance r (Measure.residual data mu) <= 1e-9 * (1.0 + norm f))
    Assert.True(abs (Measure.objective lambda data mu - j) <= 1e-9 * (1.0 + j))

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
