namespace TvRelu.Core.Certificates

open System
open TvRelu.Core.Numerics
open TvRelu.Core.Data
open TvRelu.Core.Arrangements
open TvRelu.Core.Cones

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

/// What the floating-point scan vouches for about an extreme value (README, "Where doubles can decide"): the
/// true value lies in [Lower, Upper].
type Enclosure =
    {
        /// sign · η evaluated straight from the data at the reported argument, less the rounding of that sum:
        /// the extreme value is at least this (0 when it is attained where every neuron is off, exactly).
        Lower: float
        /// The largest value the scan vouches no cell exceeds: the reported value, or a projection the rounding
        /// guard could not resolve (its value plus its rounding, `Tolerances.projectionRounding`), if larger, each
        /// with the rounding of its own projection; the cells the scan screened out have bounds below the value;
        /// plus the rounding of the pieces themselves (`Certificate.PieceRounding`). +∞ when a projection was not
        /// finite.
        Upper: float
    }

    /// Whether the enclosure decides the value (`Tolerances.supremumUndecided`): its width is at most 1e-6 of
    /// max(1, value), so the reported value is right to that accuracy.
    member e.Decides(value: float) =
        Double.IsFinite e.Upper
        && e.Upper - e.Lower <= Tolerances.supremumUndecided * max 1.0 (abs value)

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

        let dual =
            if
                TvRelu.Core.Audit.Mutants.isOn TvRelu.Core.Audit.Mutant.ResidualSign
                && dual.Length > 0
            then
                Array.mapi (fun i q -> if i = 0 then -q else q) dual
            else
                dual

        arr.RowMap
        |> Array.iteri (fun i h ->
            for k in 0 .. n - 1 do
                g.[h].[k] <- g.[h].[k] + dual.[i] * rows.[i].[k] / lambda)

        g
    // v_C for every cell, updated across one facet at a time along a spanning tree of the cells, and a bound on
    // max_C ‖v̂_C − v_C‖ over every cell (`Certificate.PieceRounding`). Each coordinate is summed along the tree
    // path by Ogita–Rump–Oishi's Sum2 ("Accurate sum and dot product", SIAM J. Sci. Comput. 26 (2005),
    // Algorithm 4.4): TwoSum keeps the running sum, its errors add up in a second word, and the two are rounded
    // to one double at the end. Their Proposition 4.5 bounds the error of a path of L terms p_j by
    // u |Σ p_j| + γ²_(L−1) Σ |p_j|. The path telescopes: its terms are the computed jumps ĝ_h of the hyperplanes
    // active in C (the root's sum, then ± one jump per crossing), so Σ p_j = Σ_{h ∈ S_C} ĝ_h exactly, and what
    // is left is the rounding of the jumps themselves (see `pieceRounding`). The plain recursive sum along the
    // path carried an a-priori 2(2N + d + 3)√(d + 1) u (1/λ) Σ_i |q_i| ‖x̃_i‖ (the old bound), which at N = 10^4
    // kept a gap of 6.2·10⁻¹¹ from being certified against a tolerance of 1.1·10⁻⁷ (issue 16).
    let piecesAndPathRounding =
        lazy
            (let parent, via, order = arr.SpanningTree
             let cells = arr.CellCount
             let hi = Array.zeroCreate<float>(cells * n)
             let lo = Array.zeroCreate<float>(cells * n)
             // Per cell: the number of terms on its path, and Σ over those terms of ‖ĝ_h‖ (which bounds the norm
             // of the vector of Σ |p_j| over the coordinates).
             let terms = Array.zeroCreate<int> cells
             let absolute = Array.zeroCreate<float> cells
             let jumpNorms = jumps |> Array.map Dense.norm

             let add (c: int) (s: float) (g: float[]) =
                 for k in 0 .. n - 1 do
                     let struct (t, e) = Dense.twoSum hi.[c * n + k] (s * g.[k])
                     hi.[c * n + k] <- t
                     lo.[c * n + k] <- lo.[c * n + k] + e

             for c in order do
                 if parent.[c] < 0 then
                     for h in 0 .. m - 1 do
                         if arr.IsActive(c, h) then
                             add c 1.0 jumps.[h]
                             terms.[c] <- terms.[c] + 1
                             absolute.[c] <- absolute.[c] + jumpNorms.[h]
                 else
                     let p = parent.[c]
                     let h = via.[c]
                     Array.blit hi (p * n) hi (c * n) n
                     Array.blit lo (p * n) lo (c * n) n
                     add c (if arr.IsActive(c, h) then 1.0 else -1.0) jumps.[h]
                     terms.[c] <- terms.[p] + 1
                     absolute.[c] <- absolute.[p] + jumpNorms.[h]

             let mutable path = 0.0

             for c in 0 .. cells - 1 do
                 // The computed Σ ‖ĝ_h‖ underestimates by at most γ_L: doubled.
                 let g = Dense.gamma (terms.[c] + 1)
                 path <- max path (2.0 * g * g * absolute.[c])

             for i in 0 .. hi.Length - 1 do
                 hi.[i] <- hi.[i] + lo.[i]

             hi, path)

    let pieces = lazy (fst piecesAndPathRounding.Value)

    // (1/λ) Σ_i |q_i| ‖x̃_i‖: the range check of the scan and the scale of its rounding (`DoubleRange.etaScale`).
    let scale = lazy (DoubleRange.etaScale data.AugmentedRaw dual lambda)

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

    /// (1/λ) Σ_i |q_i| ‖x̃_i‖ (`DoubleRange.etaScale`): a bound on |η| over the unit sphere and on every ‖v_C‖, and
    /// the scale of the rounding of the sums that form them; +∞ beyond the largest double.
    member _.Scale = scale.Value

    /// A bound on ‖v̂_C − v_C‖ for every cell at once, where v̂_C is the computed piece (`Piece`) and v_C the exact
    /// (1/λ) Σ_{i ∈ S_C} q_i x̃_i of these doubles (THEORY.md §3, §8). Three parts: the rounding of the jumps ĝ_h,
    /// each a sum of K = (most rows on one hyperplane) terms fl(fl(q_i x̃_ik) / λ), so exact to γ_(K+1) of
    /// Σ_{i on h} |q_i x̃_ik| / λ (Higham, Accuracy and Stability of Numerical Algorithms, §3.1), at most
    /// E = γ_(K+1) · `Scale` over all the hyperplanes of S_C together; Sum2's u ‖Σ_{h ∈ S_C} ĝ_h‖ ≤ u (Scale + E);
    /// and its γ² term along the longest path (see the pieces). Doubled, which covers the relative error of the
    /// computed scale (summed in logarithms) and of this formula. It is about 6 u · Scale where the plain sum
    /// needed 2 (2N + d + 3) √(d + 1) u · Scale.
    member _.PieceRounding =
        let u = Tolerances.unitRoundoff

        let rowsPerHyperplane =
            if arr.RowMap.Length = 0 then
                1
            else
                arr.RowMap |> Array.countBy id |> Array.map snd |> Array.max

        let jump = Dense.gamma (rowsPerHyperplane + 1) * scale.Value
        2.0 * (u * (scale.Value + jump) + jump + snd piecesAndPathRounding.Value)

    /// A bound on how far the true η of the data can exceed the pieces on the cells of this arrangement because
    /// input rows were merged into one hyperplane (`Tolerances.mergeInputs`): the cells decide row i's activity
    /// by its hyperplane's unit normal u_h, and where the two disagree, ⟨x̃_i, θ⟩ and c ⟨u_h, θ⟩ (c = ⟨x̃_i, u_h⟩ > 0)
    /// have opposite signs, so |⟨x̃_i, θ⟩| ≤ ‖x̃_i − c u_h‖ for unit θ and row i's term of η moves by at most
    /// |q_i| ‖x̃_i − c u_h‖ / λ (THEORY.md §3). Summed over the rows that differ from their hyperplane's first row,
    /// with the rounding of each distance (4 (d + 3) u ‖x̃_i‖) and of the sum; exactly 0 when no distinct rows were
    /// merged (a row equal to the one its normal was taken from differs from it only by the normal's rounding,
    /// which the cell bounds of `scanWith` carry; charging it here added 10⁻⁸ to sup|η| at 10⁻⁶ λ_max and lost a
    /// certificate).
    /// Conservative: in d = 1 the wedge's own excess is second order (its maximum sits at an end it shares with a
    /// merged cell), and no case was found where the true supremum exceeded the upper end without this term. Without it, rows 1e-9 apart
    /// at λ ≈ 1e-8 λ_max could hide η ≈ 10⁻¹ of true supremum in wedges the merged arrangement does not have.
    member _.MergeSpread =
        let rows = data.AugmentedRaw
        let units = arr.UnitNormalsRaw
        let u = Tolerances.unitRoundoff
        let mutable s = 0.0
        // The hyperplane's normal is its first row's (`Arrangement.distinctHyperplanes`).
        let first = Array.create units.Length -1

        arr.RowMap
        |> Array.iteri (fun i h ->
            if first.[h] < 0 then
                first.[h] <- i)

        arr.RowMap
        |> Array.iteri (fun i h ->
            if i <> first.[h] && rows.[i] <> rows.[first.[h]] then
                let x = rows.[i]
                let c = Dense.dot x units.[h]
                let nx = Dense.norm x

                let distance =
                    if c > 0.0 then
                        Dense.norm (Array.map2 (fun xi ui -> xi - c * ui) x units.[h])
                        + 4.0 * float (n + 3) * u * nx
                    else
                        nx

                s <- s + abs dual.[i] * distance)

        s / lambda * (1.0 + Dense.gamma (rows.Length + 2))

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
        Lambda.requirePositive "lambda" lambda

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

    /// η(θ) with a rigorous bound on its rounding: (value, bound), |value − η(θ)| ≤ bound for the exact η of these
    /// doubles (THEORY.md §2, §8). Each ⟨θ, x̃_i⟩ and the sum Σ_i q_i σ(⟨θ, x̃_i⟩) are Ogita–Rump–Oishi Dot2
    /// products (`Dense.dot2`, with their a-posteriori bounds); σ is 1-Lipschitz, so an error b_i in ⟨θ, x̃_i⟩
    /// moves its term by at most |q_i| b_i. With the division by λ and an absolute floor for products that
    /// underflow (TwoProduct is exact only above the subnormal range: at most one smallest subnormal each), the
    /// sum of these is doubled, which covers the rounding of the bound itself. About 3 u (1/λ) Σ_i |q_i| ‖x̃_i‖,
    /// where the plain sum needed 2 (N + d + 1) u times that.
    let internal evaluateEnclosed (cert: Certificate) (theta: float[]) =
        let rows = cert.Data.AugmentedRaw
        let q = cert.DualRaw
        let active = Array.zeroCreate<float> rows.Length
        let mutable inner = 0.0

        for i in 0 .. rows.Length - 1 do
            let z, b = Dense.dot2 theta rows.[i]
            active.[i] <- max z 0.0
            inner <- inner + abs q.[i] * b

        let sum, b = Dense.dot2 q active
        let underflow = float (4 * (rows.Length + 1) * (theta.Length + 1)) * Double.Epsilon

        sum / cert.Lambda,
        2.0 * (Tolerances.unitRoundoff * abs sum + b + 2.0 * inner + underflow)
        / cert.Lambda

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

    /// The (cell, sign, projection) triples of the one scan (`Scan.best`): the `count` largest closed-cell
    /// maxima ‖Π_{K_C}(sign · v_C)‖ above `threshold` over the given signs, best first, visiting cells by
    /// decreasing ‖v_C‖; and the largest value the scan could not resolve (`Enclosure.Upper`). A projection at
    /// rounding level has no direction (`Tolerances.projectionRounding`): taking it would report a value ≈ 0 at
    /// an arbitrary argument where η can be far below 0, while 0 itself is attained exactly where every neuron
    /// is off; so it is never held, but its cell may still hold any value up to its value plus that rounding
    /// (by weak duality ‖v − Σ ν_i a_i‖ bounds the cell's maximum for any ν ≥ 0, to the rounding of the sum).
    /// Nor is a projection held whose direction does not itself attain a value above that rounding. The bound
    /// returned also covers every projected cell's own rounding (the computed residual of its projection).
    /// Rounding is measured against the largest piece and against the terms ν_i a_i (unit a_i) the projection
    /// subtracts, which are huge on the thin cones of inputs whose columns differ in scale. Raises
    /// `OutOfRangeException` when η's scale is beyond `Tolerances.etaRange` (the scan would meet ∞ and NaN,
    /// which compare false: the cells holding the supremum were dropped and sup η = 0 reported, issue 12,
    /// defects 1 and 3). `bound c sign` is a caller's upper bound on the block's maximum, which tightens ‖v_C‖ (a
    /// solver's bounds carried from its previous scan, Solver/ColumnGeneration; −∞ drops a screened block from an
    /// intermediate pricing; +∞ when unknown), and `observe c sign value` receives, for every block projected, a
    /// value its maximum cannot exceed (the projection plus its rounding).
    let internal scanWith
        (bound: int -> int -> float)
        (observe: int -> int -> float -> unit)
        (count: int)
        (threshold: float)
        (signs: int list)
        (cert: Certificate)
        =
        if not (cert.Scale <= Tolerances.etaRange) then
            raise (OutOfRangeException(DoubleRange.etaMessage cert.Data.AugmentedRaw cert.DualRaw cert.Lambda cert.Scale))

        let byNorm, norms = byPieceNorm cert

        let tight =
            norms |> Array.mapi (fun c v -> min v (signs |> List.map (bound c) |> List.max))

        let order = Array.init tight.Length id
        Array.Sort(Array.map (fun x -> -x) tight, order)
        let n = cert.Arrangement.AmbientDimension

        let noise =
            if byNorm.Length > 0 then
                Tolerances.projectionRounding * norms.[byNorm.[0]]
            else
                0.0

        let mutable vouched = 0.0

        let evaluate c sign =
            let p = cellExtreme cert (float sign) c
            let rounding = noise + Tolerances.projectionRounding * Array.sum p.Multipliers
            // Lemma 1: the true maximiser θ* = Π v / ‖Π v‖ attains ⟨θ*, v⟩ = ‖Π v‖. On a thin wedge the computed
            // Π v can be rounding residue above the estimate (2e-10 on a cone of width 1e-6, where v_C's true
            // projection is 0) pointing where ⟨θ, v⟩ is far below 0; such a direction attains nothing.
            let attained =
                if p.Norm > 0.0 then
                    float sign * Dense.dot p.Point (cert.Piece c) / p.Norm
                else
                    0.0

            observe c sign (p.Norm + rounding)

            if not (Double.IsFinite p.Norm && Double.IsFinite rounding) then
                vouched <- Double.PositiveInfinity
                None
            elif p.Norm > rounding && attained > rounding then
                // The cell's maximum is at most ‖v̂ − Σ ν_i a_i‖ for any ν ≥ 0 and the exact unit normals a_i (weak
                // duality, Moreau); the computed point differs from v̂ − Σ ν_i â_i by γ_(k+1) (‖v̂‖ + Σ ν_i ‖â_i‖),
                // the rounded normals â_i from the a_i by γ_(n+6) each, and its computed norm from ‖·‖ by γ_(n+3)
                // (Higham §3.1; k facets, constants rounded up). Recorded so the upper bound holds for every
                // projected cell, not only up to the cells' own rounding.
                let k = p.Multipliers.Length
                let multipliers = p.Multipliers |> Array.sumBy abs

                let bound =
                    p.Norm * (1.0 + Dense.gamma (n + 3))
                    + Dense.gamma (k + 2 * n + 9) * (norms.[c] + 3.0 * multipliers)

                vouched <- max vouched bound
                // The carried bounds of a solver must hold the cell's own rigorous rounding too (last write wins).
                observe c sign (max (p.Norm + rounding) bound)
                Some(p.Norm, p)
            else
                vouched <- max vouched (p.Norm + rounding)
                None

        let found =
            Scan.best order (fun c -> tight.[c]) signs count threshold (fun c sign ->
                if bound c sign > threshold then evaluate c sign else None)
            |> Array.map (fun (c, sign, _, p) -> c, sign, p)

        found, vouched

    /// `scanWith` no bound but ‖v_C‖: what every certificate reads.
    let internal scanBounded (count: int) (threshold: float) (signs: int list) (cert: Certificate) =
        scanWith (fun _ _ -> infinity) (fun _ _ _ -> ()) count threshold signs cert

    /// The triples of `scanBounded`, without the bound.
    let internal scan (count: int) (threshold: float) (signs: int list) (cert: Certificate) =
        fst (scanBounded count threshold signs cert)

    /// The mutant `SampledSupremum`: the best of ±η over 10⁴ directions drawn with a fixed seed, attributed to the
    /// cell whose sign vector the direction has. What THEORY.md §2 warns against: sampling only bounds the
    /// supremum from below.
    let private sampled (cert: Certificate) (signs: int list) =
        let arr = cert.Arrangement
        let n = arr.AmbientDimension
        let rng = System.Random 20260318
        let mutable best = None

        for _ in 1..10000 do
            let g = Array.init n (fun _ -> Sampling.gaussian rng)
            let theta = Dense.scale (1.0 / Dense.norm g) g
            let eta = evaluate cert theta

            for sign in signs do
                let v = float sign * eta

                match best with
                | Some(b, _, _) when b >= v -> ()
                | _ when v > 0.0 -> best <- Some(v, theta, sign)
                | _ -> ()

        match best with
        | None -> [||]
        | Some(v, theta, sign) ->
            let units = arr.UnitNormalsRaw

            let cell =
                Array.init arr.CellCount id
                |> Array.tryFind (fun c ->
                    Array.init units.Length id
                    |> Array.forall (fun h -> arr.IsActive(c, h) = (Dense.dot theta units.[h] > 0.0)))
                |> Option.defaultValue -1

            [|
                cell,
                sign,
                {
                    Point = Dense.scale v theta
                    Norm = v
                    Multipliers = [||]
                }
            |]

    /// `top` with a caller's bounds and observer (`scanWith`); exact when the bounds are.
    let internal topWith bound observe (k: int) (threshold: float) (cert: Certificate) =
        let exact = fst (scanWith bound observe k threshold [ 1; -1 ] cert)

        if
            TvRelu.Core.Audit.Mutants.isOn TvRelu.Core.Audit.Mutant.SampledSupremum
            && exact.Length > 0
        then
            // The mutant's supremum (the first entry, which the gap reads) comes from sampling.
            Array.append (sampled cert [ 1; -1 ]) exact.[1..]
        else
            exact

    /// The k largest closed-cell maxima of ±η above the threshold, best first, as (cell, sign, projection):
    /// exact, every cell that could enter the list is projected (`scan`).
    let top (k: int) (threshold: float) (cert: Certificate) =
        topWith (fun _ _ -> infinity) (fun _ _ _ -> ()) k threshold cert

    /// The extremum of the scan's best (cell, sign, projection), or the value 0 at θ = (0, …, 0, −1), which
    /// switches every neuron off, when no cell has a positive maximum.
    let private extremumOf (cert: Certificate) (found: (int * int * Projection)[]) =
        match found with
        | [| (c, sign, p) |] ->
            {
                Value = p.Norm
                Argument = Dense.scale (1.0 / p.Norm) p.Point
                Cell = c
            },
            sign
        | _ ->
            let n = cert.Arrangement.AmbientDimension

            {
                Value = 0.0
                Argument = Array.init n (fun k -> if k = n - 1 then -1.0 else 0.0)
                Cell = -1
            },
            1

    /// The scan of one best extremum, or the mutant's sampled one.
    let private best (signs: int list) (cert: Certificate) =
        if TvRelu.Core.Audit.Mutants.isOn TvRelu.Core.Audit.Mutant.SampledSupremum then
            sampled cert signs
        else
            scan 1 0.0 signs cert

    /// sup_θ η(θ) over the whole sphere, exactly: max_C ‖Π_{K_C} v_C‖ (THEORY.md §3, consequence 1),
    /// screening the cells whose bound ‖v_C‖ cannot beat the best value found so far. The value is
    /// never below 0, which η takes on the all-negative cell (θ = (0, …, 0, −1) switches every neuron off).
    let supremum (cert: Certificate) = fst (extremumOf cert (best [ 1 ] cert))

    /// −inf_θ η(θ), exactly, as a non-negative number (the supremum of −η).
    let infimum (cert: Certificate) =
        fst (extremumOf cert (best [ -1 ] cert))

    /// sup_θ |η(θ)| = max(sup η, −inf η), in one branch-and-bound pass: (value, extremum, sign).
    let supremumAbs (cert: Certificate) =
        let e, sign = extremumOf cert (best [ 1; -1 ] cert)
        e.Value, e, sign

    /// The enclosure of the scan's best value (`Enclosure`), THEORY.md §3 and §8. Lower: sign · η at the reported
    /// argument θ̂ less its rounding (`evaluateEnclosed`), divided by an upper bound on ‖θ̂‖ when positive (η is
    /// positively homogeneous and θ̂ is a unit vector only to rounding). Upper: the largest cell maximum the scan
    /// vouches for, computed from the computed pieces v̂_C (the reported value, or a projection the rounding guard
    /// could not resolve; a cell the scan screened out has ‖v̂_C‖ at most the value, to the γ_(d+3) of its norm),
    /// plus `Certificate.MergeSpread` (rows merged into one hyperplane) and `Certificate.PieceRounding`: the
    /// projection onto a closed convex cone is 1-Lipschitz, so
    /// ‖Π_K v_C‖ ≤ ‖Π_K v̂_C‖ + ‖v_C − v̂_C‖ for every cell. Without that term a piece whose terms cancel to 0 in
    /// doubles (duplicated inputs, λ far below λ_max) reported sup|η| = 0 where the exact supremum of the same q
    /// is far above 1 (issue 12, fuzz campaign); with the a-priori bound of the plain sums it kept d = 1,
    /// N = 10^4 from being certified (issue 16).
    let private enclose (cert: Certificate) (e: Extremum) (sign: int) (upper: float) =
        let n = cert.Arrangement.AmbientDimension

        let lower =
            if e.Cell < 0 then
                0.0
            else
                let value, rounding = evaluateEnclosed cert e.Argument
                let bound = float sign * value - rounding

                if bound > 0.0 then
                    bound / (Dense.norm e.Argument * (1.0 + Dense.gamma (n + 4)))
                else
                    bound

        {
            Lower = lower
            Upper =
                max upper (e.Value * (1.0 + Dense.gamma (n + 3)))
                + cert.PieceRounding
                + cert.MergeSpread
        }

    /// `supremum` with its enclosure (README, "Where doubles can decide").
    let supremumEnclosed (cert: Certificate) =
        let found, upper = scanBounded 1 0.0 [ 1 ] cert
        let e, sign = extremumOf cert found
        e, enclose cert e sign upper

    /// `infimum` with its enclosure (of −inf η).
    let infimumEnclosed (cert: Certificate) =
        let found, upper = scanBounded 1 0.0 [ -1 ] cert
        let e, sign = extremumOf cert found
        e, enclose cert e sign upper

    /// `supremumAbs` with its enclosure: (value, extremum, sign, enclosure).
    let supremumAbsEnclosed (cert: Certificate) =
        let found, upper = scanBounded 1 0.0 [ 1; -1 ] cert
        let e, sign = extremumOf cert found
        e.Value, e, sign, enclose cert e sign upper

    /// The (cell, sign) pairs whose closed-cell maximum of sign · η exceeds the threshold, best first.
    let violators (cert: Certificate) (threshold: float) =
        scan Int32.MaxValue threshold [ 1; -1 ] cert

    /// The saturation set {|η| ≥ 1 − tol} (THEORY.md §3): on each closed cell at most one point per
    /// sign (consequence 2), the normalised projection. Points of one sign found from adjacent cells that
    /// meet (`Tolerances.saturationPointsMeet`) are one point (the one merge, `Merge.greedy`); a point is
    /// interior when it is strictly inside its cell (distance above `boundaryTol` from every hyperplane, on
    /// unit normals).
    let saturation (tol: float) (boundaryTol: float) (cert: Certificate) : SaturationPoint[] =
        let units = cert.Arrangement.UnitNormalsRaw

        let tol =
            if TvRelu.Core.Audit.Mutants.isOn TvRelu.Core.Audit.Mutant.WideSaturation then
                max tol 0.5
            else
                tol

        let meet =
            if TvRelu.Core.Audit.Mutants.isOn TvRelu.Core.Audit.Mutant.MergeRadius then
                100.0 * Tolerances.saturationPointsMeet
            else
                Tolerances.saturationPointsMeet

        let found = violators cert (1.0 - tol)

        let direction =
            found |> Array.map (fun (_, _, p) -> Dense.scale (1.0 / p.Norm) p.Point)

        let signOf k = let _, sign, _ = found.[k] in sign

        let leaderOf, _ =
            Merge.amongAll
                found.Length
                (fun _ -> true)
                (fun l k -> signOf l = signOf k && Dense.distance direction.[l] direction.[k] <= meet)
                (fun _ _ -> ())
        // Groups come in the order of their first member, the leader.
        Array.init found.Length id
        |> Array.groupBy (fun k -> leaderOf.[k])
        |> Array.map (fun (l, members) ->
            let sign = signOf l
            let values = members |> Array.map (fun k -> let _, _, p = found.[k] in p.Norm)

            {
                Direction = direction.[l]
                Sign = sign
                Value = (if sign > 0 then Array.max values else -(Array.max values))
                Interior = units |> Array.forall (fun u -> abs (Dense.dot u direction.[l]) > boundaryTol)
                Cells = members |> Array.map (fun k -> let c, _, _ = found.[k] in c)
            })
