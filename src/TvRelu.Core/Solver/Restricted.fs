namespace TvRelu.Core.Solver

open System
open TvRelu.Core
open TvRelu.Core.Numerics

/// One (cell, sign) column of the exact finite reformulation (THEORY.md §4): the variable
/// u ∈ K_C contributes σ D_C X̃ u to Kμ and ‖u‖ to the TV norm.
type internal Block =
    { Cell: int
      Sign: int
      /// Outward unit normals of the facets of K_C.
      Normals: float[][]
      /// σ 1_{i ∈ S_C} x̃_i, row-major N × (d + 1).
      Design: float[] }

/// The restricted problem over a working set of blocks:
///   min ½‖Σ_b M_b u_b − y‖² + λ Σ_b ‖u_b‖,  u_b ∈ K_b,
/// a group lasso with cone constraints, solved by FISTA with backtracking and adaptive restart,
/// then polished to machine precision by Newton's method on its support.
module internal Restricted =

    let block (arr: Arrangement) (data: Dataset) (cell: int) (sign: int) =
        let _, normals = Cone.ofCell arr cell
        let rows = data.AugmentedRaw
        let n = arr.AmbientDimension
        let design = Array.zeroCreate (rows.Length * n)
        arr.RowMap |> Array.iteri (fun i h ->
            if arr.IsActive(cell, h) then
                for k in 0 .. n - 1 do
                    design.[i * n + k] <- float sign * rows.[i].[k])
        { Cell = cell; Sign = sign; Normals = normals; Design = design }

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

    let private quad (q: float[,]) (c: float[]) (yy: float) (u: float[]) =
        let dim = u.Length
        let mutable s = 0.0
        for i in 0 .. dim - 1 do
            let mutable r = 0.0
            for j in 0 .. dim - 1 do
                r <- r + q.[i, j] * u.[j]
            s <- s + u.[i] * (0.5 * r - c.[i])
        s + 0.5 * yy

    let private gradient (q: float[,]) (c: float[]) (u: float[]) =
        let dim = u.Length
        Array.init dim (fun i ->
            let mutable r = -c.[i]
            for j in 0 .. dim - 1 do
                r <- r + q.[i, j] * u.[j]
            r)

    /// dᵀQd, accurate to its own size (no cancellation against ½‖y‖²).
    let private quadraticForm (q: float[,]) (d: float[]) =
        let mutable s = 0.0
        for i in 0 .. d.Length - 1 do
            if d.[i] <> 0.0 then
                let mutable r = 0.0
                for j in 0 .. d.Length - 1 do
                    r <- r + q.[i, j] * d.[j]
                s <- s + d.[i] * r
        s

    /// F(b) − F(a) for F(z) = ½zᵀHz − cᵀz + λ Σ_g ‖z_g‖ over the groups (offset, length), computed
    /// from d = b − a as ½dᵀH(a + b) − cᵀd + λ Σ_g (‖b_g‖ − ‖a_g‖). Near a minimiser F(b) − F(a) is
    /// far below the rounding of F itself (which carries ½‖y‖²), so comparing two evaluations of F
    /// cannot see a step that the certificate needs; this difference can.
    let private change (h: float[,]) (c: float[]) (groups: (int * int)[]) (lambda: float) (a: float[]) (b: float[]) =
        let mutable s = 0.0
        for i in 0 .. a.Length - 1 do
            let di = b.[i] - a.[i]
            if di <> 0.0 then
                let mutable r = 0.0
                for j in 0 .. a.Length - 1 do
                    r <- r + h.[i, j] * (a.[j] + b.[j])
                s <- s + di * (0.5 * r - c.[i])
        for (off, len) in groups do
            s <- s + lambda * (Dense.norm (Array.sub b off len) - Dense.norm (Array.sub a off len))
        s

    let private penalty (n: int) (lambda: float) (u: float[]) =
        let mutable s = 0.0
        for b in 0 .. u.Length / n - 1 do
            s <- s + Dense.norm (Array.sub u (b * n) n)
        lambda * s

    /// The objective of the restricted problem.
    let objective (n: int) (q: float[,]) (c: float[]) (yy: float) (lambda: float) (u: float[]) =
        quad q c yy u + penalty n lambda u

    /// prox of t(λ‖·‖ + ι_K) on one block: shrink the cone projection (max over the unit vectors of
    /// K of ⟨ω, z⟩ is ‖Π_K z‖ by Lemma 1, so the minimiser is along Π_K z).
    let private prox (normals: float[][]) (threshold: float) (z: float[]) =
        let p = (Cone.project normals z).Point
        let np = Dense.norm p
        if np <= threshold then Array.zeroCreate z.Length else Dense.scale (1.0 - threshold / np) p

    /// FISTA with backtracking and gradient-based restart (O'Donoghue and Candès), from u0.
    let fista (n: int) (blocks: Block[]) (q: float[,]) (c: float[]) (yy: float) (lambda: float) (u0: float[]) (maxIter: int) =
        let dim = u0.Length
        let mutable l = 1.0
        for i in 0 .. dim - 1 do
            l <- max l q.[i, i]
        let proxAll (z: float[]) (step: float) =
            let r = Array.zeroCreate dim
            for b in 0 .. blocks.Length - 1 do
                let zb = Array.sub z (b * n) n
                let pb = prox blocks.[b].Normals (lambda * step) zb
                Array.blit pb 0 r (b * n) n
            r
        let mutable x = Array.copy u0
        let mutable yv = Array.copy u0
        let mutable t = 1.0
        let mutable it = 0
        let mutable still = 0
        while it < maxIter && still < 3 do
            it <- it + 1
            let g = gradient q c yv
            let mutable xn = proxAll (Dense.axpy (-1.0 / l) g yv) (1.0 / l)
            let mutable ok = false
            while not ok do
                let d = Dense.sub xn yv
                // The backtracking test f(xn) ≤ f(y) + ⟨∇f(y), d⟩ + (L/2)‖d‖² is, for this quadratic f,
                // exactly dᵀQd ≤ L‖d‖². Testing it on values of f lost it to cancellation against ½‖y‖²
                // when J ≪ ‖y‖² (small λ), and every spurious failure doubled L until FISTA stalled.
                if quadraticForm q d <= l * Dense.dot d d then ok <- true
                else
                    l <- 2.0 * l
                    xn <- proxAll (Dense.axpy (-1.0 / l) g yv) (1.0 / l)
            let tn = 0.5 * (1.0 + sqrt (1.0 + 4.0 * t * t))
            let step = Dense.sub xn x
            if Dense.dot (Dense.sub yv xn) step > 0.0 then
                yv <- Array.copy xn
                t <- 1.0
            else
                yv <- Dense.axpy ((t - 1.0) / tn) step xn
                t <- tn
            if Dense.norm step <= 1e-14 * (1.0 + Dense.norm xn) then still <- still + 1 else still <- 0
            x <- xn
        x

    /// Newton polishing on the support of u: each non-zero block is restricted to the subspace of the
    /// facets it lies on, where the objective is smooth, and Newton's method (with backtracking, and a
    /// pseudo-inverse where the minimiser is not unique) drives the gradient to rounding level.
    /// Returns None when the polished point leaves a cone or does not improve the objective: the
    /// certificate, not this step, decides optimality, so a refused polish costs only time.
    let polish (n: int) (blocks: Block[]) (q: float[,]) (c: float[]) (yy: float) (lambda: float) (u: float[]) =
        let nb = blocks.Length
        let norms = Array.init nb (fun b -> Dense.norm (Array.sub u (b * n) n))
        let scale = Array.max (Array.append norms [| 0.0 |])
        if scale = 0.0 then None
        else
            let support = [| for b in 0 .. nb - 1 do if norms.[b] > 1e-10 * scale then yield b |]
            // Blocks of adjacent cells whose atoms sit at the same boundary point are one atom.
            let merged = ResizeArray<int * float[]>()
            for b in support do
                let ub = Array.sub u (b * n) n
                let th = Dense.scale (1.0 / norms.[b]) ub
                match merged |> Seq.tryFindIndex (fun (a, v) -> blocks.[a].Sign = blocks.[b].Sign && Dense.distance (Dense.scale (1.0 / Dense.norm v) v) th <= 1e-7) with
                | Some k ->
                    let a, v = merged.[k]
                    merged.[k] <- a, Dense.axpy 1.0 ub v
                | None -> merged.Add((b, ub))
            let pieces =
                merged
                |> Seq.choose (fun (b, ub) ->
                    let th = Dense.scale (1.0 / Dense.norm ub) ub
                    let active = blocks.[b].Normals |> Array.filter (fun a -> abs (Dense.dot a th) <= 1e-7)
                    let basis = Dense.nullSpace n active
                    if basis.Length = 0 then None else Some(b, basis, basis |> Array.map (fun v -> Dense.dot v ub)))
                |> Seq.toArray
            let dims = pieces |> Array.map (fun (_, v, _) -> v.Length)
            let offs = Array.scan (+) 0 dims
            let total = offs.[pieces.Length]
            // Reduced quadratic: H0 = PᵀQP, c0 = Pᵀc with P mapping z to the stacked u.
            let expand (z: float[]) =
                let full = Array.zeroCreate (nb * n)
                pieces |> Array.iteri (fun p (b, basis, _) ->
                    for k in 0 .. basis.Length - 1 do
                        let zk = z.[offs.[p] + k]
                        for i in 0 .. n - 1 do
                            full.[b * n + i] <- full.[b * n + i] + zk * basis.[k].[i])
                full
            let cols = Array.init total (fun j -> expand (Array.init total (fun i -> if i = j then 1.0 else 0.0)))
            let qcols = cols |> Array.map (fun col -> Array.init (nb * n) (fun i -> let mutable s = 0.0 in (for j in 0 .. nb * n - 1 do s <- s + q.[i, j] * col.[j]); s))
            let h0 = Array2D.init total total (fun i j -> Dense.dot cols.[i] qcols.[j])
            let c0 = cols |> Array.map (fun col -> Dense.dot col c)
            let groups = Array.init pieces.Length (fun p -> offs.[p], dims.[p])
            let mutable z = Array.concat (pieces |> Array.map (fun (_, _, z0) -> z0))
            let mutable fin = false
            let mutable iter = 0
            let mutable failed = false
            while not fin && not failed && iter < 60 do
                iter <- iter + 1
                let grad = Array.init total (fun i -> let mutable r = -c0.[i] in (for j in 0 .. total - 1 do r <- r + h0.[i, j] * z.[j]); r)
                let hess = Array2D.copy h0
                for p in 0 .. pieces.Length - 1 do
                    let zp = Array.sub z offs.[p] dims.[p]
                    let nz = Dense.norm zp
                    if nz <= 1e-300 then failed <- true
                    else
                        for i in 0 .. dims.[p] - 1 do
                            grad.[offs.[p] + i] <- grad.[offs.[p] + i] + lambda * zp.[i] / nz
                            for j in 0 .. dims.[p] - 1 do
                                let id = if i = j then 1.0 else 0.0
                                hess.[offs.[p] + i, offs.[p] + j] <- hess.[offs.[p] + i, offs.[p] + j] + lambda * (id - zp.[i] * zp.[j] / (nz * nz)) / nz
                if not failed then
                    let step = Dense.solveSymmetric hess grad
                    let mutable a = 1.0
                    let mutable accepted = false
                    while not accepted && a > 1e-12 do
                        let zn = Dense.axpy -a step z
                        if change h0 c0 groups lambda z zn <= 0.0 then
                            accepted <- true
                            if Dense.norm (Dense.sub zn z) <= 1e-15 * (1.0 + Dense.norm z) then fin <- true
                            z <- zn
                        else a <- 0.5 * a
                    if not accepted then fin <- true
            if failed then None
            else
                let full = expand z
                let feasible =
                    pieces |> Array.forall (fun (b, _, _) ->
                        let ub = Array.sub full (b * n) n
                        let nu = Dense.norm ub
                        nu > 0.0 && blocks.[b].Normals |> Array.forall (fun a -> Dense.dot a ub <= 1e-9 * nu))
                let blockGroups = Array.init nb (fun b -> b * n, n)
                if feasible && change q c blockGroups lambda u full <= 1e-14 * (1.0 + abs (objective n q c yy lambda u)) then
                    Some full
                else None
