namespace TvRelu.Core.Stability

open TvRelu.Core.Numerics
open TvRelu.Core.Data

/// The pre-certificate of the low-noise regime (THEORY.md §6): the candidate dual vector that the
/// certificates of P_λ approach as λ and ‖w‖/λ go to 0 when a sparse teacher μ_0 = Σ_j a⁰_j δ_{θ⁰_j} is
/// recovered. `Nondegeneracy.check` decides whether a candidate dual vector is non-degenerate; this module
/// builds the first candidate, p_V (THEORY.md §6 explains when p_V is the wrong object for atoms on region
/// boundaries, where the limit certificate p* takes its place).
module PreCertificate =

    /// The data rows strictly active at θ: S = {i : ⟨θ, x̂_i⟩ > `Tolerances.teacherActive`} (unit x̂_i), the
    /// region whose piece must reproduce the atom.
    let activeRows (data: Dataset) (theta: float[]) =
        data.AugmentedRaw
        |> Array.indexed
        |> Array.filter (fun (_, x) -> Dense.dot theta (Dense.scale (1.0 / Dense.norm x) x) > Tolerances.teacherActive)
        |> Array.map fst

    /// p_V: the least-norm p ∈ R^N with Σ_{i∈S_j} p_i x̃_i = sign(a⁰_j) θ⁰_j for every teacher atom j (S_j the
    /// active rows of θ⁰_j), so that η_V = ⟨p_V, φ⟩ has the linear piece sign(a⁰_j) θ⁰_j on the region of each
    /// atom and reaches ±1 exactly there. Returns p_V and the residual of that linear system (0 when solvable;
    /// the teacher has no pre-certificate otherwise).
    let ofTeacher (data: Dataset) (teacher: Atom[]) =
        let rows = data.AugmentedRaw
        let n = rows.[0].Length

        let equations =
            [|
                for atom in teacher do
                    let s = activeRows data atom.Direction |> Set.ofArray

                    for k in 0 .. n - 1 ->
                        Array.init rows.Length (fun i -> if s.Contains i then rows.[i].[k] else 0.0),
                        float (sign atom.Amplitude) * atom.Direction.[k]
            |]

        Dense.leastNorm (Array.map fst equations) rows.Length (Array.map snd equations)
