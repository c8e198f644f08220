namespace TvRelu.Core.Data

open System
open TvRelu.Core.Numerics

/// The one validation of the regularisation parameter λ of P_λ (THEORY.md §1): every entry point of the
/// core that takes a λ calls it, so the rule and its message are the same everywhere.
module Lambda =

    /// Raises ArgumentException for the parameter `name` unless λ is a positive finite number and a normal
    /// double: P_λ needs λ > 0 (THEORY.md §1), NaN or ∞ would make every later number meaningless, and below
    /// the smallest normal double (`Tolerances.smallestNormal`) λ loses significant bits, 1/λ overflows and
    /// λ‖μ‖_TV underflows, so nothing could be certified there (README, "Where doubles can decide"; issue 12,
    /// defect 1: λ = 1e-310 certified μ = 0 with gap 0).
    let requirePositive (name: string) (lambda: float) =
        if not (lambda > 0.0) || Double.IsInfinity lambda then
            invalidArg name (sprintf "λ must be a positive finite number (got %g)" lambda)

        if lambda < Tolerances.smallestNormal then
            invalidArg
                name
                (sprintf
                    "λ = %g is below %g, the smallest normal double: there 1/λ overflows and λ‖μ‖_TV loses its digits, so no answer can be certified in double precision"
                    lambda
                    Tolerances.smallestNormal)

    /// Raises ArgumentException for the parameter `name` unless λ is a non-negative finite number: finite-width
    /// training (THEORY.md §7) may run without weight decay.
    let requireNonNegative (name: string) (lambda: float) =
        if not (lambda >= 0.0) || Double.IsInfinity lambda then
            invalidArg name (sprintf "λ must be a non-negative finite number (got %g)" lambda)
