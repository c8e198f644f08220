namespace TvRelu.Core.Certificates

open System
open System.Collections.Generic
open TvRelu.Core.Numerics
open TvRelu.Core.Arrangements
open TvRelu.Core.Data
open TvRelu.Core.Cones

/// The walk along one great circle L (THEORY.md §3, consequence 3). Going round L, the faces
/// touching it change by one hyperplane crossing at a time, so their pieces v are updated by ±g_j
/// (O(d) per crossing, never recomputed). By consequence 3, sup η is the largest of the values of η
/// at the vertices, at the critical points of the arcs that hold theirs, and at the critical
/// points Π_F v / ‖Π_F v‖ of the faces F of dimension ≥ 2 that hold theirs. The walk of L settles
/// its arcs and vertices exactly. A face F of dimension ≥ 2 around an arc of L is settled at one
/// visit only, its canonical one: from the critical point, go along the great circle towards a
/// fixed generic point until the first hyperplane, inside it again towards the generic point's
/// projection, and so on down to a great circle; if the critical point is inside F, this path
/// leaves F through a facet, that facet through one of its faces, …, and reaches an arc of F. The
/// visit of that arc can check the path against the hyperplanes through the arc in O(d) without
/// knowing F; only the visits that pass evaluate η at the critical point (O(N d)), and a value is
/// taken only if η there is the face's critical value (the point is in F). Every value taken is η
/// at a point, so a lower bound; and every critical point inside its face is taken: exact.
module internal StreamingWalk =

    /// The jumps g_h = (1/λ) Σ_{rows i on H_h} q_i x̃_i, hyperplane by hyperplane, m × (d + 1) row-major.
    let jumps (arr: StreamingArrangement) (rows: float[][]) (lambda: float) (q: float[]) =
        let n = arr.AmbientDimension
        let g = Array.zeroCreate (arr.HyperplaneCount * n)

        arr.RowMap
        |> Array.iteri (fun i h ->
            for k in 0 .. n - 1 do
                g.[h * n + k] <- g.[h * n + k] + q.[i] * rows.[i].[k] / lambda)

        g


    /// At most this many points above the thresholds are kept per work item; beyond it η is far
    /// above 1 and the saturation set is not a handful of points (reported as such, not listed).
    [<Literal>]
    let maxKeptPoints = 200000

    /// The sign vector of a witnessed cell over the distinct hyperplanes: the point's signs, and
    /// those of the inward direction on the hyperplanes through the point.
    let signs (arr: StreamingArrangement) (w: CellWitness) =
        Array.init arr.HyperplaneCount (fun j ->
            let s =
                if Array.BinarySearch(w.Zero, j) >= 0 then
                    arr.Side(w.Inward, j)
                else
                    arr.Side(w.Edge, j)

            if s > 0.0 then 1 else -1)

    /// η(θ) = Σ_h [⟨θ, x̃_h⟩ > 0] ⟨θ, g_h⟩, from the jumps: O(N d).
    let eta (arr: StreamingArrangement) (jumps: float[]) (theta: float[]) =
        let n = arr.AmbientDimension
        let units = arr.Units
        let mutable s = 0.0

        for h in 0 .. units.Length - 1 do
            if Dense.dot theta units.[h] > 0.0 then
                let mutable t = 0.0

                for k in 0 .. n - 1 do
                    t <- t + theta.[k] * jumps.[h * n + k]

                s <- s + t

        s


    /// η(θ), and whether θ lies in the closure of the face F (around an arc through the point
    /// `onArc`, zero set Z): F's signs are those of `onArc` off Z, the face's on Z. One O(N d) pass:
    /// at the 1e6 scale a neighbouring needle cell's critical point has η within 1e-13 of this
    /// face's critical value, so only the signs tell the faces apart.
    let etaInFace (arr: StreamingArrangement) (jumps: float[]) (theta: float[]) (onArc: float[]) (zero: int[]) (f: LocalFace) =
        let n = arr.AmbientDimension
        let units = arr.Units
        let mutable s = 0.0
        let mutable inside = true
        let mutable z = 0

        for h in 0 .. units.Length - 1 do
            let d = Dense.dot theta units.[h]

            if d > 0.0 then
                let mutable t = 0.0

                for k in 0 .. n - 1 do
                    t <- t + theta.[k] * jumps.[h * n + k]

                s <- s + t

            let expected =
                if z < zero.Length && zero.[z] = h then
                    z <- z + 1

                    if Array.contains h f.Zero then 0.0
                    elif Array.contains h f.Positive then 1.0
                    else -1.0
                elif arr.Side(onArc, h) > 0.0 then
                    1.0
                else
                    -1.0

            if
                expected * d < -Tolerances.streamingMembership
                || (expected = 0.0 && abs d > Tolerances.streamingOnFlat)
            then
                inside <- false

        s, inside

    /// A fixed generic point of R^r, and a second one for starts too close to the first.
    let private target (r: int) (second: bool) =
        let w =
            Array.init r (fun k ->
                let k = float (k + 1)

                if second then
                    Math.Cos(2.7 * k + 0.3)
                else
                    Math.Sin(1.3 * k + 0.7) + 0.05 * k)

        Dense.scale (1.0 / Dense.norm w) w

    /// An orthonormal basis (coordinates y) of span{a_h : h ∈ zero}.
    let private normalSpan (arr: StreamingArrangement) (zero: int seq) =
        let r = arr.Rank

        StreamingArrangement.spanBasis
            r
            Tolerances.streamingSpan
            (zero |> Seq.map (fun h -> Array.sub arr.Normals (h * r) r) |> Seq.toArray)

    let private projectOut (basis: #seq<float[]>) (p: float[]) =
        let x = Array.copy p

        for b in basis do
            let c = Dense.dot x b

            for i in 0 .. x.Length - 1 do
                x.[i] <- x.[i] - c * b.[i]

        x

    /// Whether the point y of the circle lies on the arc [pa, pa + gap] (to the canonical slack).
    let private onArc (circle: Circle) (y: float[]) (pa: float) (gap: float) =
        let phi = Math.Atan2(Dense.dot y circle.B2, Dense.dot y circle.B1)
        let off = (phi - pa) % (2.0 * Math.PI)
        let off = if off < 0.0 then off + 2.0 * Math.PI else off

        off <= gap + Tolerances.streamingCanonicalSlack
        || off >= 2.0 * Math.PI - Tolerances.streamingCanonicalSlack

    /// The direction from y towards the generic point of the flat (y's flat, zero set `zero`).
    let private towards (arr: StreamingArrangement) (targets: Dictionary<int list, float[] * float[]>) (zero: int list) (y: float[]) =
        let key = List.sort zero

        let p1, p2 =
            match targets.TryGetValue key with
            | true, t -> t
            | _ ->
                let span = normalSpan arr zero

                let t =
                    projectOut span (target arr.Rank false), projectOut span (target arr.Rank true)

                targets.[key] <- t
                t

        let along (p: float[]) =
            let c = Dense.dot p y
            Array.init y.Length (fun i -> p.[i] - c * y.[i])

        let u = along p1

        let u =
            if Dense.norm u < Tolerances.streamingTargetSeparation then
                along p2
            else
                u

        Dense.scale (1.0 / Dense.norm u) u

    /// Whether the visit of the arc [pa, pa + gap] of the circle is the canonical visit of the face
    /// for its critical point y0 (module doc): the path from y0 meets the hyperplanes of Z in an order
    /// that keeps the face's signs and ends on this arc.
    let canonical
        (arr: StreamingArrangement)
        (targets: Dictionary<int list, float[] * float[]>)
        (circle: Circle)
        (face: LocalFace)
        (y0: float[])
        (pa: float)
        (gap: float)
        =
        let signOf h =
            if Array.contains h face.Positive then 1.0 else -1.0

        let holds (y: float[]) (hs: int list) =
            hs
            |> List.forall (fun h -> signOf h * arr.Side(y, h) >= -Tolerances.streamingCanonicalSlack)

        let mutable y = y0
        let mutable zero = List.ofArray face.Zero

        let mutable remaining =
            circle.Zero
            |> Array.filter (fun h -> not (Array.contains h face.Zero))
            |> List.ofArray

        let mutable ok = holds y remaining

        while ok && not remaining.IsEmpty do
            let u = towards arr targets zero y
            let mutable first = -1
            let mutable best = infinity

            for h in remaining do
                let t = Math.Atan2(arr.Side(y, h), -arr.Side(u, h))
                let t = if t <= 0.0 then t + Math.PI else t

                if t < best then
                    best <- t
                    first <- h

            y <- Array.init y.Length (fun i -> Math.Cos best * y.[i] + Math.Sin best * u.[i])
            zero <- zero @ [ first ]
            let span = normalSpan arr zero

            remaining <-
                remaining
                |> List.filter (fun h ->
                    h <> first
                    && Dense.norm (projectOut span (Array.sub arr.Normals (h * arr.Rank) arr.Rank)) > Tolerances.streamingSpan)

            ok <- holds y remaining

        ok && onArc circle y pa gap

    /// The canonical path of one face around a circle, precomputed for ranks ≤ 4, where the path
    /// meets at most two flats: the face's own, then a hyperplane H_h of Z (`canonical` in general).
    type private FacePath =
        {
            /// Z minus the face's zero set, and the face's signs there.
            Remaining: int[]
            Signs: float[]
            /// The generic points of the face's flat (`towards`).
            Target: float[]
            Second: float[]
        }

    /// One step of the path from y (unit) in a flat with the given generic points: the first of the
    /// hyperplanes `among` met, and y moved onto it. Allocation-free (u is scratch).
    let private step (arr: StreamingArrangement) (target: float[]) (second: float[]) (among: int[]) (skip: int) (y: float[]) (u: float[]) =
        let r = y.Length

        let along (p: float[]) =
            let c = Dense.dot p y
            let mutable nn = 0.0

            for i in 0 .. r - 1 do
                u.[i] <- p.[i] - c * y.[i]
                nn <- nn + u.[i] * u.[i]

            sqrt nn

        let nu =
            let nu = along target

            if nu < Tolerances.streamingTargetSeparation then
                along second
            else
                nu

        for i in 0 .. r - 1 do
            u.[i] <- u.[i] / nu

        let mutable first = -1
        let mutable best = infinity

        for h in among do
            if h <> skip then
                let t = Math.Atan2(arr.Side(y, h), -arr.Side(u, h))
                let t = if t <= 0.0 then t + Math.PI else t

                if t < best then
                    best <- t
                    first <- h

        let c, s = Math.Cos best, Math.Sin best

        for i in 0 .. r - 1 do
            y.[i] <- c * y.[i] + s * u.[i]

        first

    /// An orthonormal basis, in the original coordinates, of the flat {y : ⟨y, a_h⟩ = 0, h ∈ zero}
    /// mapped by T; null for the whole space (zero empty).
    let private flatBasis (arr: StreamingArrangement) (zero: int[]) =
        if zero.Length = 0 then
            null
        else
            let r = arr.Rank
            let span = normalSpan arr zero
            let inFlat = ResizeArray<float[]>()

            for i in 0 .. r - 1 do
                let e = projectOut span (Array.init r (fun k -> if k = i then 1.0 else 0.0))
                let e = projectOut inFlat e

                if
                    Dense.norm e > Tolerances.streamingBasisResidual
                    && inFlat.Count < r - span.Length
                then
                    inFlat.Add(Dense.scale (1.0 / Dense.norm e) e)

            let lifted = ResizeArray<float[]>()

            for e in inFlat do
                let t = projectOut lifted (arr.Lifted e)
                let t = projectOut lifted t
                lifted.Add(Dense.scale (1.0 / Dense.norm t) t)

            lifted.ToArray()

    /// Π v onto a flat given by its orthonormal basis (null: the whole space).
    let private onto (basis: float[][]) (v: float[]) =
        if isNull basis then
            v
        else
            let p = Array.zeroCreate v.Length

            for b in basis do
                let c = Dense.dot v b

                for k in 0 .. v.Length - 1 do
                    p.[k] <- p.[k] + c * b.[k]

            p

    let inline private det (x1: float) (x2: float) (y1: float) (y2: float) = x1 * y2 - x2 * y1

    /// One circle's walk: its plane in the original coordinates, the faces around it with their
    /// jumps, flats and canonical paths, and the scratch arrays the visits share.
    [<Sealed>]
    type private CircleWalk(arr: StreamingArrangement, jumps: float[], threshold: float, circle: Circle, tally: Tally) =
        let n = arr.AmbientDimension
        let r = arr.Rank
        let zero = circle.Zero
        let faces = circle.Faces
        let hasDual = not (isNull jumps)
        let b1, b2 = circle.B1, circle.B2
        // T y(φ) = (n1 cos φ + k12 sin φ) e1 + (n2 sin φ) e2, with (e1, e2) orthonormal.
        let c1 = arr.Lifted b1
        let c2 = arr.Lifted b2
        let n1 = Dense.norm c1
        let e1 = Dense.scale (1.0 / n1) c1
        let k12 = Dense.dot c2 e1
        let c2p = Array.init n (fun i -> c2.[i] - k12 * e1.[i])
        let n2 = Dense.norm c2p
        let e2 = Dense.scale (1.0 / n2) c2p

        let deltas =
            faces
            |> Array.map (fun f ->
                let d = Array.zeroCreate n

                if hasDual then
                    for h in f.Positive do
                        for k in 0 .. n - 1 do
                            d.[k] <- d.[k] + jumps.[h * n + k]

                d)

        let flats =
            if hasDual then
                faces |> Array.map (fun f -> flatBasis arr f.Zero)
            else
                [||]

        let targets = Dictionary<int list, float[] * float[]>(HashIdentity.Structural)
        let fast = r <= 4

        // For each face, the hyperplanes of Z off it with its signs there, and its flat's generic points.
        let paths =
            if hasDual then
                faces
                |> Array.map (fun f ->
                    let remaining = zero |> Array.filter (fun h -> not (Array.contains h f.Zero))
                    let span = normalSpan arr f.Zero

                    {
                        Remaining = remaining
                        Signs =
                            remaining
                            |> Array.map (fun h -> if Array.contains h f.Positive then 1.0 else -1.0)
                        Target = projectOut span (target r false)
                        Second = projectOut span (target r true)
                    })
            else
                [||]

        let onHyperplane =
            if hasDual && fast then
                zero
                |> Array.map (fun h ->
                    let span = normalSpan arr [ h ]
                    projectOut span (target r false), projectOut span (target r true))
            else
                [||]

        let ys = Array.zeroCreate r
        let us = Array.zeroCreate r
        let theta = Array.zeroCreate n

        member _.E1 = e1
        member _.E2 = e2
        member _.N1 = n1
        member _.N2 = n2
        member _.K12 = k12

        member _.YAt(phi: float) =
            Array.init r (fun i -> Math.Cos phi * b1.[i] + Math.Sin phi * b2.[i])

        /// The unit direction with coordinates (x1, x2) in the basis (e1, e2).
        member _.UnitOf(x1: float, x2: float) =
            let p = Array.init n (fun k -> x1 * e1.[k] + x2 * e2.[k])
            Dense.scale (1.0 / Dense.norm p) p

        member w.WitnessAt(angle: float, cell: float[]) =
            Some
                {
                    Edge = w.YAt angle
                    Inward = cell
                    Zero = zero
                    Key = ""
                }

        /// Keeps a point above the threshold for `StreamingSupremum` to decide its cells.
        member _.Keep(theta: float[], y: float[], sign: int, value: float, zeroSet: int[], base': float[]) =
            if tally.Raw.Count >= maxKeptPoints then
                tally.Overflow <- true
            else
                tally.Raw.Add
                    {
                        Theta = theta
                        Y = y
                        Sign = sign
                        Value = value
                        Zero = zeroSet
                        Base = Array.copy base'
                    }

        /// The closed arc's maximum of sign · ⟨θ, v⟩ (ends a, b and w = v in the basis e): the
        /// critical point if the arc holds it, else an end.
        member w.Arc(sign: float, best: BestSoFar, pa: float, gap: float, a1, a2, b1, b2, w1, w2, wn, v: float[]) =
            let d1, d2 = sign * w1, sign * w2
            // Arcs are shorter than π in an essential arrangement (two lines at least cross L).
            let inside =
                if gap < Math.PI then
                    det a1 a2 d1 d2 >= 0.0 && det d1 d2 b1 b2 >= 0.0
                else
                    let beta = d2 / n2
                    let phi = Math.Atan2(beta, (d1 - beta * k12) / n1)
                    let off = (phi - pa) % (2.0 * Math.PI)
                    (if off < 0.0 then off + 2.0 * Math.PI else off) <= gap

            let cell = faces.[0].Cell

            if inside then
                let theta = w.UnitOf(d1, d2)

                if wn > best.Value then
                    best.Offer(wn, theta, w.WitnessAt(pa + 0.5 * gap, cell), tally.Item)

                if wn >= threshold then
                    w.Keep(theta, arr.Coordinates theta, int sign, wn, zero, v)
            elif wn > best.Value then
                let va = sign * (a1 * w1 + a2 * w2) / sqrt (a1 * a1 + a2 * a2)
                let vb = sign * (b1 * w1 + b2 * w2) / sqrt (b1 * b1 + b2 * b2)

                if va >= vb && va > best.Value then
                    best.Offer(va, w.UnitOf(a1, a2), w.WitnessAt(pa + 0.5 * gap, cell), tally.Item)
                elif vb > va && vb > best.Value then
                    best.Offer(vb, w.UnitOf(b1, b2), w.WitnessAt(pa + 0.5 * gap, cell), tally.Item)

        /// The fast canonical test (ranks ≤ 4) of the point y = ys: at most two steps, from the
        /// face's flat onto a hyperplane of Z, then (from a cell at rank 4) onto the circle.
        member _.CanonicalFast(fp: FacePath, pa: float, gap: float) =
            let mutable ok = true

            for i in 0 .. fp.Remaining.Length - 1 do
                if fp.Signs.[i] * arr.Side(ys, fp.Remaining.[i]) < -Tolerances.streamingCanonicalSlack then
                    ok <- false

            if ok then
                let first = step arr fp.Target fp.Second fp.Remaining -1 ys us

                if r = 4 && fp.Remaining.Length >= 2 && fp.Remaining.Length = zero.Length then
                    for i in 0 .. fp.Remaining.Length - 1 do
                        let h = fp.Remaining.[i]

                        if
                            h <> first
                            && fp.Signs.[i] * arr.Side(ys, h) < -Tolerances.streamingCanonicalSlack
                        then
                            ok <- false

                    if ok then
                        let t1, t2 = onHyperplane.[Array.IndexOf(zero, first)]
                        step arr t1 t2 fp.Remaining first ys us |> ignore

            ok && onArc circle ys pa gap

        /// Which signs of the face's critical point ±Π v/‖Π v‖ lie on its side of the hyperplanes
        /// of Z off it (necessary for either to be inside; at most one does when any is off).
        member _.Viable(fi: int, pf: float[], c: float) =
            let fp = paths.[fi]
            let mutable plus = true
            let mutable minus = true

            for i in 0 .. fp.Remaining.Length - 1 do
                let d = fp.Signs.[i] * Dense.dot pf arr.Units.[fp.Remaining.[i]] / c

                if d < -Tolerances.streamingCanonicalSlack then
                    plus <- false

                if -d < -Tolerances.streamingCanonicalSlack then
                    minus <- false

            struct (plus, minus)

        /// A face of dimension ≥ 2 around the arc, for one sign: its critical point sign · pf / c,
        /// taken if this visit is its canonical one and the point is in the face (its signs, and η
        /// there its critical value). `vf` is the face's piece.
        member w.Face(fi: int, sign: float, best: BestSoFar, pf: float[], c: float, pa: float, gap: float, vf: float[]) =
            let f = faces.[fi]

            for k in 0 .. n - 1 do
                theta.[k] <- sign * pf.[k] / c

            arr.CoordinatesInto(theta, ys)
            let ny = Dense.norm ys

            for i in 0 .. r - 1 do
                ys.[i] <- ys.[i] / ny

            let passes =
                if fast then
                    w.CanonicalFast(paths.[fi], pa, gap)
                else
                    canonical arr targets circle f (Array.copy ys) pa gap

            if passes then
                let e, inside = etaInFace arr jumps theta (w.YAt(pa + 0.5 * gap)) zero f
                let e = sign * e

                if inside && e >= c - Tolerances.streamingCriticalAgreement * (c + tally.MaxPiece) then
                    let theta = Array.copy theta

                    if e > best.Value then
                        best.Offer(e, theta, w.WitnessAt(pa + 0.5 * gap, f.Cell), tally.Item)

                    if e >= threshold then
                        let y = arr.Coordinates theta
                        w.Keep(theta, Dense.scale (1.0 / Dense.norm y) y, int sign, e, f.Zero, vf)

        /// The faces of dimension ≥ 2 around the arc with piece v (off Z): their pieces, and the
        /// critical points that could beat the best values or reach the threshold.
        member w.Faces(v: float[], vf: float[], pa: float, gap: float) =
            for fi in 0 .. faces.Length - 1 do
                let d = deltas.[fi]

                for k in 0 .. n - 1 do
                    vf.[k] <- v.[k] + d.[k]

                let pieceNorm = Dense.norm vf

                if pieceNorm > tally.MaxPiece then
                    tally.MaxPiece <- pieceNorm

                let pf = onto flats.[fi] vf

                let c =
                    if obj.ReferenceEquals(pf, vf) then
                        pieceNorm
                    else
                        Dense.norm pf

                if c > 0.0 && zero.Length > 0 then
                    let struct (plus, minus) = w.Viable(fi, pf, c)

                    if plus && (c > tally.Plus.Value || c >= threshold) then
                        w.Face(fi, 1.0, tally.Plus, pf, c, pa, gap, vf)

                    if minus && (c > tally.Minus.Value || c >= threshold) then
                        w.Face(fi, -1.0, tally.Minus, pf, c, pa, gap, vf)

        /// The vertex at the start of an arc (unit direction with basis coordinates a), counted here:
        /// kept if ±η there reaches the threshold, with the hyperplanes through it and its piece with
        /// them off (those entering at it are on in the arc's piece v).
        member w.Vertex(ev: CircleEvents, g: int, pa: float, a1: float, a2: float, v: float[]) =
            let p = w.UnitOf(a1, a2)
            let value = Dense.dot p v

            for sign in [ 1.0; -1.0 ] do
                if sign * value >= threshold then
                    let off = Array.copy v

                    for e in ev.Start g .. ev.Start(g + 1) - 1 do
                        let code = ev.Event e

                        if code &&& 1 = 0 then
                            for k in 0 .. n - 1 do
                                off.[k] <- off.[k] - jumps.[(code >>> 1) * n + k]

                    let through =
                        Array.append zero [| for e in ev.Start g .. ev.Start(g + 1) - 1 -> ev.Event e >>> 1 |]
                        |> Array.sort

                    w.Keep(p, w.YAt pa, int sign, sign * value, through, off)

    /// The piece of the arc before crossing point `first` of the circle, from the definition.
    let private startPiece (arr: StreamingArrangement) (jumps: float[]) (ev: CircleEvents) (circle: Circle) (first: int) =
        let n = arr.AmbientDimension
        let prev = (first - 1 + ev.Groups) % ev.Groups
        let phi = ev.Angle prev + 0.5 * ev.Gap prev

        let y =
            Array.init arr.Rank (fun i -> Math.Cos phi * circle.B1.[i] + Math.Sin phi * circle.B2.[i])

        let v = Array.zeroCreate n
        let mutable z = 0

        for j in 0 .. arr.HyperplaneCount - 1 do
            if z < circle.Zero.Length && circle.Zero.[z] = j then
                z <- z + 1
            elif arr.Side(y, j) > 0.0 then
                for k in 0 .. n - 1 do
                    v.[k] <- v.[k] + jumps.[j * n + k]

        v

    /// Walks the arcs that start at crossing points first … stop − 1 of a circle whose events are
    /// built; `jumps` is null for a count alone. Points where ±η reaches `threshold` (saturation,
    /// violations) are kept in the tally for `StreamingSupremum` to decide which cells they maximise.
    /// Returns the number of crossing points whose hyperplanes all come before the circle's last
    /// (deletion–restriction at rank 3).
    let walk
        (arr: StreamingArrangement)
        (jumps: float[])
        (threshold: float)
        (ev: CircleEvents)
        (circle: Circle)
        (first: int)
        (stop: int)
        (tally: Tally)
        =
        let n = arr.AmbientDimension
        let hasDual = not (isNull jumps)
        let walker = CircleWalk(arr, jumps, threshold, circle, tally)

        let v =
            if hasDual then
                startPiece arr jumps ev circle first
            else
                [||]

        let vf = Array.zeroCreate n
        let mutable split = 0L
        let mutable cosB = 0.0
        let mutable sinB = 0.0

        for g in first .. stop - 1 do
            let from = ev.Start g
            let till = ev.Start(g + 1)
            let mutable smallest = Int32.MaxValue

            for e in from .. till - 1 do
                let code = ev.Event e
                let j = code >>> 1
                smallest <- min smallest j

                if hasDual then
                    let s = if code &&& 1 = 0 then 1.0 else -1.0

                    for k in 0 .. n - 1 do
                        v.[k] <- v.[k] + s * jumps.[j * n + k]

            tally.Arcs <- tally.Arcs + 1L
            tally.EdgeZero <- tally.EdgeZero + int64 circle.Zero.Length
            let canonicalVertex = smallest > circle.Last

            if canonicalVertex then
                tally.Vertices <- tally.Vertices + 1L
                tally.VertexZero <- tally.VertexZero + int64 (circle.Zero.Length + till - from)
            else
                split <- split + 1L

            if hasDual then
                let pa, gap = ev.Angle g, ev.Gap g
                // Consecutive arcs share an end: its cosine and sine are computed once.
                if g = first then
                    cosB <- Math.Cos pa
                    sinB <- Math.Sin pa

                let cosA, sinA = cosB, sinB
                cosB <- Math.Cos(pa + gap)
                sinB <- Math.Sin(pa + gap)
                let n1, n2, k12 = walker.N1, walker.N2, walker.K12
                let a1, a2 = n1 * cosA + k12 * sinA, n2 * sinA
                let bb1, bb2 = n1 * cosB + k12 * sinB, n2 * sinB
                let w1, w2 = Dense.dot v walker.E1, Dense.dot v walker.E2
                let wn = sqrt (w1 * w1 + w2 * w2)

                if wn > tally.Plus.Value || wn >= threshold then
                    walker.Arc(1.0, tally.Plus, pa, gap, a1, a2, bb1, bb2, w1, w2, wn, v)

                if wn > tally.Minus.Value || wn >= threshold then
                    walker.Arc(-1.0, tally.Minus, pa, gap, a1, a2, bb1, bb2, w1, w2, wn, v)

                if canonicalVertex && threshold < infinity then
                    walker.Vertex(ev, g, pa, a1, a2, v)

                walker.Faces(v, vf, pa, gap)

        split
