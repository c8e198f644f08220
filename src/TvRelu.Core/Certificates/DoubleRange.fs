namespace TvRelu.Core.Certificates

open System
open TvRelu.Core.Numerics
open TvRelu.Core.Data

/// Raised when a quantity the floating-point path relies on is out of the range where double precision can
/// decide (README, "Where doubles can decide"): the message names the quantity, its size and the limit, for
/// people. The façade reports it as bad input.
exception OutOfRangeException of string with
    override this.Message = this.Data0

/// Where double precision can decide (README, "Where doubles can decide"; THEORY.md §2, §3, §8).
///
/// The floating-point path certifies only with numbers it can vouch for. Every quantity it relies on must be
/// finite and in range: λ a normal double, the objective J(μ), the scale (1/λ) Σ_i |q_i| ‖x̃_i‖ that bounds
/// η and every piece v_C (at most `Tolerances.etaRange`), the dual objective and the gap; and the exact
/// supremum must be enclosed by the scan's upper and lower bounds to `Tolerances.supremumUndecided`, which
/// fails when the cells are too thin for doubles (inputs whose columns differ in scale by ~1e16). Input that
/// can never be certified in doubles (λ below the smallest normal double, η of the labels or of a given dual
/// vector out of range, the objective of a given measure overflowing) is refused with `OutOfRangeException`
/// (λ below the smallest normal double by `Lambda.requirePositive`);
/// a run whose numbers leave the range is reported not certified, with the reason. Exact mode (§8) works in
/// rationals and may still decide.
module DoubleRange =

    /// (1/λ) Σ_i |q_i| ‖x̃_i‖: a bound on |η(θ)| = |⟨q, φ(θ)⟩| / λ over the unit sphere and on the norm of every
    /// piece v_C (THEORY.md §3), and the scale of the rounding of any sum that forms them. Summed in logarithms,
    /// so that it is +∞ exactly when it is beyond the largest double, and never NaN.
    let etaScale (rows: float[][]) (q: float[]) (lambda: float) =
        let logs =
            [|
                for i in 0 .. q.Length - 1 do
                    if q.[i] <> 0.0 then
                        yield log (abs q.[i]) + log (Dense.norm rows.[i]) - log lambda
            |]

        if logs.Length = 0 then
            0.0
        else
            let top = Array.max logs
            exp top * Array.sumBy (fun l -> exp (l - top)) logs

    /// The refusal of an η whose scale is beyond `Tolerances.etaRange`, naming the numbers it comes from.
    let etaMessage (rows: float[][]) (q: float[]) (lambda: float) (scale: float) =
        sprintf
            "η = ⟨q, φ(θ)⟩/λ is beyond the range where double precision can compute its exact supremum: (1/λ) Σ_i |q_i| ‖x̃_i‖ = %s exceeds %g (λ = %g, largest |q_i| = %g, largest ‖x̃_i‖ = %g); use a larger λ, or rescale the inputs and labels"
            (if Double.IsInfinity scale then
                 "more than 1.8e308"
             else
                 sprintf "%.3g" scale)
            Tolerances.etaRange
            lambda
            (q |> Array.fold (fun m v -> max m (abs v)) 0.0)
            (rows |> Array.fold (fun m r -> max m (Dense.norm r)) 0.0)

    /// Raises `OutOfRangeException` unless the certificate of q at λ on these rows is in range for the scan.
    let requireEta (rows: float[][]) (q: float[]) (lambda: float) =
        let scale = etaScale rows q lambda

        if not (scale <= Tolerances.etaRange) then
            raise (OutOfRangeException(etaMessage rows q lambda scale))


    /// Raises `OutOfRangeException` unless ½‖y‖², J(0), is at most `Tolerances.etaRange` and its rounding term of the gap tolerance,
    /// `Tolerances.gapRounding` · ½‖y‖², is a normal double (or y = 0): every tolerance and gap is measured
    /// against it, and a subnormal tolerance has lost the digits it is compared with.
    let requireLabels (data: Dataset) =
        let y = data.LabelsRaw
        let norm = Dense.norm y
        let half = 0.5 * norm * norm

        if Double.IsInfinity half then
            raise (
                OutOfRangeException(
                    sprintf
                        "½‖y‖² of the labels overflows (‖y‖ = %g, largest |y_i| = %g): the objective J(μ) cannot be computed in double precision; rescale the labels"
                        norm
                        (y |> Array.fold (fun m v -> max m (abs v)) 0.0)
                )
            )

        // The solvers' matrices and the gap formulas hold ‖y‖² and its products (the Newton system of the
        // restricted problem did not converge with a label of 1e124, fuzz campaign).
        if half > Tolerances.etaRange then
            raise (
                OutOfRangeException(
                    sprintf
                        "the labels are too large for double precision: ½‖y‖² = %g exceeds %g, and the solvers square it; rescale the labels"
                        half
                        Tolerances.etaRange
                )
            )

        if norm > 0.0 && Tolerances.gapRounding * half < Tolerances.smallestNormal then
            raise (
                OutOfRangeException(
                    sprintf
                        "the labels are too small for double precision (‖y‖ = %g): the gap tolerance %g · ½‖y‖² falls below the smallest normal double, %g; rescale the labels"
                        norm
                        Tolerances.gapRounding
                        Tolerances.smallestNormal
                )
            )

    /// Raises `OutOfRangeException` when an input entry is subnormal (nonzero, below the smallest normal double): such an
    /// entry has fewer than 53 significant bits, and conditioning its column by a power of two near 2^1074 broke
    /// the arrangement (the fuzz campaign: one input x = 5e-324 gave λ_max = 0, and μ = 0 was certified with
    /// sup|η| = 0 where the exact sup is 1576).
    let requireNormalInputs (data: Dataset) =
        let subnormal =
            data.AugmentedRaw
            |> Array.tryPick (Array.tryFind (fun v -> v <> 0.0 && abs v < Tolerances.smallestNormal))

        match subnormal with
        | Some v ->
            raise (
                OutOfRangeException(
                    sprintf
                        "the input %g is subnormal (nonzero but below %g, the smallest normal double): it has lost significant digits and the dual regions cannot be computed with it; rescale the inputs or replace it by 0"
                        v
                        Tolerances.smallestNormal
                )
            )
        | None -> ()

    /// The checks of a certificate asked for directly: normal inputs (`requireNormalInputs`) and `requireEta` for
    /// the dual vector q of the data set.
    let requireDual (data: Dataset) (q: float[]) (lambda: float) =
        requireNormalInputs data
        requireEta data.AugmentedRaw q lambda

    /// Raises `OutOfRangeException` unless the inputs are normal (`requireNormalInputs`) and the solvers' matrices
    /// stay in range: the Gram products of the features σ(⟨θ, x̃_i⟩), up to max‖x̃_i‖², and their products with the
    /// labels, up to ‖y‖ Σ_i ‖x̃_i‖, must not exceed `Tolerances.etaRange`, because the dense factorisations (SVD,
    /// QR) square their entries. Inputs with ‖x̃‖ ≈ 2e81 made the SVD of the restricted problem's Newton system
    /// fail to converge.
    let requireInputs (data: Dataset) =
        requireNormalInputs data
        let norms = data.AugmentedRaw |> Array.map Dense.norm
        let largest = Array.max norms
        let labels = etaScale data.AugmentedRaw data.LabelsRaw 1.0

        if
            not (largest * largest <= Tolerances.etaRange)
            || not (labels <= Tolerances.etaRange)
        then
            raise (
                OutOfRangeException(
                    sprintf
                        "the inputs are too large for double precision: the solvers' matrices hold products up to max ‖(x_i, 1)‖² = %g and Σ_i |y_i| ‖(x_i, 1)‖ = %g, above %g; rescale the inputs"
                        (largest * largest)
                        labels
                        Tolerances.etaRange
                )
            )

    /// The input checks of a solve (a refusal, never a wrong "certified"), after `Lambda.requirePositive` (λ a
    /// normal double): ½‖y‖² finite with a normal tolerance, the solvers' matrices in range, and the certificate of the zero measure, η = ⟨y, φ⟩/λ, in range. That
    /// certificate is the first every solver prices; when it is out of range, no column can be priced.
    let requireSolvable (data: Dataset) (lambda: float) =
        Lambda.requirePositive "lambda" lambda
        requireLabels data
        requireInputs data
        requireEta data.AugmentedRaw data.LabelsRaw lambda

    /// The input checks of the audit of a given measure: those of a solve except the zero measure's
    /// certificate, then J(μ) finite and the certificate of μ's residual in range.
    let requireCertifiable (data: Dataset) (lambda: float) (mu: Measure) =
        Lambda.requirePositive "lambda" lambda
        requireLabels data
        requireInputs data
        let q = Measure.residual data mu

        if q |> Array.exists (Double.IsFinite >> not) then
            raise (
                OutOfRangeException(
                    "the residual y − Kμ of the measure is not finite: its amplitudes times the inputs overflow double precision"
                )
            )

        let j = Measure.objective lambda data mu

        if not (Double.IsFinite j) then
            raise (
                OutOfRangeException(
                    sprintf
                        "the objective J(μ) = ½‖Kμ − y‖² + λ‖μ‖_TV of the measure overflows double precision (‖μ‖_TV = %g, ‖y − Kμ‖ = %g)"
                        (Measure.totalVariation mu)
                        (Dense.norm q)
                )
            )

        requireEta data.AugmentedRaw q lambda
