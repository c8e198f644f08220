namespace TvRelu.Core.Cones

open TvRelu.Core.Numerics
open TvRelu.Core.Arrangements


/// The Euclidean projection of a vector onto a closed polyhedral cone, with its multipliers.
type Projection =
    {
        /// Π_K v.
        Point: float[]
        /// ‖Π_K v‖: by Lemma 1 of THEORY.md §3, the maximum of ⟨θ, v⟩ over the unit vectors of K
        /// when it is positive.
        Norm: float
        /// ν* ≥ 0, one per constraint: Π_K v = v − Σ_i ν*_i a_i. A positive multiplier marks an
        /// active facet (the projection lies on it); later checks need them for strict complementarity.
        Multipliers: float[]
    }

/// Polyhedral cones K = {θ : ⟨a_i, θ⟩ ≤ 0 for all i} given by the outward normals a_i of their facets.
module Cone =

    /// Π_K v by Moreau's decomposition v = Π_K v + Π_{K°} v, where the polar K° = cone{a_i}, so
    /// Π_{K°} v = Σ ν*_i a_i with ν* = argmin_{ν ≥ 0} ‖Σ ν_i a_i − v‖ (THEORY.md §3, consequence 1):
    /// one small non-negative least squares.
    let project (outwardNormals: float[][]) (v: float[]) : Projection =
        let nu = Nnls.solve outwardNormals v
        let p = Array.copy v

        for i in 0 .. outwardNormals.Length - 1 do
            if nu.[i] <> 0.0 then
                let a = outwardNormals.[i]

                for k in 0 .. p.Length - 1 do
                    p.[k] <- p.[k] - nu.[i] * a.[k]

        {
            Point = p
            Norm = Dense.norm p
            Multipliers = nu
        }

    /// The outward facet normals of the closed cone K_C of cell c: for a facet h with sign s_h,
    /// the constraint s_h ⟨θ, x̃_h⟩ ≥ 0 has outward normal −s_h x̂_h (unit normals for conditioning).
    /// Returns the facet hyperplanes and their normals.
    let ofCell (arr: Arrangement) (c: int) =
        let facets = arr.FacetsRaw c

        let facets =
            if
                TvRelu.Core.Audit.Mutants.isOn TvRelu.Core.Audit.Mutant.DroppedFacet
                && facets.Length >= 2
            then
                facets.[.. facets.Length - 2]
            else
                facets

        let units = arr.UnitNormalsRaw

        facets,
        facets
        |> Array.map (fun h ->
            if arr.IsActive(c, h) then
                Dense.scale -1.0 units.[h]
            else
                Array.copy units.[h])

    /// Whether θ lies in the closed cone, up to tol (on unit normals).
    let contains (tol: float) (outwardNormals: float[][]) (theta: float[]) =
        outwardNormals |> Array.forall (fun a -> Dense.dot a theta <= tol)
