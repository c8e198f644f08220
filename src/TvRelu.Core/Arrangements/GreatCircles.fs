namespace TvRelu.Core.Arrangements

open System
open TvRelu.Core.Numerics
open TvRelu.Core.Data

/// A face of the arrangement around a flat F whose points all have the zero set Z (a great circle,
/// a vertex, …), seen from F: a face of the arrangement of Z in the quotient F^⊥. Its signs on the
/// other hyperplanes are those of the points of F it touches.
type internal LocalFace =
    {
        /// The hyperplanes of Z that contain it (empty for a cell).
        Zero: int[]
        /// A direction (coordinates y) from F into it, orthogonal to F; zero when Z is empty (F is
        /// then itself a cell).
        Direction: float[]
        /// The hyperplanes of Z on whose + side it lies.
        Positive: int[]
        /// For a cell, its facets among Z with its sign on them; empty for a lower face.
        Facets: struct (int * int)[]
        /// The direction of a cell around F whose closure holds this face.
        Cell: float[]
    }

/// A great circle of the arrangement: a flat L of dimension 2 (THEORY.md §3, consequence 3), the
/// hyperplanes Z that contain it, and the cells around it.
type internal Circle =
    {
        /// An orthonormal basis of L in the coordinates y.
        B1: float[]
        B2: float[]
        /// Z, sorted.
        Zero: int[]
        /// The last hyperplane of the canonical chain that reached L: a vertex of L is counted here
        /// exactly when every hyperplane through it that does not contain L comes after it.
        Last: int
        /// The faces of dimension ≥ 2 that contain L's arcs: the cells around L and, from rank 4
        /// on, the lower faces between them.
        Faces: LocalFace[]
    }

/// The points where the other hyperplanes cross a great circle, in angular order, grouped into
/// vertices. Scratch arrays sized for m hyperplanes, reused from circle to circle.
[<Sealed>]
type internal CircleEvents(m: int) =
    let angles: float[] = Array.zeroCreate (2 * m)
    let items: int[] = Array.zeroCreate (2 * m)
    let order: int[] = Array.zeroCreate (2 * m)
    let groupAngle: float[] = Array.zeroCreate (2 * m)
    let groupStart: int[] = Array.zeroCreate (2 * m + 1)
    let mutable groups = 0

    /// The number of crossing points (vertices) on the circle; as many arcs.
    member _.Groups = groups
    /// The angle of crossing point g, in [0, 2π).
    member _.Angle(g: int) = groupAngle.[g]
    /// The events of crossing point g are `Event(k)` for `Start(g) ≤ k < Start(g + 1)`.
    member _.Start(g: int) = groupStart.[g]
    /// Event k: 2j when hyperplane j's + side begins there (walking by increasing angle), 2j + 1
    /// when it ends.
    member _.Event(k: int) = order.[k]

    /// The angle from crossing point g to the next one, in (0, 2π].
    member _.Gap(g: int) =
        let next = groupAngle.[(g + 1) % groups]
        let d = next - groupAngle.[g]
        if d > 0.0 then d else d + 2.0 * Math.PI

    /// Fills the events of the hyperplanes not containing the circle. With y(φ) = cos φ B1 + sin φ B2
    /// and (α, β) = (⟨a_j, B1⟩, ⟨a_j, B2⟩), ⟨y(φ), a_j⟩ > 0 on (φ_j, φ_j + π), φ_j = atan2(−α, β).
    /// Points closer than the restrictions' parallel tolerance are one vertex.
    member _.Build(arr: StreamingArrangement, circle: Circle) =
        let r = arr.Rank
        let a = arr.Normals
        let b1 = circle.B1
        let b2 = circle.B2
        let zero = circle.Zero
        let mutable z = 0
        let mutable count = 0
        let twoPi = 2.0 * Math.PI

        for j in 0 .. arr.HyperplaneCount - 1 do
            if z < zero.Length && zero.[z] = j then
                z <- z + 1
            else
                let mutable alpha = 0.0
                let mutable beta = 0.0

                for i in 0 .. r - 1 do
                    alpha <- alpha + a.[j * r + i] * b1.[i]
                    beta <- beta + a.[j * r + i] * b2.[i]

                if alpha <> 0.0 || beta <> 0.0 then
                    let phi = Math.Atan2(-alpha, beta)
                    let phi = if phi < 0.0 then phi + twoPi else phi
                    let back = phi + Math.PI
                    angles.[count] <- phi
                    items.[count] <- 2 * j
                    angles.[count + 1] <- (if back >= twoPi then back - twoPi else back)
                    items.[count + 1] <- 2 * j + 1
                    count <- count + 2

        Array.Sort(angles, items, 0, count)
        let tol = Tolerances.streamingCrossing
        // Start after the widest... any gap above the tolerance, so that no vertex straddles the start.
        let gapBefore k =
            if k = 0 then
                angles.[0] + twoPi - angles.[count - 1]
            else
                angles.[k] - angles.[k - 1]

        let mutable s = 0

        while s < count && gapBefore s <= tol do
            s <- s + 1

        groups <- 0

        if count > 0 then
            let s = if s = count then 0 else s

            for t in 0 .. count - 1 do
                let k = (s + t) % count
                order.[t] <- items.[k]

                if t = 0 || gapBefore k > tol then
                    groupAngle.[groups] <- angles.[k]
                    groupStart.[groups] <- t
                    groups <- groups + 1

            groupStart.[groups] <- count

/// Great circles of an arrangement and counts by deletion–restriction (THEORY.md §3).
module internal GreatCircles =


    /// A face of the quotient arrangement by a direction u into it, the direction of a cell whose
    /// closure holds it, the members of Z containing it and (for a cell) its facets, all as indices
    /// into Z; its other signs are those of u.
    type private QuotientFace = float[] * float[] * int[] * int[]

    /// The faces of lines ⟨x, q_k⟩ = 0 of the plane: each line has two rays, consecutive rays bound
    /// a sector (a cell), and the rays are the lower faces.
    let private planeFaces (q: float[][]) (lower: bool) : QuotientFace[] =
        let rays =
            [|
                for k in 0 .. q.Length - 1 do
                    let w = Math.Atan2(q.[k].[1], q.[k].[0])

                    for a in [ w + Math.PI / 2.0; w - Math.PI / 2.0 ] do
                        let a = a % (2.0 * Math.PI)
                        yield (if a < 0.0 then a + 2.0 * Math.PI else a), k
            |]
            |> Array.sortBy fst

        let at (a: float) = [| Math.Cos a; Math.Sin a |]

        [|
            for i in 0 .. rays.Length - 1 do
                let a, ka = rays.[i]
                let b, kb = rays.[(i + 1) % rays.Length]
                let width = if i + 1 < rays.Length then b - a else b + 2.0 * Math.PI - a

                if width > Enumeration.parallelTolerance then
                    let mid = at (a + 0.5 * width)
                    yield mid, mid, [||], Array.distinct [| ka; kb |]

                    if lower then
                        yield at b, mid, [| kb |], [||]
        |]

    /// The faces of the quotient arrangement in dimension ≥ 3, by the stored enumeration (small: the
    /// hyperplanes through one flat).
    let private spaceFaces (q: float[][]) (lower: bool) : QuotientFace[] =
        let quotient = Arrangement.ofNormals q
        let map = quotient.RowToHyperplane
        let cells = Array.init quotient.CellCount quotient.Cell

        let members (pick: int -> bool) =
            [|
                for k in 0 .. q.Length - 1 do
                    if pick map.[k] then
                        yield k
            |]

        [|
            for c in cells do
                let facets = quotient.Facets c.Index
                yield c.Interior, c.Interior, [||], members (fun h -> Array.contains h facets)
            if lower then
                for f in Faces.enumerate quotient do
                    if not f.Signs.IsCell then
                        let holder =
                            cells
                            |> Array.find (fun c ->
                                Seq.forall (fun h -> f.Signs.[h] = 0 || f.Signs.[h] = c.Signs.[h]) [ 0 .. quotient.HyperplaneCount - 1 ])

                        yield f.Interior, holder.Interior, members (fun h -> f.Signs.[h] = 0), [||]
        |]

    /// The faces around a flat with zero set Z (the cells only, or every face but F itself): the
    /// faces of the arrangement of Z in the quotient F^⊥ = span{a_h : h ∈ Z}, lifted. They are the
    /// same at every point of F away from the other hyperplanes.
    let localFaces (arr: StreamingArrangement) (zero: int[]) (lower: bool) : LocalFace[] =
        let r = arr.Rank
        let zs = zero |> Array.map (fun h -> Array.sub arr.Normals (h * r) r)
        let p = StreamingArrangement.spanBasis r Tolerances.streamingSpan zs
        let q = zs |> Array.map (fun a -> p |> Array.map (Dense.dot a))

        let lifted ((u, cell, on, facets): QuotientFace) =
            let signs =
                q
                |> Array.mapi (fun k qh ->
                    if Array.contains k on then 0
                    elif Dense.dot u qh > 0.0 then 1
                    else -1)

            let members sign =
                [|
                    for k in 0 .. zero.Length - 1 do
                        if signs.[k] = sign then
                            yield zero.[k]
                |]

            {
                Zero = members 0
                Direction = Enumeration.lift p u
                Positive = members 1
                Facets = facets |> Array.map (fun k -> struct (zero.[k], signs.[k]))
                Cell = Enumeration.lift p cell
            }

        match p.Length with
        | 0 ->
            [|
                {
                    Zero = [||]
                    Direction = Array.zeroCreate r
                    Positive = [||]
                    Facets = [||]
                    Cell = Array.zeroCreate r
                }
            |]
        | 1 ->
            let all = [| 0 .. zero.Length - 1 |]

            [|
                lifted ([| 1.0 |], [| 1.0 |], [||], all)
                lifted ([| -1.0 |], [| -1.0 |], [||], all)
            |]
        | 2 -> planeFaces q lower |> Array.map lifted
        | _ -> spaceFaces q lower |> Array.map lifted

    let private circle (arr: StreamingArrangement) (basis: float[][]) (zero: int[]) (last: int) =
        {
            B1 = basis.[0]
            B2 = basis.[1]
            Zero = zero
            Last = last
            Faces = localFaces arr zero true
        }

    /// The restrictions to a flat (basis vectors as columns) of the hyperplanes listed, grouped by
    /// direction at the restrictions' parallel tolerance, as the stored enumeration groups them:
    /// the unit representative and the members of each group, groups in order of their first member.
    let restrictedGroups (arr: StreamingArrangement) (basis: float[][]) (members: int[]) =
        let r = arr.Rank

        let coords =
            members
            |> Array.map (fun j ->
                basis
                |> Array.map (fun b ->
                    let mutable s = 0.0 in

                    (for i in 0 .. r - 1 do
                        s <- s + b.[i] * arr.Normals.[j * r + i])

                    s))

        let reps, group, _ =
            DirectionGroups.groupWithin Enumeration.parallelTolerance coords

        let byGroup = Array.init reps.Length (fun _ -> ResizeArray<int>())

        group
        |> Array.iteri (fun k g ->
            if g >= 0 then
                byGroup.[g].Add members.[k])

        reps, byGroup |> Array.map (fun l -> l.ToArray())

    /// Visits every great circle below a flat exactly once (the canonical chains: each step adds
    /// the group of hyperplanes whose smallest index is above the last one added; every flat has one
    /// such chain, made of the smallest indices of its zero set in turn).
    let rec private visit (arr: StreamingArrangement) (basis: float[][]) (zero: int[]) (last: int) (onCircle: Circle -> unit) =
        if basis.Length = 2 then
            onCircle (circle arr basis zero last)
        else
            let live =
                [| 0 .. arr.HyperplaneCount - 1 |]
                |> Array.filter (fun j -> Array.BinarySearch(zero, j) < 0)

            let reps, groups = restrictedGroups arr basis live

            for g in 0 .. reps.Length - 1 do
                let first = groups.[g].[0]

                if first > last then
                    let sub = Enumeration.hyperplaneBasis reps.[g] |> Array.map (Enumeration.lift basis)
                    visit arr sub (Array.sort (Array.append zero groups.[g])) first onCircle

    /// The work item of hyperplane k (rank ≥ 3): every great circle whose canonical chain starts at H_k.
    let underHyperplane (arr: StreamingArrangement) (k: int) (onCircle: Circle -> unit) =
        let a = Array.sub arr.Normals (k * arr.Rank) arr.Rank
        visit arr (Enumeration.hyperplaneBasis a) [| k |] k onCircle

    /// The whole plane of coordinates (rank 2): the one great circle, with no hyperplane containing it.
    let whole (arr: StreamingArrangement) =
        circle arr [| [| 1.0; 0.0 |]; [| 0.0; 1.0 |] |] [||] -1

    /// The number of cells of the arrangement of the listed hyperplanes restricted to a flat, by
    /// deletion–restriction (c(A) = c(A − H) + c(A^H), the stored enumeration's argument): with the
    /// groups G_1, G_2, … of the restriction in order, c = 1 + Σ_t c(G_1 … G_{t−1} restricted to G_t), whose first term is 1.
    /// On a circle, ℓ lines give 2ℓ arcs.
    let rec cellsOf (arr: StreamingArrangement) (basis: float[][]) (members: int[]) : int64 =
        let reps, groups = restrictedGroups arr basis members

        if reps.Length = 0 then
            1L
        elif basis.Length = 1 then
            2L
        elif basis.Length = 2 then
            2L * int64 reps.Length
        else
            // c(∅) = 1, and the first group splits the empty arrangement's one cell: 1 more.
            let mutable total = 2L

            for t in 1 .. reps.Length - 1 do
                let sub = Enumeration.hyperplaneBasis reps.[t] |> Array.map (Enumeration.lift basis)
                total <- total + cellsOf arr sub (Array.concat groups.[.. t - 1])

            total

    /// c(A_{<k} restricted to H_k): the cells that adding hyperplane k to hyperplanes 0 … k − 1
    /// splits. The arrangement has 1 + Σ_k of these cells.
    let cellsSplitBy (arr: StreamingArrangement) (k: int) =
        let a = Array.sub arr.Normals (k * arr.Rank) arr.Rank
        cellsOf arr (Enumeration.hyperplaneBasis a) [| 0 .. k - 1 |]
