namespace TvRelu.Core.Uniqueness

open TvRelu.Core.Numerics
open TvRelu.Core.Data
open TvRelu.Core.Arrangements
open TvRelu.Core.Certificates

/// The sparsest minimiser a user asks for (THEORY.md §5): a vertex of the polytope {a : Φ_Σ a = Kμ*, s_j a_j ≥ 0},
/// at most rank Φ_Σ ≤ N atoms. A solver's minimiser need not be one (the long campaign of issue 4: more than N
/// atoms in 1.4% of trials, atoms down to 1e-28·TV, and Σ's tolerance widened by each of them). This is the one
/// reduction, called at the end of every solve; the non-uniqueness it leaves behind is what `Uniqueness.decide`
/// reports.
module Vertex =

    /// Carathéodory steps: while the features φ(θ_j) of the atoms are dependent (at `Tolerances.uniquenessRank`),
    /// move the amplitudes along a null vector δ until one reaches zero. Φδ = 0 keeps Kμ; on Σ the mass Σ s_j a_j moves
    /// by ⟨q*, Φδ⟩/λ = 0, so the step is taken in the direction that does not raise the mass (in floating point the
    /// null vector is null only to the rank tolerance, and the slope of the mass is not exactly 0).
    let private caratheodory (data: Dataset) (atoms: Atom[]) =
        let mutable current = atoms |> Array.filter (fun a -> a.Amplitude <> 0.0)
        let mutable fin = false

        while not fin && current.Length > 1 do
            let k = current.Length
            let phi = current |> Array.map (fun a -> Uniqueness.feature data a.Direction)
            let rows = Array.init data.Count (fun i -> Array.init k (fun j -> phi.[j].[i]))

            match Dense.nullSpaceWithin Tolerances.uniquenessRank k rows with
            | [||] -> fin <- true
            | basis ->
                let amps = current |> Array.map (fun a -> a.Amplitude)
                let delta = basis.[0]
                let slope = Array.fold2 (fun acc a d -> acc + float (sign a) * d) 0.0 amps delta
                let delta = if slope > 0.0 then Array.map (~-) delta else delta
                // The first amplitude the step drives to zero (one always exists: a step that shrinks no |a_j| would
                // raise the mass, and the sign was chosen so it does not; if δ only grows amplitudes, stop).
                let mutable t = infinity
                let mutable hit = -1

                for j in 0 .. k - 1 do
                    if amps.[j] * delta.[j] < 0.0 then
                        let tj = -amps.[j] / delta.[j]

                        if tj < t then
                            t <- tj
                            hit <- j

                if hit < 0 then
                    fin <- true
                else
                    current <-
                        current
                        |> Array.mapi (fun j a ->
                            { a with
                                Amplitude = (if j = hit then 0.0 else a.Amplitude + t * delta.[j])
                            })
                        |> Array.filter (fun a -> a.Amplitude <> 0.0)

        current

    /// The measure a certified solution reduces to, with its assessment: first a vertex by Carathéodory steps, then
    /// without the atoms below `Tolerances.negligibleAtom` of the mass, each step kept only when the result is still
    /// certified at the given tolerance (re-assessed from scratch, exact supremum of §3). A measure that was not
    /// certified, or whose reductions lose the certificate, is returned as it was.
    let reduce (arr: Arrangement) (data: Dataset) (lambda: float) (tolerance: float option) (mu: Measure) (assessment: Assessment) =
        if
            not assessment.Certified
            || TvRelu.Core.Audit.Mutants.isOn TvRelu.Core.Audit.Mutant.NoVertex
        then
            mu, assessment
        else
            let attempt (atoms: Atom[]) (fallback: Measure * Assessment) =
                let candidate =
                    Measure.ofAtoms arr.AmbientDimension (atoms |> Array.map (fun a -> a.Direction, a.Amplitude))

                if candidate.Count = (fst fallback).Count then
                    fallback
                else
                    let a = Gap.assess arr data lambda tolerance candidate
                    if a.Certified then candidate, a else fallback

            let vertex = attempt (caratheodory data mu.AtomsRaw) (mu, assessment)
            let kept = fst vertex
            let mass = Measure.totalVariation kept

            attempt
                (kept.AtomsRaw
                 |> Array.filter (fun a -> abs a.Amplitude > Tolerances.negligibleAtom * mass))
                vertex
