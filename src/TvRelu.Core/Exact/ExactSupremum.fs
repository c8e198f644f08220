namespace TvRelu.Core.Exact

open Fractions
open System
open System.Numerics
open TvRelu.Core.Numerics
open TvRelu.Core.Arrangements
open TvRelu.Core.Cones
open TvRelu.Core.Certificates

/// The exact supremum of the measure's certificate (THEORY.md §3, §8).
type ExactSupremumCheck =
    {
        /// Cells of the arrangement.
        Cells: int
        /// Cells skipped by the exact screening ‖v_C‖² ≤ max(1, best).
        Screened: int
        /// (cell, sign) pairs skipped because an exact upper bound from the floating multipliers,
        /// ‖v_C − Σ μ_h a_h‖² with μ ≥ 0 rational (Moreau), is ≤ max(1, best).
        ScreenedByMultipliers: int
        /// (cell, sign) projections solved exactly.
        Projected: int
        /// Of those, how many the floating active set solved, how many the exact search, and how many
        /// fell back to the bound ‖v_C‖ (sound but loose; each is listed as a failure).
        FromFloatingActiveSet: int
        FromSearch: int
        BoundedByNorm: int
        /// max(1, sup_θ |η_p(θ)|²) for the rationalised residual p, exactly.
        SupremumSquared: Fraction
        /// A rational t ≥ max(1, sup |η_p|) (t² ≥ SupremumSquared, within 2^−128 relative).
        SupremumUpper: Fraction
        /// sup |η_p| ≤ 1 exactly: p itself is dual feasible.
        WithinOne: bool
    }

/// How the exact projection of one cell was obtained.
type internal ProjectionStatus =
    /// The floating active set satisfied the KKT conditions over the rationals.
    | FromFloatingActiveSet
    /// The floating active set failed; an exact search over facet subsets found the projection.
    | FromSearch
    /// No exact projection within the budget: ‖Π v‖ ≤ ‖v‖ was used instead (sound, but not tight).
    | BoundedByNorm

/// The exact projection Π_{K_C}(σ v_C) of one cell and sign (THEORY.md §3, consequence 1).
type internal ExactProjection =
    {
        Cell: int
        Sign: int
        /// A positive multiple Det · Π(σ W_C) of the projection, as integers (W_C = λ 2^−e v_C).
        Point: BigInteger[]
        Det: BigInteger
        /// ‖Point‖²; ‖Π_{K_C}(σ v_C)‖² = c² ‖Point‖² / Det² (see ExactSupremum.valueSquared).
        NormSquared: BigInteger
        Status: ProjectionStatus
    }

/// The certificate's linear pieces and its supremum over the rationals (THEORY.md §3, §8).
///
/// With the data rows X_i = 2^−a x̃_i and the dual vector P_i = 2^−b p_i as integers, the piece
/// of cell C is v_C = (1/λ) Σ_{i∈S} p_i x̃_i = c · W_C with the integer vector
/// W_C = Σ_{i∈S} P_i X_i and the positive rational c = 2^(a+b) / λ. Projections onto the cone
/// commute with positive scaling, so everything is done on W_C and scaled by c² at the end.
module internal ExactSupremum =

    /// The integer pieces W_C of every cell, and c².
    type Pieces =
        {
            W: BigInteger[][]
            ScaleSquared: Fraction
            DualIntegers: BigInteger[]
            /// b: the dual vector is DualIntegers · 2^b.
            DualExponent: int
        }

    /// W_C for every cell along the arrangement's spanning tree (a child differs from its parent
    /// in exactly one sign, so W_child = W_parent ± J_h), with J_h = Σ_{rows on h} P_i X_i.
    let pieces (ctx: ExactData) (arr: Arrangement) (lambda: Fraction) (dual: float[]) : Pieces =
        let n = arr.AmbientDimension
        let p, b = Rational.scaleToIntegers dual
        let jumps = Array.init arr.HyperplaneCount (fun _ -> Array.create n BigInteger.Zero)

        ctx.RowMap
        |> Array.iteri (fun i h ->
            if not p.[i].IsZero then
                for k in 0 .. n - 1 do
                    jumps.[h].[k] <- jumps.[h].[k] + p.[i] * ctx.Rows.[i].[k])

        let parent, via, order = arr.SpanningTree
        let w = Array.zeroCreate<BigInteger[]> arr.CellCount

        for c in order do
            if parent.[c] < 0 then
                let v = Array.create n BigInteger.Zero

                for h in 0 .. arr.HyperplaneCount - 1 do
                    if arr.IsActive(c, h) then
                        for k in 0 .. n - 1 do
                            v.[k] <- v.[k] + jumps.[h].[k]

                w.[c] <- v
            else
                let h = via.[c]
                let up = arr.IsActive(c, h)

                w.[c] <-
                    Array.init n (fun k ->
                        if up then
                            w.[parent.[c]].[k] + jumps.[h].[k]
                        else
                            w.[parent.[c]].[k] - jumps.[h].[k])

        let c = Rational.pow2 (ctx.RowExponent + b) / lambda

        {
            W = w
            ScaleSquared = (c * c).Reduce()
            DualIntegers = p
            DualExponent = b
        }

    /// The KKT test of an active set for the projection of w onto the closed cell cone
    /// K_C = {θ : s_h ⟨θ, x̃_h⟩ ≥ 0 for every hyperplane h}: with outward normals a_h = −s_h X_h
    /// on an independent subset of the active set, π = w − Σ ν_h a_h where ⟨a_h, π⟩ = 0; accepted when
    /// ν ≥ 0 and π ∈ K_C (checked on the facets first, then on all hyperplanes), which makes π
    /// the projection exactly (the KKT conditions are sufficient for this convex problem).
    let private tryActiveSet (ctx: ExactData) (signs: int[]) (facets: int[]) (w: BigInteger[]) (active: int[]) =
        let n = w.Length

        let outward h =
            if signs.[h] > 0 then
                Array.map BigInteger.Negate ctx.Normals.[h]
            else
                ctx.Normals.[h]

        let rows = active |> Array.map outward
        let rows = IntegerLinear.independentSubset n rows |> Array.map (fun i -> rows.[i])
        let det, nu, pi = IntegerLinear.projectOut rows w

        if det.IsZero || nu |> Array.exists (fun x -> x.Sign < 0) then
            None
        elif rows |> Array.exists (fun a -> not (IntegerLinear.dot a pi).IsZero) then
            None
        else
            let sign = ExactCells.signer ctx pi
            let feasible h = signs.[h] * sign h >= 0
            let mutable ok = Array.forall feasible facets
            let mutable h = 0

            while ok && h < signs.Length do
                ok <- feasible h
                h <- h + 1

            if ok then Some(det, pi) else None

    /// The exact projection of σ W_C onto K_C. The floating projection (Cone.project's NNLS) proposes
    /// the active set {facets with ν > 0}; if its KKT system fails over the rationals, subsets of at
    /// most d + 1 facets are searched (Carathéodory: the polar part needs at most d + 1 independent
    /// normals), first among the facets the floating projection nearly touches, then among all; at
    /// most `budget` subsets.
    let internal projectWith
        (ctx: ExactData)
        (arr: Arrangement)
        (cert: Certificate)
        (pieces: Pieces)
        (budget: int)
        (c: int)
        (sign: int)
        (hint: Projection)
        =
        let n = arr.AmbientDimension

        let signs =
            Array.init arr.HyperplaneCount (fun h -> if arr.IsActive(c, h) then 1 else -1)

        let facets, unitOutward = Cone.ofCell arr c
        let w = pieces.W.[c] |> Array.map (fun x -> if sign > 0 then x else -x)

        let first =
            [|
                for k in 0 .. facets.Length - 1 do
                    if hint.Multipliers.[k] > 0.0 then
                        yield facets.[k]
            |]

        let finish det pi status =
            {
                Cell = c
                Sign = sign
                Point = pi
                Det = det
                NormSquared = IntegerLinear.normSquared pi
                Status = status
            }

        match tryActiveSet ctx signs facets w first with
        | Some(det, pi) -> finish det pi FromFloatingActiveSet
        | None ->
            let scale = max (Dense.norm hint.Point) (Dense.norm (cert.Piece c))

            let near =
                [|
                    for k in 0 .. facets.Length - 1 do
                        if
                            abs (Dense.dot unitOutward.[k] hint.Point)
                            <= Tolerances.nearFacet * max scale Tolerances.tiny
                        then
                            yield facets.[k]
                |]

            let search (items: int[]) =
                seq {
                    for size in 0 .. min n items.Length do
                        yield! ExactCells.subsets size items
                }

            let candidates = Seq.append (search near) (search facets) |> Seq.truncate budget

            match candidates |> Seq.tryPick (tryActiveSet ctx signs facets w) with
            | Some(det, pi) -> finish det pi FromSearch
            | None -> finish BigInteger.One w BoundedByNorm

    /// The exact projection of σ W_C onto K_C (see projectWith), from a fresh floating projection.
    let project (ctx: ExactData) (arr: Arrangement) (cert: Certificate) (pieces: Pieces) (budget: int) (c: int) (sign: int) =
        projectWith ctx arr cert pieces budget c sign (Certificate.cellExtreme cert (float sign) c)

    /// An exact upper bound on ‖Π_{K_C}(σ v_C)‖² from multipliers μ ≥ 0: by Moreau,
    /// ‖Π_K v‖ = dist(v, K°) ≤ ‖v − Σ μ_h a_h‖ for the outward normals a_h, whose cone is the polar
    /// K°. The floating NNLS multipliers ν (for unit normals and v = c W) become μ_h = ν_h λ / (‖x̃_h‖ 2^b)
    /// for the integer normals and W, then exact dyadic rationals (the negative ones dropped): any
    /// μ ≥ 0 is sound, rounding only loosens the bound. Returns (‖Z‖², e ≤ 0) with the bound
    /// c² ‖Z‖² 4^e and Z an integer vector, or None when the multipliers do not fit a double.
    let private multiplierBound
        (ctx: ExactData)
        (arr: Arrangement)
        (cert: Certificate)
        (pieces: Pieces)
        (c: int)
        (sign: int)
        (hint: Projection)
        =
        let facets = arr.FacetsRaw c

        let mu =
            facets
            |> Array.mapi (fun k h ->
                let nu = hint.Multipliers.[k]

                if nu > 0.0 then
                    Math.ScaleB(nu * cert.Lambda / Dense.norm arr.NormalsRaw.[h], -pieces.DualExponent)
                else
                    0.0)

        if mu |> Array.exists (Double.IsFinite >> not) then
            None
        else
            let m, e = Rational.scaleToIntegers mu

            let z =
                pieces.W.[c]
                |> Array.map (fun x -> let x = (if sign > 0 then x else -x) in if e < 0 then x <<< -e else x)

            facets
            |> Array.iteri (fun k h ->
                if not m.[k].IsZero then
                    // a_h = −s_h X_h; z ← z − μ_h a_h = z + s_h μ_h X_h.
                    let coefficient =
                        (if e > 0 then m.[k] <<< e else m.[k])
                        * (if arr.IsActive(c, h) then
                               BigInteger.One
                           else
                               BigInteger.MinusOne)

                    let row = ctx.Normals.[h]

                    for i in 0 .. z.Length - 1 do
                        z.[i] <- z.[i] + coefficient * row.[i])

            Some(IntegerLinear.normSquared z, min e 0)

    /// ‖Π_{K_C}(σ v_C)‖² = c² ‖π'‖² / det², exactly.
    let valueSquared (pieces: Pieces) (p: ExactProjection) =
        (Fraction(p.NormSquared) / Fraction(p.Det * p.Det) * pieces.ScaleSquared).Reduce()

    /// valueSquared pieces p > bound, by one cross-multiplication of integers (no reduction; the
    /// fractions involved are reduced, so their denominators are positive).
    let private exceeds (pieces: Pieces) (bound: Fraction) (p: ExactProjection) =
        let c = pieces.ScaleSquared
        p.NormSquared * c.Numerator * bound.Denominator > bound.Numerator * c.Denominator * p.Det * p.Det

    /// max(1, max_C max_± ‖Π_{K_C}(±v_C)‖²) exactly: cells sorted by the exact ‖W_C‖², and the scan
    /// stops at the first cell with c²‖W_C‖² ≤ max(1, best), since ‖Π v‖ ≤ ‖v‖ bounds all later ones.
    /// A (cell, sign) pair whose exact multiplier bound is ≤ max(1, best) cannot raise the maximum
    /// either; the others get their projection proven by KKT.
    /// Returns the maximising projection if any exceeds 1, every projection computed, and the value
    /// (≥ 1 when nothing exceeds 1) with a rational upper bound of its square root and the statistics.
    let supremum (ctx: ExactData) (arr: Arrangement) (cert: Certificate) (pieces: Pieces) (budget: int) =
        let cells = arr.CellCount
        let norms = pieces.W |> Array.map IntegerLinear.normSquared
        let order = Array.init cells id
        Array.Sort(order, Comparison(fun a b -> BigInteger.Compare(norms.[b], norms.[a])))
        let mutable best = Fraction.One
        let mutable arg = None
        let computed = ResizeArray<ExactProjection>()
        let mutable byMultipliers = 0
        let mutable i = 0
        let mutable go = true

        while go && i < cells do
            let c = order.[i]
            let scale = pieces.ScaleSquared

            if
                norms.[c] * scale.Numerator * best.Denominator
                <= best.Numerator * scale.Denominator
            then
                go <- false
            else
                for sign in [ 1; -1 ] do
                    let hint = Certificate.cellExtreme cert (float sign) c

                    match multiplierBound ctx arr cert pieces c sign hint with
                    | Some(z2, e) when
                        z2 * scale.Numerator * best.Denominator
                        <= (best.Numerator * scale.Denominator <<< (-2 * e))
                        ->
                        byMultipliers <- byMultipliers + 1
                    | _ ->
                        let p = projectWith ctx arr cert pieces budget c sign hint
                        computed.Add p

                        if exceeds pieces best p then
                            best <- valueSquared pieces p
                            arg <- Some p

                i <- i + 1

        let count status =
            computed |> Seq.filter (fun p -> p.Status = status) |> Seq.length

        arg,
        computed.ToArray(),
        {
            Cells = cells
            Screened = cells - i
            ScreenedByMultipliers = byMultipliers
            Projected = computed.Count
            FromFloatingActiveSet = count FromFloatingActiveSet
            FromSearch = count FromSearch
            BoundedByNorm = count BoundedByNorm
            SupremumSquared = best
            SupremumUpper =
                if best <= Fraction.One then
                    Fraction.One
                else
                    snd (Rational.sqrtBounds best)
            WithinOne = best <= Fraction.One
        }
