namespace TvRelu.Core.Stability

open TvRelu.Core.Numerics
open TvRelu.Core.Data
open TvRelu.Core.Arrangements
open TvRelu.Core.Cones
open TvRelu.Core.Certificates

/// What is proven about the number of Diracs of the minimisers of P_λ (THEORY.md §6, "Counting Diracs must be
/// decided").
type CountDecision =
    {
        /// Every minimiser has at least this many atoms (0 when nothing is proven).
        AtLeast: int
        /// Every minimiser has at most this many atoms (Int32.MaxValue when nothing is proven).
        AtMost: int
        /// The gap-side slack the bounds had to beat: J(μ̂) − D(q̂) plus rounding.
        Slack: float
        /// The certified lower bounds F_m on J(ν) − D(q̂) over measures ν with at most m atoms, m = 0, 1, …, as far
        /// as they were computed.
        Bounds: float[]
        /// The (cell, sign) blocks whose closure may hold a point of Σ* (the candidates of the upper bound).
        Candidates: (int * int)[]
        /// For each candidate block, the group it was counted in (one Dirac at most per group).
        Groups: int[]
    }

    /// The count, when the bounds meet.
    member d.Count = if d.AtLeast = d.AtMost then Some d.AtLeast else None

/// Decides the number of Diracs of the minimisers from a certified solution μ̂, never by a clustering radius
/// (THEORY.md §6).
///
/// **The identity.** For any dual-feasible q̂ (|η̂| ≤ 1, η̂ = Kᵀq̂/λ), z = y − q̂ and any measure ν,
/// J(ν) = D(q̂) + ½‖Kν − z‖² + λ ∫ (1 − s_ν η̂) d|ν| (expand ½‖Kν − y‖² around z and use ⟨Kν, q̂⟩ = λ ∫ η̂ dν). With
/// q̂ = r̂ / max(1, sup|η_μ̂|) from μ̂ this is exact, and J(μ̂) − D(q̂) is the certified gap.
///
/// **At least m + 1 atoms.** On a closed cell η̂ is linear, so the atoms of one sign in one closed cell act through
/// their first moment and can be merged without raising the right-hand side (§4); a measure with at most m atoms
/// is therefore one vector u_b ∈ K_C per (cell, sign) block b, at most m blocks. Blocks with margin
/// m_b = 1 − max_{closed C} s η̂ ≥ τ cost at least λτ per unit mass, and their mass moves Kν by at most ‖X̃‖₂ per
/// unit, so all of them together are bounded below by a Huber term with c = λτ/‖X̃‖₂. What is left is, for each
/// choice B of at most m of the few blocks with margin below τ, the convex problem
/// F(B) = min ½‖Σ_b s_b D_b X̃ u_b + e − z‖² + λ Σ_b (‖u_b‖ − s_b⟨u_b, v_b⟩) + c‖e‖, u_b ∈ K_b, bounded below by weak
/// duality: for any ξ, F(B) ≥ ⟨ξ, z⟩ − ½‖ξ‖² − M Σ_b (‖Π_{K_b}(s_b X̃ᵀD_b(q̂ + ξ))‖ − λ)₊ − ‖X̃‖₂ M (‖ξ‖ − c)₊ for
/// every ν that could beat μ̂ (its mass is at most M = J(μ̂)/λ). ξ is the residual of an approximate primal
/// solution (the projection of z onto the blocks' cone), scaled by the best t ≥ 0; any ξ gives a valid bound. If min_B F(B) exceeds J(μ̂) − D(q̂), no
/// measure with at most m atoms reaches J(μ̂) ≥ J*: every minimiser has at least m + 1 atoms.
///
/// **At most.** Every minimiser is supported in Σ* = {|η*| = 1}. The optimal residual r* is within
/// ρ = ‖q̂ − r̂‖ + √(2 (J(μ̂) − D(q̂))) of q̂ (the loss is 1-strongly convex in Kμ), so s η* exceeds s η̂ by at most
/// ρ ‖D_C X̃‖_F / λ on a closed cell C: only the blocks with margin below that can hold a point of Σ*, at most one
/// per block (§3, consequence 2). Adjacent candidate blocks of one sign share one point when η* is concave on the
/// union of their cells: on the convex cone of cells that agree off a set T of hyperplanes, s η* is linear plus
/// Σ_{h∈T} s r*_h σ(⟨θ, x̃_h⟩)/λ, concave when s r*_h ≤ 0, and a concave positively homogeneous function has one
/// maximiser on the sphere; the sign of r*_h is decided when |r̂_h| exceeds ρ √(rows on h). A ridge keeps one
/// Dirac this way; a flat hyperplane (r*_h ≈ 0) is undecided, as it must be.
module DiracCount =

    /// At most this many blocks of smallest margin are searched for the (k−1)-atom bound; the rest are covered by
    /// the Huber term (C(8, 3) = 56 convex problems for k = 3).
    [<Literal>]
    let nearBlocks = 8

    /// The block (cell, sign) data the bounds need.
    type private Block =
        {
            Cell: int
            Sign: int
            Margin: float
            /// s_b D_b X̃ as its rows (zero rows for inactive data).
            Rows: float[][]
            Normals: float[][]
        }

    let private blocksOf (arr: Arrangement) (data: Dataset) (cert: Certificate) =
        let rows = data.AugmentedRaw
        let n = arr.AmbientDimension

        Certificate.violators cert 0.0
        |> Array.map (fun (c, s, pr) ->
            {
                Cell = c
                Sign = s
                Margin = 1.0 - pr.Norm
                Rows =
                    rows
                    |> Array.mapi (fun i x ->
                        if arr.IsActive(c, arr.RowMap.[i]) then
                            Dense.scale (float s) x
                        else
                            Array.zeroCreate n)
                Normals = snd (Cone.ofCell arr c)
            })
        |> Array.sortBy (fun b -> b.Margin)

    /// Aᵀ r for a block's rows.
    let private transposeTimes (rows: float[][]) (r: float[]) (n: int) =
        let g = Array.zeroCreate<float> n

        for i in 0 .. rows.Length - 1 do
            if r.[i] <> 0.0 then
                for k in 0 .. n - 1 do
                    g.[k] <- g.[k] + rows.[i].[k] * r.[i]

        g

    /// The residual ξ₀ = z − Σ_b A_b u_b of the projection of z onto the cone Σ_b A_b K_b (a constrained least
    /// squares, `ConstrainedLeastSquares`), the dual direction of the bound: at the exact projection A_bᵀξ₀ lies in
    /// the polar of K_b, so q̂ + t ξ₀ stays feasible on the blocks of B for every t ≥ 0 (‖Π_K(a + g)‖ ≤ ‖Π_K a‖ for g
    /// in the polar), and the bound is H_c(dist(z, cone)). A ridge of `Tolerances.countRidge` ‖M‖_F keeps cells with
    /// fewer active rows than d + 1 solvable; it moves ξ₀ off the polar by about that, which the bound charges.
    let private coneResidual (blocks: Block[]) (z: float[]) (n: int) =
        let width = n * blocks.Length

        let rows =
            Array.init z.Length (fun i -> Array.concat (blocks |> Array.map (fun b -> b.Rows.[i])))

        let ridge =
            Tolerances.countRidge * sqrt (rows |> Array.sumBy (fun r -> Dense.dot r r))
            + Tolerances.tiny

        let m =
            Array.append rows (Array.init width (fun k -> Array.init width (fun l -> if k = l then ridge else 0.0)))

        let target = Array.append z (Array.zeroCreate width)

        let g =
            [|
                for b in 0 .. blocks.Length - 1 do
                    for a in blocks.[b].Normals -> Array.init width (fun l -> if l / n = b then -a.[l % n] else 0.0)
            |]

        match ConstrainedLeastSquares.solve width m target [||] [||] g (Array.zeroCreate g.Length) with
        | Ok sol -> Array.init z.Length (fun i -> z.[i] - Dense.dot rows.[i] sol.Solution)
        // Any direction gives a valid bound; z itself (the empty measure's residual) is the fallback.
        | Error _ -> Array.copy z

    /// The weak-duality bound d(ξ) of the module comment at ξ = t ξ₀, maximised over t ≥ 0 (concave in t).
    let private dualBound
        (blocks: Block[])
        (qHat: float[])
        (lambda: float)
        (c: float)
        (lip: float)
        (mass: float)
        (z: float[])
        (xi0: float[])
        (n: int)
        =
        let value (t: float) =
            let xi = Dense.scale t xi0
            let shifted = Array.map2 (+) qHat xi

            let penalty =
                blocks
                |> Array.sumBy (fun b ->
                    let g = transposeTimes b.Rows shifted n
                    max 0.0 ((Cone.project b.Normals g).Norm - lambda))

            Dense.dot xi z
            - 0.5 * Dense.dot xi xi
            - mass * penalty
            - lip * mass * max 0.0 (Dense.norm xi - c)

        let nx2 = Dense.dot xi0 xi0

        if nx2 = 0.0 then
            value 0.0
        else
            // Golden-section search on [0, 2 t*], t* the unconstrained maximiser.
            let hi = 2.0 * max 0.0 (Dense.dot xi0 z / nx2)
            let phi = (sqrt 5.0 - 1.0) / 2.0
            let mutable a = 0.0
            let mutable b = hi

            for _ in 1..60 do
                let x1 = b - phi * (b - a)
                let x2 = a + phi * (b - a)
                if value x1 < value x2 then a <- x1 else b <- x2

            max (value 0.0) (value (0.5 * (a + b)))

    /// All subsets of {0..n−1} of size k.
    let rec private subsets (n: int) (k: int) (start: int) : int list seq =
        seq {
            if k = 0 then
                yield []
            else
                for i in start .. n - k do
                    for rest in subsets n (k - 1) (i + 1) -> i :: rest
        }

    /// Everything the bounds share.
    type private Context =
        {
            Lambda: float
            QHat: float[]
            Z: float[]
            Certificate: Certificate
            Blocks: Block[]
            /// ‖X̃‖₂ ≥ max_θ ‖φ(θ)‖.
            FeatureBound: float
            /// J(μ̂)/λ: the largest mass of a measure that could beat μ̂.
            Mass: float
            Dim: int
        }

    /// The certified lower bound F_m on J(ν) − D(q̂) over measures ν with at most m atoms (m ≥ 1).
    let private fewAtomsBound (ctx: Context) (m: int) =
        let near = ctx.Blocks |> Array.truncate nearBlocks

        let tau =
            if ctx.Blocks.Length > near.Length then
                ctx.Blocks.[near.Length].Margin
            else
                1.0

        let c = ctx.Lambda * max tau 0.0 / ctx.FeatureBound

        subsets near.Length (min m near.Length) 0
        |> Seq.map (fun chosen ->
            let bs = chosen |> List.map (fun i -> near.[i]) |> Array.ofList
            let xi0 = coneResidual bs ctx.Z ctx.Dim
            dualBound bs ctx.QHat ctx.Lambda c ctx.FeatureBound ctx.Mass ctx.Z xi0 ctx.Dim)
        |> Seq.fold min infinity

    /// The hyperplanes on which the cells disagree.
    let private disagreements (arr: Arrangement) (cells: int[]) =
        [|
            for h in 0 .. arr.HyperplaneCount - 1 do
                let first = arr.IsActive(cells.[0], h)

                if cells |> Array.exists (fun c -> arr.IsActive(c, h) <> first) then
                    yield h
        |]

    /// The candidate blocks of Σ*, their groups, and the upper bound on the count (Int32.MaxValue when even the
    /// blocks with a non-positive maximum could hold a point).
    let private upperBound (arr: Arrangement) (data: Dataset) (ctx: Context) (rHat: float[]) (slack: float) =
        let rows = data.AugmentedRaw
        let residualDistance = sqrt (2.0 * slack)
        let rho = Dense.distance ctx.QHat rHat + residualDistance

        let frobenius (c: int) =
            sqrt (
                rows
                |> Array.mapi (fun i x ->
                    if arr.IsActive(c, arr.RowMap.[i]) then
                        Dense.dot x x
                    else
                        0.0)
                |> Array.sum
            )

        let allRows = sqrt (rows |> Array.sumBy (fun x -> Dense.dot x x))

        if rho * allRows / ctx.Lambda + Tolerances.projectionRounding >= 1.0 then
            [||], [||], System.Int32.MaxValue
        else
            let candidates =
                ctx.Blocks
                |> Array.filter (fun b -> b.Margin <= rho * frobenius b.Cell / ctx.Lambda + Tolerances.projectionRounding)
                |> Array.map (fun b -> b.Cell, b.Sign)

            let index =
                candidates |> Array.indexed |> Array.map (fun (i, key) -> key, i) |> dict

            let parent = Array.init candidates.Length id

            let rec find i =
                if parent.[i] = i then i else find parent.[i]
            // s r*_h < 0 decided from r̂: |Σ_{rows on h} (r̂_i − r*_i)| ≤ √(rows on h) ‖r̂ − r*‖.
            let concave (h: int) (s: int) =
                let onH =
                    arr.RowMap
                    |> Array.indexed
                    |> Array.filter (fun (_, hi) -> hi = h)
                    |> Array.map fst

                let total = onH |> Array.sumBy (fun i -> rHat.[i])
                float s * total < -sqrt(float onH.Length) * residualDistance

            for i, (c, s) in Array.indexed candidates do
                for h in arr.FacetsRaw c do
                    let c2 = arr.NeighbourAcross(c, h)

                    if c2 >= 0 && index.ContainsKey((c2, s)) && concave h s then
                        parent.[find i] <- find index.[(c2, s)]

            let groups = Array.init candidates.Length find

            let count =
                groups
                |> Array.distinct
                |> Array.sumBy (fun g ->
                    let members =
                        [|
                            for i in 0 .. groups.Length - 1 do
                                if groups.[i] = g then
                                    yield i
                        |]

                    let s = snd candidates.[members.[0]]
                    let cells = members |> Array.map (fun i -> fst candidates.[i])

                    if disagreements arr cells |> Array.forall (fun h -> concave h s) then
                        1
                    else
                        members.Length)

            candidates, groups, count

    /// Decides the number of atoms of the minimisers of P_λ from a solution μ̂ with its assessment (residual and
    /// exact sup|η| of §3), proving "at least" bounds up to target + 1 (so that a count above the target is
    /// decided too) and one "at most" bound.
    let decide (arr: Arrangement) (data: Dataset) (lambda: float) (mu: Measure) (residual: float[]) (supremum: float) (target: int) =
        let y = data.LabelsRaw
        let qHat = residual |> Array.map (fun r -> r / max 1.0 supremum)
        let z = Array.map2 (-) y qHat
        let j = 0.5 * Dense.dot residual residual + lambda * Measure.totalVariation mu
        let d = Dense.dot y qHat - 0.5 * Dense.dot qHat qHat

        let rounding =
            Tolerances.countRounding * (abs j + 0.5 * Dense.dot y y + Dense.dot z z)

        let slack = max 0.0 (j - d) + rounding
        let cert = Certificate.ofDual arr data lambda qHat

        let ctx =
            {
                Lambda = lambda
                QHat = qHat
                Z = z
                Certificate = cert
                Blocks = blocksOf arr data cert
                FeatureBound = LimitCertificate.featureBound data * (1.0 + Tolerances.projectionRounding)
                Mass = j / lambda
                Dim = arr.AmbientDimension
            }

        let bounds = ResizeArray<float>()
        let mutable atLeast = 0
        let mutable go = true

        while go && atLeast <= target do
            let m = atLeast
            let f = if m = 0 then 0.5 * Dense.dot z z else fewAtomsBound ctx m
            bounds.Add f

            if f > slack + rounding then
                atLeast <- atLeast + 1
            else
                go <- false

        let candidates, groups, atMost = upperBound arr data ctx residual slack

        {
            AtLeast = atLeast
            AtMost = atMost
            Slack = slack
            Bounds = bounds.ToArray()
            Candidates = candidates
            Groups = groups
        }

    /// The atoms of μ̂ merged per group of the decision: atoms of one sign whose closed cells lie in one group are one
    /// Dirac of the minimiser (at most one per group is proven), replaced by their first moment Σ|a_j|θ_j (the exact
    /// reduction of §4 within a closed cell). Atoms in no candidate block stay as they are. Never a radius.
    let mergeByGroups (arr: Arrangement) (decision: CountDecision) (mu: Measure) : Atom[] =
        let units = arr.UnitNormalsRaw

        let inClosure (c: int) (theta: float[]) =
            units
            |> Array.mapi (fun h u ->
                let t = Dense.dot theta u

                if arr.IsActive(c, h) then
                    t >= -Tolerances.boundary
                else
                    t <= Tolerances.boundary)
            |> Array.forall id

        let groupOf (atom: Atom) =
            decision.Candidates
            |> Array.tryFindIndex (fun (c, s) -> s = sign atom.Amplitude && inClosure c atom.Direction)
            |> Option.map (fun i -> decision.Groups.[i])

        mu.AtomsRaw
        |> Array.mapi (fun i a ->
            match groupOf a with
            | Some g -> (g, 0), a
            | None -> (-1, i), a)
        |> Array.groupBy fst
        |> Array.map (fun (_, members) ->
            let atoms = members |> Array.map snd

            let moment =
                Array.init arr.AmbientDimension (fun k -> atoms |> Array.sumBy (fun a -> abs a.Amplitude * a.Direction.[k]))

            let mass = Dense.norm moment

            {
                Direction = Dense.scale (1.0 / mass) moment
                Amplitude = float (sign atoms.[0].Amplitude) * mass
            })
