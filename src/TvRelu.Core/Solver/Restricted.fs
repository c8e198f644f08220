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

    /// The residual y − Σ_b M_b u_b, from the designs themselves.
    let residual (n: int) (y: float[]) (blocks: Block[]) (u: float[]) =
        let r = Array.copy y

        for b in 0 .. blocks.Length - 1 do
            let m = blocks.[b].Design
            let o = b * n

            for i in 0 .. y.Length - 1 do
                let mutable s = 0.0

                for k in 0 .. n - 1 do
                    s <- s + m.[i * n + k] * u.[o + k]

                r.[i] <- r.[i] - s

        r

    /// ∇ of the smooth part ½‖Mu − y‖², −Mᵀr, from the residual r = y − Mu rather than as Qu − c. At small λ
    /// the two terms Qu and c agree to about 11 digits, so Qu − c carries an error of 1e-11 of ‖Qu‖, which on
    /// sin1000 at 1e-4 λ_max is an error of ~1e-5 in η (THEORY.md §2: sup|η| − 1 moves with ‖Mᵀr‖/λ): the face
    /// polish could then never meet its stationarity test and the KKT repairs cycled on rounding (issue 16: the
    /// path's four smallest λ took 60–120 s each). From r the error is a few ulps of the terms.
    let gradient (n: int) (y: float[]) (blocks: Block[]) (u: float[]) =
        let r = residual n y blocks u
        let g = Array.zeroCreate u.Length

        for b in 0 .. blocks.Length - 1 do
            let m = blocks.[b].Design
            let o = b * n

            for i in 0 .. y.Length - 1 do
                let ri = r.[i]

                if ri <> 0.0 then
                    for k in 0 .. n - 1 do
                        g.[o + k] <- g.[o + k] - m.[i * n + k] * ri

        g

    /// F(b) − F(a) for the restricted objective over blocks of size n, as −½ (M(b − a))ᵀ(r_a + r_b) +
    /// λ Σ_b (‖b_b‖ − ‖a_b‖) with the residuals r = y − Mu. Near a minimiser F(b) − F(a) is far below the
    /// rounding of F itself (which carries ½‖y‖², large when λ is small), so comparing two evaluations of F
    /// cannot see a step the certificate needs; nor can the Gram form ½dᵀQ(a + b) − cᵀd, whose two terms cancel
    /// to 11 digits at small λ (`gradient`). This difference can.
    let change (n: int) (y: float[]) (blocks: Block[]) (lambda: float) (a: float[]) (b: float[]) =
        let ra = residual n y blocks a
        let rb = residual n y blocks b
        let d = Array.map2 (-) b a
        let md = residual n (Array.zeroCreate y.Length) blocks d
        // md = −M d.
        let mutable s = 0.0

        for i in 0 .. y.Length - 1 do
            s <- s + 0.5 * md.[i] * (ra.[i] + rb.[i])

        for g in 0 .. a.Length / n - 1 do
            s <-
                s
                + lambda
                  * (Dense.norm (Array.sub b (g * n) n) - Dense.norm (Array.sub a (g * n) n))

        s
