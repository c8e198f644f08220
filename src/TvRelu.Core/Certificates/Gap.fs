namespace TvRelu.Core.Certificates

open System
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
        /// None when double precision decided the verdict; otherwise why it could not (README, "Where doubles
        /// can decide"): a number out of range (J, the dual objective, the gap, sup|η|, η's scale), or a
        /// supremum the scan could not enclose. Certified is false then.
        OutOfRange: string option
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
    /// the weighted TV of the label-noise problem (§7) alike. s = +∞ (η out of range) gives the trivial bound
    /// q̂ = 0, gap = J. Never certified unless J, the dual objective, the gap, s and the tolerance are all
    /// finite (README, "Where doubles can decide"): J = ∞ used to compare ∞ ≤ ∞ and certify (issue 12, defect 2).
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
            elif Double.IsPositiveInfinity s then
                j, 0.0
            else
                let d = Dense.dot y q / s - 0.5 * qq / (s * s)
                max (j - d) 0.0, d

        let tol = defaultArg tolerance (defaultTolerance j y)

        let outOfRange =
            [
                "J(μ)", j
                "the dual objective", dual
                "the gap", gap
                "sup|η|", s
                "the tolerance", tol
            ]
            |> List.tryFind (fun (_, v) -> not (Double.IsFinite v))
            |> Option.map (fun (name, v) -> sprintf "%s is %g: beyond the range of double precision" name v)

        {
            Objective = j
            DualObjective = dual
            Gap = gap
            CertificateSup = s
            Tolerance = tol
            Certified = outOfRange.IsNone && gap <= tol
            Residual = Array.copy q
            OutOfRange = outOfRange
        }

    /// A certified assessment stays certified only if the scan's enclosure of sup|η| decides it
    /// (`Enclosure.Decides`: the value is attained where it is reported, and no cell the rounding guard could
    /// not resolve may exceed it) and the gap computed with the enclosure's upper bound is still within the
    /// tolerance: the verdict then holds for every value the rounding allows (README, "Where doubles can decide").
    let private confirmWith (cert: Certificate) (penalty: float) (s: float) (enclosure: Enclosure) (a: Assessment) =
        if not a.Certified then
            a
        elif not (enclosure.Decides s) then
            { a with
                Certified = false
                OutOfRange =
                    Some(
                        sprintf
                            "sup|η| = %g is not decided in double precision: the scan encloses it only in [%g, %g] (the dual regions are too thin for doubles, as when the input columns differ in scale by many orders of magnitude)"
                            s
                            enclosure.Lower
                            enclosure.Upper
                    )
            }
        else
            let upper =
                ofResidual cert.Data.LabelsRaw cert.DualRaw cert.Lambda penalty enclosure.Upper (Some a.Tolerance)

            if upper.Certified then
                a
            else
                { a with
                    Certified = false
                    OutOfRange =
                        Some(
                            sprintf
                                "the gap is within the tolerance only below the rounding of sup|η|: with sup|η| at its upper bound %g the gap is %g"
                                enclosure.Upper
                                upper.Gap
                        )
                }

    /// The gap of μ from its own certificate (whose dual vector must be y − Kμ) and the exact sup|η|,
    /// confirmed against the scan's enclosure of sup|η| when it certifies. A certificate whose η is out of
    /// range (`Tolerances.etaRange`) is assessed with s = +∞: the trivial bound gap = J, not certified.
    let ofCertificate (cert: Certificate) (supAbs: float) (tolerance: float option) (mu: Measure) =
        let penalty = Measure.totalVariation mu
        let y = cert.Data.LabelsRaw

        if not (cert.Scale <= Tolerances.etaRange) then
            { ofResidual y cert.DualRaw cert.Lambda penalty Double.PositiveInfinity tolerance with
                OutOfRange = Some(DoubleRange.etaMessage cert.Data.AugmentedRaw cert.DualRaw cert.Lambda cert.Scale)
            }
        else
            let a = ofResidual y cert.DualRaw cert.Lambda penalty supAbs tolerance

            if a.Certified then
                let s, _, _, enclosure = Certificate.supremumAbsEnclosed cert
                confirmWith cert penalty s enclosure a
            else
                a

    /// Assesses μ: with q = y − Kμ and s = sup|η_μ|, q̂ = q / max(1, s) is dual feasible, so
    /// 0 ≤ J(μ) − J* ≤ J(μ) − D(q̂). When s ≤ 1 the gap is written λ‖μ‖ − ⟨Kμ, q⟩, which equals
    /// J − D(q) without the cancellation of two large terms. Never raises for numbers out of range: such a
    /// measure is not certified, and `OutOfRange` says why.
    let assess (arr: Arrangement) (data: Dataset) (lambda: float) (tolerance: float option) (mu: Measure) =
        let q = Measure.residual data mu

        if q |> Array.exists (Double.IsFinite >> not) then
            { ofResidual data.LabelsRaw q lambda (Measure.totalVariation mu) Double.PositiveInfinity tolerance with
                OutOfRange = Some "the residual y − Kμ is not finite: the amplitudes times the inputs overflow double precision"
            }
        else
            let cert = Certificate.ofDual arr data lambda q
            let penalty = Measure.totalVariation mu

            if cert.Scale <= Tolerances.etaRange then
                let s, _, _, enclosure = Certificate.supremumAbsEnclosed cert

                ofResidual data.LabelsRaw q lambda penalty s tolerance
                |> confirmWith cert penalty s enclosure
            else
                ofCertificate cert Double.PositiveInfinity tolerance mu
