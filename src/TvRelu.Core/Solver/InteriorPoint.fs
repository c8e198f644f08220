namespace TvRelu.Core.Solver


open System
open TvRelu.Core.Numerics
open TvRelu.Core.Certificates

/// The restricted problem of column generation (THEORY.md §4)
///   min F(u) = ½ uᵀQu − cᵀu + ½‖y‖² + λ Σ_b ‖u_b‖,   u_b ∈ K_b = {θ : ⟨a_i, θ⟩ ≤ 0},
/// by a primal log-barrier method. Written as a second-order cone program with t_b ≥ ‖u_b‖, its barrier is
///   λ Σ t_b − μ Σ_b log(t_b² − ‖u_b‖²) − μ Σ_{b,i} log(−⟨a_i, u_b⟩),
/// and t_b is minimised out in closed form, t_b = (μ + √(μ² + λ²r²)) / λ with r = ‖u_b‖, which leaves a
/// smooth, strictly convex function of u whose gradient in u_b is (λ / t_b) u_b: a smoothed λ‖u_b‖. Partial
/// minimisation keeps the barrier self-concordant, so damped Newton steps need no line search and the cost
/// does not depend on the conditioning of Q (the first-order method before this took 10^6 iterations at small
/// λ, issue 16). The barrier parameter is ν = 2 B + Σ_b (facets of b): on the central path the restricted
/// duality gap is ν μ.
module internal InteriorPoint =

    /// μ shrinks by this factor once the iterate is centred: a long-step path-following method, about three
    /// damped Newton steps per factor of ten (measured on the benchmarks of issue 16).
    [<Literal>]
    let private shrink = 10.0

    /// The cold start is this fraction of the minimiser of F along the sum of the interior directions: inside
    /// every cone and well away from its apex, where the barrier's Newton steps are long.
    [<Literal>]
    let private startFraction = 0.1

    /// A budget no solve has come near (about 40 steps are typical); the point reached is then returned, and
    /// the certificate, not this method, decides what it is worth.
    [<Literal>]
    let private maxSteps = 400

    /// Where the barrier stopped: the point, its μ and the Newton steps taken.
    type Central =
        {
            U: float[]
            Mu: float
            /// ν, the barrier parameter: ν μ bounds the restricted gap on the central path.
            Nu: float
            NewtonSteps: int
            /// Whether the deadline stopped the path before its target: U is then interior but not centred.
            Interrupted: bool
        }

    /// t_b and s_b = √(μ² + λ² r²) = λ t_b − μ of a block of norm r.
    let inline private cone (lambda: float) (mu: float) (r: float) =
        let s = sqrt (mu * mu + lambda * lambda * r * r)
        (mu + s) / lambda, s

    /// The slacks −⟨a_i, u_b⟩ of every facet of every block, or None when one is not positive (outside the
    /// interior, where the barrier is +∞).
    let private slacks (n: int) (blocks: Block[]) (u: float[]) =
        let result = Array.zeroCreate blocks.Length
        let mutable inside = true

        for b in 0 .. blocks.Length - 1 do
            let normals = blocks.[b].Normals
            let s = Array.zeroCreate normals.Length

            for i in 0 .. normals.Length - 1 do
                let a = normals.[i]
                let mutable v = 0.0

                for k in 0 .. n - 1 do
                    v <- v - a.[k] * u.[b * n + k]

                s.[i] <- v

                if not (v > 0.0) then
                    inside <- false

            result.[b] <- s

        if inside then Some result else None

    /// The gradient and Hessian of the barrier function f_μ at an interior point u with facet slacks sl, given
    /// the gradient g0 of the smooth part at u (`Restricted.gradient`: from the residual, not as Qu − c).
    let private newtonSystem
        (n: int)
        (blocks: Block[])
        (q: float[,])
        (lambda: float)
        (mu: float)
        (u: float[])
        (sl: float[][])
        (g0: float[])
        =
        let h = Array2D.copy q
        let g = Array.copy g0

        for b in 0 .. blocks.Length - 1 do
            let o = b * n
            let mutable r2 = 0.0

            for k in 0 .. n - 1 do
                r2 <- r2 + u.[o + k] * u.[o + k]

            let t, s = cone lambda mu (sqrt r2)
            // ∇ = (λ/t) u_b; ∇² = (λ/t) I − λ² / (t² s) u_b u_bᵀ (positive definite: its smallest eigenvalue is
            // (λ/t)(μ/s) > 0).
            let coef = lambda / t
            let rank = lambda * lambda / (t * t * s)

            for k in 0 .. n - 1 do
                g.[o + k] <- g.[o + k] + coef * u.[o + k]
                h.[o + k, o + k] <- h.[o + k, o + k] + coef

                for l in 0 .. n - 1 do
                    h.[o + k, o + l] <- h.[o + k, o + l] - rank * u.[o + k] * u.[o + l]

            let normals = blocks.[b].Normals

            for i in 0 .. normals.Length - 1 do
                let a = normals.[i]
                let w = mu / sl.[b].[i]
                let w2 = w / sl.[b].[i]

                for k in 0 .. n - 1 do
                    g.[o + k] <- g.[o + k] + w * a.[k]

                    for l in 0 .. n - 1 do
                        h.[o + k, o + l] <- h.[o + k, o + l] + w2 * a.[k] * a.[l]

        g, h

    /// The Newton step −H⁻¹g. The Hessian is definite in exact arithmetic; when rounding makes its Cholesky
    /// fail (a ratio of 1e16 between Q's scale and the barrier's), a ridge of growing size is added, up to H's own
    /// scale.
    let internal newtonStep (g: float[]) (h: float[,]) =
        let dim = g.Length
        let mutable dmax = Tolerances.tiny

        for i in 0 .. dim - 1 do
            dmax <- max dmax h.[i, i]

        let rec attempt (ridge: float) =
            let hr = Array2D.copy h

            for i in 0 .. dim - 1 do
                hr.[i, i] <- hr.[i, i] + ridge * dmax

            match Dense.solveCholesky hr g with
            | Some x -> Array.map (fun v -> -v) x
            // A Hessian with an entry that is not finite never factors: no step (the barrier then stops and the
            // certificate judges the point), rather than a ridge that grows for ever.
            | None when ridge >= 1.0 || not (Double.IsFinite dmax) -> Array.zeroCreate dim
            | None ->
                attempt (
                    if ridge = 0.0 then
                        Tolerances.barrierRidge
                    else
                        100.0 * ridge
                )

        attempt 0.0

    /// A strictly interior start: each block a small multiple of its interior direction (warm starts keep their
    /// block and add that multiple, which moves them off the facets they sit on).
    let private start (n: int) (blocks: Block[]) (q: float[,]) (c: float[]) (lambda: float) (u0: float[]) =
        let dim = blocks.Length * n
        let w = Array.zeroCreate dim

        for b in 0 .. blocks.Length - 1 do
            Array.blit blocks.[b].Interior 0 w (b * n) n

        let mutable wqw = 0.0
        let mutable own = 0.0
        let mutable cw = 0.0

        for i in 0 .. dim - 1 do
            cw <- cw + c.[i] * w.[i]

            for j in 0 .. dim - 1 do
                let t = w.[i] * q.[i, j] * w.[j]
                wqw <- wqw + t

                if i / n = j / n then
                    own <- own + t
        // The minimiser of F along the sum of the interior directions, shrunk: a scale the data set. The two
        // signs of one cell have opposite designs, so their directions can cancel in wᵀQw (exactly on data with
        // N < d + 1: a start at 1e298); then the blocks' own curvatures Σ w_bᵀQ_bb w_b set the scale, and a
        // working set no data point activates gets unit amplitudes.
        let curvature =
            if wqw > Tolerances.barrierStartCancellation * own then wqw
            elif own > Tolerances.tiny then own
            else 0.0

        let alpha =
            if curvature > 0.0 then
                (abs cw + lambda * float blocks.Length) / curvature * startFraction
            else
                startFraction

        Array.init dim (fun i -> (if i < u0.Length then u0.[i] else 0.0) + alpha * w.[i])

    /// The derivative of f_μ along d at u + αd, from the gradient's parts: (Qu − c)ᵀd + α dᵀQd, the smoothed
    /// norms and the facet barriers. Gradients carry no cancellation against ½‖y‖², so the line search below
    /// stays exact to the end of the path, where values of f_μ would not.
    let private slope
        (n: int)
        (blocks: Block[])
        (lambda: float)
        (mu: float)
        (linear: float)
        (curvature: float)
        (u: float[])
        (d: float[])
        (alpha: float)
        =
        let mutable s = linear + alpha * curvature

        for b in 0 .. blocks.Length - 1 do
            let o = b * n
            let mutable r2 = 0.0
            let mutable ud = 0.0

            for k in 0 .. n - 1 do
                let v = u.[o + k] + alpha * d.[o + k]
                r2 <- r2 + v * v
                ud <- ud + v * d.[o + k]

            let t, _ = cone lambda mu (sqrt r2)
            s <- s + lambda / t * ud

            for a in blocks.[b].Normals do
                let mutable sl = 0.0
                let mutable ad = 0.0

                for k in 0 .. n - 1 do
                    sl <- sl - a.[k] * (u.[o + k] + alpha * d.[o + k])
                    ad <- ad + a.[k] * d.[o + k]

                s <- s + mu * ad / sl

        s

    /// The largest step before a facet slack reaches zero (infinity when none decreases).
    let private boundary (n: int) (blocks: Block[]) (sl: float[][]) (d: float[]) =
        let mutable limit = infinity

        for b in 0 .. blocks.Length - 1 do
            let normals = blocks.[b].Normals

            for i in 0 .. normals.Length - 1 do
                let rate = Dense.dot normals.[i] (Array.sub d (b * n) n)

                if rate > 0.0 then
                    limit <- min limit (sl.[b].[i] / rate)

        limit

    /// A step along the Newton direction d by a line search on the slope (f_μ is convex along d): the full step
    /// when the slope there is still negative, else bisection between a point of negative slope and one of
    /// positive slope until the slope is within a tenth of the initial one. The step is kept inside the domain
    /// (at most 99% of the way to the nearest facet).
    let private lineSearch
        (n: int)
        (blocks: Block[])
        (q: float[,])
        (lambda: float)
        (mu: float)
        (u: float[])
        (sl: float[][])
        (g0: float[])
        (g: float[])
        (d: float[])
        =
        let dim = u.Length
        let linear = Dense.dot g0 d
        let mutable curvature = 0.0

        for i in 0 .. dim - 1 do
            let mutable qd = 0.0

            for j in 0 .. dim - 1 do
                qd <- qd + q.[i, j] * d.[j]

            curvature <- curvature + qd * d.[i]

        let slopeAt = slope n blocks lambda mu linear curvature u d
        let initial = Dense.dot g d
        let hi0 = min 1.0 (0.99 * boundary n blocks sl d)

        if slopeAt hi0 <= 0.0 then
            hi0
        else
            let mutable lo, hi = 0.0, hi0
            let mutable loSlope = initial
            let mutable k = 0

            while loSlope < 0.1 * initial && k < 60 do
                k <- k + 1
                let mid = 0.5 * (lo + hi)
                let sm = slopeAt mid

                if sm <= 0.0 then
                    lo <- mid
                    loSlope <- sm
                else
                    hi <- mid

            lo

    /// Follows the central path from u0 (padded with zeros) until ν μ ≤ target: at each μ, Newton steps with a
    /// line search until the Newton decrement (of f_μ/μ) is at most `Tolerances.barrierCentred`, then μ shrinks
    /// by `shrink`. `smooth` is the gradient of ½‖Mu − y‖² (`Restricted.gradient`). The deadline is read before
    /// every Newton step, so the path stops within one step of it (one Hessian and its Cholesky) at an interior
    /// point, which is feasible (issue 14).
    let solve
        (deadline: Deadline)
        (n: int)
        (blocks: Block[])
        (q: float[,])
        (c: float[])
        (smooth: float[] -> float[])
        (lambda: float)
        (u0: float[])
        (target: float)
        (mu0: float)
        =
        let nu =
            float (2 * blocks.Length)
            + float (blocks |> Array.sumBy (fun b -> b.Normals.Length))

        // A warm start on a facet can round outside its cone when the interior step is below its ulp (labels of
        // 1e43, issue 12's range campaign): the cold start then, and with no interior start at all, u0 unchanged.
        let mutable u = start n blocks q c lambda u0

        if (slacks n blocks u).IsNone then
            u <- start n blocks q c lambda [||]

        let fin0 = (slacks n blocks u).IsNone

        if fin0 then
            u <- Array.init u.Length (fun i -> if i < u0.Length then u0.[i] else 0.0)

        let mutable mu = max (mu0 / nu) Tolerances.tiny
        let mutable steps = 0
        let mutable fin = fin0

        let mutable interrupted = false

        while not fin && steps < maxSteps && not interrupted do
            let mutable centred = false

            while not centred && steps < maxSteps && not interrupted do
                if deadline.Passed then
                    interrupted <- true
                else
                    steps <- steps + 1
                    let sl = (slacks n blocks u).Value
                    let g0 = smooth u
                    let g, h = newtonSystem n blocks q lambda mu u sl g0
                    let dx = newtonStep g h
                    let decrement = sqrt (max 0.0 (-(Dense.dot g dx)) / mu)
                    let alpha = lineSearch n blocks q lambda mu u sl g0 g dx
                    let next = Dense.axpy alpha dx u

                    if alpha > 0.0 && (slacks n blocks next).IsSome then
                        u <- next

                    centred <- decrement <= Tolerances.barrierCentred || alpha <= Tolerances.stepLengthZero

            if interrupted then ()
            elif nu * mu <= target || mu = target / nu then fin <- true
            else mu <- max (mu / shrink) (target / nu)

        {
            U = u
            Mu = mu
            Nu = nu
            NewtonSteps = steps
            Interrupted = interrupted
        }
