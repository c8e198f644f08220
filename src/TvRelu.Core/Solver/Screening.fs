namespace TvRelu.Core.Solver

open System
open TvRelu.Core.Numerics
open TvRelu.Core.Data
open TvRelu.Core.Arrangements
open TvRelu.Core.Certificates

/// Gap-safe screening (Fercoq, Gramfort and Salmon 2015; Ndiaye et al. 2017 for groups) of the (cell, sign)
/// blocks of the exact finite reformulation (THEORY.md §4), driven by a certified dual point and gap (§2).
///
/// Safe ball (derived here). D(q) = ⟨y, q⟩ − ½‖q‖² is 1-strongly concave, and q* maximises it over the convex
/// feasible set F = {q : sup_θ |⟨q, φ(θ)⟩| ≤ λ}, so ⟨y − q*, q − q*⟩ ≤ 0 on F and, for the feasible
/// q̂ = q / max(1, s) of §2, D(q*) − D(q̂) = ⟨y − q*, q* − q̂⟩ + ½‖q̂ − q*‖² ≥ ½‖q̂ − q*‖². With strong duality
/// J* = D(q*) ≤ J(μ): ‖q* − q̂‖ ≤ r = √(2 gap(μ)).
///
/// Block bound. On the closed cell C, η*(θ) = ⟨q*, X_C θ⟩ / λ with X_C the rows x̃_i, i ∈ S_C (§3). For a unit
/// θ ∈ K_C and sign σ, σ η*(θ) = ⟨θ, σ v̂_C⟩ + σ⟨q* − q̂, X_C θ⟩ / λ ≤ ‖Π_{K_C}(σ v̂_C)‖ + r ‖X_C‖_F / λ
/// (Lemma 1 for the first term, Cauchy–Schwarz and ‖X_C θ‖² = Σ_{i∈S} ⟨x̃_i, θ⟩² ≤ Σ_{i∈S} ‖x̃_i‖² for the
/// second). Below 1, the closed cell holds no point of Σ of sign σ, every minimiser is supported in Σ (§2), so
/// the block is zero in every solution of §4's program and can leave pricing and the restricted problem.
/// ‖Π_K v‖ ≤ ‖v‖ gives a bound without a projection; the projection is made only where that one is not
/// enough. Both are positively homogeneous in v, so the bounds at q̂ = q / max(1, s) come from q's own
/// certificate divided by max(1, s), without a second one.
///
/// Restricted balls (derived here; what lets column generation screen from its cheap intermediate rounds).
/// Let B be a set of blocks each already known to be zero in every solution of §4's program. The program on
/// the other blocks has the same value J*, and its dual is D_λ with the constraint |η| ≤ 1 asked only on the
/// closed cells of the kept blocks, a feasible set F_B ⊇ F. q* is feasible there with D(q*) = J*, so it is also
/// the (unique, by strict concavity) maximiser over F_B, and the argument above runs with F_B for F: with s_B
/// the supremum of σ η_μ over the kept blocks only, q̂ = q / max(1, s_B) ∈ F_B and ‖q* − q̂‖ ≤ √(2 (J(μ) − D(q̂))).
/// So any ball computed from a gap over the kept blocks holds the same q*, and a block it screens is zero in
/// every solution: the screened set only grows, and no block screened earlier needs re-checking. None of this
/// vouches for sup|η| over the screened blocks at the candidate's own q, which is why a certificate (§2) never
/// reads a restricted supremum (`ColumnGeneration`). The gap is widened by the rounding of the gap formulas
/// (`Tolerances.gapRounding` of ½‖y‖², as in `Gap.defaultTolerance`) before it gives the radius.
module Screening =

    /// The radius √(2 gap) of the safe ball around q̂ that holds q* (derivation above).
    let radius (gap: float) = sqrt (2.0 * max gap 0.0)

    /// √(Σ_{i ∈ S_C} ‖x̃_i‖²) for every cell: the Frobenius norm of its active rows, which turns the ball's radius
    /// into a bound on η's change over the closed cell.
    let internal activeNorms (arr: Arrangement) (data: Dataset) =
        let rows = data.AugmentedRaw

        Array.init arr.CellCount (fun c ->
            let mutable s = 0.0

            arr.RowMap
            |> Array.iteri (fun i h ->
                if arr.IsActive(c, h) then
                    s <- s + Dense.dot rows.[i] rows.[i])

            sqrt s)

    /// The gap-safe bound on σ η* over the closed cell of each block (index 2c for σ = +1, 2c + 1 for σ = −1),
    /// from the certificate of a residual q, the divisor max(1, s) that makes q̂ = q / max(1, s) feasible (for
    /// the whole dual or a restricted one, above) and the gap of that q̂ (widened here by the gap formulas'
    /// rounding). Blocks `skip` accepts are not bounded (+∞): a solver's already screened blocks.
    let internal boundsFrom (cert: Certificate) (norms: float[]) (divisor: float) (gap: float) (skip: int -> bool) =
        let y = cert.Data.LabelsRaw
        let safeGap = gap + Tolerances.gapRounding * 0.5 * Dense.dot y y
        let reach = radius safeGap / cert.Lambda

        Array.init (2 * cert.Arrangement.CellCount) (fun b ->
            if skip b then
                infinity
            else
                let c, sign = b / 2, (if b % 2 = 0 then 1.0 else -1.0)
                let ball = reach * norms.[c]
                let cheap = cert.PieceNorm c / divisor + ball

                if cheap < 1.0 || ball >= 1.0 then
                    cheap
                else
                    (Certificate.cellExtreme cert sign c).Norm / divisor + ball)

    /// The blocks whose bound is below 1 by `Tolerances.screeningMargin` of max(1, η's scale at q̂), as block
    /// indices (2c, 2c + 1 as in `boundsFrom`).
    let internal below (cert: Certificate) (divisor: float) (bounds: float[]) =
        let margin = Tolerances.screeningMargin * max 1.0 (cert.Scale / divisor)

        [|
            for b in 0 .. bounds.Length - 1 do
                if bounds.[b] + margin < 1.0 then
                    yield b
        |]

    /// Whether an assessment can drive screening: a finite gap and supremum that doubles decided.
    let internal usable (assessment: Assessment) =
        assessment.OutOfRange.IsNone
        && Double.IsFinite assessment.Gap
        && Double.IsFinite assessment.CertificateSup

    /// The gap-safe bound on σ η* over every closed cell, at index 2c for σ = +1 and 2c + 1 for σ = −1, from the
    /// assessment of a candidate at λ: its residual q, exact s = sup|η| and certified gap. +∞ everywhere when the
    /// assessment has no finite gap or doubles could not decide it (`OutOfRange`): nothing is then safe.
    let bounds (arr: Arrangement) (data: Dataset) (lambda: float) (assessment: Assessment) =
        if not (usable assessment) then
            Array.create (2 * arr.CellCount) infinity
        else
            let cert = Certificate.ofDual arr data lambda assessment.Residual
            boundsFrom cert (activeNorms arr data) (max 1.0 assessment.CertificateSup) assessment.Gap (fun _ -> false)

    /// The blocks the bounds drop: (cell, sign) pairs whose bound is below 1 by `Tolerances.screeningMargin` of
    /// max(1, η's scale at q̂).
    let screened (arr: Arrangement) (data: Dataset) (lambda: float) (assessment: Assessment) =
        if not (usable assessment) then
            [||]
        else
            let cert = Certificate.ofDual arr data lambda assessment.Residual
            let divisor = max 1.0 assessment.CertificateSup

            boundsFrom cert (activeNorms arr data) divisor assessment.Gap (fun _ -> false)
            |> below cert divisor
            |> Array.map (fun b -> b / 2, (if b % 2 = 0 then 1 else -1))
