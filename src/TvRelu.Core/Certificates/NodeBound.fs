namespace TvRelu.Core.Certificates

open System
open TvRelu.Core.Data
open TvRelu.Core.Numerics

/// A node of the branch and bound evaluated: its bound and the relaxation's maximiser.
type internal NodeEvaluation =
    {
        /// Per positive neuron: 0 unfixed, ±1 fixed by a cone constraint s⟨θ, x̃⟩ ≥ 0, ±2 resolved (the
        /// node's pre-activation interval lies within `Tolerances.nodeResolve` of one side: no constraint, the
        /// neuron is taken as linear or off, and the error is in Slack).
        Signs: sbyte[]
        /// Σ over resolved neurons of w_i · (the part of the interval on the wrong side): what resolving
        /// them can have under-counted. Inherited by the children, whose cones lie inside.
        Slack: float
        /// U ≥ max of σ η over the node's cone ∩ the unit ball (rounding margin included).
        Bound: float
        /// The same bound without the margins and the resolution slack: at a leaf, the leaf's maximum as
        /// the floating solve finds it (the number the enumeration's ‖Π_K v‖ is to be compared with).
        Estimate: float
        /// The relaxation's maximiser z* ∈ R^r (unit, or None when the bound's vector is 0).
        Point: float[] option
        /// θ* = lift z* (unit) and σ η(θ*): a lower bound on the sup of σ η.
        Theta: float[] option
        Value: float
        /// The unfixed positive neuron (index into Orientation.Positive) with the largest chord gap at
        /// z*, or −1 at a leaf (every positive neuron fixed or resolved: no chord left).
        Branch: int
        /// The bounded least-squares solution (β for the negative neurons, then μ for the positive ones).
        Multipliers: float[]
        /// The pre-activation intervals [l_k, u_k] of the positive neurons used for the chords (shared
        /// with the children, whose cones lie inside, until they compute their own).
        Lower: float[]
        Upper: float[]
        /// Whether the intervals are this node's own (exact by Lemma 1) rather than inherited.
        Tight: bool
        /// Chords left (unfixed neurons whose interval straddles 0).
        Chords: int
    }

/// The node bound of THEORY.md §9. On the node's cone K = {s_i ⟨z, a_i⟩ ≥ 0, i fixed}, each unfixed
/// positive neuron is bounded by its chord over its exact pre-activation interval [l_i, u_i] over
/// K ∩ ball (Lemma 1: u_i = ‖Π_K a_i‖, l_i = −‖Π_K(−a_i)‖), and the negative part is concave,
/// min(0, w t) = min_{β∈[0,1]} β w t. The minimax theorem on the compact ball gives
///   U = const + min_{β ∈ [0,1]^M, μ ≥ 0} ‖c + Σ_M β_i w_i a_i + Σ_F μ_i s_i a_i‖,
/// a bounded-variable least squares; any feasible (β, μ) bounds, so an inexact solve never makes U wrong.
module internal NodeBound =

    /// max ⟨a, z⟩ over K ∩ ball, from above: ‖a − Σ ν_j n_j‖ for the NNLS ν (any ν ≥ 0 gives a value
    /// at least the max, by Moreau), plus the rounding of that residual; ‖a‖ when that is smaller.
    let private reach (normals: float[][]) (g: float[,]) (a: float[]) (sign: float) (na: float) =
        let b = normals |> Array.map (fun nj -> sign * Dense.dot nj a)

        if b |> Array.forall (fun v -> v <= 0.0) then
            na
        else
            let nu = Nnls.solveGram g b na
            let p = Dense.scale sign a
            let mutable terms = na

            for j in 0 .. normals.Length - 1 do
                if nu.[j] <> 0.0 then
                    terms <- terms + nu.[j] * Dense.norm normals.[j]

                    for k in 0 .. p.Length - 1 do
                        p.[k] <- p.[k] - nu.[j] * normals.[j].[k]

            let u =
                Dense.norm p
                + Tolerances.nodeBoundRoundoff * float (normals.Length + a.Length + 4) * terms

            if Double.IsFinite u then min u na else na

    /// The node's relaxation for given intervals: the linear part c and the constant of the chords, and the
    /// neurons whose interval is one-sided resolved (sign ±2, the error on the wrong side in the slack).
    type private Relaxation =
        {
            Signs: sbyte[]
            Slack: float
            Linear: float[]
            Constant: float
            /// Σ |coefficient| ‖a_i‖ over the terms of c and the constant: what their rounding scales with.
            Terms: float
            /// (k, slope g, l, u) of every chord.
            Chords: (int * float * float * float)[]
        }

    let private relax (red: Reduction) (w: float[]) (pos: int[]) (signs: sbyte[]) (slack: float) (lower: float[]) (upper: float[]) =
        let a = red.Reduced
        let signs = Array.copy signs
        let c = Array.zeroCreate<float> red.Rank
        let mutable constant, slack, terms = 0.0, slack, 0.0
        let chords = ResizeArray<int * float * float * float>()

        let linear (coef: float) (i: int) =
            for k in 0 .. c.Length - 1 do
                c.[k] <- c.[k] + coef * a.[i].[k]

            terms <- terms + coef * red.Norms.[i]

        for k in 0 .. pos.Length - 1 do
            let i = pos.[k]

            match signs.[k] with
            | 1y
            | 2y -> linear w.[i] i
            | 0y ->
                let u, l = upper.[k], lower.[k]
                let delta = Tolerances.nodeResolve * red.Norms.[i]

                if u <= delta then
                    signs.[k] <- -2y
                    slack <- slack + w.[i] * max u 0.0
                elif -l <= delta then
                    signs.[k] <- 2y
                    slack <- slack + w.[i] * max -l 0.0
                    linear w.[i] i
                else
                    let g = w.[i] * u / (u - l)
                    linear g i
                    constant <- constant - g * l
                    chords.Add((k, g, l, u))
            | _ -> ()

        {
            Signs = signs
            Slack = slack
            Linear = c
            Constant = constant
            Terms = terms
            Chords = chords.ToArray()
        }

    /// The relaxation's maximum over the node's cone ∩ ball by the bounded least squares from the warm
    /// multipliers x0: (x, v, ‖v‖, bound) with v = c + Σ x_j col_j and bound = constant + slack + ‖v‖ plus the
    /// rounding margin and the reduction's projection slack.
    let private maximise (red: Reduction) (cols: float[][]) (box: float[]) (nNeg: int) (x0: float[]) (rel: Relaxation) =
        let x = BoundedLeastSquares.solve cols box rel.Linear x0
        let v = BoundedLeastSquares.residual cols rel.Linear x
        let nv = Dense.norm v
        let mutable terms = rel.Terms

        for j in 0 .. cols.Length - 1 do
            terms <- terms + x.[j] * Dense.norm cols.[j]

        let margin =
            Tolerances.nodeBoundRoundoff
            * float (rel.Signs.Length + nNeg + red.Rank + 4)
            * (terms + rel.Constant)

        x, v, nv, rel.Constant + rel.Slack + nv + margin + red.ProjectionSlack

    /// The intervals of the unfixed neurons narrowed to the cap {‖z‖ ≤ 1, ⟨v̂, z⟩ ≥ h} that holds every point
    /// of the node where σ η ≥ the level (σ η ≤ bound − ‖v‖ + ⟨v, z⟩ there, so h = 1 − (bound − level)/‖v‖).
    /// Over the cap, with p = ⟨a, v̂⟩ and a_⊥ = a − p v̂: max ⟨a, z⟩ = ‖a‖ when p ≥ h ‖a‖, else
    /// p h + ‖a_⊥‖ √(1 − h²) (z = s v̂ + y, ‖y‖ ≤ √(1 − s²), concave in s ∈ [h, 1]); the min likewise for −a.
    /// Returns whether any interval moved.
    let private capIntervals
        (red: Reduction)
        (pos: int[])
        (signs: sbyte[])
        (v: float[])
        (nv: float)
        (h: float)
        (lower: float[])
        (upper: float[])
        =
        let vhat = Dense.scale (1.0 / nv) v
        let h = h - Tolerances.nodeBoundRoundoff * 8.0 * (1.0 + abs h)
        let root = sqrt (max 0.0 (1.0 - h * h))
        let mutable moved = false

        for k in 0 .. pos.Length - 1 do
            if signs.[k] = 0y then
                let a = red.Reduced.[pos.[k]]
                let na = red.Norms.[pos.[k]]
                let p = Dense.dot a vhat
                let perp = Dense.norm (Dense.axpy -p vhat a)
                let margin = Tolerances.nodeBoundRoundoff * float (4 * (red.Rank + 4)) * na
                let hi = (if p >= h * na then na else p * h + perp * root) + margin
                let lo = (if -p >= h * na then -na else p * h - perp * root) - margin

                if hi < upper.[k] then
                    upper.[k] <- hi
                    moved <- true

                if lo > lower.[k] then
                    lower.[k] <- lo
                    moved <- true

        moved

    /// The positive neurons fixed by a cone constraint (sign ±1, indices into Positive): the walls of the
    /// node's cone K (§9). Resolved neurons (±2) add no wall.
    let private walls (pos: int[]) (signs: sbyte[]) =
        [|
            for k in 0 .. pos.Length - 1 do
                if abs signs.[k] = 1y then
                    yield k
        |]

    /// Each unfixed neuron's interval intersected, in place, with its exact pre-activation interval over
    /// K ∩ ball (Lemma 1: u = ‖Π_K a‖, l = −‖Π_K(−a)‖, from above by `reach`), so that a node's chords are
    /// its own rather than its parent's (§9).
    let private tightenIntervals (red: Reduction) (pos: int[]) (signs: sbyte[]) (fixedK: int[]) (lower: float[]) (upper: float[]) =
        let a = red.Reduced

        let normals =
            fixedK |> Array.map (fun k -> Dense.scale (-(float signs.[k])) a.[pos.[k]])

        let gram =
            Array2D.init normals.Length normals.Length (fun i j -> Dense.dot normals.[i] normals.[j])

        for k in 0 .. pos.Length - 1 do
            if signs.[k] = 0y then
                let i = pos.[k]
                upper.[k] <- min upper.[k] (reach normals gram a.[i] 1.0 red.Norms.[i])
                lower.[k] <- max lower.[k] (-(reach normals gram a.[i] -1.0 red.Norms.[i]))

    /// The columns of the bounded least squares of §9 (w_i a_i for the negative neurons with β_i ∈ [0, 1],
    /// then s_i a_i for the walls with μ_i ≥ 0), their boxes, and the start: β_i = 1 where the parent's
    /// maximiser `warm` has the negative neuron active (min(0, w t) = w t there), else 0.
    let private multiplierColumns (red: Reduction) (w: float[]) (o: Orientation) (signs: sbyte[]) (fixedK: int[]) (warm: float[] option) =
        let a = red.Reduced
        let neg = o.Negative

        let cols =
            Array.append
                (neg |> Array.map (fun i -> Dense.scale w.[i] a.[i]))
                (fixedK |> Array.map (fun k -> Dense.scale (float signs.[k]) a.[o.Positive.[k]]))

        let box =
            Array.append (Array.create neg.Length 1.0) (Array.create fixedK.Length infinity)

        let x0 =
            Array.init cols.Length (fun j ->
                match warm with
                | Some z when j < neg.Length && Dense.dot z a.[neg.[j]] > 0.0 -> 1.0
                | _ -> 0.0)

        cols, box, x0

    /// Optimality-based range reduction at the cutoff `level` (§9): the node only matters where σ η ≥ level,
    /// so its intervals are narrowed, in place, to the cap of `capIntervals` and the relaxation solved
    /// again from the last multipliers, while that lowers the bound by a real fraction of bound − level
    /// (at most `Tolerances.capRounds` rounds). Returns the relaxation with the lowest bound and its maximum.
    let private reduceRange
        (red: Reduction)
        (w: float[])
        (pos: int[])
        (cols: float[][])
        (box: float[])
        (nNeg: int)
        (level: float)
        (lower: float[])
        (upper: float[])
        (first: Relaxation * (float[] * float[] * float * float))
        =
        let mutable best = first
        let mutable rounds = 0
        let mutable go = true

        while go && rounds < Tolerances.capRounds do
            rounds <- rounds + 1
            let rel, (x, v, nv, bound) = best
            // bound > level: h < 1, a proper cap (at or below the level the search closes the node).
            let h = if nv > 0.0 then 1.0 - (bound - level) / nv else -1.0

            if
                bound > level
                && h > Tolerances.capHeight
                && capIntervals red pos rel.Signs v nv h lower upper
            then
                let rel' = relax red w pos rel.Signs rel.Slack lower upper
                let (_, _, _, bound') as m = maximise red cols box nNeg x rel'
                go <- bound' < bound - Tolerances.capProgress * (bound - level)

                if bound' < bound then
                    best <- rel', m
            else
                go <- false

        best

    /// The branching choice of §9: the chord loosest at the relaxation's own maximiser z* (its excess
    /// over w σ there), −1 when no chord is left (a leaf). A maximiser outside the cone, from an inexact
    /// solve, can make every gap negative: any chord left still means the node is not a leaf.
    let private branchingChoice
        (red: Reduction)
        (w: float[])
        (pos: int[])
        (chords: (int * float * float * float)[])
        (point: float[] option)
        =
        let mutable branch = -1
        let mutable widest = Double.NegativeInfinity

        for (k, g, l, _) in chords do
            let t =
                match point with
                | Some z -> Dense.dot z red.Reduced.[pos.[k]]
                | None -> 0.0

            let gap = g * (t - l) - w.[pos.[k]] * max t 0.0

            if branch < 0 || gap > widest then
                widest <- gap
                branch <- k

        branch

    /// Evaluates the node with the given signs; `warm` (a unit z of the parent, if any) seeds β.
    /// `intervals` are valid for the node (the parent's: its cone lies inside the parent's); with `fresh`
    /// each unfixed neuron's interval is also computed exactly over this node's cone (Lemma 1) and the two
    /// intersected; without, no projection is solved, which is what makes a lazily expanded search cheap.
    /// With a `cutoff` level L, the node is bounded only where σ η ≥ L (the rest is below L, which the
    /// caller's upper bound covers): its intervals are narrowed to the cap of `capIntervals` and the
    /// relaxation solved again, while that lowers the bound (optimality-based range reduction).
    let evaluate
        (red: Reduction)
        (o: Orientation)
        (signs: sbyte[])
        (slack: float)
        (warm: float[] option)
        (intervals: float[] * float[])
        (fresh: bool)
        (cutoff: float option)
        =
        let w = red.Weights |> Array.map (fun x -> float o.Sign * x)
        let pos = o.Positive
        let lower, upper = Array.copy (fst intervals), Array.copy (snd intervals)
        let fixedK = walls pos signs

        if fresh then
            tightenIntervals red pos signs fixedK lower upper

        let cols, box, x0 = multiplierColumns red w o signs fixedK warm
        let nNeg = o.Negative.Length
        let relaxation = relax red w pos signs slack lower upper
        let first = relaxation, maximise red cols box nNeg x0 relaxation

        let rel, (x, v, nv, bound) =
            match cutoff with
            | Some level -> reduceRange red w pos cols box nNeg level lower upper first
            | None -> first

        let point = if nv > 0.0 then Some(Dense.scale (1.0 / nv) v) else None
        let theta = point |> Option.bind (fun z -> Dense.normalize (Reduction.lift red z))

        let value =
            match theta with
            | Some t -> Reduction.value red o.Sign t
            | None -> 0.0

        {
            Signs = rel.Signs
            Slack = rel.Slack
            Bound = bound
            Estimate = rel.Constant + nv
            Point = point
            Theta = theta
            Value = value
            Branch = branchingChoice red w pos rel.Chords point
            Multipliers = x
            Lower = lower
            Upper = upper
            Tight = fresh
            Chords = rel.Chords.Length
        }

    /// The intervals of a root: ⟨z, a_i⟩ ∈ [−‖a_i‖, ‖a_i‖] on the ball.
    let rootIntervals (red: Reduction) (o: Orientation) =
        let n = o.Positive |> Array.map (fun i -> red.Norms.[i])
        Array.map (fun x -> -x) n, n
