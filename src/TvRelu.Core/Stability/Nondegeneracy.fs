namespace TvRelu.Core.Stability

open TvRelu.Core.Numerics
open TvRelu.Core.Data
open TvRelu.Core.Arrangements
open TvRelu.Core.Certificates

/// What the exact non-degeneracy check of a candidate certificate found (THEORY.md §6).
type Nondegeneracy =
    {
        /// Every closed cell's maximum of ±η_p is below 1 − `Tolerances.saturation`, except in cells whose
        /// closure holds a teacher atom of that sign, where the maximiser is that atom and the value 1.
        Holds: bool
        /// 1 − the largest cell maximum away from the teacher.
        Margin: float
        /// Why it fails, when it does (the first failing cell, in cell order).
        Reason: string
        /// Cells whose maximiser is a teacher atom.
        TeacherCells: int
        /// Facets through a teacher atom with a zero multiplier in a cell whose piece differs from sign·θ_j.
        ZeroMultipliers: int
        /// The smallest multiplier of a facet through a teacher atom (∞ when there is none): how far from
        /// degenerate the boundary condition is.
        MinMultiplier: float
    }

/// The non-degeneracy of a candidate certificate η_p = ⟨p, φ⟩ of a sparse teacher (THEORY.md §6), decided with
/// the exact supremum of §3 (per-cell cone projections, no sampling): |η_p| < 1 off the teacher's atoms, and
/// at an atom on a face, strictly positive multipliers of the cone projections of the adjacent cells. It
/// takes any dual vector p: the pre-certificate p_V (`PreCertificate.ofTeacher`) today, the limit
/// certificate p* of §6 next to it.
module Nondegeneracy =

    /// The facets of cell c through θ and their multipliers in the projection of the cell.
    let private facetMultipliers (arr: Arrangement) (c: int) (multipliers: float[]) (theta: float[]) =
        let units = arr.UnitNormalsRaw

        arr.FacetsRaw c
        |> Array.indexed
        |> Array.filter (fun (_, h) -> abs (Dense.dot theta units.[h]) <= Tolerances.boundary)
        |> Array.map (fun (k, _) -> multipliers.[k])

    /// The teacher atom of the given sign whose closed cell c holds θ* (the normalised maximiser), if any.
    let private teacherAt (arr: Arrangement) (teacher: Atom[]) (c: int) (sign: int) (star: float[]) =
        let units = arr.UnitNormalsRaw
        let signs = (arr.Cell c).Signs.ToArray()

        let depth (theta: float[]) =
            Array.fold2 (fun acc (u: float[]) s -> min acc (float s * Dense.dot theta u)) infinity units signs

        teacher
        |> Array.tryFind (fun a ->
            sign * int (System.Math.Sign a.Amplitude) > 0
            && depth a.Direction >= -Tolerances.boundary
            && Dense.distance star a.Direction <= Tolerances.atomOnSaturationPoint)

    /// Checks η_p = ⟨p, φ⟩ on the data's arrangement against the teacher's atoms.
    let check (arr: Arrangement) (data: Dataset) (teacher: Atom[]) (p: float[]) : Nondegeneracy =
        let cert = Certificate.ofDual arr data 1.0 p
        // Every closed-cell maximum of ±η_p, in cell order (the order the reason is reported in).
        let maxima =
            Certificate.violators cert 0.0 |> Array.sortBy (fun (c, sign, _) -> c, -sign)

        let saturating, below =
            maxima
            |> Array.partition (fun (_, _, p) -> p.Norm > 1.0 - Tolerances.saturation)

        let mutable reason = ""
        let mutable teacherCells = 0
        let mutable zeroMultipliers = 0
        let mutable minMultiplier = infinity

        for (c, sign, pr) in saturating do
            match teacherAt arr teacher c sign (Dense.scale (1.0 / pr.Norm) pr.Point) with
            | Some atom when abs (pr.Norm - 1.0) <= Tolerances.saturation ->
                teacherCells <- teacherCells + 1
                // Strict complementarity where the piece is not already sign·θ_j.
                if Dense.distance (Dense.scale (float sign) (cert.Piece c)) atom.Direction > Tolerances.pieceAtAtom then
                    for mu in facetMultipliers arr c pr.Multipliers atom.Direction do
                        minMultiplier <- min minMultiplier mu

                        if mu <= Tolerances.zeroMultiplier then
                            zeroMultipliers <- zeroMultipliers + 1
            | Some _ ->
                if reason = "" then
                    reason <- sprintf "cell %d: the maximiser is a teacher atom but the value is %.9g" c pr.Norm
            | None ->
                if reason = "" then
                    reason <- sprintf "cell %d: |eta_V| reaches %.9g away from the teacher" c pr.Norm

        {
            Holds = (reason = "")
            Margin = 1.0 - (below |> Array.fold (fun acc (_, _, p) -> max acc p.Norm) 0.0)
            Reason = reason
            TeacherCells = teacherCells
            ZeroMultipliers = zeroMultipliers
            MinMultiplier = minMultiplier
        }
