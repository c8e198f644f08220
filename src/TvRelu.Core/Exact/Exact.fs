namespace TvRelu.Core.Exact

open System
open System.Diagnostics
open System.Numerics
open Fractions
open TvRelu.Core.Numerics
open TvRelu.Core.Data
open TvRelu.Core.Arrangements
open TvRelu.Core.Certificates
open TvRelu.Core.Solver

/// What exact mode decided about a measure (THEORY.md §8).
type ExactVerdict =
    /// Every exact check passed and the exact enclosure proves J(μ) − J* ≤ tolerance.
    | Verified
    /// Exact arithmetic proves J(μ) − J* > tolerance: J(μ) exceeds, by more than the tolerance, the
    /// exactly evaluated objective of another measure (the solver's).
    | Refuted
    /// Neither could be proven; `Failures` says why.
    | Undecided

    /// "verified", "refuted" or "undecided", as in the JSON output.
    member v.Name =
        match v with
        | Verified -> "verified"
        | Refuted -> "refuted"
        | Undecided -> "undecided"

/// Settings of exact certification.
type ExactOptions =
    {
        /// The gap tolerance; None for Gap.defaultTolerance of the measure's objective, taken exactly.
        Tolerance: float option
        /// Also enumerate the faces of every dimension and check them and the Euler characteristic
        /// exactly: the completeness check of the cell enumeration. Without it the verdict cannot be
        /// "verified" (completeness would be assumed, not proven), but the bounds are still computed.
        /// Costs two to four times the rest, mostly the floating Faces.enumerate.
        CheckFaces: bool
        /// Most subsets tried by each fallback search (interior points, active sets).
        SearchBudget: int
        /// When the measure is not verified, solve the problem afresh (Solve.onArrangement) to get an
        /// exact upper bound on J* that can refute it.
        Refute: bool
        /// Significant digits of the printed decimals.
        Digits: int
    }

    /// Faces checked, budget 100 000, refutation on, 20 digits.
    static member Default =
        {
            Tolerance = None
            CheckFaces = true
            SearchBudget = 100000
            Refute = true
            Digits = 20
        }

    /// A copy with the certified-gap tolerance `tolerance`.
    member o.WithTolerance(tolerance: float) = { o with Tolerance = Some tolerance }

    /// A copy with the certified-gap tolerance `tolerance`; null for the default Gap.defaultTolerance of the measure's objective.
    member o.WithTolerance(tolerance: Nullable<float>) =
        { o with
            Tolerance = Option.ofNullable tolerance
        }

    /// A copy that does (or does not) check every face and the Euler characteristic exactly.
    member o.WithCheckFaces(check: bool) = { o with CheckFaces = check }

    /// A copy trying at most `budget` subsets in each fallback search.
    member o.WithSearchBudget(budget: int) = { o with SearchBudget = budget }

    /// A copy that does (or does not) solve afresh to refute an unverified measure.
    member o.WithRefute(refute: bool) = { o with Refute = refute }

    /// A copy printing `digits` significant digits.
    member o.WithDigits(digits: int) = { o with Digits = digits }

/// Sizes, in bits, of the largest integers met (numerators and denominators of the rationals,
/// all of which share power-of-two scalings).
type ExactBitLengths =
    {
        /// The data rows x̃_i scaled to integers.
        Data: int
        /// The dual vector (rationalised residual) scaled to integers.
        Dual: int
        /// The integer pieces W_C = λ 2^−e v_C.
        Pieces: int
        /// The projections det · Π(W_C) and their determinants.
        Projections: int
        /// The bounds D, U and t.
        Bounds: int
    }

/// The result of exact certification. J* ∈ [Lower, Upper], both exact rationals.
type ExactReport =
    {
        Verdict: ExactVerdict
        /// D ≤ J*: the dual objective of the rationalised residual scaled by 1/t (exact).
        Lower: Fraction
        /// Lower as "p/q".
        LowerText: string
        /// Lower as a decimal rounded down.
        LowerDecimal: string
        /// U ≥ J*: the least exact upper bound on J(·) of the measures evaluated.
        Upper: Fraction
        /// Upper as "p/q".
        UpperText: string
        /// Upper as a decimal rounded up.
        UpperDecimal: string
        /// J(μ) of the measure, enclosed: an atom (θ, a) is the Dirac a‖θ‖ δ_{θ/‖θ‖}, and ‖θ‖ is bracketed
        /// by rationals.
        ObjectiveLower: Fraction
        ObjectiveUpper: Fraction
        /// ObjectiveUpper − Lower ≥ J(μ) − J*: the exact certified gap.
        GapBound: Fraction
        /// GapBound as "p/q".
        GapBoundText: string
        /// GapBound as a decimal rounded up (to the options' digits).
        GapBoundDecimal: string
        /// The tolerance, exactly.
        Tolerance: Fraction
        /// The exact upper bound on J* from a fresh solve, when one was needed.
        OptimumUpper: Fraction option
        /// What failed, empty when verified.
        Failures: string list
        CellCheck: ExactCellCheck
        Supremum: ExactSupremumCheck
        /// (rank Φ_Σ, |Σ|) computed exactly at the unnormalised exact projections of the cells whose
        /// floating maximum is within the solver's saturation tolerance of 1 (THEORY.md §5); None when a
        /// projection was not found exactly.
        Rank: (int * int) option
        Bits: ExactBitLengths
        /// Wall-clock seconds.
        Seconds: float
    }

/// Exact rational certification (THEORY.md §8): floating point proposes, rational arithmetic
/// decides. Every double is a dyadic rational, so the data, λ, the measure and its residual are
/// taken exactly, and
/// - every cell (and, by default, every face) is shown non-empty by a rational point with exactly
///   its sign vector, face dimensions are exact ranks, and Σ(−1)^k f_k is checked exactly;
/// - the supremum of the residual's certificate is max_C ‖Π_{K_C} v_C‖², each projection proven by
///   its KKT system over the rationals and compared without square roots, with exact screening
///   (by ‖v_C‖², and by the exact distance bound of the rationalised floating multipliers);
/// - J* is enclosed in [D, U] with D the dual objective of the residual scaled by a rational upper
///   bound t of max(1, sup|η|), and U the measure's objective with ‖θ‖ bracketed by rationals;
/// - the rank of Φ_Σ is an exact rank at the unnormalised projections.
///
/// Cost. The doubles share power-of-two scalings, so the data are 54-bit integers, the pieces
/// W_C about 2 · 54 + log2 N bits, a projection about (k + 1) · 108 bits for k active facets
/// (determinants of Gram matrices), and the bounds a few hundred bits: no rational ever grows
/// with the number of cells. Sign tests of ⟨θ, x̃_h⟩ run on 64-bit limbs without allocation; the
/// cell check costs O(cells · N) of them, the supremum one floating NNLS per unscreened cell
/// (as the floating certificate) plus a KKT proof only for the cells the exact screens cannot
/// discard, and the face check O(faces · N). Measured on 2 busy shared cores
/// (benchmarks/exact-cost.fsx; ranges over runs), N = 200: d = 1 (400 cells) 0.17–0.24 s against
/// 0.08–0.11 s for the floating certificate, 0.5–0.8 s with the faces; d = 2 (39 802 cells)
/// 1.6–4.0 s against 0.7–2.3 s, 7–12 s with the 159 202 faces (1.5–4.4 s of which is the floating
/// face enumeration); 0.5 GB allocated without the faces and 2.6 GB with them.
module Exact =

    /// The tightest rational interval [lo, hi] around J(μ) = ½‖Kμ − y‖² + λ‖μ‖_TV, evaluated exactly
    /// except for the norms ‖θ_j‖ of the atoms' (nearly unit) directions, which are bracketed by
    /// rationals within 2^−128: an atom (θ, a) is the Dirac a‖θ‖ δ_{θ/‖θ‖}, with feature
    /// a σ(⟨θ, x̃⟩) (positive homogeneity). Atoms at exactly the same direction are merged first.
    let internal objectiveBounds (ctx: ExactData) (labels: Fraction[]) (lambda: Fraction) (mu: Measure) =
        let atoms =
            mu.AtomsRaw
            |> Array.map (fun a ->
                let t, e = Rational.scaleToIntegers a.Direction
                t, e, Rational.ofFloat a.Amplitude)

        let k =
            ctx.Rows
            |> Array.map (fun x ->
                let mutable s = Fraction.Zero

                for (t, e, a) in atoms do
                    let z = IntegerLinear.dot t x

                    if z.Sign > 0 then
                        s <- s + a * Fraction z * Rational.pow2 (e + ctx.RowExponent)

                s)

        let mutable half = Fraction.Zero

        for i in 0 .. labels.Length - 1 do
            let r = labels.[i] - k.[i]
            half <- half + r * r

        half <- half / Fraction.Two
        // Group atoms whose directions are exactly positively proportional; each group is one Dirac
        // of mass Σ a_j ‖θ_j‖, bracketed term by term.
        let n = ctx.Rows.[0].Length
        let group = Array.create atoms.Length -1
        let mutable tvLo = Fraction.Zero
        let mutable tvHi = Fraction.Zero

        for j in 0 .. atoms.Length - 1 do
            if group.[j] < 0 then
                let mutable lo = Fraction.Zero
                let mutable hi = Fraction.Zero

                for l in j .. atoms.Length - 1 do
                    let tj, _, _ = atoms.[j]
                    let tl, el, al = atoms.[l]

                    if
                        group.[l] < 0
                        && IntegerLinear.rank n [| tj; tl |] = 1
                        && (IntegerLinear.dot tj tl).Sign > 0
                    then
                        group.[l] <- j

                        let nlo, nhi =
                            Rational.sqrtBounds (Fraction(IntegerLinear.normSquared tl) * Rational.pow2 (2 * el))

                        if al.IsPositive then
                            lo <- lo + al * nlo
                            hi <- hi + al * nhi
                        else
                            lo <- lo + al * nhi
                            hi <- hi + al * nlo
                // |mass| over the interval [lo, hi].
                let absLo =
                    if lo.IsPositive then lo
                    elif hi.IsNegative then -hi
                    else Fraction.Zero

                let absHi =
                    if Fraction.Abs lo > Fraction.Abs hi then
                        Fraction.Abs lo
                    else
                        Fraction.Abs hi

                tvLo <- tvLo + absLo
                tvHi <- tvHi + absHi

        half + lambda * tvLo, half + lambda * tvHi

    /// D(p / t) = ⟨y, p⟩ / t − ½‖p‖² / t², the dual objective of a scaled dual vector (THEORY.md §2).
    let internal dualObjective (labels: Fraction[]) (p: Fraction[]) (t: Fraction) =
        let mutable yp = Fraction.Zero
        let mutable pp = Fraction.Zero

        for i in 0 .. p.Length - 1 do
            yp <- yp + labels.[i] * p.[i]
            pp <- pp + p.[i] * p.[i]

        yp / t - pp / (Fraction.Two * t * t)

    /// The exact rank of Φ_Σ at the exact (unnormalised) projections of the saturating cells.
    let private saturationRank (ctx: ExactData) (arr: Arrangement) (cert: Certificate) pieces budget =
        let opts = SolverOptions.Default

        let sat =
            Certificate.saturation opts.SaturationTolerance opts.BoundaryTolerance cert

        let projections =
            sat
            |> Array.map (fun s -> ExactSupremum.project ctx arr cert pieces budget s.Cells.[0] s.Sign)

        if projections |> Array.exists (fun p -> p.Status = BoundedByNorm) then
            None
        else
            let n = arr.AmbientDimension
            // Points met from adjacent cells are the same point exactly (their pieces differ by normals
            // of the hyperplanes through it); merge exactly positively proportional projections.
            let distinct = ResizeArray<BigInteger[]>()

            for p in projections do
                let same (q: BigInteger[]) =
                    IntegerLinear.rank n [| p.Point; q |] <= 1
                    && (IntegerLinear.dot p.Point q).Sign > 0

                if not (Seq.exists same distinct) then
                    distinct.Add p.Point

            let k = distinct.Count

            let phi =
                ctx.Rows
                |> Array.map (fun x -> Array.init k (fun j -> BigInteger.Max(BigInteger.Zero, IntegerLinear.dot distinct.[j] x)))

            Some(IntegerLinear.rank k phi, k)

    let private maxBits (xs: seq<BigInteger>) =
        xs |> Seq.fold (fun acc x -> max acc (Rational.bitLength x)) 0

    /// Refuses an arrangement, measure or options that do not belong to the data (λ > 0 is checked too).
    let private checkInputs (options: ExactOptions) (arr: Arrangement) (data: Dataset) (lambda: float) (mu: Measure) =
        Lambda.requirePositive "lambda" lambda

        if mu.AmbientDimension <> arr.AmbientDimension then
            invalidArg "mu" (sprintf "the measure lives in R^%d but the data's neurons in R^%d" mu.AmbientDimension arr.AmbientDimension)

        if arr.RowMap.Length <> data.Count then
            invalidArg
                "arr"
                (sprintf
                    "the arrangement has %d data rows but the data set %d: it is not this data set's arrangement"
                    arr.RowMap.Length
                    data.Count)

        if options.SearchBudget < 1 || options.Digits < 1 then
            invalidArg "options" "SearchBudget and Digits must be positive"

    /// The verdict from the exact checks and the enclosure: verified when every check passed and the exact gap
    /// is within the tolerance; otherwise, with `Refute`, a fresh solve gives an exact upper bound on J* that
    /// refutes μ when J(μ) exceeds it by more than the tolerance; else undecided. Returns the verdict, the
    /// fresh bound and the failures.
    let private decide
        (options: ExactOptions)
        (arr: Arrangement)
        (data: Dataset)
        (lambda: float)
        (ctx: ExactData)
        (labels: Fraction[])
        (checks: string list)
        (gap: Fraction)
        (tolerance: Fraction)
        (jLo: Fraction, jHi: Fraction)
        =
        if checks.IsEmpty && gap <= tolerance then
            Verified, None, []
        else
            let gapFailure =
                if gap <= tolerance then
                    []
                else
                    [
                        sprintf
                            "the exact gap bound U − D = %s exceeds the tolerance %s"
                            (Rational.toDecimal 6 true gap)
                            (Rational.toDecimal 6 false tolerance)
                    ]

            let optimum =
                if options.Refute then
                    let solution = Solve.onArrangement arr data lambda SolverOptions.Default
                    Some(min jHi (snd (objectiveBounds ctx labels (Rational.ofFloat lambda) solution.Measure)))
                else
                    None

            match optimum with
            | Some u when jLo - u > tolerance ->
                let refutation =
                    sprintf
                        "J(μ) ≥ %s exceeds the exact upper bound %s on J* (a fresh solve) by more than the tolerance"
                        (Rational.toDecimal 12 false jLo)
                        (Rational.toDecimal 12 true u)

                Refuted, optimum, checks @ gapFailure @ [ refutation ]
            | _ -> Undecided, optimum, checks @ gapFailure

    /// Certifies μ exactly on a prepared arrangement of the data (see the module summary).
    let certifyOn (options: ExactOptions) (arr: Arrangement) (data: Dataset) (lambda: float) (mu: Measure) : ExactReport =
        checkInputs options arr data lambda mu
        let watch = Stopwatch.StartNew()
        let lam = Rational.ofFloat lambda
        let labels = data.LabelsRaw |> Array.map Rational.ofFloat
        let ctx, dataFailures = ExactCells.ofArrangement data arr

        let counts, cellFailures =
            ExactCells.check ctx arr options.CheckFaces options.SearchBudget

        let cellFailures =
            if options.CheckFaces then
                cellFailures
            else
                cellFailures
                @ [
                    "the completeness of the cell enumeration was not checked (CheckFaces = false)"
                ]
        // The measure's objective, exactly enclosed, and the supremum of the certificate of the rationalised residual.
        let jLo, jHi = objectiveBounds ctx labels lam mu
        let residual = Measure.residual data mu
        let cert = Certificate.ofDual arr data lambda residual
        let pieces = ExactSupremum.pieces ctx arr lam residual

        let _, computed, stats =
            ExactSupremum.supremum ctx arr cert pieces options.SearchBudget

        let lower =
            dualObjective labels (residual |> Array.map Rational.ofFloat) stats.SupremumUpper

        let supFailures =
            computed
            |> Array.filter (fun pr -> pr.Status = BoundedByNorm)
            |> Array.map (fun pr ->
                sprintf "cell %d, sign %+d: no exact projection within the search budget; bounded by ‖v_C‖" pr.Cell pr.Sign)
            |> ResizeArray
            |> ExactCells.summarise

        let tolerance =
            Rational.ofFloat (defaultArg options.Tolerance (Gap.defaultTolerance (Measure.objective lambda data mu) data.LabelsRaw))

        let gap = jHi - lower

        let verdict, optimumUpper, failures =
            decide options arr data lambda ctx labels (dataFailures @ cellFailures @ supFailures) gap tolerance (jLo, jHi)

        let upper =
            match optimumUpper with
            | Some u -> min u jHi
            | None -> jHi

        let rank = saturationRank ctx arr cert pieces options.SearchBudget
        let digits = options.Digits
        watch.Stop()

        {
            Verdict = verdict
            Lower = lower
            LowerText = Rational.toText lower
            LowerDecimal = Rational.toDecimal digits false lower
            Upper = upper
            UpperText = Rational.toText upper
            UpperDecimal = Rational.toDecimal digits true upper
            ObjectiveLower = jLo
            ObjectiveUpper = jHi
            GapBound = gap
            GapBoundText = Rational.toText gap
            GapBoundDecimal = Rational.toDecimal digits true gap
            Tolerance = tolerance
            OptimumUpper = optimumUpper
            Failures = failures
            CellCheck = counts
            Supremum = stats
            Rank = rank
            Bits =
                {
                    Data = maxBits (Seq.concat ctx.Rows)
                    Dual = maxBits pieces.DualIntegers
                    Pieces = maxBits (Seq.concat pieces.W)
                    Projections = maxBits (computed |> Seq.collect (fun pr -> Seq.append pr.Point [ pr.Det ]))
                    Bounds = [ lower; jHi; stats.SupremumUpper ] |> List.map Rational.bits |> List.max
                }
            Seconds = watch.Elapsed.TotalSeconds
        }

    /// Certifies μ exactly: builds the data's arrangement and calls certifyOn with the default
    /// options and the given tolerance (None for max(1e-9 · J(μ), 1e-13 · ½‖y‖²)).
    let certify (data: Dataset) (lambda: float) (mu: Measure) (tolerance: float option) =
        certifyOn
            { ExactOptions.Default with
                Tolerance = tolerance
            }
            (Arrangement.ofDataset data)
            data
            lambda
            mu
