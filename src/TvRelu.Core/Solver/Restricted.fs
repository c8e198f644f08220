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
        /// σ 1_{i ∈ S_C} x̃_i, row-major N × (d + 1).
        Design: float[]
    }

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

        arr.RowMap
        |> Array.iteri (fun i h ->
            if arr.IsActive(cell, h) then
                for k in 0 .. n - 1 do
                    design.[i * n + k] <- float sign * rows.[i].[k])

        {
            Cell = cell
            Sign = sign
            Normals = normals
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

    /// F(b) − F(a) for the restricted objective over blocks of size n, computed from d = b − a as
    /// ½dᵀQ(a + b) − cᵀd + λ Σ_b (‖b_b‖ − ‖a_b‖). Near a minimiser F(b) − F(a) is far below the
    /// rounding of F itself (which carries ½‖y‖², large when λ is small), so comparing two
    /// evaluations of F cannot see a step the certificate needs; this difference can.
    let private change (n: int) (q: float[,]) (c: float[]) (lambda: float) (a: float[]) (b: float[]) =
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

    let private penalty (n: int) (lambda: float) (u: float[]) =
        let mutable s = 0.0

        for b in 0 .. u.Length / n - 1 do
            s <- s + Dense.norm (Array.sub u (b * n) n)

        lambda * s

    /// The objective of the restricted problem.
    let objective (n: int) (q: float[,]) (c: float[]) (yy: float) (lambda: float) (u: float[]) = quad q c yy u + penalty n lambda u

    /// prox of t(λ‖·‖ + ι_K) on one block: shrink the cone projection (max over the unit vectors of
    /// K of ⟨ω, z⟩ is ‖Π_K z‖ by Lemma 1, so the minimiser is along Π_K z).
    let private prox (normals: float[][]) (threshold: float) (z: float[]) =
        let p = (Cone.project normals z).Point
        let np = Dense.norm p

        if np <= threshold then
            Array.zeroCreate z.Length
        else
            Dense.scale (1.0 - threshold / np) p

    /// FISTA with backtracking and gradient-based restart (O'Donoghue and Candès), from u0, until
    /// three successive steps are below `tol` relative to the iterate (or maxIter). It only has to
    /// find the support and faces; the Newton polish supplies the last digits.
    let fista (n: int) (blocks: Block[]) (q: float[,]) (c: float[]) (yy: float) (lambda: float) (u0: float[]) (maxIter: int) (tol: float) =
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
                // exactly dᵀQd ≤ L‖d‖²; on values of f it was lost to cancellation against ½‖y‖² when
                // J ≪ ‖y‖² (small λ), and every spurious failure doubled L until FISTA stalled.
                if quadraticForm q d <= l * Dense.dot d d then
                    ok <- true
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

            if Dense.norm step <= tol * Dense.norm xn then
                still <- still + 1
            else
                still <- 0

            x <- xn

        x

    /// Merges support blocks of one sign whose directions agree to `tol` (the one merge, `Merge.greedy`):
    /// each block joins the first earlier non-zero block it matches, which takes its mass (u_a ← u_a + u_b,
    /// u_b ← 0; `cleared b` is told), so later blocks are compared with the merged direction.
    let private mergeBlocks (n: int) (blocks: Block[]) (u: float[]) (tol: float) (cleared: int -> unit) =
        let blockOf b = Array.sub u (b * n) n

        let direction b =
            let ub = blockOf b in Dense.scale (1.0 / Dense.norm ub) ub

        Merge.amongAll
            blocks.Length
            (fun b -> Dense.norm (blockOf b) > 0.0)
            (fun a b ->
                blocks.[a].Sign = blocks.[b].Sign
                && Dense.distance (direction a) (direction b) <= tol)
            (fun a b ->
                Array.blit (Dense.axpy 1.0 (blockOf b) (blockOf a)) 0 u (a * n) n
                Array.blit (Array.zeroCreate n) 0 u (b * n) n
                cleared b)
        |> ignore

    /// The facets of a block's cone that the block touches (within `tol` of its norm, unit normals).
    let private touchedFacets (block: Block) (tol: float) (ub: float[]) =
        let nu = Dense.norm ub

        if nu = 0.0 then
            Set.empty
        else
            block.Normals
            |> Array.indexed
            |> Array.filter (fun (_, a) -> abs (Dense.dot a ub) <= tol * nu)
            |> Array.map fst
            |> Set.ofArray

    /// The Newton direction on the faces. With P the columns of the face bases (reduced → stacked
    /// coordinates), the reduced Hessian Pᵀ(Q + λ ∇²Σ‖u_b‖)P, with a little Levenberg damping that keeps the
    /// step a descent direction when atoms of adjacent thin cells make it nearly singular, and the reduced
    /// gradient Pᵀ(∇f + λ û_b) give the step du = −P H⁺ g.
    let private newtonDirection (n: int) (q: float[,]) (lambda: float) (u: float[]) (g: float[]) (support: int[]) (bases: float[][][]) =
        let size = u.Length
        let dims = bases |> Array.map Array.length
        let offs = Array.scan (+) 0 dims
        let total = offs.[support.Length]

        let col j =
            let k = Array.findIndexBack (fun o -> o <= j) offs.[0 .. support.Length - 1]
            let full = Array.zeroCreate size
            Array.blit bases.[k].[j - offs.[k]] 0 full (support.[k] * n) n
            full

        let cols = Array.init total col

        let qcols =
            cols
            |> Array.map (fun cj ->
                Array.init size (fun i ->
                    let mutable s = 0.0

                    for j in 0 .. size - 1 do
                        s <- s + q.[i, j] * cj.[j]

                    s))

        let hess = Array2D.init total total (fun i j -> Dense.dot cols.[i] qcols.[j])
        let grad = Array.init total (fun i -> Dense.dot cols.[i] g)

        support
        |> Array.iteri (fun k b ->
            let ub = Array.sub u (b * n) n
            let nu = Dense.norm ub
            let z = bases.[k] |> Array.map (fun v -> Dense.dot v ub)

            for i in 0 .. dims.[k] - 1 do
                grad.[offs.[k] + i] <- grad.[offs.[k] + i] + lambda * z.[i] / nu

                for j in 0 .. dims.[k] - 1 do
                    let id = if i = j then 1.0 else 0.0

                    hess.[offs.[k] + i, offs.[k] + j] <-
                        hess.[offs.[k] + i, offs.[k] + j]
                        + lambda * (id - z.[i] * z.[j] / (nu * nu)) / nu)

        let mutable dmax = 0.0

        for i in 0 .. total - 1 do
            dmax <- max dmax hess.[i, i]

        for i in 0 .. total - 1 do
            hess.[i, i] <- hess.[i, i] + Tolerances.newtonDamping * dmax

        Dense.scale -1.0 (Dense.combine cols (Dense.solveSymmetric hess grad) size)

    /// The ratio test: the longest step α ≤ 1 along du before a support block crosses a facet not in its face,
    /// and that facet (block, facet index).
    let private ratioTest (n: int) (blocks: Block[]) (faces: Set<int>[]) (u: float[]) (du: float[]) (support: int[]) =
        let mutable alphaMax = 1.0
        let mutable blocking = None

        for b in support do
            let ub = Array.sub u (b * n) n
            let db = Array.sub du (b * n) n

            blocks.[b].Normals
            |> Array.iteri (fun i a ->
                if not (faces.[b].Contains i) then
                    let rate = Dense.dot a db

                    if rate > 0.0 then
                        let slack = -(Dense.dot a ub)
                        let alpha = max 0.0 slack / rate

                        if alpha < alphaMax then
                            alphaMax <- alpha
                            blocking <- Some(b, i))

        alphaMax, blocking

    /// One Newton step on the faces, u updated in place; true when it made progress (moved the point, or
    /// added a blocking facet to a face at a zero step). Steps are judged by the exact difference
    /// F(u + a du) − F(u), not by two values of F, whose rounding (they carry ½‖y‖²) hides the decrease near
    /// the optimum.
    let private newtonMove
        (n: int)
        (blocks: Block[])
        (q: float[,])
        (c: float[])
        (lambda: float)
        (u: float[])
        (faces: Set<int>[])
        (du: float[])
        (support: int[])
        =
        let stepNorm = Dense.norm du
        let unorm = Dense.norm u
        let uBefore = Array.copy u
        let facesBefore = Array.copy faces
        let moving = stepNorm > Tolerances.newtonStepNegligible * unorm

        if moving then
            let alphaMax, blocking = ratioTest n blocks faces u du support
            // A facet touched to rounding but not yet in F_b blocks at a zero step: it joins F_b at once (the
            // usual active-set move), else the point could never move.
            match blocking with
            | Some(b, i) when alphaMax <= Tolerances.stepLengthZero -> faces.[b] <- faces.[b].Add i
            | _ -> ()

            let mutable a = alphaMax
            let mutable accepted = false

            while not accepted && a > Tolerances.stepLengthZero do
                let un = Dense.axpy a du u

                if
                    change n q c lambda u un <= 0.0
                    || a * stepNorm <= Tolerances.newtonStepAccept * unorm
                then
                    accepted <- true
                    Array.blit un 0 u 0 u.Length
                else
                    a <- 0.5 * a

            match blocking with
            | Some(b, i) when accepted && a = alphaMax -> faces.[b] <- faces.[b].Add i
            | _ -> ()

        let moved = Dense.norm (Dense.sub u uBefore)

        moving
        && ((moved = 0.0 && faces <> facesBefore)
            || moved > Tolerances.newtonProgress * stepNorm)

    /// At a point stationary on the faces: releases, in the first support block that has one, the facet with
    /// the most negative multiplier of −∇_b − λ û_b = Σ_{i ∈ F_b} ν_i a_i; true when one was released.
    let private releaseFacet (n: int) (blocks: Block[]) (lambda: float) (u: float[]) (g: float[]) (faces: Set<int>[]) (support: int[]) =
        let mutable released = false

        for b in support do
            if not released && not faces.[b].IsEmpty then
                let ub = Array.sub u (b * n) n

                let r =
                    Dense.axpy (-lambda / Dense.norm ub) ub (Dense.scale -1.0 (Array.sub g (b * n) n))

                let idx = faces.[b] |> Set.toArray
                let normals = idx |> Array.map (fun i -> blocks.[b].Normals.[i])
                // With dependent facet normals (several hyperplanes through the atom) the least-norm
                // multipliers can be negative although a non-negative representation exists, so non-negative
                // least squares decides first.
                let nonneg = Nnls.solve normals r
                let miss = Dense.norm (Dense.sub (Dense.combine normals nonneg n) r)

                let nu =
                    Dense.solveSymmetric
                        (Array2D.init idx.Length idx.Length (fun i j -> Dense.dot normals.[i] normals.[j]))
                        (normals |> Array.map (fun a -> Dense.dot a r))

                let worst = Array.minBy snd (Array.zip idx nu)

                if
                    miss > Tolerances.multiplierMiss * (lambda + Dense.norm r)
                    && snd worst < -Tolerances.multiplierNegative * (lambda + Dense.norm r)
                then
                    faces.[b] <- faces.[b].Remove(fst worst)
                    released <- true

        released

    /// At a point stationary on the faces with non-negative multipliers: admits the zero block that violates
    /// its certificate ‖Π_{K_b}(−∇_b)‖ ≤ λ the most (along a direction no support block of its sign holds),
    /// by an exact line minimisation along d = Π_{K_b}(−∇_b)/‖·‖: f(t) = f + t (⟨∇_b, d⟩ + λ) + ½ t² dᵀQ_bb d,
    /// with ⟨−∇_b, d⟩ = ‖Π(−∇_b)‖. False when no zero block violates its certificate: the KKT conditions hold.
    let private admitBlock
        (n: int)
        (blocks: Block[])
        (q: float[,])
        (lambda: float)
        (u: float[])
        (g: float[])
        (faces: Set<int>[])
        (support: int[])
        =
        let unit (v: float[]) = Dense.scale (1.0 / Dense.norm v) v

        let occupied (b: int) (dir: float[]) =
            support
            |> Array.exists (fun a ->
                blocks.[a].Sign = blocks.[b].Sign
                && Dense.distance (unit (Array.sub u (a * n) n)) dir
                   <= Tolerances.occupiedDirection)

        let mutable worst = -1
        let mutable worstValue = lambda * (1.0 + Tolerances.pricingSlack)
        let mutable worstDir = [||]

        for b in 0 .. blocks.Length - 1 do
            if Dense.norm (Array.sub u (b * n) n) = 0.0 then
                let p = Cone.project blocks.[b].Normals (Dense.scale -1.0 (Array.sub g (b * n) n))
                let dir = Dense.scale (1.0 / max p.Norm Tolerances.tiny) p.Point

                if p.Norm > worstValue && not (occupied b dir) then
                    worstValue <- p.Norm
                    worst <- b
                    worstDir <- Dense.scale (1.0 / p.Norm) p.Point

        if worst >= 0 then
            let mutable curv = 0.0

            for i in 0 .. n - 1 do
                for j in 0 .. n - 1 do
                    curv <- curv + worstDir.[i] * q.[worst * n + i, worst * n + j] * worstDir.[j]

            let t = (worstValue - lambda) / max curv Tolerances.tiny
            Array.blit (Dense.scale t worstDir) 0 u (worst * n) n
            faces.[worst] <- touchedFacets blocks.[worst] Tolerances.enteringFace worstDir

        worst >= 0

    /// Active-set Newton polishing of the restricted problem, from the FISTA point u.
    ///
    /// On the support P, each block u_b lives on a face of its cone, the subspace of the facets F_b it
    /// touches, where the objective is smooth (u_b ≠ 0); Newton's method runs there, with a ratio test
    /// that stops at the first facet the step would cross (which then joins F_b). At a stationary point
    /// the multipliers of −∇_b − λ û_b = Σ_{i ∈ F_b} ν_i a_i must be non-negative (a negative one leaves
    /// F_b), and every block left at zero must satisfy its own certificate ‖Π_{K_b}(−∇_b)‖ ≤ λ (the worst
    /// violator enters P along Π_{K_b}(−∇_b), which lowers the objective to first order). These are the
    /// KKT conditions of the restricted problem, so the loop ends at its minimiser to rounding. It returns
    /// None when it cannot improve on u; the certificate, not this step, decides optimality.
    let polish (n: int) (blocks: Block[]) (q: float[,]) (c: float[]) (yy: float) (lambda: float) (u0: float[]) =
        let nb = blocks.Length
        let blockOf (u: float[]) b = Array.sub u (b * n) n
        let u = Array.copy u0

        if Array.forall (fun x -> x = 0.0) u0 then
            None
        else
            // Blocks of adjacent cells whose atoms sit at the same boundary point are one atom.
            mergeBlocks n blocks u Tolerances.fistaAccuracy ignore

            let faces =
                Array.init nb (fun b -> touchedFacets blocks.[b] Tolerances.fistaAccuracy (blockOf u b))

            let mutable iter = 0
            let mutable fin = false

            while not fin && iter < 200 do
                iter <- iter + 1
                // Two support blocks at one point (adjacent cells meeting at a boundary atom, or a block
                // admitted where another already sits) are one atom: keeping both makes the Hessian
                // exactly singular along the transfer of mass between them, and Newton stalls.
                mergeBlocks n blocks u Tolerances.polishMerge (fun b -> faces.[b] <- Set.empty)

                let support =
                    [| 0 .. nb - 1 |] |> Array.filter (fun b -> Dense.norm (blockOf u b) > 0.0)

                let bases =
                    support
                    |> Array.map (fun b -> Dense.nullSpace n [| for i in faces.[b] -> blocks.[b].Normals.[i] |])

                match Array.tryFindIndex (fun (v: float[][]) -> v.Length = 0) bases with
                | Some k ->
                    // A block whose face is the apex alone cannot carry mass: drop it.
                    Array.blit (Array.zeroCreate n) 0 u (support.[k] * n) n
                    faces.[support.[k]] <- Set.empty
                | None ->
                    let g = gradient q c u
                    let du = newtonDirection n q lambda u g support bases
                    // No progress along the Newton direction means stationarity to rounding: release a facet
                    // with a negative multiplier, else admit the worst zero block violating its certificate,
                    // else done.
                    if not (newtonMove n blocks q c lambda u faces du support) then
                        fin <-
                            not (releaseFacet n blocks lambda u g faces support)
                            && not (admitBlock n blocks q lambda u g faces support)
            // The polished point satisfies the KKT conditions; FISTA's may only be close in value, so a
            // difference at the rounding level of the objective must not reject it.
            if
                change n q c lambda u0 u
                <= Tolerances.objectiveRounding * abs (objective n q c yy lambda u0)
            then
                Some u
            else
                None
