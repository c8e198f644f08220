namespace TvRelu.ProofsChecks.Claims

open MathNet.Numerics.LinearAlgebra
open TvRelu.ProofsChecks
open TvRelu.ProofsChecks.Claims.Common
open TvRelu.Core.Data
open TvRelu.Core.Arrangements

/// Claim 5: Cover's count of cells in general position, and the Euler characteristic of the face
/// complex (THEORY.md §3, "Counting").
module CoverEuler =

    /// The claim's id.
    [<Literal>]
    let Id = "cover-euler"

    let private spec =
        { Generate.defaultSpec with
            Dimensions = [| 1, 2.0; 2, 3.0; 3, 2.0; 4, 1.0 |]
            MaxRows = [| 14; 11; 8; 7 |]
        }

    /// The exact rank of rows of doubles (each a dyadic rational), by fraction-free elimination over
    /// `Dyadic`: the oracle's own, not the core's integer kernels.
    let exactRank (rows: float[][]) =
        let a = rows |> Array.map (Array.map Dyadic.OfFloat)
        let cols = if rows.Length = 0 then 0 else rows.[0].Length
        let mutable r = 0

        for c in 0 .. cols - 1 do
            match seq { r .. a.Length - 1 } |> Seq.tryFind (fun i -> a.[i].[c].Sign <> 0) with
            | Some p ->
                let t = a.[p]
                a.[p] <- a.[r]
                a.[r] <- t

                for i in r + 1 .. a.Length - 1 do
                    let f = a.[i].[c]
                    let piv = a.[r].[c]
                    a.[i] <- Array.init cols (fun j -> piv * a.[i].[j] - f * a.[r].[j])

                r <- r + 1
            | None -> ()

        r

    /// The row scaled to unit length.
    let private unitRow (u: float[]) =
        let s = sqrt (Array.sumBy (fun x -> x * x) u)
        Array.map (fun x -> x / s) u

    /// The smallest singular value of rows normalised to unit length (MathNet).
    let private smallestSingular (rows: float[][]) =
        let units = rows |> Array.map unitRow

        let s = Matrix<float>.Build.DenseOfRowArrays(units).Svd(false).S
        s.[s.Count - 1]

    /// General position, every min(m, n) of the normals independent: dependent when the smallest singular value
    /// of the unit rows is within rounding (at most 1e-14, about fifty ulps: the core's documented convention, under
    /// which points put on a line in doubles are collinear), independent by the SVD when it is clearly above
    /// rounding (1e-6), and otherwise by the exact rank (a collinear triple perturbed by 1e-12 has σ_min ≈ 1e-13,
    /// which the SVD cut at 1e-12 read as dependent, issue 11). Also whether every subset keeps the core's
    /// documented margin of 1e-7 (README, "Tolerances"), above which its enumeration resolves the arrangement.
    /// None past `maxSubsets` subsets.
    let generalPosition (maxSubsets: float) (normals: float[][]) =
        let m = normals.Length
        let k = min m normals.[0].Length

        let count =
            Seq.fold (fun acc i -> acc * float (m - i) / float (i + 1)) 1.0 (seq { 0 .. k - 1 })

        let rec subsets size first =
            seq {
                if size = 0 then
                    yield []
                else
                    for i in first .. m - size do
                        for rest in subsets (size - 1) (i + 1) do
                            yield i :: rest
            }

        if count > maxSubsets then
            None
        else
            let sigmas, exact =
                subsets k 0
                |> Seq.map (fun t ->
                    let rows = [| for i in t -> normals.[i] |]
                    let sigma = smallestSingular rows
                    sigma, (sigma > 1e-14 && (sigma > 1e-6 || exactRank rows = rows.Length)))
                |> Array.ofSeq
                |> Array.unzip

            Some(Array.forall id exact, Array.forall (fun s -> s > 1e-7) sigmas)

    /// The claim.
    type Claim() =
        inherit ProblemClaim()
        override _.Id = Id

        override _.Statement =
            "For m distinct hyperplanes x~_i^perp in R^{d+1}: in general position the arrangement has exactly Cover's "
            + "2 * sum_{k=0}^{d} C(m-1, k) cells, and never more otherwise; the top faces are the cells; and the face complex on S^d "
            + "has Euler characteristic sum_k (-1)^k f_k = (-1)^d + (-1)^l, l the codimension of span{x~_i} (1 + (-1)^d when they span)."

        override _.Source =
            "derived in THEORY.md §3 (Counting); Cover 1965; Zaslavsky 1975 for the inequality; the lineality term derived in Faces.expectedEulerCharacteristic"

        override _.Oracle =
            "Cover's closed formula against the exact cell enumeration; general position decided by subset ranks and the codimension l by an exact rank (dyadic fraction-free elimination; an SVD where its smallest singular value is clearly above rounding, and ties within rounding, sigma <= 1e-14 sigma_max, read as ties by the core's convention), not the core's rank; faces the core cannot decide, and cell counts below its documented resolution, count as inconclusive, never as a number"

        override _.Generate(rng) = Generate.dataset spec rng

        override _.Check(p) =
            let data = p.Dataset

            // The cell enumeration refuses some near-ties ("lost track of cells"): the code under test says it
            // cannot decide, which is inconclusive, not a count to check.
            match
                (try
                    Ok(Arrangement.ofDataset data)
                 with :? System.InvalidOperationException as e ->
                     Error e.Message)
            with
            | Error reason -> Outcome.Inconclusive reason
            | Ok arr ->
                let m = arr.HyperplaneCount
                let d = p.Dimension
                let cells = arr.CellCount
                let cover = Arrangement.coverCount m d
                let normals = Array.init m arr.Normal
                let decided = generalPosition 200000.0 normals
                let gp = decided |> Option.map fst
                let l = arr.AmbientDimension - exactRank normals

                let euler l =
                    (if d % 2 = 0 then 1 else -1) + (if l % 2 = 0 then 1 else -1)

                let expected = euler l
                // Normals dependent only to rounding (σ ≤ 1e-14 σ_max of the unit rows, an SVD by MathNet) are dependent by the
                // core's documented convention, as the cell enumeration reads them; the faces may then follow
                // that codimension instead of the exact one.
                let lRounded =
                    (Linear.nullSpace (normals |> Array.map unitRow) arr.AmbientDimension 1e-14).Length

                let eulerHolds (chi: int) =
                    chi = expected || (lRounded <> l && chi = euler lRounded)
                // In exact general position but below the core's documented resolution (a subset with σ_min ≤ 1e-7):
                // its cell enumeration resolves hyperplanes to 1e-10 and counts the cells of the arrangement merged
                // at that resolution, not the exact ones. A count that differs there is the open code limitation
                // "cells are not decided exactly at near-ties", reported as inconclusive with both counts.
                let unresolved = decided = Some(true, false)

                let limitation =
                    sprintf
                        "near-tie below the cell enumeration's resolution: exactly in general position (Cover's count %O), but the enumeration, resolving hyperplanes to 1e-10, counts %d cells"
                        cover
                        cells

                let cellsChecked =
                    Outcome
                        .Pass()
                        .Require(
                            (gp <> Some true) || (bigint cells = cover) || unresolved,
                            sprintf "general position, but %d cells where Cover's count is %O" cells cover
                        )
                        .Require((bigint cells <= cover), sprintf "%d cells exceed Cover's count %O" cells cover)

                let o, f, chi =
                    match Faces.decide arr with
                    | Undecided reason when cellsChecked.Passed -> cellsChecked.AsInconclusive reason, [||], nan
                    | Undecided _ -> cellsChecked, [||], nan
                    | Decided(faces, exactly) ->
                        let f = Faces.fVector arr faces
                        let chi = Faces.eulerCharacteristic f

                        cellsChecked
                            .Require((f.[d] = cells || exactly), sprintf "%d top faces but %d cells" f.[d] cells)
                            .Require(eulerHolds chi, sprintf "Euler characteristic %d, expected %d (f = %A, l = %d)" chi expected f l),
                        f,
                        float chi

                // Faces decided exactly whose cells differ from the floating cell count show the same limitation.
                let o =
                    if
                        o.Passed
                        && (unresolved && bigint cells <> cover || (f.Length > 0 && f.[d] <> cells))
                    then
                        o.AsInconclusive(
                            if unresolved then
                                limitation
                            else
                                sprintf
                                    "near-tie below the cell enumeration's resolution: the faces decided exactly have %d cells, the floating enumeration counts %d"
                                    f.[d]
                                    cells
                        )
                    else
                        o

                o
                    .With("hyperplanes", float m)
                    .With("cells", float cells)
                    .With("cover", float cover)
                    .With(
                        "generalPosition",
                        (match gp with
                         | Some true -> 1.0
                         | Some false -> 0.0
                         | None -> nan)
                    )
                    .With("faces", (if f.Length = 0 then nan else float (Array.sum f)))
                    .With("euler", chi)
                    .With("codimension", float l)
                    .With("codimensionToRounding", float lRounded)
                    .With("tightness.cellsOverCover", float cells / float cover)

    /// The registered instance.
    let claim = Claim()
