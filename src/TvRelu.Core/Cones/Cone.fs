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

    /// The outward normals that are facets of K = {θ : ⟨a_i, θ⟩ ≤ 0}, given a strictly interior point z, by Clarkson's
    /// algorithm: a_j is dropped when its projection w onto the cone K_F of the facets F found so far is at most tol ‖a_j‖,
    /// since a_j − w ∈ cone F = K_F° (Moreau), so ⟨a_j, θ⟩ ≤ ⟨w, θ⟩ ≤ tol ‖a_j‖ ‖θ‖ on K_F: it is implied by F, which only
    /// grows, so the cone the result defines is K up to tol (exactly when tol = 0 and arithmetic is exact). Otherwise w is
    /// in K_F with ⟨a_j, w⟩ = ‖w‖² > 0, so the segment from z to w leaves K, first through a facet not yet in F; it joins F
    /// and a_j is tested again, until it is dropped or is itself that facet. Tests cost one NNLS over F, not over all the
    /// normals, which is what makes it cheap when facets are few (a cell of an arrangement of N hyperplanes has about 2r).
    /// A tie between first crossings may keep a redundant normal: a superset of the facets defines the same cone.
    /// Returns the indices of the kept normals, in increasing order.
    let facets (tol: float) (interior: float[]) (outwardNormals: float[][]) : int[] =
        let m = outwardNormals.Length
        let kept = ResizeArray<int>()
        let isKept = Array.zeroCreate<bool> m

        let keep i =
            isKept.[i] <- true
            kept.Add i

        // Distance to each hyperplane along the segment's parameter, from z (all positive: z is interior).
        let depth = outwardNormals |> Array.map (fun a -> -(Dense.dot a interior))

        for j in 0 .. m - 1 do
            let mutable decided = isKept.[j]

            while not decided do
                let a = outwardNormals.[j]
                let w = (project [| for i in kept -> outwardNormals.[i] |] a).Point

                if Dense.norm w <= tol * Dense.norm a then
                    decided <- true
                else
                    let dir = Array.init w.Length (fun k -> w.[k] - interior.[k])
                    let mutable first, hit = infinity, -1

                    for i in 0 .. m - 1 do
                        if not isKept.[i] then
                            let rate = Dense.dot outwardNormals.[i] dir

                            if rate > 0.0 && depth.[i] / rate < first then
                                first <- depth.[i] / rate
                                hit <- i

                    // hit = j: a_j is a facet. No hit (rounding put w outside K_F): keep a_j, which is always safe.
                    if hit = j || hit < 0 then
                        keep j
                        decided <- true
                    else
                        keep hit

        kept.ToArray() |> Array.sort

    /// Whether θ lies in the closed cone, up to tol (on unit normals).
    let contains (tol: float) (outwardNormals: float[][]) (theta: float[]) =
        outwardNormals |> Array.forall (fun a -> Dense.dot a theta <= tol)
