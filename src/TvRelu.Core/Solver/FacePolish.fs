namespace TvRelu.Core.Solver


open TvRelu.Core.Numerics
open TvRelu.Core.Cones
open TvRelu.Core.Certificates

/// The last digits of the restricted problem (THEORY.md §4). A certificate needs the residual to rounding
/// (§2: sup|η| − 1 grows like ‖q − q*‖ max‖φ‖ / λ), which no interior point reaches; but a point near the
/// central path names the structure of the minimiser: which blocks carry an atom and on which face of its cone
/// the atom lies. On those faces the problem is smooth,
///   min ½‖Σ_b M_b V_b z_b − y‖² + λ Σ_b ‖z_b‖   (V_b an orthonormal basis of the face, z_b ≠ 0),
/// and Newton's method solves it to rounding in a few steps. Blocks of one sign that carry the same point
/// (adjacent cells meeting at a boundary atom, where their columns coincide) are one atom and are merged first.
module internal FacePolish =

    /// Newton steps (and facet additions) on the faces before the point reached is returned; from a point this
    /// close to the minimiser a handful suffice.
    [<Literal>]
    let private maxSteps = 60

    /// Rounds of KKT repairs (a facet released, a block admitted) after the first Newton solve; the barrier's
    /// structure is right but for ties, so a few suffice.
    [<Literal>]
    let private maxRepairs = 20

    /// Newton converges quadratically from the barrier's point, so three steps that do not halve the reduced
    /// gradient mean it is at its rounding floor.
    [<Literal>]
    let private stagnationSteps = 3

    /// An atom of the polished structure: its block, the active facets and an orthonormal basis of the face
    /// they span (rows), and its coordinates in that basis.
    type private Member =
        {
            Block: int
            Facets: int list
            Basis: float[][]
        }

    /// κ_b = λ‖u_b‖/μ for every block: O(1) on a block whose optimum is zero (strict complementarity), of the
    /// order of λ|a_b|/μ on one that carries an atom, so the two separate by orders of magnitude as μ → 0.
    let private strength (n: int) (lambda: float) (central: InteriorPoint.Central) (b: int) =
        lambda * Dense.norm (Array.sub central.U (b * n) n) / central.Mu

    /// The structure at a central point: blocks whose κ is above both `Tolerances.supportStrength` and the
    /// geometric mean of 1 and the largest κ carry an atom, and on such a block the facets whose relative
    /// slack −⟨a_i, θ_b⟩ is below 1/√κ_b are active (their slack is O(1/κ_b), the others' O(1)).
    let private identify (n: int) (blocks: Block[]) (lambda: float) (central: InteriorPoint.Central) =
        let kappa = Array.init blocks.Length (strength n lambda central)
        let top = Array.fold max 0.0 kappa
        let bar = max Tolerances.supportStrength (sqrt top)

        [|
            for b in 0 .. blocks.Length - 1 do
                if kappa.[b] > bar then
                    let ub = Array.sub central.U (b * n) n
                    let theta = Dense.scale (1.0 / Dense.norm ub) ub
                    let tau = 1.0 / sqrt kappa.[b]

                    let facets =
                        [
                            for i in 0 .. blocks.[b].Normals.Length - 1 do
                                if -(Dense.dot blocks.[b].Normals.[i] theta) < tau then
                                    yield i
                        ]

                    yield b, facets
        |]

    /// The face of block b spanned by the given facets, as a member (None when it is the apex alone).
    let private memberOf (n: int) (blocks: Block[]) (b: int) (facets: int list) =
        let basis = Dense.nullSpace n [| for i in facets -> blocks.[b].Normals.[i] |]

        if basis.Length = 0 then
            None
        else
            Some
                {
                    Block = b
                    Facets = facets
                    Basis = basis
                }

    /// The coordinates of u_b in a member's basis.
    let private coordinates (n: int) (u: float[]) (m: Member) =
        m.Basis |> Array.map (fun v -> Dense.dot v (Array.sub u (m.Block * n) n))

    /// Members of one sign whose atoms are the same point (projected onto their faces, unit directions within
    /// `Tolerances.structureMerge`) are one: the first keeps the sum of their vectors (the one merge,
    /// `Merge.amongAll`).
    let private mergeMembers (n: int) (blocks: Block[]) (u: float[]) (members: Member[]) =
        let point (m: Member) =
            let p = Dense.combine m.Basis (coordinates n u m) n
            p, Dense.norm p

        let points = members |> Array.map point
        let sums = points |> Array.map (fst >> Array.copy)

        let _, leaders =
            Merge.amongAll
                members.Length
                (fun k -> snd points.[k] > 0.0)
                (fun l k ->
                    let (pl, nl), (pk, nk) = points.[l], points.[k]

                    blocks.[members.[l].Block].Sign = blocks.[members.[k].Block].Sign
                    && Dense.distance (Dense.scale (1.0 / nl) pl) (Dense.scale (1.0 / nk) pk)
                       <= Tolerances.structureMerge)
                (fun l k -> sums.[l] <- Dense.axpy 1.0 sums.[k] sums.[l])

        leaders |> Array.map (fun l -> members.[l], sums.[l])

    /// The reduced problem on the members' faces: Q_r = PᵀQP and c_r = Pᵀc for P the basis vectors embedded
    /// at their blocks, and the offset of each member in the stacked coordinates z.
    let private reducedProblem (n: int) (q: float[,]) (c: float[]) (members: Member[]) =
        let offsets = Array.scan (fun o (m: Member) -> o + m.Basis.Length) 0 members

        let columns =
            [|
                for m in members do
                    for v in m.Basis do
                        yield m.Block, v
            |]

        let k = columns.Length

        let qr =
            Array2D.init k k (fun i j ->
                let (bi, vi), (bj, vj) = columns.[i], columns.[j]
                let mutable s = 0.0

                for a in 0 .. n - 1 do
                    for b in 0 .. n - 1 do
                        s <- s + vi.[a] * q.[bi * n + a, bj * n + b] * vj.[b]

                s)

        let cr =
            columns
            |> Array.map (fun (b, v) ->
                let mutable s = 0.0

                for a in 0 .. n - 1 do
                    s <- s + v.[a] * c.[b * n + a]

                s)

        offsets, qr, cr

    /// The smooth part's gradient on the members' faces, Pᵀ∇(Pz), with ∇ from the residual (`Restricted.gradient`).
    let private reducedSmooth (n: int) (blocks: Block[]) (smooth: float[] -> float[]) (members: Member[]) (offsets: int[]) (z: float[]) =
        let u = Array.zeroCreate (blocks.Length * n)

        members
        |> Array.iteri (fun m mem ->
            let p = Dense.combine mem.Basis z.[offsets.[m] .. offsets.[m + 1] - 1] n

            for k in 0 .. n - 1 do
                u.[mem.Block * n + k] <- u.[mem.Block * n + k] + p.[k])

        let g = smooth u

        [|
            for mem in members do
                for v in mem.Basis do
                    yield Dense.dot v (Array.sub g (mem.Block * n) n)
        |]

    /// The gradient and Hessian of the reduced objective at z (every z_m ≠ 0): gs + λ ẑ_m and
    /// Q_r + λ (I − ẑ_m ẑ_mᵀ) / ‖z_m‖ on each member, with gs = Q_r z − c_r the smooth part's gradient (computed
    /// from the residual, `reducedSmooth`).
    let private reducedNewton (lambda: float) (offsets: int[]) (qr: float[,]) (gs: float[]) (z: float[]) =
        let h = Array2D.copy qr
        let g = Array.copy gs

        for m in 0 .. offsets.Length - 2 do
            let o, e = offsets.[m], offsets.[m + 1]
            let nz = Dense.norm z.[o .. e - 1]

            for i in o .. e - 1 do
                g.[i] <- g.[i] + lambda * z.[i] / nz

                for j in o .. e - 1 do
                    h.[i, j] <-
                        h.[i, j]
                        + lambda * ((if i = j then 1.0 else 0.0) - z.[i] * z.[j] / (nz * nz)) / nz

        g, h

    /// The Newton step −H⁻¹g from the triangular factor of the least-squares form of H when its Cholesky fails:
    /// H = BᵀB with B = [M P; S], the members' design columns M_b v stacked on S, the square roots
    /// √(λ/‖z_m‖)(I − ẑ_m ẑ_mᵀ) of the norms' curvature (a projector's multiple, so its own root). The Gram Q_r
    /// loses half the digits of B: at the path's smallest λ on sin1000 the atoms sit at neighbouring data points,
    /// their columns nearly parallel, Q_r's Cholesky failed on rounding and the SVD pseudo-inverse that replaced
    /// it cut the flat directions, where a gradient of 1e-7 λ then stayed for ever (issue 16: the KKT repairs
    /// cycled and the certified gap stalled at 10 × its tolerance). R of B's QR always exists; RᵀR x = −g with the
    /// gradient recomputed from the residual at every step converges where Q_r's factor did not. None when R is
    /// singular to rounding.
    let private leastSquaresStep (n: int) (blocks: Block[]) (lambda: float) (members: Member[]) (offsets: int[]) (z: float[]) (g: float[]) =
        let rows = blocks.[0].Design.Length / n
        let k = z.Length
        let b = MathNet.Numerics.LinearAlgebra.Matrix<float>.Build.Dense(rows + k, k)

        members
        |> Array.iteri (fun m mem ->
            let o, e = offsets.[m], offsets.[m + 1]
            let design = blocks.[mem.Block].Design
            let nz = Dense.norm z.[o .. e - 1]
            let root = sqrt (lambda / nz)

            mem.Basis
            |> Array.iteri (fun j v ->
                for i in 0 .. rows - 1 do
                    let mutable s = 0.0

                    for a in 0 .. n - 1 do
                        s <- s + design.[i * n + a] * v.[a]

                    b.[i, o + j] <- s

                for l in o .. e - 1 do
                    let projector = (if l = o + j then 1.0 else 0.0) - z.[l] * z.[o + j] / (nz * nz)
                    b.[rows + l, o + j] <- root * projector))

        let r = b.QR(MathNet.Numerics.LinearAlgebra.Factorization.QRMethod.Thin).R
        let scale = Seq.init k (fun i -> abs r.[i, i]) |> Seq.fold max 0.0

        if Seq.exists (fun i -> not (abs r.[i, i] > Tolerances.unitRoundoff * scale)) (seq { 0 .. k - 1 }) then
            None
        else
            // Rᵀw = −g forward, then R x = w backward.
            let w = Array.zeroCreate k

            for i in 0 .. k - 1 do
                let mutable s = -g.[i]

                for j in 0 .. i - 1 do
                    s <- s - r.[j, i] * w.[j]

                w.[i] <- s / r.[i, i]

            let x = Array.zeroCreate k

            for i in k - 1 .. -1 .. 0 do
                let mutable s = w.[i]

                for j in i + 1 .. k - 1 do
                    s <- s - r.[i, j] * x.[j]

                x.[i] <- s / r.[i, i]

            Some x

    /// The reduced gradient relative to the size of the terms it sums, max_i |g_i| / (Σ_j |Q_ij z_j| + |c_i| + λ):
    /// zero to rounding when at most `Tolerances.polishStationary`. A step-length rule is not enough: a step of
    /// 1e-12 of z changes the gradient by ‖Q‖ 1e-12 ‖z‖, which on 1,000 points was a certificate error of 6e-9 λ.
    let private stationarity (lambda: float) (qr: float[,]) (cr: float[]) (z: float[]) (g: float[]) =
        let k = z.Length

        Array.init k (fun i ->
            let mutable size = abs cr.[i] + lambda

            for j in 0 .. k - 1 do
                size <- size + abs (qr.[i, j] * z.[j])

            abs g.[i] / size)
        |> Array.fold max 0.0

    /// F(z + d) − F(z) on the reduced problem, dᵀgs + ½dᵀQ_r d plus the norms, from d and the smooth gradient
    /// gs at z (no cancellation against ½‖y‖², nor between Q_r z and c_r).
    let private reducedChange (lambda: float) (offsets: int[]) (qr: float[,]) (gs: float[]) (z: float[]) (d: float[]) =
        let k = z.Length
        let mutable s = 0.0

        for i in 0 .. k - 1 do
            if d.[i] <> 0.0 then
                let mutable r = gs.[i]

                for j in 0 .. k - 1 do
                    r <- r + 0.5 * qr.[i, j] * d.[j]

                s <- s + d.[i] * r

        for m in 0 .. offsets.Length - 2 do
            let o, e = offsets.[m], offsets.[m + 1]

            s <-
                s
                + lambda
                  * (Dense.norm (Array.init (e - o) (fun i -> z.[o + i] + d.[o + i]))
                     - Dense.norm z.[o .. e - 1])

        s

    /// The longest step α ≤ 1 along dz before a member's point crosses a facet of its block that is not on its
    /// face, and that (member, facet).
    let private ratioTest (n: int) (blocks: Block[]) (members: Member[]) (offsets: int[]) (z: float[]) (dz: float[]) =
        let mutable alpha = 1.0
        let mutable blocking = None

        members
        |> Array.iteri (fun m mem ->
            let o = offsets.[m]
            let point = Dense.combine mem.Basis z.[o .. offsets.[m + 1] - 1] n
            let move = Dense.combine mem.Basis dz.[o .. offsets.[m + 1] - 1] n

            blocks.[mem.Block].Normals
            |> Array.iteri (fun i a ->
                if not (List.contains i mem.Facets) then
                    let rate = Dense.dot a move

                    if rate > 0.0 then
                        let limit = max 0.0 (-(Dense.dot a point)) / rate

                        if limit < alpha then
                            alpha <- limit
                            blocking <- Some(m, i)))

        alpha, blocking

    /// A member after the point moved onto one more facet: the face shrinks (None when it is the apex alone).
    let private onFacet (n: int) (blocks: Block[]) (m: Member) (facet: int) =
        memberOf n blocks m.Block (facet :: m.Facets)

    /// Newton's method on the faces, from the members' points (full coordinates), with a ratio test that stops
    /// at the first facet a point would cross (the facet then joins its face: the active-set move) and
    /// backtracking on the exact change of the objective. It stops at a stationary point, or when
    /// `stagnationSteps` steps on one set of faces in a row have not halved the least stationarity seen: Newton's
    /// method has then reached the rounding floor of the gradient, and more steps only move z by rounding (they
    /// spent the whole step budget, 60 steps per repair, at the path's smallest λ), or when the deadline has passed
    /// (read before every step: one step, whose SVD fallback took minutes at d = 13 with N = 500, is the overshoot).
    /// Returns the members and their points.
    let private newton
        (deadline: Deadline)
        (n: int)
        (blocks: Block[])
        (q: float[,])
        (c: float[])
        (smooth: float[] -> float[])
        (lambda: float)
        (start: (Member * float[])[])
        =
        let mutable members = start |> Array.map fst
        let mutable points = start |> Array.map snd
        let mutable iter = 0
        let mutable fin = false
        let mutable least = infinity
        let mutable idle = 0

        while not fin && iter < maxSteps && not deadline.Passed do
            iter <- iter + 1
            let offsets, qr, cr = reducedProblem n q c members

            let z =
                Array.concat (Array.map2 (fun (m: Member) p -> m.Basis |> Array.map (fun v -> Dense.dot v p)) members points)

            if z.Length = 0 then
                fin <- true
            else
                let gs = reducedSmooth n blocks smooth members offsets z
                let g, h = reducedNewton lambda offsets qr gs z

                let dz =
                    match Dense.solveCholesky h (Array.map (fun v -> -v) g) with
                    | Some x -> x
                    | None ->
                        match leastSquaresStep n blocks lambda members offsets z g with
                        | Some x -> x
                        | None ->
                            match deadline with
                            | Never -> Dense.solveSymmetric h (Array.map (fun v -> -v) g)
                            // Under a deadline, the barrier's ridged Cholesky instead of the SVD pseudo-inverse: one
                            // managed SVD is not interruptible and ran for minutes at d = 13, N = 500 (a 600 s solve
                            // 4 min past its limit inside one call, stack sampled). Either is a descent direction
                            // that the exact backtracking below accepts only if it lowers the objective.
                            | At _ -> InteriorPoint.newtonStep g h

                let alphaMax, blocking = ratioTest n blocks members offsets z dz
                let mutable alpha = alphaMax
                let mutable accepted = false

                while not accepted && alpha > Tolerances.stepLengthZero do
                    if reducedChange lambda offsets qr gs z (Dense.scale alpha dz) <= 0.0 then
                        accepted <- true
                    else
                        alpha <- 0.5 * alpha

                let zNew = if accepted then Dense.axpy alpha dz z else z

                points <-
                    members
                    |> Array.mapi (fun m mem -> Dense.combine mem.Basis zNew.[offsets.[m] .. offsets.[m + 1] - 1] n)

                match blocking with
                | Some(m, i) when (accepted && alpha = alphaMax) || alphaMax <= Tolerances.stepLengthZero ->
                    let kept =
                        [|
                            for k in 0 .. members.Length - 1 do
                                if k <> m then
                                    yield members.[k], points.[k]
                                else
                                    match onFacet n blocks members.[k] i with
                                    | Some mem -> yield mem, points.[k]
                                    | None -> ()
                        |]

                    members <- kept |> Array.map fst
                    points <- kept |> Array.map snd
                    least <- infinity
                    idle <- 0
                | _ ->
                    let rel = stationarity lambda qr cr z g

                    if rel <= 0.5 * least then
                        least <- rel
                        idle <- 0
                    else
                        idle <- idle + 1

                    fin <- not accepted || rel <= Tolerances.polishStationary || idle >= stagnationSteps

        Array.zip members points

    /// The stacked u of the members' points, every other block zero.
    let private stacked (n: int) (blocks: Block[]) (structure: (Member * float[])[]) =
        let u = Array.zeroCreate (blocks.Length * n)

        for m, p in structure do
            Array.blit p 0 u (m.Block * n) n

        u

    /// A member whose face is wrong: the multipliers of −∇_b − λ û_b = Σ_{i ∈ F} ν_i a_i on its facets F cannot
    /// all be non-negative (the non-negative fit misses by more than `Tolerances.multiplierMiss` (λ + ‖r‖)), and
    /// the facet with the most negative least-norm multiplier (below −`Tolerances.multiplierNegative` (λ + ‖r‖))
    /// is released: the point may leave it.
    let private release (n: int) (blocks: Block[]) (lambda: float) (g: float[]) (m: Member, p: float[]) =
        if m.Facets.IsEmpty then
            None
        else
            let r =
                Dense.axpy (-lambda / Dense.norm p) p (Dense.scale -1.0 (Array.sub g (m.Block * n) n))

            let idx = List.toArray m.Facets
            let normals = idx |> Array.map (fun i -> blocks.[m.Block].Normals.[i])
            let miss = Dense.norm (Dense.sub (Dense.combine normals (Nnls.solve normals r) n) r)

            let nu, _ =
                Dense.leastNorm (Array.init n (fun k -> normals |> Array.map (fun a -> a.[k]))) idx.Length r

            let worst = Array.minBy snd (Array.zip idx nu)
            let scale = lambda + Dense.norm r

            if
                miss > Tolerances.multiplierMiss * scale
                && snd worst < -Tolerances.multiplierNegative * scale
            then
                memberOf n blocks m.Block (m.Facets |> List.filter (fun i -> i <> fst worst))
                |> Option.map (fun mem -> mem, p)
            else
                None

    /// A block outside the structure whose certificate is violated, ‖Π_{K_b}(−∇_b)‖ > λ (1 + `Tolerances.pricingSlack`)
    /// (THEORY.md §3, Lemma 1 on the restricted problem): it enters along d = Π_{K_b}(−∇_b)/‖·‖ at the exact
    /// minimiser t = (‖Π‖ − λ) / dᵀQ_bb d of the objective along d, on the facets the projection lies on.
    let private admit (n: int) (blocks: Block[]) (q: float[,]) (lambda: float) (g: float[]) (b: int) =
        let p = Cone.project blocks.[b].Normals (Dense.scale -1.0 (Array.sub g (b * n) n))

        if p.Norm <= lambda * (1.0 + Tolerances.pricingSlack) then
            None
        else
            let d = Dense.scale (1.0 / p.Norm) p.Point
            let mutable curvature = 0.0

            for i in 0 .. n - 1 do
                for j in 0 .. n - 1 do
                    curvature <- curvature + d.[i] * q.[b * n + i, b * n + j] * d.[j]

            let facets =
                [
                    for i in 0 .. p.Multipliers.Length - 1 do
                        if p.Multipliers.[i] > 0.0 then
                            yield i
                ]

            memberOf n blocks b facets
            |> Option.map (fun m -> p.Norm, (m, Dense.scale ((p.Norm - lambda) / max curvature Tolerances.tiny) d))

    /// The KKT conditions of the restricted problem at the structure's point: members with a facet to release,
    /// and blocks outside it to admit (at most one per sign, the most violating, so that two blocks do not enter
    /// at one point). None when they hold: the point is the restricted minimiser to rounding.
    let private repair
        (n: int)
        (blocks: Block[])
        (q: float[,])
        (smooth: float[] -> float[])
        (lambda: float)
        (structure: (Member * float[])[])
        =
        let g = smooth (stacked n blocks structure)

        let released = structure |> Array.map (fun mp -> release n blocks lambda g mp)
        let inside = structure |> Array.map (fun (m, _) -> m.Block) |> Set.ofArray

        let entering =
            [| 0 .. blocks.Length - 1 |]
            |> Array.filter (inside.Contains >> not)
            |> Array.choose (admit n blocks q lambda g)
            |> Array.groupBy (fun (_, (m: Member, _)) -> blocks.[m.Block].Sign)
            |> Array.map (fun (_, group) -> snd (Array.maxBy fst group))

        if entering.Length = 0 && Array.forall Option.isNone released then
            None
        else
            Some(Array.append (Array.map2 (fun mp r -> defaultArg r mp) structure released) entering)

    /// The active-set loop from a structure at the point u: Newton on the faces, then KKT repairs (`repair`) until
    /// they hold, `maxRepairs` is spent or the deadline passes. The point reached, and whether the KKT conditions
    /// held there.
    let private settle
        (deadline: Deadline)
        (n: int)
        (blocks: Block[])
        (q: float[,])
        (c: float[])
        (smooth: float[] -> float[])
        (lambda: float)
        (u: float[])
        (members: Member[])
        =
        let mutable structure =
            newton deadline n blocks q c smooth lambda (mergeMembers n blocks u members)

        let mutable repairs = 0
        let mutable fin = false

        while not fin && repairs < maxRepairs && not deadline.Passed do
            repairs <- repairs + 1

            match repair n blocks q smooth lambda structure with
            | None -> fin <- true
            | Some next ->
                let u = stacked n blocks next
                structure <- newton deadline n blocks q c smooth lambda (mergeMembers n blocks u (Array.map fst next))

        stacked n blocks structure, fin

    /// The minimiser of the restricted problem to rounding, from a point near its central path: the structure
    /// read from it (`identify`), coincident atoms merged, then Newton's method on the faces, and active-set
    /// repairs (`repair`) until the KKT conditions hold. The barrier cannot see an atom whose gain is below its
    /// own accuracy (a violation of 3e-8 at λ = 0.01 λ_max on 1,000 points); the KKT conditions, first order, do.
    let polish
        (deadline: Deadline)
        (n: int)
        (blocks: Block[])
        (q: float[,])
        (c: float[])
        (smooth: float[] -> float[])
        (lambda: float)
        (central: InteriorPoint.Central)
        =
        let members =
            identify n blocks lambda central
            |> Array.choose (fun (b, facets) -> memberOf n blocks b facets)

        fst (settle deadline n blocks q c smooth lambda central.U members)

    /// The same active-set loop from an exact warm start u0 (the previous restricted minimiser, the blocks that
    /// just joined at zero): its structure is read off u0 itself, each nonzero block on the facets it lies on to
    /// `Tolerances.boundary`. The previous minimiser is already on its faces to rounding, so this skips the
    /// barrier's path from the centre (≈ 60 Newton steps a round) when the new columns change little. The
    /// point and whether the KKT conditions held.
    let polishFrom
        (deadline: Deadline)
        (n: int)
        (blocks: Block[])
        (q: float[,])
        (c: float[])
        (smooth: float[] -> float[])
        (lambda: float)
        (u0: float[])
        =
        let members =
            [|
                for b in 0 .. blocks.Length - 1 do
                    let ub = Array.sub u0 (b * n) n
                    let r = Dense.norm ub

                    if r > 0.0 then
                        let facets =
                            [
                                for i in 0 .. blocks.[b].Normals.Length - 1 do
                                    if -(Dense.dot blocks.[b].Normals.[i] ub) <= Tolerances.boundary * r then
                                        yield i
                            ]

                        match memberOf n blocks b facets with
                        | Some m -> yield m
                        | None -> ()
            |]

        settle deadline n blocks q c smooth lambda u0 members
