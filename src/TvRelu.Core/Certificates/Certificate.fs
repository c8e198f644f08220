namespace TvRelu.Core

open System
open TvRelu.Core.Numerics

/// An extreme value of the certificate over the whole sphere and a point attaining it.
type Extremum =
    {
        /// sup η (or −inf η for the infimum): exact, not sampled (THEORY.md §3, consequence 1).
        Value: float
        /// A unit vector where it is attained.
        Argument: float[]
        /// The cell whose closure holds that point (−1 when the value 0 is attained in the
        /// all-negative cell, where every neuron is off).
        Cell: int
    }

/// A point of the saturation set Σ = {|η| ≥ 1 − tol}.
type SaturationPoint =
    {
        /// Unit vector θ.
        Direction: float[]
        /// η(θ) ≈ +1 or −1.
        Sign: int
        /// η(θ) as computed.
        Value: float
        /// True when θ is strictly inside a cell (no facet active); false when it is on a boundary.
        Interior: bool
        /// The cells whose closures hold θ and whose linear piece attains the value there.
        Cells: int[]
    }

/// The dual certificate η(θ) = (1/λ) Σ_i q_i σ(⟨θ, x̃_i⟩) of a dual vector q (THEORY.md §2), with its
/// linear pieces η = ⟨θ, v_C⟩ on the closed cells (§3).
[<Sealed>]
type Certificate internal (arr: Arrangement, data: Dataset, dual: float[], lambda: float) =
    let n = arr.AmbientDimension
    let m = arr.HyperplaneCount
    // g_h = (1/λ) Σ_{rows i on hyperplane h} q_i x̃_i: the jump of v_C across H_h.
    let jumps =
        let g = Array.init m (fun _ -> Array.zeroCreate<float> n)
        let rows = data.AugmentedRaw

        arr.RowMap
        |> Array.iteri (fun i h ->
            for k in 0 .. n - 1 do
                g.[h].[k] <- g.[h].[k] + dual.[i] * rows.[i].[k] / lambda)

        g
    // v_C for every cell, updated across one facet at a time along a spanning tree of the cells.
    let pieces =
        lazy
            (let parent, via, order = arr.SpanningTree
             let v = Array.zeroCreate<float>(arr.CellCount * n)

             for c in order do
                 if parent.[c] < 0 then
                     for h in 0 .. m - 1 do
                         if arr.IsActive(c, h) then
                             for k in 0 .. n - 1 do
                                 v.[c * n + k] <- v.[c * n + k] + jumps.[h].[k]
                 else
                     let p = parent.[c]
                     let h = via.[c]
                     let s = if arr.IsActive(c, h) then 1.0 else -1.0

                     for k in 0 .. n - 1 do
                         v.[c * n + k] <- v.[p * n + k] + s * jumps.[h].[k]

             v)

    /// The arrangement the certificate lives on.
    member _.Arrangement = arr
    /// The data set.
    member _.Data = data
    /// λ.
    member _.Lambda = lambda
    /// The dual vector q (a copy).
    member _.Dual = Array.copy dual
    member internal _.DualRaw = dual
    /// v_C: η(θ) = ⟨θ, v_C⟩ on the closed cell C.
    member _.Piece(c: int) = Array.sub pieces.Value (c * n) n

    member internal _.PieceNorm(c: int) =
        let v = pieces.Value
        let mutable s = 0.0

        for k in 0 .. n - 1 do
            s <- s + v.[c * n + k] * v.[c * n + k]

        sqrt s

/// Evaluation, exact extremes and the saturation set of a certificate (THEORY.md §2–§3).
module Certificate =

    /// λ > 0 and finite, and one finite q_i per data row; else an ArgumentException naming the problem.
    let internal validateDual (data: Dataset) (lambda: float) (q: float[]) =
        if not (lambda > 0.0) || Double.IsInfinity lambda then
            invalidArg "lambda" (sprintf "λ must be a positive finite number (got %g)" lambda)

        if q.Length <> data.Count then
            invalidArg "q" (sprintf "the dual vector has %d entries but the data set has %d rows" q.Length data.Count)

        if q |> Array.exists (Double.IsFinite >> not) then
            invalidArg "q" "the dual vector has a non-finite entry"

    /// The certificate of the dual vector q at λ > 0 on the data's arrangement.
    let ofDual (arr: Arrangement) (data: Dataset) (lambda: float) (q: float[]) =
        validateDual data lambda q
        Certificate(arr, data, Array.copy q, lambda)

    /// The certificate of a measure: q = y − Kμ.
    let ofMeasure (arr: Arrangement) (data: Dataset) (lambda: float) (mu: Measure) =
        ofDual arr data lambda (Measure.residual data mu)

    /// η(θ) = (1/λ) Σ_i q_i σ(⟨θ, x̃_i⟩), directly from the data (θ need not be a unit vector).
    let evaluate (cert: Certificate) (theta: float[]) =
        let rows = cert.Data.AugmentedRaw
        let q = cert.DualRaw
        let mutable s = 0.0

        for i in 0 .. rows.Length - 1 do
            let z = Dense.dot theta rows.[i]

            if z > 0.0 then
                s <- s + q.[i] * z

        s / cert.Lambda

    /// Max over the unit vectors of the closed cell of ⟨θ, sign · v_C⟩, by Lemma 1, when positive.
    let internal cellExtreme (cert: Certificate) (sign: float) (c: int) =
        let _, normals = Cone.ofCell cert.Arrangement c
        Cone.project normals (Dense.scale sign (cert.Piece c))

    /// Cells ordered by decreasing ‖v_C‖, the bound ‖Π_K v_C‖ ≤ ‖v_C‖ that makes screening exact.
    let internal byPieceNorm (cert: Certificate) =
        let cells = cert.Arrangement.CellCount
        let norms = Array.init cells cert.PieceNorm
        let order = Array.init cells id
        Array.Sort(Array.map (fun x -> -x) norms, order)
        order, norms

    /// The k largest closed-cell maxima of ±η, best first, as (cell, sign, projection), by branch and
    /// bound: cells are visited by decreasing ‖v_C‖, which bounds ‖Π_{K_C}(±v_C)‖, and the scan stops
    /// once that bound cannot beat the k-th value held or the threshold. Exact: every cell that could
    /// enter the list is projected.
    let top (k: int) (threshold: float) (cert: Certificate) =
        let order, norms = byPieceNorm cert
        let held = ResizeArray<int * int * Projection>()

        let kth () =
            if held.Count < k then
                threshold
            else
                (let _, _, p = held.[held.Count - 1] in max threshold p.Norm)

        let mutable i = 0

        while i < order.Length && norms.[order.[i]] > kth () do
            let c = order.[i]

            for sign in [ 1; -1 ] do
                let p = cellExtreme cert (float sign) c

                if p.Norm > kth () then
                    let at = held.FindIndex(fun (_, _, q) -> q.Norm < p.Norm)

                    if at < 0 then
                        held.Add((c, sign, p))
                    else
                        held.Insert(at, (c, sign, p))

                    if held.Count > k then
                        held.RemoveAt(held.Count - 1)

            i <- i + 1

        held.ToArray()

    let private extreme (cert: Certificate) (sign: float) =
        let order, norms = byPieceNorm cert
        let mutable best = 0.0

        let mutable arg =
            [|
                for k in 0 .. cert.Arrangement.AmbientDimension - 1 ->
                    if k = cert.Arrangement.AmbientDimension - 1 then
                        -1.0
                    else
                        0.0
            |]

        let mutable cell = -1
        let noise = if order.Length > 0 then 1e-12 * norms.[order.[0]] else 0.0
        let mutable i = 0

        while i < order.Length && norms.[order.[i]] > best do
            let c = order.[i]
            let p = cellExtreme cert sign c
            // A projection at rounding level has no direction: taking it would report a value ≈ 0 at an
            // arbitrary argument where η can be far below 0, while 0 itself is attained exactly where
            // every neuron is off (the default argument). Rounding is measured against the largest
            // piece (the pieces are sums of jumps along a spanning tree and carry its rounding: the
            // all-negative cell's piece is ~1e-16, not 0) and against the terms ν_i a_i (unit a_i)
            // that the projection subtracts, which are large on the thin cones of nearly parallel
            // hyperplanes.
            if p.Norm > best && p.Norm > noise + 1e-12 * Array.sum p.Multipliers then
                best <- p.Norm
                arg <- Dense.scale (1.0 / p.Norm) p.Point
                cell <- c

            i <- i + 1

        {
            Value = best
            Argument = arg
            Cell = cell
        }

    /// sup_θ η(θ) over the whole sphere, exactly: max_C ‖Π_{K_C} v_C‖ (THEORY.md §3, consequence 1),
    /// screening the cells whose bound ‖v_C‖ cannot beat the best value found so far. The value is
    /// never below 0, which η takes on the all-negative cell (θ = (0, …, 0, −1) switches every neuron off).
    let supremum (cert: Certificate) = extreme cert 1.0

    /// −inf_θ η(θ), exactly, as a non-negative number (the supremum of −η).
    let infimum (cert: Certificate) = extreme cert -1.0

    /// sup_θ |η(θ)| = max(sup η, −inf η), in one branch-and-bound pass.
    let supremumAbs (cert: Certificate) =
        match top 1 0.0 cert with
        | [| (c, sign, p) |] ->
            p.Norm,
            {
                Value = p.Norm
                Argument = Dense.scale (1.0 / p.Norm) p.Point
                Cell = c
            },
            sign
        | _ ->
            let n = cert.Arrangement.AmbientDimension

            0.0,
            {
                Value = 0.0
                Argument = Array.init n (fun k -> if k = n - 1 then -1.0 else 0.0)
                Cell = -1
            },
            1

    /// The (cell, sign) pairs whose closed-cell maximum of sign · η exceeds the threshold, best first.
    let violators (cert: Certificate) (threshold: float) =
        let order, norms = byPieceNorm cert

        [|
            for c in order do
                if norms.[c] > threshold then
                    for sign in [ 1.0; -1.0 ] do
                        let p = cellExtreme cert sign c

                        if p.Norm > threshold then
                            yield c, int sign, p
        |]
        |> Array.sortByDescending (fun (_, _, p) -> p.Norm)

    /// The saturation set {|η| ≥ 1 − tol} (THEORY.md §3): on each closed cell at most one point per
    /// sign (consequence 2), the normalised projection. Points shared by adjacent cells are merged;
    /// a point is interior when it is strictly inside its cell (distance above `boundaryTol` from
    /// every hyperplane, on unit normals).
    let saturation (tol: float) (boundaryTol: float) (cert: Certificate) : SaturationPoint[] =
        let arr = cert.Arrangement
        let units = arr.UnitNormalsRaw
        let found = ResizeArray<SaturationPoint>()

        for (c, sign, p) in violators cert (1.0 - tol) do
            let theta = Dense.scale (1.0 / p.Norm) p.Point

            let interior =
                units |> Array.forall (fun u -> abs (Dense.dot u theta) > boundaryTol)

            match
                found
                |> Seq.tryFindIndex (fun s -> s.Sign = sign && Dense.distance s.Direction theta <= 1e-8)
            with
            | Some k ->
                let s = found.[k]

                found.[k] <-
                    { s with
                        Cells = Array.append s.Cells [| c |]
                        Value = (if sign > 0 then max s.Value p.Norm else min s.Value -p.Norm)
                    }
            | None ->
                found.Add
                    {
                        Direction = theta
                        Sign = sign
                        Value = float sign * p.Norm
                        Interior = interior
                        Cells = [| c |]
                    }

        found.ToArray()
