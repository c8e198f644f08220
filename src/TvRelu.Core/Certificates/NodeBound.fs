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
                + Tolerances.unitRoundoff * float (normals.Length + a.Length + 4) * terms

            if Double.IsFinite u then min u na else na

    /// Evaluates the node with the given signs; `warm` (a unit z of the parent, if any) seeds β. With
    /// `inherited` intervals (the parent's: valid, since the node's cone lies inside the parent's) no
    /// projection is solved, which is what makes a lazily expanded search cheap; without, each unfixed
    /// neuron's interval is computed exactly over this node's cone.
    let evaluate
        (red: Reduction)
        (o: Orientation)
        (signs: sbyte[])
        (slack: float)
        (warm: float[] option)
        (inherited: (float[] * float[]) option)
        =
        let r = red.Rank
        let a = red.Reduced
        let w = red.Weights |> Array.map (fun x -> float o.Sign * x)
        let pos = o.Positive
        let signs = Array.copy signs

        let normals =
            [|
                for k in 0 .. pos.Length - 1 do
                    if abs signs.[k] = 1y then
                        yield Dense.scale (-(float signs.[k])) a.[pos.[k]]
            |]

        let gram =
            Array2D.init normals.Length normals.Length (fun i j -> Dense.dot normals.[i] normals.[j])

        let c = Array.zeroCreate<float> r
        let mutable constant = 0.0
        let mutable slack = slack
        let mutable terms = 0.0
        let chords = ResizeArray<int * float * float * float>()

        let lower, upper =
            match inherited with
            | Some(l, u) -> l, u
            | None -> Array.zeroCreate pos.Length, Array.zeroCreate pos.Length

        let addTo (coef: float) (v: float[]) =
            for k in 0 .. r - 1 do
                c.[k] <- c.[k] + coef * v.[k]

        for k in 0 .. pos.Length - 1 do
            let i = pos.[k]

            match signs.[k] with
            | 1y
            | 2y ->
                addTo w.[i] a.[i]
                terms <- terms + w.[i] * red.Norms.[i]
            | 0y ->
                let u, l =
                    match inherited with
                    | Some _ -> upper.[k], lower.[k]
                    | None ->
                        let u = reach normals gram a.[i] 1.0 red.Norms.[i]
                        let l = -(reach normals gram a.[i] -1.0 red.Norms.[i])
                        upper.[k] <- u
                        lower.[k] <- l
                        u, l

                let delta = Tolerances.nodeResolve * red.Norms.[i]

                if u <= delta then
                    signs.[k] <- -2y
                    slack <- slack + w.[i] * max u 0.0
                elif -l <= delta then
                    signs.[k] <- 2y
                    slack <- slack + w.[i] * max -l 0.0
                    addTo w.[i] a.[i]
                    terms <- terms + w.[i] * red.Norms.[i]
                else
                    let g = w.[i] * u / (u - l)
                    addTo g a.[i]
                    constant <- constant - g * l
                    terms <- terms + g * red.Norms.[i]
                    chords.Add((k, g, l, u))
            | _ -> ()

        let fixedK =
            [|
                for k in 0 .. pos.Length - 1 do
                    if abs signs.[k] = 1y then
                        yield k
            |]

        let neg = o.Negative

        let cols =
            Array.append
                (neg |> Array.map (fun i -> Dense.scale w.[i] a.[i]))
                (fixedK |> Array.map (fun k -> Dense.scale (float signs.[k]) a.[pos.[k]]))

        let box =
            Array.append (Array.create neg.Length 1.0) (Array.create fixedK.Length infinity)

        let x0 =
            Array.init cols.Length (fun j ->
                match warm with
                | Some z when j < neg.Length && Dense.dot z a.[neg.[j]] > 0.0 -> 1.0
                | _ -> 0.0)

        let x = BoundedLeastSquares.solve cols box c x0
        let v = BoundedLeastSquares.residual cols c x
        let nv = Dense.norm v

        for j in 0 .. cols.Length - 1 do
            terms <- terms + x.[j] * Dense.norm cols.[j]

        let margin =
            Tolerances.unitRoundoff
            * float (pos.Length + neg.Length + r + 4)
            * (terms + constant)

        let bound = constant + slack + nv + margin + red.ProjectionSlack
        let point = if nv > 0.0 then Some(Dense.scale (1.0 / nv) v) else None

        let theta = point |> Option.bind (fun z -> Dense.normalize (Reduction.lift red z))

        let value =
            match theta with
            | Some t -> Reduction.value red o.Sign t
            | None -> 0.0
        // Branch where the relaxation is loosest at its own maximiser: the chord's excess over σ there.
        // (A maximiser outside the cone, from an inexact solve, can make every gap negative: any chord
        // left still means the node is not a leaf.)
        let mutable branch = -1
        let mutable widest = Double.NegativeInfinity

        for (k, g, l, _) in chords do
            let t =
                match point with
                | Some z -> Dense.dot z a.[pos.[k]]
                | None -> 0.0

            let gap = g * (t - l) - w.[pos.[k]] * max t 0.0

            if branch < 0 || gap > widest then
                widest <- gap
                branch <- k

        {
            Signs = signs
            Slack = slack
            Bound = bound
            Estimate = constant + nv
            Point = point
            Theta = theta
            Value = value
            Branch = branch
            Multipliers = x
            Lower = lower
            Upper = upper
            Tight = inherited.IsNone
        }
