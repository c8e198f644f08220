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
/// enough.
module Screening =

    /// The radius √(2 gap) of the safe ball around q̂ that holds q* (derivation above).
    let radius (gap: float) = sqrt (2.0 * max gap 0.0)

    /// √(Σ_{i ∈ S_C} ‖x̃_i‖²) for every cell: the Frobenius norm of its active rows.
    let private activeNorms (arr: Arrangement) (data: Dataset) =
        let rows = data.AugmentedRaw

        Array.init arr.CellCount (fun c ->
            let mutable s = 0.0

            arr.RowMap
            |> Array.iteri (fun i h ->
                if arr.IsActive(c, h) then
                    s <- s + Dense.dot rows.[i] rows.[i])

            sqrt s)

    /// The gap-safe bound on σ η* over every closed cell, at index 2c for σ = +1 and 2c + 1 for σ = −1, from the
    /// assessment of a candidate at λ: its residual q, exact s = sup|η| and certified gap. +∞ everywhere when the
    /// assessment has no finite gap or doubles could not decide it (`OutOfRange`): nothing is then safe.
    let bounds (arr: Arrangement) (data: Dataset) (lambda: float) (assessment: Assessment) =
        let blocks = 2 * arr.CellCount
        let s = assessment.CertificateSup

        if
            assessment.OutOfRange.IsSome
            || not (Double.IsFinite assessment.Gap)
            || not (Double.IsFinite s)
        then
            Array.create blocks infinity
        else
            let qHat = assessment.Residual |> Array.map (fun v -> v / max 1.0 s)
            let cert = Certificate.ofDual arr data lambda qHat
            let reach = radius assessment.Gap / lambda
            let norms = activeNorms arr data

            Array.init blocks (fun b ->
                let c, sign = b / 2, (if b % 2 = 0 then 1.0 else -1.0)
                let ball = reach * norms.[c]
                let cheap = cert.PieceNorm c + ball

                if cheap < 1.0 || ball >= 1.0 then
                    cheap
                else
                    (Certificate.cellExtreme cert sign c).Norm + ball)

    /// The blocks the bounds drop: (cell, sign) pairs whose bound is below 1 by `Tolerances.screeningMargin` of
    /// max(1, η's scale at q̂).
    let screened (arr: Arrangement) (data: Dataset) (lambda: float) (assessment: Assessment) =
        let b = bounds arr data lambda assessment

        let q =
            assessment.Residual
            |> Array.map (fun v -> v / max 1.0 assessment.CertificateSup)

        let scale = (Certificate.ofDual arr data lambda q).Scale
        let margin = Tolerances.screeningMargin * max 1.0 scale

        [|
            for i in 0 .. b.Length - 1 do
                if b.[i] + margin < 1.0 then
                    yield i / 2, (if i % 2 = 0 then 1 else -1)
        |]
