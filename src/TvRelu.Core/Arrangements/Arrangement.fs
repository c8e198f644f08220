namespace TvRelu.Core.Arrangements

open System
open System.Collections.Generic
open TvRelu.Core.Numerics
open TvRelu.Core.Data

/// A cell of the arrangement: a dual region of THEORY.md §3, where every neuron has a fixed
/// activation pattern and the certificate is linear.
type Region =
    {
        /// Index of the cell in its arrangement.
        Index: int
        /// The sign vector (no zero): + on the active set S.
        Signs: SignVector
        /// A unit vector strictly inside the cell.
        Interior: float[]
    }

/// The central arrangement {H_h} in R^{d+1} of the data's augmented inputs, with all its cells.
/// Rows whose augmented inputs define the same hyperplane (duplicate x_i) share one hyperplane h.
[<Sealed>]
type Arrangement internal (normals: float[][], rowToHyperplane: int[], table: Enumeration.CellTable, conditioning: float[]) =
    let n = table.Dim
    let words = table.Words
    let m = normals.Length
    let unitNormals = normals |> Array.map (fun u -> Dense.scale (1.0 / Dense.norm u) u)

    let conditionedUnits =
        normals
        |> Array.map (fun u -> let v = Array.map2 (*) conditioning u in Dense.scale (1.0 / Dense.norm v) v)

    // Neighbour lookup by Zobrist hash: the cell across hyperplane h has hash ⊕ key(h). Built on
    // first use (enumeration alone never needs it); `next` chains the (astronomically rare) equal keys.
    let keys = Array.init m (fun h -> fst (Enumeration.keyOf h))
    let mutable index: Dictionary<uint64, int> = null
    let mutable next: int[] = null

    let buildIndex () =
        let d = Dictionary<uint64, int>(table.Count)
        let nx = Array.create table.Count -1

        for c in 0 .. table.Count - 1 do
            match d.TryGetValue table.Lo.[c] with
            | true, head ->
                nx.[c] <- head
                d.[table.Lo.[c]] <- c
            | _ -> d.[table.Lo.[c]] <- c

        next <- nx
        index <- d

    let findFlipped (c: int) (h: int) =
        if isNull index then
            lock table buildIndex

        let bits = table.Bits
        let mutable found = -1
        let mutable e = -1

        if index.TryGetValue(table.Lo.[c] ^^^ keys.[h], &e) then
            let hw = h >>> 6
            let hb = 1UL <<< (h &&& 63)

            while e >= 0 && found < 0 do
                let mutable same = true
                let mutable w = 0

                while same && w < words do
                    let flip = if w = hw then hb else 0UL

                    if bits.[e * words + w] <> (bits.[c * words + w] ^^^ flip) then
                        same <- false

                    w <- w + 1

                if same then
                    found <- e

                e <- next.[e]

        found

    // Facets are memoised per cell: the certificate asks for them at every column-generation step.
    let facetCache: int[][] = Array.zeroCreate table.Count

    let facetsOf (c: int) =
        match facetCache.[c] with
        | null ->
            let f =
                [|
                    for h in 0 .. m - 1 do
                        if findFlipped c h >= 0 then
                            yield h
                |]

            facetCache.[c] <- f
            f
        | f -> f

    // A breadth-first spanning tree of the cell adjacency graph: each cell other than the root
    // is its parent with one sign flipped, so v_C can be updated across one facet (§3).
    let tree =
        lazy
            (let parent = Array.create table.Count -1
             let via = Array.create table.Count -1
             let order = ResizeArray<int>(table.Count)
             let seen = Array.zeroCreate table.Count

             for root in 0 .. table.Count - 1 do
                 if not seen.[root] then
                     seen.[root] <- true
                     order.Add root
                     let queue = Queue<int>()
                     queue.Enqueue root

                     while queue.Count > 0 do
                         let c = queue.Dequeue()

                         for h in facetsOf c do
                             let e = findFlipped c h

                             if not seen.[e] then
                                 seen.[e] <- true
                                 parent.[e] <- c
                                 via.[e] <- h
                                 order.Add e
                                 queue.Enqueue e

             parent, via, order.ToArray())

    /// d + 1.
    member _.AmbientDimension = n
    /// Number of distinct hyperplanes m (≤ N).
    member _.HyperplaneCount = m
    /// The augmented input x̃ of hyperplane h (of its first row).
    member _.Normal(h: int) = Array.copy normals.[h]
    /// For each data row, the index of its hyperplane.
    member _.RowToHyperplane = Array.copy rowToHyperplane
    /// Number of cells (dual regions) on the sphere.
    member _.CellCount = table.Count

    /// Cell c.
    member _.Cell(c: int) =
        let pos = Array.sub table.Bits (c * words) words

        {
            Index = c
            Signs = SignVector(m, pos, Array.zeroCreate words)
            Interior = table.Point c
        }

    /// All cells.
    member this.Cells = Seq.init table.Count this.Cell

    /// Cells with a non-empty active set S (the all-negative cell, if any, has no active neuron).
    member _.CellsWithActiveNeurons =
        let mutable empty = 0

        for c in 0 .. table.Count - 1 do
            let mutable any = false

            for w in 0 .. words - 1 do
                if table.Bits.[c * words + w] <> 0UL then
                    any <- true

            if not any then
                empty <- empty + 1

        table.Count - empty

    /// The non-redundant facets of cell c: the hyperplanes across which a neighbouring cell lies.
    member _.Facets(c: int) = Array.copy (facetsOf c)
    member internal _.FacetsRaw(c: int) = facetsOf c
    member internal _.NeighbourAcross(c: int, h: int) = findFlipped c h
    member internal _.IsActive(c: int, h: int) = table.Bit(c, h)
    member internal _.NormalsRaw = normals
    member internal _.UnitNormalsRaw = unitNormals
    /// The diagonal D of the exact (power-of-two) column scaling the cells were enumerated with:
    /// θ′ is in a cell of the normals D u_h exactly when D θ′ is in the same cell of the u_h.
    member internal _.Conditioning = conditioning
    /// The unit normals D u_h / ‖D u_h‖, well conditioned whatever the scale of the inputs.
    member internal _.ConditionedUnitsRaw = conditionedUnits
    member internal _.RowMap = rowToHyperplane
    member internal _.Table = table
    member internal _.SpanningTree = tree.Value

/// Building arrangements and counting their cells.
module Arrangement =

    /// Distinct hyperplanes of a list of normals (at `Enumeration.hyperplaneTolerance`, well above
    /// the restrictions' parallel tolerance) as the index of each group's first normal, and the map
    /// from each normal to its hyperplane.
    let internal distinctHyperplanes (normals: float[][]) =
        let _, group, _ =
            Enumeration.groupDirectionsWithin Enumeration.hyperplaneTolerance normals

        let firsts = Array.create (Array.max group + 1) -1

        group
        |> Array.iteri (fun i g ->
            if firsts.[g] < 0 then
                firsts.[g] <- i)

        firsts, group

    /// Power-of-two scales D_k ≈ 1 / max_h |u_hk| for the coordinates of the normals. Inputs at
    /// scale 1e6 make the normals (x, 1) / ‖(x, 1)‖ nearly parallel whenever the x are, and the
    /// restrictions of the enumeration then lose their directions to rounding (spurious or missing
    /// cells); the cells of the D u_h are the same sign vectors, at interior points D⁻¹θ, so the
    /// enumeration runs on those. Powers of two keep D u_h exact.
    let internal conditioningOf (n: int) (normals: float[][]) =
        Array.init n (fun k ->
            let top = normals |> Array.fold (fun acc (u: float[]) -> max acc (abs u.[k])) 0.0

            if top = 0.0 then
                1.0
            else
                Math.Pow(2.0, -Math.Round(Math.Log2 top)))

    /// The dimension n of a list of normals: at least one, all finite, non-zero and of one length;
    /// else an ArgumentException.
    let internal checkNormals (normals: float[][]) =
        if normals.Length = 0 then
            invalidArg "normals" "an arrangement needs at least one hyperplane"

        let n = normals.[0].Length

        if
            normals
            |> Array.exists (fun u -> u.Length <> n || Dense.norm u = 0.0 || Array.exists (Double.IsFinite >> not) u)
        then
            invalidArg "normals" "normals must be finite, non-zero and of one length"

        n

    /// The arrangement of arbitrary non-zero normals in R^n (used for tests and for restrictions).
    let ofNormals (normals: float[][]) =
        let n = checkNormals normals
        let conditioning = conditioningOf n normals

        let reps, map =
            distinctHyperplanes (normals |> Array.map (Array.map2 (*) conditioning))

        let hyper = reps |> Array.map (fun i -> Array.copy normals.[i])

        let units =
            hyper
            |> Array.map (fun u -> let v = Array.map2 (*) conditioning u in Dense.scale (1.0 / Dense.norm v) v)

        let klo, khi = Enumeration.keys units.Length

        let table =
            if n >= 3 then
                Enumeration.incremental units klo khi n
            else
                let points = Enumeration.interiorPoints units n
                let words = max 1 ((units.Length + 63) / 64)
                let t = Enumeration.CellTable(n, words, klo, khi)

                for p in points do
                    let c = t.Add(p, -1)

                    for h in 0 .. units.Length - 1 do
                        if Dense.dot p units.[h] > 0.0 then
                            t.SetBit(c, h)

                t
        // Back from the conditioned coordinates: θ = D θ′, normalised.
        for c in 0 .. table.Count - 1 do
            let p = Array.map2 (*) conditioning (table.Point c)
            table.SetPoint(c, Dense.scale (1.0 / Dense.norm p) p)

        Arrangement(hyper, map, table, conditioning)

    /// The arrangement of a data set's augmented inputs x̃_i = (x_i, 1) (THEORY.md §3).
    let ofDataset (data: Dataset) = ofNormals data.AugmentedRaw

    /// Cover's count 2 Σ_{k=0}^{d} C(m−1, k): the number of cells of m central hyperplanes in
    /// general position in R^{d+1} (THEORY.md §3). Exact, as a big integer.
    let coverCount (hyperplanes: int) (d: int) =
        if hyperplanes = 0 then
            1I
        else
            let mutable c = 1I
            let mutable s = 1I

            for k in 1..d do
                c <- c * bigint (hyperplanes - k) / bigint k
                s <- s + c

            if TvRelu.Core.Audit.Mutants.isOn TvRelu.Core.Audit.Mutant.CoverOffByOne then
                2I * s + 1I
            else
                2I * s

    /// The smallest singular value a set of unit normals must keep to count as linearly
    /// independent in `generalPosition` (`Tolerances.generalPosition` says why: a margin well above
    /// the enumeration's resolution, so no count is promised that the enumeration cannot resolve).
    [<Literal>]
    let generalPositionTolerance = Tolerances.generalPosition

    /// Whether the hyperplanes are in general position, robustly: every min(m, d + 1) of the unit
    /// normals have smallest singular value above `generalPositionTolerance`. Checked directly on
    /// all subsets (not inferred from the cell count, so that Cover's formula stays an independent
    /// oracle); None when there are more subsets than `maxSubsets`.
    let generalPosition (maxSubsets: int64) (arr: Arrangement) : bool option =
        let normals = arr.ConditionedUnitsRaw
        let m = normals.Length
        let n = arr.AmbientDimension
        let k = min m n
        let mutable count = 1.0

        for i in 0 .. k - 1 do
            count <- count * float (m - i) / float (i + 1)

        if count > float maxSubsets then
            None
        else
            let idx = Array.init k id
            let mutable ok = true
            let mutable fin = false

            while ok && not fin do
                if
                    Dense.smallestSingularValue n [| for i in idx -> normals.[i] |]
                    <= generalPositionTolerance
                then
                    ok <- false
                // next k-subset in lexicographic order
                let mutable i = k - 1

                while i >= 0 && idx.[i] = m - k + i do
                    i <- i - 1

                if i < 0 then
                    fin <- true
                else
                    idx.[i] <- idx.[i] + 1

                    for j in i + 1 .. k - 1 do
                        idx.[j] <- idx.[j - 1] + 1

            Some ok
