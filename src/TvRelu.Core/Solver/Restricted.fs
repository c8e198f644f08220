namespace TvRelu.Core.Solver

open System
open TvRelu.Core.Numerics
open TvRelu.Core.Data
open TvRelu.Core.Arrangements
open TvRelu.Core.Cones

/// One (cell, sign) column of the exact finite reformulation (THEORY.md §4): the variable
/// u ∈ K_C contributes σ D_C X̃ u to Kμ and ‖u‖ to the TV norm.
type internal Block =
    {
        Cell: int
        Sign: int
        /// Outward unit normals of the facets of K_C.
        Normals: float[][]
        /// A unit vector strictly inside K_C.
        Interior: float[]
        /// σ 1_{i ∈ S_C} x̃_i, row-major N × (d + 1).
        Design: float[]
    }

/// The restricted problem over a working set of blocks:
///   min ½‖Σ_b M_b u_b − y‖² + λ Σ_b ‖u_b‖,  u_b ∈ K_b,
/// a group lasso with cone constraints: its blocks, Gram matrix and exact objective differences. It is
/// solved by the barrier method (`InteriorPoint`) and polished on the faces it identifies (`FacePolish`).
module internal Restricted =

    let block (arr: Arrangement) (data: Dataset) (cell: int) (sign: int) =
        let _, normals = Cone.ofCell arr cell
        let rows = data.AugmentedRaw
        let n = arr.AmbientDimension
        let design = Array.zeroCreate (rows.Length * n)

        arr.RowMap
        |> Array.iteri (fun i h ->
            if arr.IsActive(cell, h) then
                for k in 0 .. n - 1 do
                    design.[i * n + k] <- float sign * rows.[i].[k])

        {
            Cell = cell
            Sign = sign
            Normals = normals
            Interior = arr.Table.Point cell
            Design = design
        }

    /// The Gram matrix Q = MᵀM and c = Mᵀy of the stacked design M = [M_1 … M_B].
    let gram (n: int) (y: float[]) (blocks: Block[]) =
        let dim = n * blocks.Length
        let q = Array2D.zeroCreate dim dim
        let c = Array.zeroCreate dim
        let rowsN = y.Length

        for a in 0 .. blocks.Length - 1 do
            let ma = blocks.[a].Design

            for i in 0 .. rowsN - 1 do
                for k in 0 .. n - 1 do
                    c.[a * n + k] <- c.[a * n + k] + ma.[i * n + k] * y.[i]

            for b in a .. blocks.Length - 1 do
                let mb = blocks.[b].Design

                for i in 0 .. rowsN - 1 do
                    let ia = i * n

                    if ma.[ia + n - 1] <> 0.0 && mb.[ia + n - 1] <> 0.0 then
                        for k in 0 .. n - 1 do
                            let x = ma.[ia + k]

                            for l in 0 .. n - 1 do
                                q.[a * n + k, b * n + l] <- q.[a * n + k, b * n + l] + x * mb.[ia + l]

                if b <> a then
                    for k in 0 .. n - 1 do
                        for l in 0 .. n - 1 do
                            q.[b * n + l, a * n + k] <- q.[a * n + k, b * n + l]

        q, c

    /// F(b) − F(a) for the restricted objective over blocks of size n, computed from d = b − a as
    /// ½dᵀQ(a + b) − cᵀd + λ Σ_b (‖b_b‖ − ‖a_b‖). Near a minimiser F(b) − F(a) is far below the
    /// rounding of F itself (which carries ½‖y‖², large when λ is small), so comparing two
    /// evaluations of F cannot see a step the certificate needs; this difference can.
    let change (n: int) (q: float[,]) (c: float[]) (lambda: float) (a: float[]) (b: float[]) =
        let mutable s = 0.0

        for i in 0 .. a.Length - 1 do
            let di = b.[i] - a.[i]

            if di <> 0.0 then
                let mutable r = 0.0

                for j in 0 .. a.Length - 1 do
                    r <- r + q.[i, j] * (a.[j] + b.[j])

                s <- s + di * (0.5 * r - c.[i])

        for g in 0 .. a.Length / n - 1 do
            s <-
                s
                + lambda
                  * (Dense.norm (Array.sub b (g * n) n) - Dense.norm (Array.sub a (g * n) n))

        s
