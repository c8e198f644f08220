/// Cell enumeration and counting (THEORY.md §3) against oracles that do not enumerate: Cover's
/// formula for general position, the published threshold-function table, Zaslavsky's theorem in
/// exact integer arithmetic for degenerate data, and brute-force sampling of sign vectors.
module TvRelu.Core.Tests.CountingTests

open System
open System.Collections.Generic
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open TvRelu.Core.Tests.Oracles
open TvRelu.Core.Tests.Generators
open TvRelu.Core.Data
open TvRelu.Core.Arrangements

let private subsetLimit = 1_000_000L

// ---------------------------------------------------------------------------------------------
// Cover's formula itself, against hand closed forms.

[<Property(MaxTest = 300)>]
let ``Cover's count equals its closed forms`` (m0: PositiveInt) (d0: PositiveInt) =
    let m = m0.Get % 60 + 1
    let d = d0.Get % 6 + 1
    let c = Arrangement.coverCount m d
    // Every sign pattern is realised by at most d + 1 independent hyperplanes.
    if m <= d + 1 then
        Assert.Equal(pown 2I m, c)
    // Lines through the origin of R²: 2m arcs. Planes through the origin of R³: m² − m + 2.
    if d = 1 then
        Assert.Equal(bigint (2 * m), c)

    if d = 2 then
        Assert.Equal(bigint (m * m - m + 2), c)

    Assert.Equal(2I * Seq.sum [ for k in 0..d -> binomial (m - 1) k ], c)
    // Deletion–restriction in general position: C(m, d) = C(m − 1, d) + C(m − 1, d − 1).
    if m >= 2 then
        Assert.Equal(Arrangement.coverCount (m - 1) d + Arrangement.coverCount (m - 1) (d - 1), c)

[<Fact>]
let ``Cover's count, hand table`` () =
    Assert.Equal(1I, Arrangement.coverCount 0 3)
    Assert.Equal(14I, Arrangement.coverCount 4 2)
    Assert.Equal(2I * (1I + 9I + 36I + 84I), Arrangement.coverCount 10 3)
    Assert.Equal(1124I, Arrangement.coverCount 12 4)

// ---------------------------------------------------------------------------------------------
// Gaussian data: general position with probability one, so Cover's count is exact.

let private checkGeneralPosition (data: Dataset) =
    let arr = Arrangement.ofDataset data
    Assert.Equal(data.Count, arr.HyperplaneCount)
    Assert.Equal(Some true, Arrangement.generalPosition subsetLimit arr)
    Assert.Equal(Arrangement.coverCount data.Count data.Dimension, bigint arr.CellCount)
    // N ≤ d + 1 independent hyperplanes realise every sign pattern.
    if data.Count <= data.Dimension + 1 then
        Assert.Equal(pown 2 data.Count, arr.CellCount)

[<Property(Arbitrary = [| typeof<GaussianInputs> |], MaxTest = 120)>]
let ``Gaussian inputs give Cover's count and are in general position`` (case: GaussianData) = checkGeneralPosition case.Dataset

[<Fact>]
let ``Cover's count for larger Gaussian data in d = 1..4`` () =
    let rng = Random 20240601

    for d, n in [ 1, 200; 2, 60; 3, 25; 4, 16 ] do
        let x = Array.init n (fun _ -> gaussianVector rng d)
        checkGeneralPosition (Dataset.CreateOrRaise(x, Array.zeroCreate n))

// ---------------------------------------------------------------------------------------------
// The threshold-function table (Muroga 1971; OEIS A000609).

let private cube (dim: int) =
    let x =
        Array.init (1 <<< dim) (fun v -> Array.init dim (fun k -> float ((v >>> k) &&& 1)))

    Dataset.CreateOrRaise(x, Array.zeroCreate x.Length)

[<Fact>]
let ``the cube table from expected.json: 14, 104, 1882 cells`` () =
    let cases = Reference.countCases ()
    Assert.Equal<int list>([ 14; 104; 1882 ], cases |> List.map (fun c -> c.Cells))

    for c in cases do
        let data = Reference.load c.Data
        let arr = Arrangement.ofDataset data
        Assert.True((c.Cells = arr.CellCount), sprintf "%s: %d cells, expected %d" c.Data arr.CellCount c.Cells)
        // The cube data are integers: Zaslavsky's theorem gives the same number exactly.
        let normals =
            data.Inputs |> Array.map (fun r -> Array.append (Array.map int64 r) [| 1L |])

        Assert.Equal(int64 c.Cells, zaslavskyCells normals)

[<Fact>]
let ``the 1-cube has 4 cells and the 5-cube 94572`` () =
    Assert.Equal(4, (Arrangement.ofDataset (cube 1)).CellCount)
    Assert.Equal(94572, (Arrangement.ofDataset (cube 5)).CellCount)

[<Fact>]
let ``reference solve cases have the expected cells with active neurons`` () =
    for c in Reference.solveCases () do
        let arr = Arrangement.ofDataset (Reference.load c.Data)

        Assert.True(
            (c.CellsWithActiveNeurons = arr.CellsWithActiveNeurons),
            sprintf "%O: %d cells with active neurons, expected %d" c arr.CellsWithActiveNeurons c.CellsWithActiveNeurons
        )

// ---------------------------------------------------------------------------------------------
// Degenerate data: exact oracles on the integer points.

/// The cell count is Zaslavsky's exact count, the hyperplanes are the distinct inputs, and general
/// position is decided as the exact minors decide it, at every scale.
[<Property(Arbitrary = [| typeof<CountingData> |], MaxTest = 150)>]
let ``cell count, hyperplanes and general position match exact integer oracles`` (case: LatticeData) =
    let arr = Arrangement.ofDataset case.Dataset
    let normals, rowMap = case.ExactHyperplanes
    Assert.Equal(normals.Length, arr.HyperplaneCount)
    Assert.Equal<int>(rowMap, arr.RowToHyperplane)
    Assert.Equal(zaslavskyCells normals, int64 arr.CellCount)
    Assert.Equal(Some(generalPositionExact normals), Arrangement.generalPosition subsetLimit arr)

/// Cases the properties found: three collinear points, and points on one ray, at scale 1e6 gave
/// nearly parallel unit normals whose restrictions lost their directions to rounding (30 cells for
/// 28, 82 for 84). Scaling x is a linear map of the neurons, so every scale has Zaslavsky's count.
[<Fact>]
let ``degenerate data keep the exact cell count at every scale`` () =
    let cases =
        [
            [|
                [| -2; 2 |]
                [| -1; -1 |]
                [| -1; 0 |]
                [| 0; 0 |]
                [| 0; 0 |]
                [| 2; -1 |]
                [| -1; 1 |]
            |]
            [|
                [| -3; -11; 14 |]
                [| -20; -15; 1 |]
                [| -9; -5; 1 |]
                [| -15; -5; 17 |]
                [| -20; -11; -5 |]
                [| 4; -8; 5 |]
                [| -11; 19; 6 |]
            |]
            [|
                [| 1; 1; 2 |]
                [| 1; 1; -1 |]
                [| 0; 0; 1 |]
                [| 1; -1; 1 |]
                [| -2; 1; -2 |]
            |]
        ]

    for pts in cases do
        let normals, _ = distinctRows pts
        let expected = zaslavskyCells (normals |> Array.map augmentInt)

        for s in [ 1.0; 1e6; 1e-6; 1e9; 1e-9 ] do
            let x = pts |> Array.map (Array.map (fun k -> float k * s))

            let arr =
                Arrangement.ofDataset (Dataset.CreateOrRaise(x, Array.zeroCreate x.Length))

            Assert.True((expected = int64 arr.CellCount), sprintf "scale %g: %d cells, expected %d" s arr.CellCount expected)

/// Appending copies of rows with other labels changes no hyperplane and no cell.
[<Property(Arbitrary = [| typeof<CountingData> |], MaxTest = 80)>]
let ``duplicate rows leave the cell count unchanged`` (case: LatticeData) (picks: NonEmptyArray<NonNegativeInt>) =
    let x = case.Inputs
    let extra = picks.Get |> Array.map (fun p -> x.[p.Get % x.Length])

    let labels =
        Array.append case.Labels (extra |> Array.mapi (fun i _ -> float i + 0.5))

    let doubled = Dataset.CreateOrRaise(Array.append x extra, labels)
    let a = Arrangement.ofDataset case.Dataset
    let b = Arrangement.ofDataset doubled
    Assert.Equal(a.HyperplaneCount, b.HyperplaneCount)
    Assert.Equal(a.CellCount, b.CellCount)
    Assert.Equal(a.CellsWithActiveNeurons, b.CellsWithActiveNeurons)

[<Property(Arbitrary = [| typeof<GaussianInputs> |], MaxTest = 40)>]
let ``duplicating Gaussian rows keeps Cover's count of the distinct rows`` (case: GaussianData) =
    let x = Array.append case.X case.X
    let data = Dataset.CreateOrRaise(x, Array.init x.Length float)
    let arr = Arrangement.ofDataset data
    Assert.Equal(case.X.Length, arr.HyperplaneCount)
    Assert.Equal(Arrangement.coverCount case.X.Length case.D, bigint arr.CellCount)

// ---------------------------------------------------------------------------------------------
// Every cell is real: its interior point has its sign vector, with no zero.

/// The sign of every data row at θ, or None when some ⟨θ, x̃_i⟩ is zero to rounding (relative
/// 1e-14, a few hundred ulps: the sign of a larger value is certain).
let private rowSigns (xt: float[][]) (theta: float[]) =
    let s = xt |> Array.map (fun x -> signWithin 1e-14 theta x)
    if Array.contains 0 s then None else Some s

let private signKey (s: int[]) =
    String(s |> Array.map (fun v -> if v > 0 then '+' else '-'))

/// The cells' sign vectors over the data rows, checked on the interior points by direct
/// evaluation.
let private checkedCellSigns (case: LatticeData) (arr: Arrangement) =
    let xt = case.Augmented
    let rowMap = arr.RowToHyperplane

    [|
        for c in 0 .. arr.CellCount - 1 do
            let cell = arr.Cell c
            Assert.Equal(c, cell.Index)
            Assert.True(abs (norm cell.Interior - 1.0) < 1e-12, "interior point not a unit vector")

            match rowSigns xt cell.Interior with
            | None -> failwithf "cell %d: interior point %A lies on a hyperplane" c cell.Interior
            | Some s ->
                Assert.True(cell.Signs.IsCell)

                for i in 0 .. xt.Length - 1 do
                    if s.[i] <> cell.Signs.[rowMap.[i]] then
                        failwithf "cell %d: row %d has sign %d at the interior point but the cell says %d" c i s.[i] cell.Signs.[rowMap.[i]]

                yield signKey s
    |]

[<Property(Arbitrary = [| typeof<HardData> |], MaxTest = 120)>]
let ``every enumerated cell has a true interior point and a distinct sign vector`` (case: LatticeData) =
    let arr = Arrangement.ofDataset case.Dataset
    let keys = checkedCellSigns case arr
    Assert.Equal(keys.Length, (HashSet keys).Count)
    Assert.Equal(keys |> Array.filter (fun k -> k.Contains '+') |> Array.length, arr.CellsWithActiveNeurons)
    // Facets: exactly the hyperplanes whose flip gives another cell's sign vector.
    let byKey = HashSet(arr.Cells |> Seq.map (fun c -> c.Signs.ToString()))

    for c in arr.Cells do
        let s = c.Signs.ToString().ToCharArray()

        let expected =
            [|
                for h in 0 .. s.Length - 1 do
                    let t = Array.copy s
                    t.[h] <- (if t.[h] = '+' then '-' else '+')

                    if byKey.Contains(String t) then
                        yield h
            |]

        Assert.Equal<int>(expected, arr.Facets c.Index)

/// Random directions on the sphere: every sign vector met is an enumerated cell, so the number
/// met never exceeds the exact count.
let private sampledCells (case: LatticeData) (samples: int) =
    let xt = case.Augmented
    let rng = case.Rng
    let seen = HashSet<string>()

    for _ in 1..samples do
        match rowSigns xt (randomUnit rng (case.D + 1)) with
        | Some s -> seen.Add(signKey s) |> ignore
        | None -> ()

    seen

[<Property(Arbitrary = [| typeof<HardData> |], MaxTest = 80)>]
let ``sampled sign vectors are enumerated cells`` (case: LatticeData) =
    let arr = Arrangement.ofDataset case.Dataset
    let cells = HashSet(checkedCellSigns case arr)
    let seen = sampledCells case 20_000
    Assert.True(seen.Count <= arr.CellCount, sprintf "%d sampled cells > %d enumerated" seen.Count arr.CellCount)

    for s in seen do
        Assert.True(cells.Contains s, sprintf "sampled sign vector %s is not an enumerated cell" s)

/// In d = 1, 2 with few well-separated points, 10^5 random directions meet every cell.
[<Property(Arbitrary = [| typeof<SmallData> |], MaxTest = 40)>]
let ``10^5 random directions find exactly the enumerated cells`` (case: LatticeData) =
    let arr = Arrangement.ofDataset case.Dataset
    let seen = sampledCells case 100_000
    Assert.Equal(arr.CellCount, seen.Count)
    Assert.True(HashSet(checkedCellSigns case arr).SetEquals seen)
