/// The streaming exact supremum and cell count (issue 13) against the stored enumeration, which is
/// an independent algorithm (deletion–restriction with every cell stored, a spanning tree of the
/// cells for the pieces), and against the exact integer oracles (Zaslavsky's counts), Cover's count
/// and the reference values. Also: k shards merged are one run, bit for bit.
module TvRelu.Core.Tests.StreamingTests

open System
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open TvRelu.Core.Data
open TvRelu.Core.Arrangements
open TvRelu.Core.Certificates
open TvRelu.Core.Solver
open TvRelu.Core.Tests.Oracles
open TvRelu.Core.Tests.Generators
open TvRelu.Core.Tests.CertificateTests

let private saturationTolerance = 1e-9

let private options =
    { StreamingOptions.Default with
        SaturationTolerance = Some saturationTolerance
        BoundaryTolerance = 1e-9
        MaxDegreeOfParallelism = 2
        CrossCheckCount = true
    }

/// The sign of every data row on a witnessed cell, from its sign vector over hyperplanes.
let private witnessRowSigns (sarr: StreamingArrangement) (w: CellWitness) =
    let signs = StreamingSupremum.signsOf sarr w
    sarr.RowToHyperplane |> Array.map (fun h -> signs.[h])

let private key (s: SignVector) = s.ToString()

// ---------------------------------------------------------------------------------------------
// Counts.

/// Cells, the f-vector (faces of every dimension, enumerated by restriction in `Faces`) and the
/// deletion–restriction count, against the stored enumeration and Zaslavsky's exact counts, d = 1..4
/// on the hard lattice kinds (duplicates, collinear and affine inputs, N < d + 1) at every scale.
[<Property(Arbitrary = [| typeof<CountingData> |], MaxTest = 150)>]
let ``streaming counts equal the stored enumeration and the exact oracles`` (case: LatticeData) =
    let data = case.Dataset
    let arr = Arrangement.ofDataset data
    let normals, rowMap = case.ExactHyperplanes
    let c = StreamingSupremum.countCells options data
    Assert.Equal<int>(rowMap, (StreamingArrangement.ofDataset data).RowToHyperplane)
    Assert.Equal(normals.Length, c.Hyperplanes)
    Assert.Equal(zaslavskyCells normals, c.Cells)
    Assert.Equal(int64 arr.CellCount, c.Cells)

    match c.CellsByDeletionRestriction with
    | Some cells -> Assert.Equal(c.Cells, cells)
    | None -> Assert.True(c.Rank <= 2, sprintf "rank %d without a second count" c.Rank)

    match c.FVector with
    | Some f ->
        Assert.Equal<int64>(Faces.fVector arr (Faces.enumerate arr) |> Array.map int64, f)
        Assert.Equal<int64>(zaslavskyFaces (case.D + 1) normals |> Array.map int64, f)
        Assert.Equal(Some(int64 (Faces.expectedEulerCharacteristic arr)), c.EulerCharacteristic)
    | None -> Assert.True(c.Rank >= 5, sprintf "rank %d without an f-vector" c.Rank)

/// Gaussian inputs are in general position: Cover's count, d = 1..4.
[<Property(Arbitrary = [| typeof<GaussianInputs> |], MaxTest = 60)>]
let ``streaming counts of Gaussian inputs are Cover's`` (case: GaussianData) =
    let c = StreamingSupremum.countCells options case.Dataset
    Assert.Equal(Arrangement.coverCount case.X.Length case.D, bigint c.Cells)

[<Fact>]
let ``reference cell counts`` () =
    for c in Reference.countCases () do
        let counts = StreamingSupremum.countCells options (Reference.load c.Data)
        Assert.True((int64 c.Cells = counts.Cells), sprintf "%s: %d cells, expected %d" c.Data counts.Cells c.Cells)

/// For data (last coordinate 1), θ = (0, …, 0, −1) switches every neuron off, and no other cell
/// does: the cells with an active neuron are all cells but one.
[<Fact>]
let ``reference cells with active neurons`` () =
    for c in Reference.solveCases () do
        let counts = StreamingSupremum.countCells options (Reference.load c.Data)

        Assert.True(
            (int64 c.CellsWithActiveNeurons = counts.Cells - 1L),
            sprintf "%O: %d cells, expected %d with active neurons" c counts.Cells c.CellsWithActiveNeurons
        )

// ---------------------------------------------------------------------------------------------
// Extremes and saturation set.

/// Same sup and inf (to the rounding of a projection), arguments that attain them in the closure
/// of the reported cell, and the same saturation set: the same points with the same signs and
/// interior flags, each the maximiser of the same closed cells.
[<Property(Arbitrary = [| typeof<DualVectors> |], MaxTest = 150)>]
let ``streaming extremes and saturation set equal the stored ones`` (case: DualCase) =
    match setup case with
    | None -> ()
    | Some s ->
        let data = case.Data.Dataset
        let sarr = StreamingArrangement.ofDataset data
        let st = StreamingSupremum.certify options data s.Lambda case.Q

        for stored, streamed, sign in
            [
                Certificate.supremum s.Cert, st.Supremum, 1.0
                Certificate.infimum s.Cert, st.Infimum, -1.0
            ] do
            Assert.True(
                abs (stored.Value - streamed.Value) <= s.ProjTol,
                sprintf "sign %g: stored %.17g, streamed %.17g" sign stored.Value streamed.Value
            )

            Assert.True(abs (norm streamed.Argument - 1.0) <= 1e-12)

            if streamed.Value > s.ProjTol then
                let e = sign * eta s.Xt case.Q s.Lambda streamed.Argument
                Assert.True(abs (e - streamed.Value) <= s.ProjTol, sprintf "η at the argument is %.17g, value %.17g" e streamed.Value)

                match streamed.Cell with
                | Some w ->
                    Assert.True(
                        inClosure s.AngleTol s.Xt (witnessRowSigns sarr w) streamed.Argument,
                        sprintf "argument %A outside its cell" streamed.Argument
                    )
                | None -> failwith "a positive value without a cell"

        Assert.True(st.Consistent)
        Assert.Equal(int64 s.Arr.CellCount, st.Counts.Cells)
        let stored = Certificate.saturation saturationTolerance 1e-9 s.Cert
        let streamed = st.Saturation

        Assert.True(
            stored.Length = streamed.Length,
            sprintf "%d stored saturation points, %d streamed: %A vs %A" stored.Length streamed.Length stored streamed
        )

        for p in stored do
            // The nearest streamed point: at the 1e6 scale the angle allowance exceeds the distance
            // between two saturation points of one needle cell.
            match
                streamed
                |> Array.filter (fun t -> t.Sign = p.Sign && distance t.Direction p.Direction <= 1e-8 + s.AngleTol)
                |> Array.sortBy (fun t -> distance t.Direction p.Direction)
                |> Array.tryHead
            with
            | None -> failwithf "stored saturation point %A (sign %d) not streamed" p.Direction p.Sign
            | Some t ->
                Assert.Equal(p.Interior, t.Interior)
                Assert.True(abs (p.Value - t.Value) <= s.ProjTol)

                let storedCells =
                    p.Cells |> Array.map (fun c -> key (s.Arr.Cell c).Signs) |> Set.ofArray

                let streamedCells =
                    t.Cells |> Array.map (StreamingSupremum.signsOf sarr >> key) |> Set.ofArray

                Assert.Equal<Set<string>>(storedCells, streamedCells)

/// Dual vectors on hard data in d = 4 (rank 5: quotient arrangements enumerated by `Faces`, the
/// generic canonical path): the same sup and inf as the stored enumeration.
type DualVectors4 =
    static member Dual() =
        Arb.fromGen (duals (latticeData [ 4, 6 ] [ 4, 1.0; 1, 1e6 ]))

[<Property(Arbitrary = [| typeof<DualVectors4> |], MaxTest = 40)>]
let ``streaming extremes equal the stored ones in d = 4`` (case: DualCase) =
    match setup case with
    | None -> ()
    | Some s ->
        let st = StreamingSupremum.certify options case.Data.Dataset s.Lambda case.Q

        for stored, streamed in
            [
                (Certificate.supremum s.Cert).Value, st.Supremum.Value
                (Certificate.infimum s.Cert).Value, st.Infimum.Value
            ] do
            Assert.True(abs (stored - streamed) <= s.ProjTol, sprintf "stored %.17g, streamed %.17g" stored streamed)

        Assert.Equal(int64 s.Arr.CellCount, st.Counts.Cells)

/// The violations column generation will ask for (the k largest closed-cell maxima of ±η above a
/// threshold, Lemma 1) are the stored `Certificate.top`'s: the same values, best first.
[<Property(Arbitrary = [| typeof<DualVectors> |], MaxTest = 100)>]
let ``violations equal the stored top cells`` (case: DualCase) =
    match setup case with
    | None -> ()
    | Some s ->
        let threshold = 0.5
        let k = 6

        let st =
            StreamingSupremum.certify
                { options with
                    ViolationThreshold = Some threshold
                    MaxViolations = k
                }
                case.Data.Dataset
                s.Lambda
                case.Q

        let stored =
            Certificate.top k threshold s.Cert |> Array.map (fun (_, _, p) -> p.Norm)

        let streamed = st.Violations |> Array.map (fun v -> v.Projection.Norm)
        Assert.True(stored.Length = streamed.Length, sprintf "stored %A, streamed %A" stored streamed)

        Array.iter2
            (fun (a: float) b -> Assert.True(abs (a - b) <= s.ProjTol, sprintf "stored %A, streamed %A" stored streamed))
            stored
            streamed

/// Residuals q = y − f(x) of small networks (kinks at data points are common): the same sup |η| as
/// the stored enumeration, and λ at that value saturates (sup |η| = 1 exactly).
[<Property(Arbitrary = [| typeof<Networks> |], MaxTest = 100)>]
let ``streaming sup |η| of network residuals equals the stored one`` (case: NetworkCase) =
    let data = case.Data.Dataset

    let q =
        Array.map2 (fun y x -> y - network case.Neurons x) case.Data.Labels case.Data.Inputs

    let arr = Arrangement.ofDataset data
    let stored, _, _ = Certificate.supremumAbs (Certificate.ofDual arr data 1.0 q)
    let st = StreamingSupremum.certify options data 1.0 q
    let xt = case.Data.Augmented

    let lip =
        Seq.max (seq { for c in 0 .. arr.CellCount - 1 -> norm (pieceOf xt q 1.0 (rowSignsOf arr c)) })

    let tol = 1e-12 * (1.0 + etaConditioning xt q 1.0) + 1e-13 * lip * conditioning xt
    Assert.True(abs (stored - st.SupremumAbs) <= tol, sprintf "stored %.17g, streamed %.17g" stored st.SupremumAbs)

    if stored > tol then
        let at = StreamingSupremum.certify options data st.SupremumAbs q
        Assert.Equal(1.0, at.SupremumAbs, 12)

/// The certificate of a reference solve's residual: the supremum the solver certified with.
[<Fact>]
let ``reference solves: streaming sup |η| of the solver's residual equals the stored one`` () =
    for c in Reference.solveCases () do
        let data = Reference.load c.Data
        let solution = Solve.solve data c.Lambda SolverOptions.Default
        let q = solution.Assessment.Residual
        let arr = Arrangement.ofDataset data
        let stored, _, _ = Certificate.supremumAbs (Certificate.ofDual arr data c.Lambda q)
        let st = StreamingSupremum.certify options data c.Lambda q
        Assert.True(abs (stored - st.SupremumAbs) <= 1e-12 * (1.0 + stored), sprintf "%O: %.17g vs %.17g" c stored st.SupremumAbs)

/// With q ≤ 0, η ≤ 0: the supremum is 0 at θ = (0, …, 0, −1), where every neuron is off, and the
/// projections at rounding level are not taken (as `Certificate.supremum` does). The allowance is
/// that of the stored property: on the needle cells of the 1e6 scale the cone projection is only
/// good to its conditioning (both methods project with the same NNLS; overestimation only, which
/// keeps a gap certificate valid).
[<Property(Arbitrary = [| typeof<DualVectors> |], MaxTest = 100)>]
let ``a non-positive dual vector has streaming supremum 0, attained`` (case: DualCase) =
    let q = case.Q |> Array.map (fun v -> -abs v)
    let data = case.Data.Dataset
    let arr = Arrangement.ofDataset data
    let xt = case.Data.Augmented
    let st = StreamingSupremum.certify options data 1.0 q

    let lip =
        Seq.max (seq { for c in 0 .. arr.CellCount - 1 -> norm (pieceOf xt q 1.0 (rowSignsOf arr c)) })

    let tol = 1e-12 * (1.0 + etaConditioning xt q 1.0) + 1e-13 * lip * conditioning xt
    Assert.True(st.Supremum.Value <= tol, sprintf "sup η = %g for q ≤ 0" st.Supremum.Value)
    let e = eta xt q 1.0 st.Supremum.Argument

    Assert.True(
        abs (e - st.Supremum.Value) <= 10.0 * tol,
        sprintf "η at the argument %A is %.17g, value %.17g" st.Supremum.Argument e st.Supremum.Value
    )

// ---------------------------------------------------------------------------------------------
// Work items, threads and shards.

/// Partials of k shards, given in any order, merge to exactly the one-run answer; so do the runs
/// with one and with two threads.
[<Property(Arbitrary = [| typeof<DualVectors> |], MaxTest = 60)>]
let ``k shards merged equal one run`` (case: DualCase) (k0: PositiveInt) =
    let data = case.Data.Dataset
    let k = k0.Get % 5 + 1

    let one =
        StreamingSupremum.certify
            { options with
                MaxDegreeOfParallelism = 1
            }
            data
            1.0
            case.Q

    let two = StreamingSupremum.certify options data 1.0 case.Q
    Assert.True((one = two), "one thread and two threads differ")
    let rng = case.Data.Rng

    let parts =
        [|
            for i in 0 .. k - 1 -> StreamingSupremum.partial options data 1.0 case.Q i k
        |]
        |> Array.sortBy (fun _ -> rng.Next())

    // Through their JSON files, as `tvrelu certificate merge` reads them.
    let reread =
        parts
        |> Array.map (fun p ->
            match StreamingPartialJson.parse (StreamingPartialJson.write p) with
            | Ok q -> q
            | Error e -> failwithf "a written partial does not read back: %s" e)

    Assert.True((reread = parts), "a partial read back differs from the one written")

    match StreamingSupremum.merge reread with
    | Error e -> failwithf "merge refused: %s" e
    | Ok merged -> Assert.True((merged = one), sprintf "%d shards merged: %A\none run: %A" k merged one)

/// Rank 2 (d = 1) splits the circle into arc ranges: 300 points give 18 work items.
[<Fact>]
let ``arc ranges of one circle: shards merged equal one run and the stored answer`` () =
    let rng = Random 11
    let x = Array.init 300 (fun _ -> [| gaussian rng |])
    let q = Array.init 300 (fun _ -> gaussian rng)
    let data = Dataset.CreateOrRaise(x, q)
    let arr = Arrangement.ofDataset data
    let cert = Certificate.ofDual arr data 1.0 q
    let one = StreamingSupremum.certify options data 1.0 q
    Assert.Equal(18, StreamingSupremum.itemCount (StreamingArrangement.ofDataset data))
    Assert.Equal(int64 arr.CellCount, one.Counts.Cells)
    Assert.Equal((Certificate.supremum cert).Value, one.Supremum.Value, 12)
    Assert.Equal((Certificate.infimum cert).Value, one.Infimum.Value, 12)

    for k in [ 2; 5; 7 ] do
        let parts =
            [| for i in 0 .. k - 1 -> StreamingSupremum.partial options data 1.0 q i k |]

        match StreamingSupremum.merge (Array.rev parts) with
        | Error e -> failwithf "merge refused: %s" e
        | Ok merged -> Assert.True((merged = one), sprintf "%d shards" k)

[<Fact>]
let ``merge refuses missing, repeated and foreign shards`` () =
    let data =
        Dataset.CreateOrRaise([| [| 0.0; 1.0 |]; [| 1.0; 0.0 |]; [| 2.0; 2.0 |]; [| -1.0; 3.0 |] |], [| 1.0; 2.0; 3.0; 4.0 |])

    let q = [| 1.0; -2.0; 0.5; 0.25 |]

    let part i k =
        StreamingSupremum.partial options data 1.0 q i k

    let refused (parts: StreamingPartial list) (text: string) =
        match StreamingSupremum.merge parts with
        | Ok _ -> failwithf "merged %A" parts
        | Error e -> Assert.Contains(text, e)

    refused [] "no partial"
    refused [ part 0 3; part 2 3 ] "missing"
    refused [ part 0 2; part 1 2; part 1 2 ] "more than once"
    refused [ part 0 2; part 1 3; part 2 3 ] "different splits"
    refused [ part 0 2; StreamingSupremum.partial options data 2.0 q 1 2 ] "different problems"
    refused [ part 0 1; StreamingSupremum.regionsPartial options data 0 1 ] "cannot be merged"

    match
        StreamingSupremum.mergeRegions
            [
                StreamingSupremum.regionsPartial options data 1 2
                StreamingSupremum.regionsPartial options data 0 2
            ]
    with
    | Ok c -> Assert.Equal((StreamingSupremum.countCells options data).Cells, c.Cells)
    | Error e -> failwith e

[<Fact>]
let ``bad λ or dual vector is refused`` () =
    let data = Dataset.CreateOrRaise([| [| 0.0 |]; [| 1.0 |] |], [| 1.0; 2.0 |])

    for lambda in [ 0.0; -1.0; nan; infinity ] do
        let ex =
            Assert.Throws<ArgumentException>(fun () -> StreamingSupremum.certify options data lambda [| 1.0; 1.0 |] |> ignore)

        Assert.Contains("λ", ex.Message)

    Assert.Throws<ArgumentException>(fun () -> StreamingSupremum.certify options data 1.0 [| 1.0 |] |> ignore)
    |> ignore

    Assert.Throws<ArgumentException>(fun () -> StreamingSupremum.partial options data 1.0 [| 1.0; 2.0 |] 2 2 |> ignore)
    |> ignore

[<Fact>]
let ``a malformed partial is refused with the reason`` () =
    let refused (text: string) (reason: string) =
        match StreamingPartialJson.parse text with
        | Ok _ -> failwithf "accepted %s" text
        | Error e -> Assert.Contains(reason, e)

    refused "[1, 2]" "not an object"
    refused "{\"x\": 1}" "no \"format\""
    refused "{\"format\": \"tvrelu-streaming-partial/9\"}" "unknown partial format"
    refused "{\"format\": \"tvrelu-streaming-partial/1\", \"kind\": \"regions\"}" "is missing"
    refused "{ nope" "not valid JSON"

/// The cost model: Cover's bound on the cells, memory O(N·d) (affine in N and in the workers), and
/// time growing with N and not growing with threads (one work item gains nothing from a second).
[<Property(MaxTest = 100)>]
let ``the streaming cost model is O(N d) in memory`` (n0: PositiveInt) (d0: PositiveInt) =
    let n = n0.Get % 100000 + 10
    let d = d0.Get % 4 + 1
    let e1 = StreamingCost.estimate n d true 1
    let e2 = StreamingCost.estimate (2 * n) d true 1
    let e0 = StreamingCost.estimate 0 d true 1
    Assert.Equal(Arrangement.coverCount n d, e1.Cells)
    Assert.Equal(2L * (e1.MemoryBytes - e0.MemoryBytes), e2.MemoryBytes - e0.MemoryBytes)
    Assert.True((StreamingCost.estimate n d true 2).MemoryBytes > e1.MemoryBytes)
    Assert.True(e2.Seconds > e1.Seconds)
    Assert.True((StreamingCost.estimate n d false 1).Seconds <= e1.Seconds)
    Assert.True((StreamingCost.estimate n d true 2).Seconds <= e1.Seconds)

/// The pricing column generation calls (issue 13, "column generation on top"): for a dual vector q,
/// the exact sup |η| and the k most violating columns are the stored enumeration's. Each column's
/// sign vector is a cell of the stored arrangement, and its (cell, sign) is one of the stored top k
/// with the same value (or ties the k-th at the cut); its row signs are the cell's, its maximiser lies
/// in the closed cell, and η evaluated there from the data equals the column's value.
[<Property(Arbitrary = [| typeof<DualVectors> |], MaxTest = 100)>]
let ``pricing: sup |eta| and the k most violating columns equal the stored enumeration's`` (case: DualCase) =
    match setup case with
    | None -> ()
    | Some s ->
        let threshold = 0.5
        let k = 5

        let price = StreamingPricing.price 1 case.Data.Dataset s.Lambda case.Q k threshold

        let storedSup, _, _ = Certificate.supremumAbs s.Cert
        Assert.True(abs (storedSup - price.SupremumAbs) <= s.ProjTol, sprintf "sup: stored %.17g, priced %.17g" storedSup price.SupremumAbs)
        Assert.Equal(int64 s.Arr.CellCount, price.Cells)
        let stored = Certificate.top k threshold s.Cert
        Assert.Equal(stored.Length, price.Columns.Length)

        let cellOf =
            dict
                [
                    for c in 0 .. s.Arr.CellCount - 1 -> String.Join(",", (s.Arr.Cell c).Signs.ToArray()), c
                ]

        for col in price.Columns do
            let key = String.Join(",", col.Signs.ToArray())
            Assert.True(cellOf.ContainsKey key, sprintf "the column's sign vector %s is no stored cell" key)
            let c = cellOf.[key]
            Assert.Equal<int[]>(rowSignsOf s.Arr c, col.RowSigns)
            let value = col.Projection.Norm

            match stored |> Array.tryFind (fun (c', sign, _) -> c' = c && sign = col.Sign) with
            | Some(_, _, p) -> Assert.True(abs (p.Norm - value) <= s.ProjTol, sprintf "cell %d: stored %.17g, priced %.17g" c p.Norm value)
            | None ->
                let _, _, cut = stored.[stored.Length - 1]
                Assert.True(abs (cut.Norm - value) <= s.ProjTol, sprintf "cell %d (%.17g) is not in the stored top %d" c value k)

            let theta = Array.map (fun x -> x / value) col.Projection.Point
            Assert.True(inClosure s.AngleTol s.Xt col.RowSigns theta, sprintf "cell %d: the maximiser is outside the closed cell" c)
            let eta = float col.Sign * Certificate.evaluate s.Cert theta
            Assert.True(abs (eta - value) <= s.ProjTol, sprintf "cell %d: eta at the maximiser %.17g, column value %.17g" c eta value)

        if price.SupremumAbs > threshold && k > 0 then
            Assert.True(abs (price.Columns.[0].Projection.Norm - price.SupremumAbs) <= s.ProjTol)

/// The pricing refuses a negative k or a threshold that is not a finite non-negative number.
[<Fact>]
let ``pricing refuses a bad k or threshold`` () =
    let data = Dataset.CreateOrRaise([| [| 0.0 |]; [| 1.0 |] |], [| 1.0; -1.0 |])

    Assert.Throws<ArgumentException>(fun () -> StreamingPricing.price 1 data 1.0 [| 1.0; 1.0 |] -1 0.5 |> ignore)
    |> ignore

    Assert.Throws<ArgumentException>(fun () -> StreamingPricing.price 1 data 1.0 [| 1.0; 1.0 |] 3 nan |> ignore)
    |> ignore
