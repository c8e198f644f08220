/// The face complex on the sphere (THEORY.md §3): its f-vector against Zaslavsky's theorem on the
/// restrictions, its Euler characteristic against topology, and d = 1 by hand.
module TvRelu.Core.Tests.FaceTests

open System.Collections.Generic
open Xunit
open FsCheck.Xunit
open TvRelu.Core.Tests.Oracles
open TvRelu.Core.Tests.Generators
open TvRelu.Core.Data
open TvRelu.Core.Arrangements

/// χ of the faces with some nonzero sign: the sphere S^d minus the lineality space's S^{ℓ−1}
/// (ℓ = d + 1 − rank of the inputs, computed exactly): (1 + (−1)^d) − (1 + (−1)^{ℓ−1}).
let private expectedEuler (d: int) (normals: int64[][]) =
    let l = d + 1 - rankExact normals
    let chiSphere k = if k < 0 then 0 else 1 + pown -1 k
    chiSphere d - chiSphere (l - 1)

[<Property(Arbitrary = [| typeof<CountingData> |], MaxTest = 100)>]
let ``face f-vector matches Zaslavsky and the Euler characteristic matches topology`` (case: LatticeData) =
    let arr = Arrangement.ofDataset case.Dataset
    let faces = Faces.enumerate arr
    let f = Faces.fVector arr faces
    let normals, _ = case.ExactHyperplanes
    Assert.Equal<int64>(zaslavskyFaces (case.D + 1) normals, Array.map int64 f)
    Assert.Equal(arr.CellCount, f.[case.D])
    let chi = Faces.eulerCharacteristic f
    Assert.Equal(expectedEuler case.D normals, chi)
    Assert.Equal(Faces.expectedEulerCharacteristic arr, chi)
    // When the inputs span R^{d+1} this is the §3 value 1 + (−1)^d.
    if rankExact normals = case.D + 1 then
        Assert.Equal(1 + pown -1 case.D, chi)

/// Each face's interior point has the face's sign vector, zero exactly on the hyperplanes that
/// contain the face; its dimension is that of the flat they cut out; faces are distinct.
[<Property(Arbitrary = [| typeof<HardData> |], MaxTest = 80)>]
let ``every face has a true relative interior point and the right dimension`` (case: LatticeData) =
    let arr = Arrangement.ofDataset case.Dataset
    let normals, rowMap = case.ExactHyperplanes
    let xt = case.Augmented
    let seen = HashSet<string>()

    for face in Faces.enumerate arr do
        Assert.True(abs (norm face.Interior - 1.0) < 1e-12)
        let signs = face.Signs.ToArray()
        Assert.True(Array.exists ((<>) 0) signs, "a face with every sign zero")

        for i in 0 .. xt.Length - 1 do
            // Zero: on the hyperplane to 1e-9 (the enumeration's own tolerance); otherwise a sign
            // that rounding cannot flip.
            let expected = signs.[rowMap.[i]]
            let s = signWithin (if expected = 0 then 1e-9 else 1e-14) face.Interior xt.[i]

            if s <> expected then
                failwithf "face %O (dim %d): row %d has sign %d at the interior point %A" face.Signs face.Dimension i s face.Interior

        let zeroRows =
            [|
                for h in 0 .. signs.Length - 1 do
                    if signs.[h] = 0 then
                        yield normals.[h]
            |]

        Assert.Equal(case.D - rankExact zeroRows, face.Dimension)
        Assert.True(seen.Add(face.Signs.ToString()), sprintf "face %O listed twice" face.Signs)

/// d = 1 by hand: m ≥ 2 distinct inputs give m lines through the origin of R², which cut the
/// circle at 2m points into 2m arcs; a single distinct input gives one line, whose two points have
/// every sign zero (not faces), and 2 arcs.
[<Property(Arbitrary = [| typeof<CountingData> |], MaxTest = 80)>]
let ``d = 1 f-vector by hand`` (case: LatticeData) =
    if case.D = 1 then
        let m = (case.Points |> Array.distinct).Length

        let f =
            Faces.fVector (Arrangement.ofDataset case.Dataset) (Faces.enumerate (Arrangement.ofDataset case.Dataset))

        let expected = if m >= 2 then [| 2 * m; 2 * m |] else [| 0; 2 |]
        Assert.Equal<int>(expected, f)

[<Fact>]
let ``collinear points in the plane: no vertices, 2m edges, 2m cells, chi = 0`` () =
    // Three distinct collinear points in d = 2: the augmented inputs span a plane of R³ (ℓ = 1).
    let data =
        Dataset.CreateOrRaise([| [| 0.0; 0.0 |]; [| 1.0; 1.0 |]; [| 2.0; 2.0 |] |], [| 0.0; 0.0; 0.0 |])

    let arr = Arrangement.ofDataset data
    let f = Faces.fVector arr (Faces.enumerate arr)
    Assert.Equal<int>([| 0; 6; 6 |], f)
    Assert.Equal(0, Faces.eulerCharacteristic f)
    Assert.Equal(0, Faces.expectedEulerCharacteristic arr)
