namespace TvRelu.Core.Certificates

open System
open TvRelu.Core.Numerics
open TvRelu.Core.Arrangements

/// The walk along one great circle L (THEORY.md §3). Going round L, the cells touching it change by
/// one hyperplane crossing at a time, so their pieces v_C are updated by ±g_j (never recomputed,
/// O(d) per crossing). On each arc of L, η = ⟨θ, v⟩ and its maximum over the closed arc is exact
/// (the critical point Π_L v/‖Π_L v‖ if the arc holds it, else an end); these are values of η at
/// points, so lower bounds of sup η. The cells around the arc are the sectors of L; a cell with
/// ‖v_C‖ above the threshold may still beat those bounds (‖Π_{K_C} v_C‖ ≤ ‖v_C‖, consequence 1), so
/// it is recorded with the facets the arc shows (the hyperplanes bounding its sector; every facet of
/// a cell contains one of its arcs, so a cell is complete once every circle has been walked).
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

    let inline private det (x1: float) (x2: float) (y1: float) (y2: float) = x1 * y2 - x2 * y1

    /// Walks the arcs that start at crossing points first … stop − 1 of a circle whose events are built.
    /// `jumps` is null for a count alone. Cells are recorded when ‖v_C‖ exceeds the smaller of the
    /// running best values of this tally and `fixedThreshold` (saturation, violations).
    let walk
        (arr: StreamingArrangement)
        (jumps: float[])
        (fixedThreshold: float)
        (ev: CircleEvents)
        (circle: Circle)
        (first: int)
        (stop: int)
        (tally: Tally)
        =
        let n = arr.AmbientDimension
        let r = arr.Rank
        let groups = ev.Groups
        let hasDual = not (isNull jumps)
        let zero = circle.Zero
        let sectors = circle.Sectors
        let b1, b2 = circle.B1, circle.B2

        let yAt (phi: float) =
            Array.init r (fun i -> Math.Cos phi * b1.[i] + Math.Sin phi * b2.[i])
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
            sectors
            |> Array.map (fun s ->
                let d = Array.zeroCreate n

                if hasDual then
                    for h in s.Positive do
                        for k in 0 .. n - 1 do
                            d.[k] <- d.[k] + jumps.[h * n + k]

                d)

        let sectorKeys =
            sectors
            |> Array.map (fun s -> Array.fold (fun (lo, hi) h -> lo ^^^ arr.KeyLo.[h], hi ^^^ arr.KeyHi.[h]) (0UL, 0UL) s.Positive)
        // The piece and hash of the arc before crossing point `first`, from the definition.
        let prev = (first - 1 + groups) % groups
        let y0 = yAt (ev.Angle prev + 0.5 * ev.Gap prev)
        let v = Array.zeroCreate n
        let mutable lo = 0UL
        let mutable hi = 0UL
        let mutable z = 0

        for j in 0 .. arr.HyperplaneCount - 1 do
            if z < zero.Length && zero.[z] = j then
                z <- z + 1
            elif arr.Side(y0, j) > 0.0 then
                lo <- lo ^^^ arr.KeyLo.[j]
                hi <- hi ^^^ arr.KeyHi.[j]

                if hasDual then
                    for k in 0 .. n - 1 do
                        v.[k] <- v.[k] + jumps.[j * n + k]

        let vs = Array.zeroCreate n
        let mutable split = 0L

        let unitOf x1 x2 =
            let p = Array.init n (fun k -> x1 * e1.[k] + x2 * e2.[k])
            Dense.scale (1.0 / Dense.norm p) p

        let witnessAt (angle: float) (s: Sector) =
            {
                Edge = yAt angle
                Inward = s.Direction
                Zero = zero
            }

        // The maximum of sign · ⟨θ, v⟩ over the closed arc from angle pa (ends a, b in the basis e).
        let arcMax (sign: float) (best: BestSoFar) (pa: float) (gap: float) a1 a2 b1 b2 w1 w2 wn =
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

            let witness () =
                Some(witnessAt (pa + 0.5 * gap) sectors.[0])

            if inside then
                best.Offer(wn, unitOf d1 d2, witness (), tally.Item)
            else
                let va = sign * (a1 * w1 + a2 * w2) / sqrt (a1 * a1 + a2 * a2)
                let vb = sign * (b1 * w1 + b2 * w2) / sqrt (b1 * b1 + b2 * b2)

                if va >= vb && va > best.Value then
                    best.Offer(va, unitOf a1 a2, witness (), tally.Item)
                elif vb > va && vb > best.Value then
                    best.Offer(vb, unitOf b1 b2, witness (), tally.Item)

        for g in first .. stop - 1 do
            let from = ev.Start g
            let till = ev.Start(g + 1)
            let mutable smallest = Int32.MaxValue

            for e in from .. till - 1 do
                let code = ev.Event e
                let j = code >>> 1
                smallest <- min smallest j
                lo <- lo ^^^ arr.KeyLo.[j]
                hi <- hi ^^^ arr.KeyHi.[j]

                if hasDual then
                    let s = if code &&& 1 = 0 then 1.0 else -1.0

                    for k in 0 .. n - 1 do
                        v.[k] <- v.[k] + s * jumps.[j * n + k]

            tally.Arcs <- tally.Arcs + 1L
            tally.EdgeZero <- tally.EdgeZero + int64 zero.Length

            if smallest > circle.Last then
                tally.Vertices <- tally.Vertices + 1L
                tally.VertexZero <- tally.VertexZero + int64 (zero.Length + till - from)
            else
                split <- split + 1L

            if hasDual then
                let pa, gap = ev.Angle g, ev.Gap g
                let pb = pa + gap
                let a1, a2 = n1 * Math.Cos pa + k12 * Math.Sin pa, n2 * Math.Sin pa
                let bb1, bb2 = n1 * Math.Cos pb + k12 * Math.Sin pb, n2 * Math.Sin pb
                let w1, w2 = Dense.dot v e1, Dense.dot v e2
                let wn = sqrt (w1 * w1 + w2 * w2)

                if wn > tally.Plus.Value then
                    arcMax 1.0 tally.Plus pa gap a1 a2 bb1 bb2 w1 w2 wn

                if wn > tally.Minus.Value then
                    arcMax -1.0 tally.Minus pa gap a1 a2 bb1 bb2 w1 w2 wn

                let threshold = min fixedThreshold (min tally.Plus.Value tally.Minus.Value)

                for si in 0 .. sectors.Length - 1 do
                    let d = deltas.[si]
                    let mutable nn = 0.0

                    for k in 0 .. n - 1 do
                        vs.[k] <- v.[k] + d.[k]
                        nn <- nn + vs.[k] * vs.[k]

                    let nn = sqrt nn

                    if nn > tally.MaxPiece then
                        tally.MaxPiece <- nn

                    if nn > threshold then
                        let s = sectors.[si]
                        let slo, shi = sectorKeys.[si]

                        let c =
                            tally.Record(lo ^^^ slo, hi ^^^ shi, (fun () -> Array.copy vs), (fun () -> witnessAt (pa + 0.5 * gap) s))

                        for f in s.Facets do
                            c.AddFacet f
                        // Rank 2: the arc is the cell, bounded by the hyperplanes crossing at its ends.
                        if zero.Length = 0 then
                            let gn = (g + 1) % groups

                            for e in from .. till - 1 do
                                let code = ev.Event e
                                c.AddFacet(struct (code >>> 1, (if code &&& 1 = 0 then 1 else -1)))

                            for e in ev.Start gn .. ev.Start(gn + 1) - 1 do
                                let code = ev.Event e
                                c.AddFacet(struct (code >>> 1, (if code &&& 1 = 0 then -1 else 1)))

        split
