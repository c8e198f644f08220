namespace TvRelu.Core.Certificates

open TvRelu.Core.Numerics
open TvRelu.Core.Data
open TvRelu.Core.Arrangements


/// The certified optimality gap of a candidate measure (THEORY.md §2).
type Assessment =
    {
        /// J(μ) = ½‖Kμ − y‖² + λ‖μ‖_TV.
        Objective: float
        /// D(q̂) = ⟨y, q̂⟩ − ½‖q̂‖² for the feasible q̂ = q / max(1, s): a lower bound on J*.
        DualObjective: float
        /// J(μ) − D(q̂) ≥ J(μ) − J* ≥ 0.
        Gap: float
        /// s = sup_θ |η_μ(θ)|, exact over the whole sphere (§3).
        CertificateSup: float
        /// The tolerance the gap was compared with.
        Tolerance: float
        /// Gap ≤ Tolerance, with the exact supremum: the library's meaning of "certified" (§8, floating point).
        Certified: bool
        /// The residual q = y − Kμ.
        Residual: float[]
    }

/// Optimality gaps certified by the exact supremum.
module Gap =

    /// The default tolerance max(1e-9 · J, 1e-13 · ½‖y‖²). Both terms scale with y², so whether a
    /// measure is certified does not depend on the units of the labels. The second term covers the
    /// rounding of the gap formulas (errors of order ε ‖y‖ ‖q‖ ≤ ε ‖y‖²) when J is tiny, as at
    /// λ ≪ λ_max. An absolute floor (the earlier 1e-10) certified μ = 0 with sup|η| = 100 once the
    /// labels were of order 1e-7, and at λ = 1e-5 λ_max it let a warm start return the solution of
    /// 8λ (found by the uniqueness audit, proofs-checks).
    let defaultTolerance (objective: float) (labels: float[]) =
        max (Tolerances.gapRelative * abs objective) (Tolerances.gapRounding * 0.5 * Dense.dot labels labels)

    /// The gap of a candidate from its residual q = y − Kμ, its penalty P (J = ½‖q‖² + λP) and the exact
    /// s = sup|η| of the dual constraint |⟨q, φ(θ)⟩| ≤ λ·(weight): q̂ = q / max(1, s) is dual feasible, and
    /// the dual objective ⟨y, q̂⟩ − ½‖q̂‖² is the same whatever the weight, so this serves ‖μ‖_TV (§2) and
    /// the weighted TV of the label-noise problem (§7) alike.
    let ofResidual (y: float[]) (q: float[]) (lambda: float) (penalty: float) (s: float) (tolerance: float option) =
        let qq = Dense.dot q q
        let j = 0.5 * qq + lambda * penalty

        let s =
            if TvRelu.Core.Audit.Mutants.isOn TvRelu.Core.Audit.Mutant.GapLambda then
                s / 1.001
            else
                s

        let gap, dual =
            if s <= 1.0 then
                let kmu = Array.init y.Length (fun i -> y.[i] - q.[i])
                let g = lambda * penalty - Dense.dot kmu q
                max g 0.0, j - max g 0.0
            else
                let d = Dense.dot y q / s - 0.5 * qq / (s * s)
                max (j - d) 0.0, d

        let tol = defaultArg tolerance (defaultTolerance j y)

        {
            Objective = j
            DualObjective = dual
            Gap = gap
            CertificateSup = s
            Tolerance = tol
            Certified = gap <= tol
            Residual = Array.copy q
        }

    /// The gap of μ from its own certificate (whose dual vector must be y − Kμ) and the exact sup|η|.
    let ofCertificate (cert: Certificate) (supAbs: float) (tolerance: float option) (mu: Measure) =
        ofResidual cert.Data.LabelsRaw cert.DualRaw cert.Lambda (Measure.totalVariation mu) supAbs tolerance

    /// Assesses μ: with q = y − Kμ and s = sup|η_μ|, q̂ = q / max(1, s) is dual feasible, so
    /// 0 ≤ J(μ) − J* ≤ J(μ) − D(q̂). When s ≤ 1 the gap is written λ‖μ‖ − ⟨Kμ, q⟩, which equals
    /// J − D(q) without the cancellation of two large terms.
    let assess (arr: Arrangement) (data: Dataset) (lambda: float) (tolerance: float option) (mu: Measure) =
        let cert = Certificate.ofMeasure arr data lambda mu
        let s, _, _ = Certificate.supremumAbs cert
        ofCertificate cert s tolerance mu
