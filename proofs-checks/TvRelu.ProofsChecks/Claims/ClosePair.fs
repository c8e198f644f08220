namespace TvRelu.ProofsChecks.Claims

open TvRelu.ProofsChecks
open TvRelu.ProofsChecks.Claims.Common
open TvRelu.Core.Data
open TvRelu.Core.Arrangements
open TvRelu.Core.Solver

/// Problems built backwards whose saturation set holds two points of one sign a distance δ ∈ [5e-8, 5e-7] apart
/// (THEORY.md §3): the interior maxima of the two cells on either side of the hyperplane of one data point, in d = 1.
/// Two such points are both saturated only off the hyperplane (two saturated *kinks* that close would make the chord
/// between them exceed 1), so they are built as the open-cell maxima v_C/‖v_C‖ of consequence 2: the piece v₁ of
/// the cell where row k is inactive is the unit vector at p₁, the piece of its neighbour is v₂ = v₁ + p_k x̃_k, the
/// unit vector at p₂, which fixes p_k; v₁ = p_{k+1} x̃_{k+1} + p_{k+2} x̃_{k+2} fixes two more entries, and the rest
/// of the dual p = q/λ is zero. The face oracle checks |η_q| ≤ 1 everywhere (draws where another cell's maximum
/// exceeds 1 are rejected). Σ then has two distinct points closer than 10⁻⁶ and farther than 10⁻⁸: the radius at
/// which the library's saturation set merges points of adjacent cells decides whether it reports one or two.
module ClosePair =

    /// The unit vector at angle `angle` from u, in the plane (d = 1).
    let private rotate (u: float[]) (angle: float) =
        let c, s = cos angle, sin angle
        [| c * u.[0] - s * u.[1]; s * u.[0] + c * u.[1] |]

    /// The two points of Σ of a close-pair problem (its teacher's directions).
    let points (p: Problem) = p.Teacher |> Array.map fst

    /// Sorted inputs at least 0.2 apart in [−2.5, 2.5], or None.
    let private inputs (rng: Rng) (n: int) =
        let xs = Array.init n (fun _ -> rng.Uniform(-2.5, 2.5)) |> Array.sort

        if Array.pairwise xs |> Array.forall (fun (a, b) -> b - a >= 0.2) then
            Some xs
        else
            None

    /// The dual p (q = λ p) and the two points, for sorted inputs, the knot k (1 ≤ k ≤ N − 3) and the distance δ.
    let dualOf (xs: float[]) (k: int) (delta: float) =
        let row i = [| xs.[i]; 1.0 |]
        let r = sqrt (1.0 + xs.[k] * xs.[k])
        let knot = [| 1.0 / r; -xs.[k] / r |]
        let a, b = rotate knot (-0.5 * delta), rotate knot (0.5 * delta)
        // Row k is active (⟨θ, x̃_k⟩ > 0) on one side only; v₁ is the point on the inactive side.
        let side (t: float[]) = t.[0] * xs.[k] + t.[1]
        let p1, p2 = if side a <= 0.0 then a, b else b, a
        let xk = row k

        let pk = dot (Array.map2 (-) p2 p1) xk / dot xk xk
        // p_{k+1} x̃_{k+1} + p_{k+2} x̃_{k+2} = p₁ (Cramer's rule on the 2 × 2 system).
        let u, w = row (k + 1), row (k + 2)
        let det = u.[0] * w.[1] - u.[1] * w.[0]
        let pu = (p1.[0] * w.[1] - p1.[1] * w.[0]) / det
        let pw = (u.[0] * p1.[1] - u.[1] * p1.[0]) / det

        let p =
            Array.init xs.Length (fun i ->
                if i = k then pk
                elif i = k + 1 then pu
                elif i = k + 2 then pw
                else 0.0)

        p, p1, p2

    /// A problem of the family with its known minimiser (the teacher: both points, amplitudes U(0.2, 2)), or None
    /// when the draw is not of the family (another cell's maximum of |η| reaches 1).
    let generate (rng: Rng) : Problem option =
        let n = rng.Int(5, 8)

        match inputs rng n with
        | None -> None
        | Some xs ->
            let k = rng.Int(1, n - 3)
            let delta = rng.LogUniform(5e-8, 5e-7)
            let p, p1, p2 = dualOf xs k delta
            let lambda = rng.LogUniform(1e-2, 1.0)
            let atoms = [| p1, rng.Uniform(0.2, 2.0); p2, rng.Uniform(0.2, 2.0) |]
            Antipodal.knownOptimum "close-pair" rng.Seed xs lambda p lambda atoms
