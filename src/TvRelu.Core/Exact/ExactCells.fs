namespace TvRelu.Core.Exact

open System.Collections.Generic
open System.Numerics
open TvRelu.Core.Numerics
open TvRelu.Core.Data
open TvRelu.Core.Arrangements

/// The exact checks on the cells (THEORY.md §3, §8).
type ExactCellCheck =
    {
        /// Cells of the arrangement.
        Cells: int
        /// Cells shown non-empty by a rational point with exactly their sign vector.
        CellsWithRationalPoint: int
        /// Of those, cells whose point needed the extreme-ray fallback (thinner than rounding).
        CellFallbacks: int
        /// Faces of every dimension checked, when requested.
        Faces: int option
        /// Σ_k (−1)^k f_k over the faces, with dimensions from exact ranks.
        EulerCharacteristic: int option
        /// The value it must have: (−1)^d + (−1)^ℓ, ℓ the exact corank of the inputs (THEORY.md §3).
        ExpectedEulerCharacteristic: int
    }

/// The data of an arrangement as exact integers: every augmented input x̃_i = (x_i, 1) scaled by
/// one common power of two (positive scaling changes no sign and no projection direction).
type internal ExactData =
    {
        /// x̃_i · 2^−RowExponent, one integer row per data point (N × (d + 1)).
        Rows: BigInteger[][]
        RowExponent: int
        /// For each distinct hyperplane h of the arrangement, the integer row of its first data point.
        Normals: BigInteger[][]
        /// The normals as int64 when they are below 2^56 (the usual case: doubles of one magnitude),
        /// for the allocation-free sign test.
        NormalsSmall: int64[][] option
        /// For each data row, its hyperplane.
        RowMap: int[]
        /// The exact rank of the normals.
        Rank: int
        /// An integer basis of the lineality space {θ : ⟨θ, x̃_i⟩ = 0 for all i} (empty when the
        /// inputs span R^{d+1}).
        Lineality: BigInteger[][]
    }

/// Exact checks of the cells and faces of the arrangement (THEORY.md §3, §8): every reported face
/// is non-empty, shown by a rational point that satisfies its sign vector exactly (zeros included),
/// its dimension is an exact rank, and the faces add up to the exact Euler characteristic.
module internal ExactCells =

    /// Subsets of the given size of the items, in lexicographic order, lazily.
    let rec subsets (size: int) (items: int[]) : seq<int[]> =
        seq {
            if size = 0 then
                yield [||]
            else
                for i in 0 .. items.Length - size do
                    for rest in subsets (size - 1) items.[i + 1 ..] do
                        yield Array.append [| items.[i] |] rest
        }

    /// The first ten messages, and a count of the others.
    let summarise (messages: ResizeArray<string>) =
        if messages.Count <= 10 then
            List.ofSeq messages
        else
            List.ofSeq (Seq.truncate 10 messages)
            @ [ sprintf "... and %d more failures of the same kind" (messages.Count - 10) ]

    /// The exact form of a data set and its arrangement, with the failures of the exact check that
    /// rows sharing a hyperplane in the (floating, tolerance 1e-10) enumeration are exactly equal
    /// and that distinct hyperplanes are exactly distinct. Both x̃ rows end in 1, so two rows define
    /// the same hyperplane exactly when they are equal.
    let ofArrangement (data: Dataset) (arr: Arrangement) : ExactData * string list =
        let n = arr.AmbientDimension
        let flat, e = Rational.scaleToIntegers (Array.concat data.AugmentedRaw)
        let rows = Array.init data.Count (fun i -> Array.sub flat (i * n) n)
        let map = arr.RowMap
        let first = Array.create arr.HyperplaneCount -1

        map
        |> Array.iteri (fun i h ->
            if first.[h] < 0 then
                first.[h] <- i)

        let normals = first |> Array.map (fun i -> rows.[i])
        let failures = ResizeArray<string>()

        map
        |> Array.iteri (fun i h ->
            if rows.[i] <> normals.[h] then
                failures.Add(
                    sprintf
                        "data rows %d and %d were merged into one hyperplane by the floating tolerance but differ exactly"
                        (first.[h] + 1)
                        (i + 1)
                ))

        let keys = HashSet<string>()

        normals
        |> Array.iteri (fun h row ->
            if not (keys.Add(System.String.Join(",", row))) then
                failures.Add(sprintf "hyperplane %d is exactly equal to an earlier one but was kept apart" h))

        let rank = IntegerLinear.rank n normals
        let lineality = if rank = n then [||] else IntegerLinear.nullSpace n normals

        {
            Rows = rows
            RowExponent = e
            Normals = normals
            NormalsSmall = IntegerLinear.small normals
            RowMap = map
            Rank = rank
            Lineality = lineality
        },
        summarise failures

    /// The exact sign of ⟨θ, x̃_h⟩ as a function of h, θ packed once for the allocation-free test.
    let signer (ctx: ExactData) (theta: BigInteger[]) : int -> int =
        match ctx.NormalsSmall with
        | Some rows ->
            let p = IntegerLinear.pack theta
            fun h -> IntegerLinear.signOfDotPacked p rows.[h]
        | None -> fun h -> (IntegerLinear.dot ctx.Normals.[h] theta).Sign

    /// Whether θ has exactly the given signs (−1, 0, +1) on every hyperplane.
    let realises (ctx: ExactData) (signs: int[]) (theta: BigInteger[]) =
        let sign = signer ctx theta
        let mutable ok = true
        let mutable h = 0

        while ok && h < signs.Length do
            if sign h <> signs.[h] then
                ok <- false

            h <- h + 1

        ok

    /// Whether θ lies in the closure of the face: zero where the signs are zero, and sign · ⟨θ, x̃_h⟩ ≥ 0.
    let private inClosure (ctx: ExactData) (signs: int[]) (theta: BigInteger[]) =
        let sign = signer ctx theta
        let mutable ok = true
        let mutable h = 0

        while ok && h < signs.Length do
            let s = sign h

            if (signs.[h] = 0 && s <> 0) || s * signs.[h] < 0 then
                ok <- false

            h <- h + 1

        ok

    /// interiorPoint on a flat given by independent rows zind spanning the zero hyperplanes' normals.
    let private interiorPointOnFlat
        (ctx: ExactData)
        (zind: BigInteger[][])
        (signs: int[])
        (hint: float[])
        (candidates: int[])
        (budget: int)
        =
        let n = ctx.Normals.[0].Length
        let theta0, _ = Rational.scaleToIntegers hint
        let _, _, theta = IntegerLinear.projectOut zind theta0

        if realises ctx signs theta then
            Some(theta, false)
        else
            let fixedRows = Array.append zind ctx.Lineality
            let dimV = n - fixedRows.Length

            if dimV <= 0 then
                None
            else
                let cands = candidates |> Array.filter (fun h -> signs.[h] <> 0)
                let sum = Array.create n BigInteger.Zero

                for t in subsets (dimV - 1) cands |> Seq.truncate budget do
                    let rows = Array.append fixedRows (t |> Array.map (fun h -> ctx.Normals.[h]))

                    if IntegerLinear.rank n rows = n - 1 then
                        let r = (IntegerLinear.nullSpace n rows).[0]

                        let ray =
                            if inClosure ctx signs r then
                                Some r
                            else
                                let m = Array.map BigInteger.Negate r
                                if inClosure ctx signs m then Some m else None

                        match ray with
                        | Some r ->
                            for k in 0 .. n - 1 do
                                sum.[k] <- sum.[k] + r.[k]
                        | None -> ()

                if realises ctx signs sum then Some(sum, true) else None

    /// A rational (integer, up to a positive scale) point with exactly the given sign vector, or None.
    ///
    /// First the floating hint is taken exactly and projected, exactly, onto the flat of the face
    /// (the common zero set of its zero hyperplanes). Should a sign then fail (a face thinner than
    /// rounding), the fallback sums the extreme rays of the face's closed cone, taken modulo its
    /// lineality space: each ray is the one-dimensional null space of the flat's equations, the
    /// lineality basis and dim − 1 of the candidate hyperplanes; every hyperplane that does not
    /// vanish on the face is strict at the sum of all its extreme rays. At most `budget` subsets are
    /// tried. Returns the point and whether the fallback was needed.
    let interiorPoint (ctx: ExactData) (signs: int[]) (hint: float[]) (candidates: int[]) (budget: int) =
        let n = ctx.Normals.[0].Length

        let zrows =
            [|
                for h in 0 .. signs.Length - 1 do
                    if signs.[h] = 0 then
                        yield ctx.Normals.[h]
            |]

        interiorPointOnFlat ctx (IntegerLinear.independentSubset n zrows |> Array.map (fun i -> zrows.[i])) signs hint candidates budget

    /// Every face of every dimension checked exactly: its dimension recomputed by exact rank, its sign vector
    /// shown distinct and realised by a rational point, the top-dimensional faces shown to be the
    /// arrangement's cells, and Σ(−1)^k f_k compared with `expected`. Returns the face count, the Euler
    /// characteristic, the per-face failures and the global ones.
    let private checkFaces (ctx: ExactData) (arr: Arrangement) (cellSigns: HashSet<SignVector>) (expected: int) (budget: int) =
        let faceFailures = ResizeArray<string>()
        let failures = ResizeArray<string>()
        let n = arr.AmbientDimension
        // A near-tie the face enumeration cannot decide is a failure of the check, reported, not raised.
        let all =
            match Faces.decide arr with
            | Decided(faces, _) -> faces
            | Undecided reason ->
                failures.Add("the faces are undecided: " + reason)
                [||]

        let flats = Dictionary<string, BigInteger[][]>()
        let seen = HashSet<SignVector>()
        let f = Array.zeroCreate n
        let everything = Array.init arr.HyperplaneCount id

        // Independent rows spanning the normals of the face's zero hyperplanes, once per flat.
        let flatOf (zeros: int[]) =
            let key = System.String.Join(",", zeros)

            match flats.TryGetValue key with
            | true, z -> z
            | _ ->
                let rows = zeros |> Array.map (fun h -> ctx.Normals.[h])
                let z = IntegerLinear.independentSubset n rows |> Array.map (fun i -> rows.[i])
                flats.[key] <- z
                z

        for face in all do
            let zind = flatOf face.Signs.Zeros
            // The face is an open cone in its flat, of dimension n − r, so on S^d it has dimension n − r − 1.
            let dim = n - zind.Length - 1

            if dim <> face.Dimension then
                faceFailures.Add(sprintf "face %O: floating dimension %d but exact dimension %d" face.Signs face.Dimension dim)

            if not (seen.Add face.Signs) then
                faceFailures.Add(sprintf "face %O listed twice" face.Signs)

            if dim >= 0 && dim < n then
                f.[dim] <- f.[dim] + 1

            if dim = n - 1 && not (cellSigns.Contains face.Signs) then
                faceFailures.Add(sprintf "face %O is a cell missing from the arrangement" face.Signs)

            if (interiorPointOnFlat ctx zind (face.Signs.ToArray()) face.Interior everything budget).IsNone then
                faceFailures.Add(sprintf "face %O: no rational point satisfies its sign vector exactly" face.Signs)

        if all.Length > 0 && f.[n - 1] <> arr.CellCount then
            failures.Add(sprintf "the face complex has %d cells, the arrangement %d" f.[n - 1] arr.CellCount)

        let chi = Faces.eulerCharacteristic f

        if all.Length > 0 && chi <> expected then
            failures.Add(
                sprintf
                    "Euler characteristic Σ(−1)^k f_k = %d of the exactly checked faces, expected %d: the enumeration is incomplete"
                    chi
                    expected
            )

        all.Length, chi, faceFailures, failures

    /// Every cell of the arrangement gets an exact interior point; with `faces`, every face of every
    /// dimension is checked too (`checkFaces`), against the exact expected Euler characteristic
    /// (Faces.expectedEulerOfRank on the exact rank).
    let check (ctx: ExactData) (arr: Arrangement) (faces: bool) (budget: int) : ExactCellCheck * string list =
        let cellFailures = ResizeArray<string>()
        let mutable withPoint = 0
        let mutable fallbacks = 0
        let cellSigns = HashSet<SignVector>()

        for c in 0 .. arr.CellCount - 1 do
            let cell = arr.Cell c
            cellSigns.Add cell.Signs |> ignore

            match interiorPoint ctx (cell.Signs.ToArray()) cell.Interior (arr.FacetsRaw c) budget with
            | Some(_, fb) ->
                withPoint <- withPoint + 1

                if fb then
                    fallbacks <- fallbacks + 1
            | None -> cellFailures.Add(sprintf "cell %d (%O): no rational point satisfies its sign vector exactly" c cell.Signs)

        let expected = Faces.expectedEulerOfRank arr.AmbientDimension ctx.Rank

        let faceCount, euler, faceFailures, failures =
            if faces then
                let count, chi, faceFailures, failures =
                    checkFaces ctx arr cellSigns expected budget

                Some count, Some chi, List.ofSeq faceFailures, List.ofSeq failures
            else
                None, None, [], []

        {
            Cells = arr.CellCount
            CellsWithRationalPoint = withPoint
            CellFallbacks = fallbacks
            Faces = faceCount
            EulerCharacteristic = euler
            ExpectedEulerCharacteristic = expected
        },
        summarise cellFailures @ summarise (ResizeArray faceFailures) @ failures
