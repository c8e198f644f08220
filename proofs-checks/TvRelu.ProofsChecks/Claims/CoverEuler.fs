namespace TvRelu.ProofsChecks.Claims

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
            "Cover's closed formula against the exact cell enumeration; general position decided by subset ranks; the codimension l by an SVD (MathNet) of the normals, not the core's rank"

        override _.Generate(rng) = Generate.dataset spec rng

        override _.Check(p) =
            let data = p.Dataset
            let arr = Arrangement.ofDataset data
            let m = arr.HyperplaneCount
            let d = p.Dimension
            let cells = arr.CellCount
            let cover = Arrangement.coverCount m d
            let gp = Arrangement.generalPosition 200000L arr
            let faces = Faces.enumerate arr
            let f = Faces.fVector arr faces
            let chi = Faces.eulerCharacteristic f
            let normals = Array.init m arr.Normal

            let rank =
                arr.AmbientDimension
                - (Linear.nullSpace normals arr.AmbientDimension 1e-12).Length

            let l = arr.AmbientDimension - rank
            let expected = (if d % 2 = 0 then 1 else -1) + (if l % 2 = 0 then 1 else -1)

            let o =
                Outcome
                    .Pass()
                    .Require(
                        (gp <> Some true) || (bigint cells = cover),
                        sprintf "general position, but %d cells where Cover's count is %O" cells cover
                    )
                    .Require((bigint cells <= cover), sprintf "%d cells exceed Cover's count %O" cells cover)
                    .Require((f.[d] = cells), sprintf "%d top faces but %d cells" f.[d] cells)
                    .Require((chi = expected), sprintf "Euler characteristic %d, expected %d (f = %A, l = %d)" chi expected f l)

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
                .With("faces", float faces.Length)
                .With("euler", float chi)
                .With("codimension", float l)
                .With("tightness.cellsOverCover", float cells / float cover)

    /// The registered instance.
    let claim = Claim()
