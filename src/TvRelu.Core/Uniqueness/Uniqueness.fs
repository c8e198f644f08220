namespace TvRelu.Core.Uniqueness

open TvRelu.Core.Numerics
open TvRelu.Core.Data


/// Whether the minimiser is unique (THEORY.md §5).
type UniquenessVerdict =
    {
        /// Φ_Σ has full column rank: a sufficient condition.
        RankSufficient: bool
        /// The exact test: the polytope {a : Φ_Σ a = Kμ*, s_j a_j ≥ 0} is a single point.
        Unique: bool
        /// rank Φ_Σ and the number of saturation points k.
        Rank: int
        SaturationPoints: int
    }

/// Uniqueness of the minimiser from the saturation set (THEORY.md §5).
module Uniqueness =

    /// φ(θ) = (σ(⟨θ, x̃_i⟩))_i.
    let feature (data: Dataset) (theta: float[]) =
        data.AugmentedRaw |> Array.map (fun x -> max 0.0 (Dense.dot theta x))

    /// The relative tolerance of the numerical ranks below: singular values of Φ_Σ below this times
    /// σ_max cannot be told from zero, because saturation points from a certified floating-point solve
    /// are accurate to about 1e-9 (`Tolerances.uniquenessRank` gives the case that set it).
    [<Literal>]
    let rankTolerance = Tolerances.uniquenessRank

    /// Decides uniqueness given the saturation points (direction, sign) and the amplitudes a*_j of a
    /// minimiser on them. Every minimiser is a* + δ with Φ_Σ δ = 0 and s_j (a*_j + δ_j) ≥ 0; for
    /// a*_j ≠ 0 small δ_j are free, so the polytope is a point iff no δ ≠ 0 in null(Φ_Σ) has
    /// s_j δ_j ≥ 0 on Z = {j : a*_j = 0}. Writing δ = B t for a null-space basis B and M the rows
    /// s_j B_j (j ∈ Z), that cone {t : M t ≥ 0} is {0} iff M has full column rank and some y > 0 has
    /// Mᵀ y = 0 (Stiemke's lemma); y ≥ 1 is found, or refuted, by one non-negative least squares.
    /// This is the 2k linear programs of §5 in one equivalent test.
    let decide (data: Dataset) (points: (float[] * int)[]) (amplitudes: float[]) =
        let k = points.Length
        let phi = points |> Array.map (fun (th, _) -> feature data th)
        let n = data.Count

        let rank =
            if k = 0 then
                0
            else
                Dense.rankWithin rankTolerance k (Array.init n (fun i -> Array.init k (fun j -> phi.[j].[i])))

        let rankSufficient = rank = k

        let unique =
            if rankSufficient then
                true
            else
                let basis =
                    Dense.nullSpaceWithin rankTolerance k (Array.init n (fun i -> Array.init k (fun j -> phi.[j].[i])))

                let m = basis.Length
                let scale = amplitudes |> Array.fold (fun acc a -> max acc (abs a)) 0.0

                let zero =
                    [|
                        for j in 0 .. k - 1 do
                            if abs amplitudes.[j] <= Tolerances.zeroAmplitude * max scale Tolerances.tiny then
                                yield j
                    |]

                if zero.Length = 0 then
                    false
                else
                    let rows =
                        zero
                        |> Array.map (fun j -> Array.init m (fun t -> float (snd points.[j]) * basis.[t].[j]))

                    if Dense.rankWithin rankTolerance m rows < m then
                        false
                    elif TvRelu.Core.Audit.Mutants.isOn TvRelu.Core.Audit.Mutant.StiemkeSkipped then
                        true
                    else
                        // min_{z ≥ 0} ‖Mᵀ z + Mᵀ 1‖: zero iff some y = 1 + z > 0 has Mᵀ y = 0.
                        let f = Array.init m (fun t -> -(rows |> Array.sumBy (fun r -> r.[t])))
                        let z = Nnls.solve rows f
                        let res = Dense.sub (Dense.combine rows z m) f
                        Dense.norm res <= Tolerances.stiemkeResidual * (1.0 + Dense.norm f)

        {
            RankSufficient = rankSufficient
            Unique = unique
            Rank = rank
            SaturationPoints = k
        }
