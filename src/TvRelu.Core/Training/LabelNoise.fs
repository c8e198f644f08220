namespace TvRelu.Core.Training

open TvRelu.Core.Numerics
open TvRelu.Core.Data


/// The implicit regulariser of SGD with label noise and its weighted-TV form (THEORY.md §7 (ii)).
///
/// Near zero training error, SGD with label noise drifts like gradient descent on
/// R = (1/N) Σ_i ‖∇_params f(x_i)‖² (Blanc et al. 2019). For f = Σ_j c_j σ(⟨θ_j, x̃⟩),
/// ∇_{c_j} f(x_i) = σ(⟨θ_j, x̃_i⟩) and ∇_{θ_j} f(x_i) = c_j 1{⟨θ_j, x̃_i⟩ > 0} x̃_i, so
///   R = (1/N) Σ_j [ A(θ_j) + c_j² B(θ_j) ],  A(θ) = Σ_i σ(⟨θ, x̃_i⟩)²,  B(θ) = Σ_{i: ⟨θ, x̃_i⟩ > 0} ‖x̃_i‖².
/// A is homogeneous of degree 2 and B of degree 0, so the rescaling (c, θ) ↦ (c/t, tθ), which keeps the
/// function, minimises t² A(θ) + c² B / t² at 2|c|‖θ‖√(A(θ̂)B(θ̂)): after that rebalancing
/// R = ∫ ω d|ν| for the network's measure ν, with ω(θ) = (2/N)√(A(θ)B(θ)) on the unit sphere (derived in §7).
module LabelNoise =

    /// R = (1/N) Σ_i ‖∇_params f(x_i)‖² of the raw parameters (no rebalancing), with the strict
    /// inequality ⟨θ, x̃_i⟩ > 0 of the gradient the network actually has.
    let penalty (data: Dataset) (net: Network) =
        let xs = data.AugmentedRaw
        let mutable s = 0.0

        for j in 0 .. net.Width - 1 do
            let th = net.Neuron j
            let c = net.OutputWeight j

            for x in xs do
                let z = Dense.dot th x

                if z > 0.0 then
                    s <- s + z * z + c * c * Dense.dot x x

        s / float data.Count

    /// A(θ) and B(θ), where a row counts as active when ⟨θ̂, x̂_i⟩ > tol on unit vectors. With tol = 0 this
    /// is the definition; a small positive tol reads a point within tol of a hyperplane as on it, which is
    /// how atoms produced on region boundaries (by cone projections, up to rounding) are meant.
    let internal activeMoments (tol: float) (data: Dataset) (theta: float[]) =
        let nt = Dense.norm theta
        let mutable a = 0.0
        let mutable b = 0.0

        if nt > 0.0 then
            for x in data.AugmentedRaw do
                let z = Dense.dot theta x

                if z > tol * nt * Dense.norm x then
                    a <- a + z * z
                    b <- b + Dense.dot x x

        a, b

    /// The weight ω(θ) = (2/N)√(A(θ)B(θ)), extended with degree 1 (ω(tθ) = tω(θ), t > 0) so that the
    /// weighted TV of an atom a δ_θ is |a| ω(θ) for unit θ. ω is discontinuous across every hyperplane
    /// H_i (B jumps by ‖x̃_i‖²) and lower semicontinuous: on a boundary only the strictly active rows count.
    /// `tol` as in `activeMoments` (0 for the exact definition).
    let weightWith (tol: float) (data: Dataset) (theta: float[]) =
        let a, b = activeMoments tol data theta
        2.0 / float data.Count * sqrt (a * b)

    /// The boundary tolerance used for measures (`Tolerances.weightBoundary`, on unit vectors): see `activeMoments`.
    [<Literal>]
    let boundaryTolerance = Tolerances.weightBoundary

    /// ω(θ) with the library's boundary tolerance.
    let weight (data: Dataset) (theta: float[]) = weightWith boundaryTolerance data theta

    /// ∫ ω d|ν| = Σ_j |a_j| ω(θ_j).
    let weightedTotalVariation (data: Dataset) (nu: Measure) =
        nu.AtomsRaw |> Array.sumBy (fun a -> abs a.Amplitude * weight data a.Direction)

    /// The weighted-TV objective ½‖Kν − y‖² + λ ∫ ω d|ν| of the label-noise problem (§7).
    let objective (lambda: float) (data: Dataset) (nu: Measure) =
        let r = Measure.residual data nu
        0.5 * Dense.dot r r + lambda * weightedTotalVariation data nu

    /// The rescaling (c_j, θ_j) ↦ (c_j/t_j, t_j θ_j) with t_j² = |c_j|√(B/A(θ_j)), which minimises R
    /// neuron by neuron without changing the function: afterwards R equals ∫ ω d|ν| (with the exact,
    /// tol = 0, weight) whenever no two neurons share a direction. Neurons active on no data point
    /// (A = 0) and neurons with c_j = 0 contribute nothing to f; they are set to zero.
    let rebalance (data: Dataset) (net: Network) =
        let n = net.AmbientDimension
        let p = net.Parameters

        for j in 0 .. net.Width - 1 do
            let o = j * (n + 1)
            let th = Array.sub p o n
            let c = p.[o + n]
            let a, b = activeMoments 0.0 data th

            if a = 0.0 || c = 0.0 then
                Array.fill p o (n + 1) 0.0
            else
                let t = sqrt (abs c * sqrt (b / a))

                for k in 0 .. n - 1 do
                    p.[o + k] <- p.[o + k] * t

                p.[o + n] <- c / t

        Network.ofParameters n p
