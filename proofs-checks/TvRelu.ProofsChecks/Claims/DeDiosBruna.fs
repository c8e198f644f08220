namespace TvRelu.ProofsChecks.Claims

open TvRelu.ProofsChecks

/// Claim 7: the second seed's claims (de Dios and Bruna, THEORY.md §7), registered as pending until
/// finite-width training and the label-noise regulariser exist (issue 5).
module DeDiosBruna =

    /// Why both are pending.
    [<Literal>]
    let Reason = "needs finite-width gradient-descent training, sliding Frank-Wolfe and the weighted-TV solver (issue 5)"

    /// (i) Variation-norm (TV) regularisation is minimised by finitely many neurons, whatever the width.
    let variationNorm =
        Claim.Pending(
            "dedios-bruna-i",
            "Finite-width gradient descent with weight decay, widths m = 10 ... 10^4: when GD reaches the exact optimum within 1e-6, "
            + "its neurons cluster into at most |Sigma| directions of the exact solution, independently of m, and the objective approaches J* from above.",
            "seed abstract (de Dios and Bruna 2020: \"(ii) the variation-norm regularisation ... minimised by functions having only a finite number of neurons, irrespective of the amount of overparametrisation\"); checks in THEORY.md §7",
            "the exact solver's J*, Sigma and certified gap",
            Reason)

    /// (ii) The implicit regularisation of SGD with label noise is minimised by finitely many neurons.
    let labelNoise =
        Claim.Pending(
            "dedios-bruna-ii",
            "SGD with label noise ends with a finite number of neuron clusters, independent of the width m, "
            + "compared with the support of the exact weighted-TV solution with omega(theta) = (2/N) sqrt(A(theta) B(theta)).",
            "seed abstract (de Dios and Bruna 2020: \"(i) a form of implicit regularisation obtained by injecting noise into training targets\"); weighted-TV form derived in THEORY.md §7",
            "the exact weighted-TV solver (per-cell generalised Rayleigh quotients)",
            Reason)
