namespace TvRelu.Core.Data

open System

/// The one validation of the regularisation parameter λ of P_λ (THEORY.md §1): every entry point of the
/// core that takes a λ calls it, so the rule and its message are the same everywhere.
module Lambda =

    /// Raises ArgumentException for the parameter `name` unless λ is a positive finite number: P_λ needs
    /// λ > 0 (THEORY.md §1), and NaN or ∞ would make every later number meaningless.
    let requirePositive (name: string) (lambda: float) =
        if not (lambda > 0.0) || Double.IsInfinity lambda then
            invalidArg name (sprintf "λ must be a positive finite number (got %g)" lambda)

    /// Raises ArgumentException for the parameter `name` unless λ is a non-negative finite number: finite-width
    /// training (THEORY.md §7) may run without weight decay.
    let requireNonNegative (name: string) (lambda: float) =
        if not (lambda >= 0.0) || Double.IsInfinity lambda then
            invalidArg name (sprintf "λ must be a non-negative finite number (got %g)" lambda)
