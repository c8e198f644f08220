namespace TvRelu.Core.Solver

open TvRelu.Core.Numerics
open TvRelu.Core.Data
open TvRelu.Core.Arrangements
open TvRelu.Core.Cones
open TvRelu.Core.Certificates


/// The penalty an atom u = |a| θ pays, as the sliding solver needs it: its value, gradient and Hessian on
/// the face the atom lies on, which is where the objective is smooth.
type internal AtomPenalty =
    {
        /// pen(u) on the face whose strictly active rows are given, with its gradient and Hessian there.
        OnFace: int[] -> float[] -> float * float[] * float[,]
        /// Whether pen depends on the face (the label-noise weight of §7 does, ‖u‖ does not). A face-dependent
        /// penalty is read on the face of u itself, atoms merge only when they keep the same strictly active
        /// rows, and an atom leaves its hyperplanes only to the sides where they stay inactive: everywhere else
        /// the weight jumps up.
        FaceDependent: bool
    }

/// One certificate evaluation of the current atoms: the certified gap (THEORY.md §2), and the exact linear
/// minimisation oracle's answer (the argmax of |η| over the whole sphere, with its sign).
type internal OracleAnswer =
    {
        Assessment: Assessment
        Direction: float[]
        Sign: int
    }

/// The atom machinery of the sliding Frank–Wolfe solvers (Denoyelle, Duval, Peyré, Soubies 2019):
/// atoms a_j δ_{θ_j} held as u_j = |a_j| θ_j with a fixed sign s_j, so that the objective
///   F(u) = ½‖Σ_j s_j σ(X̃ u_j) − y‖² + λ Σ_j pen(u_j)
/// is, on each product of faces of the arrangement, a smooth convex function (a quadratic in the
/// linear features plus norms): the cells only switch where an atom crosses a hyperplane.
module internal Sliding =

    /// The data seen by the atoms: rows x̃_i grouped by hyperplane (duplicate inputs share one).
    type Context =
        {
            Rows: float[][]
            Labels: float[]
            Lambda: float
            Penalty: AtomPenalty
            Dim: int
            /// Unit normal of each hyperplane, and the rows on it.
            Units: float[][]
            RowsOf: int[][]
            /// λ + ‖y‖ max‖x̃_i‖: the size of a gradient, for relative tolerances.
            Scale: float
        }

    /// The atoms' view of a problem: its rows grouped by hyperplane, λ and the penalty.
    let context (arr: Arrangement) (data: Dataset) (lambda: float) (penalty: AtomPenalty) =
        let rows = data.AugmentedRaw
        let m = arr.HyperplaneCount
        let rowsOf = Array.init m (fun _ -> ResizeArray<int>())
        arr.RowMap |> Array.iteri (fun i h -> rowsOf.[h].Add i)

        {
            Rows = rows
            Labels = data.LabelsRaw
            Lambda = lambda
            Penalty = penalty
            Dim = arr.AmbientDimension
            Units = arr.UnitNormalsRaw
            RowsOf = rowsOf |> Array.map (fun r -> r.ToArray())
            Scale = lambda + Dense.norm data.LabelsRaw * (rows |> Array.map Dense.norm |> Array.max)
        }

    /// A point within this (on unit vectors) of a hyperplane is on it for the local solver; it is then
    /// snapped onto it exactly, so the faces the solver works on are unambiguous.
    let faceTolerance = Tolerances.slidingFace

    /// Side of every hyperplane: +1, −1, or 0 within `tol` on unit vectors.
    let sides (ctx: Context) (tol: float) (u: float[]) =
        let nu = Dense.norm u

        ctx.Units
        |> Array.map (fun e ->
            let t = Dense.dot e u

            if abs t <= tol * nu then 0
            elif t > 0.0 then 1
            else -1)

    /// The strictly active rows of a sign pattern.
    let activeRows (ctx: Context) (side: int[]) =
        [|
            for h in 0 .. side.Length - 1 do
                if side.[h] > 0 then
                    yield! ctx.RowsOf.[h]
        |]

    /// ‖μ‖_TV: an atom u (a = ‖u‖, θ = u/‖u‖) costs ‖u‖ (THEORY.md §1), the same on every face.
    let uniform =
        {
            OnFace =
                fun _ u ->
                    let n = u.Length
                    let nu = Dense.norm u
                    let g = Dense.scale (1.0 / nu) u
                    nu, g, Array2D.init n n (fun k l -> ((if k = l then 1.0 else 0.0) - g.[k] * g.[l]) / nu)
            FaceDependent = false
        }

    /// pen(u) on the face of `side`, with its gradient and Hessian there (THEORY.md §1, §7).
    let penalty (ctx: Context) (side: int[]) (u: float[]) =
        ctx.Penalty.OnFace
            (if ctx.Penalty.FaceDependent then
                 activeRows ctx side
             else
                 [||])
            u

    let private penaltyValue (ctx: Context) (u: float[]) =
        let side =
            if ctx.Penalty.FaceDependent then
                sides ctx Tolerances.weightBoundary u
            else
                [||]

        let v, _, _ = penalty ctx side u
        v

    /// Σ_j s_j σ(X̃ u_j).
    let fitted (ctx: Context) (us: float[][]) (signs: int[]) =
        let f = Array.zeroCreate ctx.Rows.Length

        for j in 0 .. us.Length - 1 do
            let u = us.[j]
            let s = float signs.[j]

            ctx.Rows
            |> Array.iteri (fun i x ->
                let z = Dense.dot u x

                if z > 0.0 then
                    f.[i] <- f.[i] + s * z)

        f

    /// F(u) = ½‖Σ_j s_j σ(X̃ u_j) − y‖² + λ Σ_j pen(u_j).
    let objective (ctx: Context) (us: float[][]) (signs: int[]) =
        let f = fitted ctx us signs
        let mutable s = 0.0

        for i in 0 .. f.Length - 1 do
            s <- s + (f.[i] - ctx.Labels.[i]) ** 2.0

        0.5 * s + ctx.Lambda * (us |> Array.sumBy (penaltyValue ctx))

    /// The orthogonal projection of u onto the hyperplanes it lies on (within `faceTolerance`).
    let snap (ctx: Context) (u: float[]) =
        let side = sides ctx faceTolerance u

        let zero =
            [|
                for h in 0 .. side.Length - 1 do
                    if side.[h] = 0 then
                        yield ctx.Units.[h]
            |]

        if zero.Length = 0 then
            u
        else
            let basis = Dense.nullSpace ctx.Dim zero
            Dense.combine basis (basis |> Array.map (fun b -> Dense.dot b u)) ctx.Dim

    /// The exact amplitudes for fixed directions: min over b ≥ 0 of ½‖Σ_j s_j b_j φ(θ_j) − y‖² + λ Σ_j b_j pen(θ_j),
    /// the fully corrective step of Frank–Wolfe. Returns the new u_j = b_j θ_j.
    let refitAmplitudes (ctx: Context) (us: float[][]) (signs: int[]) =
        let k = us.Length
        let dirs = us |> Array.map (fun u -> Dense.scale (1.0 / Dense.norm u) u)

        let feats =
            dirs
            |> Array.map (fun t -> ctx.Rows |> Array.map (fun x -> max 0.0 (Dense.dot t x)))

        let w = dirs |> Array.map (penaltyValue ctx)

        let q =
            Array2D.init k k (fun j t -> float (signs.[j] * signs.[t]) * Dense.dot feats.[j] feats.[t])

        let c =
            Array.init k (fun j -> float signs.[j] * Dense.dot feats.[j] ctx.Labels - ctx.Lambda * w.[j])

        let b = Nnls.solveQuadratic q c (us |> Array.map Dense.norm)
        Array.init k (fun j -> Dense.scale b.[j] dirs.[j])

    /// Two atoms of one sign can become one, at the sum u_j + u_k, without raising F, when they lie in a
    /// common closed face where φ is linear: no hyperplane strictly separates them (then
    /// φ(u_j) + φ(u_k) = φ(u_j + u_k) and ‖u_j + u_k‖ ≤ ‖u_j‖ + ‖u_k‖, THEORY.md §4). With the label-noise
    /// weight the sum must also keep the same strictly active rows, or its weight could jump up (§7).
    let mergeable (ctx: Context) (u: float[]) (v: float[]) =
        let su = sides ctx Tolerances.weightBoundary u
        let sv = sides ctx Tolerances.weightBoundary v

        if ctx.Penalty.FaceDependent then
            Array.forall2 (fun a b -> (a > 0) = (b > 0)) su sv
        else
            Array.forall2 (fun a b -> a * b >= 0) su sv

    /// Merges mergeable atoms of one sign (the one merge, `Merge.greedy`: each joins the first earlier kept
    /// atom it may merge with, which becomes their sum) and drops atoms whose mass is negligible.
    let consolidate (ctx: Context) (us: float[][]) (signs: int[]) =
        let total = us |> Array.sumBy Dense.norm
        let sums = us |> Array.map Array.copy

        let _, kept =
            Merge.amongAll
                us.Length
                (fun j -> Dense.norm us.[j] > Tolerances.negligibleMass * total)
                (fun t j -> signs.[t] = signs.[j] && mergeable ctx sums.[t] us.[j])
                (fun t j -> sums.[t] <- Dense.axpy 1.0 us.[j] sums.[t])

        kept |> Array.map (fun t -> sums.[t]), kept |> Array.map (fun t -> signs.[t])

    /// The steepest way off the faces for atom j at a point that is stationary on them: for each choice of
    /// side σ of the hyperplanes Z through it, F is linear to first order on the cone T_σ of directions
    /// into that side, with gradient g_σ; the best descent direction there is Π_{T_σ}(−g_σ) (Lemma 1 of §3
    /// again). With the label-noise weight only the sides where the rows of Z stay inactive are local moves:
    /// on the others ω jumps up. Returns (decrease rate, direction) of the best side.
    let releaseDirection (ctx: Context) (residual: float[]) (u: float[]) (sign: int) =
        let side = sides ctx faceTolerance u

        let zero =
            [|
                for h in 0 .. side.Length - 1 do
                    if side.[h] = 0 then
                        yield h
            |]

        if zero.Length = 0 || zero.Length > 12 then
            0.0, [||]
        else
            let n = ctx.Dim
            let s = float sign
            let _, gpen, _ = penalty ctx side u
            let g0 = Dense.scale ctx.Lambda gpen

            for i in activeRows ctx side do
                for k in 0 .. n - 1 do
                    g0.[k] <- g0.[k] + s * residual.[i] * ctx.Rows.[i].[k]
            // r_h = Σ_{i on h} r_i: the jump of the data gradient when h turns active.
            let rh =
                zero
                |> Array.map (fun h -> ctx.RowsOf.[h] |> Array.sumBy (fun i -> residual.[i]))

            let choices =
                if ctx.Penalty.FaceDependent then
                    [ 0 ]
                else
                    [ 0 .. (1 <<< zero.Length) - 1 ]

            let mutable best = 0.0
            let mutable dir = [||]

            for mask in choices do
                let g = Array.copy g0

                let normals =
                    zero
                    |> Array.mapi (fun t h ->
                        let e = ctx.Units.[h]

                        if (mask >>> t) &&& 1 = 1 then
                            let x = ctx.Rows.[ctx.RowsOf.[h].[0]]

                            for k in 0 .. n - 1 do
                                g.[k] <- g.[k] + s * rh.[t] * x.[k]

                            Dense.scale -1.0 e
                        else
                            Array.copy e)

                let p = Cone.project normals (Dense.scale -1.0 g)

                if p.Norm > best then
                    best <- p.Norm
                    dir <- p.Point

            best, dir

    /// The largest step α ≤ cap along du before u crosses a hyperplane it is strictly off.
    let private ratioTest (ctx: Context) (u: float[]) (du: float[]) (cap: float) =
        let side = sides ctx faceTolerance u
        let mutable alpha = cap
        let mutable blocking = -1

        for h in 0 .. side.Length - 1 do
            if side.[h] <> 0 then
                let e = ctx.Units.[h]
                let t = Dense.dot e u
                let rate = Dense.dot e du

                if t * rate < 0.0 then
                    let a = -t / rate

                    if a < alpha then
                        alpha <- a
                        blocking <- h

        alpha, blocking

    /// An orthonormal basis of the face an atom lies on: the null space of the hyperplanes at zero in `side`.
    let private faceBasis (ctx: Context) (side: int[]) =
        Dense.nullSpace
            ctx.Dim
            [|
                for h in 0 .. side.Length - 1 do
                    if side.[h] = 0 then
                        yield ctx.Units.[h]
            |]

    /// The Newton system of F in the reduced coordinates of the atoms' faces: the Gauss–Newton Hessian of the
    /// fit (the columns of its Jacobian, zero off each atom's strictly active rows) plus λ times the penalty's
    /// Hessian on the face, with a little Levenberg damping (`Tolerances.slidingDamping`), and the gradient.
    let private newtonSystem (ctx: Context) (us: float[][]) (signs: int[]) (residual: float[]) (sidesOf: int[][]) (bases: float[][][]) =
        let n = ctx.Dim
        let offs = Array.scan (+) 0 (bases |> Array.map Array.length)
        let total = offs.[us.Length]

        let cols =
            [|
                for j in 0 .. us.Length - 1 do
                    let act = activeRows ctx sidesOf.[j]

                    for v in bases.[j] do
                        let col = Array.zeroCreate ctx.Rows.Length

                        for i in act do
                            col.[i] <- float signs.[j] * Dense.dot ctx.Rows.[i] v

                        yield col
            |]

        let hess = Array2D.init total total (fun a b -> Dense.dot cols.[a] cols.[b])
        let grad = Array.init total (fun a -> Dense.dot cols.[a] residual)

        for j in 0 .. us.Length - 1 do
            let _, gp, hp = penalty ctx sidesOf.[j] us.[j]
            let vs = bases.[j]

            for a in 0 .. vs.Length - 1 do
                grad.[offs.[j] + a] <- grad.[offs.[j] + a] + ctx.Lambda * Dense.dot vs.[a] gp

                for b in 0 .. vs.Length - 1 do
                    let mutable s = 0.0

                    for k in 0 .. n - 1 do
                        for l in 0 .. n - 1 do
                            s <- s + vs.[a].[k] * hp.[k, l] * vs.[b].[l]

                    hess.[offs.[j] + a, offs.[j] + b] <- hess.[offs.[j] + a, offs.[j] + b] + ctx.Lambda * s

        let mutable dmax = Tolerances.tiny

        for a in 0 .. total - 1 do
            dmax <- max dmax hess.[a, a]

        for a in 0 .. total - 1 do
            hess.[a, a] <- hess.[a, a] + Tolerances.slidingDamping * dmax

        hess, grad, offs

    /// One Newton step on (a_j, θ_j) jointly, restricted to the faces the atoms lie on, backtracked on F; a
    /// step that reaches a hyperplane an atom would cross stops there and the atom is snapped onto it.
    /// Returns whether it made progress, and the new atoms and objective.
    let private newtonSlide (ctx: Context) (us: float[][]) (signs: int[]) (residual: float[]) (fobj: float) =
        let sidesOf = us |> Array.map (sides ctx faceTolerance)
        let bases = sidesOf |> Array.map (faceBasis ctx)
        let hess, grad, offs = newtonSystem ctx us signs residual sidesOf bases
        let mutable moved = false
        let mutable us = us
        let mutable fobj = fobj

        if Dense.norm grad > Tolerances.slidingStationary * ctx.Scale && grad.Length > 0 then
            let step = Dense.solveSymmetric hess grad

            let du =
                Array.init us.Length (fun j ->
                    Dense.scale -1.0 (Dense.combine bases.[j] (Array.sub step offs.[j] bases.[j].Length) ctx.Dim))

            let mutable alphaMax = 1.0
            let mutable blocking = None

            for j in 0 .. us.Length - 1 do
                let a, h = ratioTest ctx us.[j] du.[j] alphaMax

                if a < alphaMax then
                    alphaMax <- a
                    blocking <- Some(j, h)

            let mutable alpha = alphaMax

            while not moved && alpha > Tolerances.slidingStepFloor do
                let trial = Array.init us.Length (fun j -> Dense.axpy alpha du.[j] us.[j])

                match blocking with
                | Some(j, _) when alpha = alphaMax -> trial.[j] <- snap ctx trial.[j]
                | _ -> ()

                let ft = objective ctx trial signs

                if ft < fobj then
                    moved <-
                        fobj - ft > Tolerances.slidingDecrease * abs fobj
                        || alpha = alphaMax && blocking.IsSome

                    us <- trial
                    fobj <- ft

                    if not moved then
                        alpha <- 0.0
                else
                    alpha <- 0.5 * alpha

        moved, us, fobj

    /// At a point stationary on the faces: moves the atom with the steepest release (`releaseDirection`) off
    /// its hyperplanes into a neighbouring cell, backtracked on F from the first hyperplane it would cross.
    /// None when no release lowers F.
    let private release (ctx: Context) (us: float[][]) (signs: int[]) (residual: float[]) (fobj: float) =
        let mutable bestRate = Tolerances.slidingRelease * ctx.Scale
        let mutable bestAtom = -1
        let mutable bestDir = [||]

        for j in 0 .. us.Length - 1 do
            let rate, dir = releaseDirection ctx residual us.[j] signs.[j]

            if rate > bestRate then
                bestRate <- rate
                bestAtom <- j
                bestDir <- dir

        if bestAtom < 0 then
            None
        else
            let j = bestAtom
            let cap, _ = ratioTest ctx us.[j] bestDir (Dense.norm us.[j] / Dense.norm bestDir)
            let mutable alpha = cap
            let mutable result = None

            while result.IsNone && alpha > Tolerances.stepLengthZero * cap do
                let trial = Array.copy us
                trial.[j] <- Dense.axpy alpha bestDir us.[j]
                let ft = objective ctx trial signs

                if ft < fobj then
                    result <- Some(trial, ft)
                else
                    alpha <- 0.5 * alpha

            result

    /// The local solver of the sliding step: Newton's method on (a_j, θ_j) jointly, in the variables u_j,
    /// restricted to the faces the atoms lie on, where F is smooth. A step stops at the first hyperplane an
    /// atom would cross (the ratio test) and the atom is put on it; at a point stationary on the faces,
    /// the steepest release (`releaseDirection`) moves one atom off its hyperplanes into a neighbouring
    /// cell. So atoms slide from cell to cell. It only ever lowers F; it is a local solver, and optimality
    /// is decided by the exact certificate outside it, never by its own stopping.
    let slide (ctx: Context) (us0: float[][]) (signs0: int[]) (maxIter: int) =
        let mutable us = us0 |> Array.map (snap ctx)
        let mutable signs = signs0
        let mutable fobj = objective ctx us signs
        let mutable iter = 0
        let mutable fin = false

        while not fin && iter < maxIter do
            iter <- iter + 1

            let keep =
                [| 0 .. us.Length - 1 |] |> Array.filter (fun j -> Dense.norm us.[j] > 0.0)

            us <- keep |> Array.map (fun j -> us.[j])
            signs <- keep |> Array.map (fun j -> signs.[j])

            if us.Length = 0 then
                fin <- true
            else
                let f = fitted ctx us signs
                let residual = Array.init f.Length (fun i -> f.[i] - ctx.Labels.[i])
                let moved, us1, f1 = newtonSlide ctx us signs residual fobj
                us <- us1
                fobj <- f1

                if not moved then
                    // Stationary on the faces (or no progress possible there): try to leave a face.
                    match release ctx us signs residual fobj with
                    | Some(us2, f2) ->
                        us <- us2
                        fobj <- f2
                    | None -> fin <- true

        us, signs

    /// The oracle's answer from an assessment and the point where its supremum is attained.
    let answer (assessment: Assessment) (direction: float[]) (sign: int) =
        {
            Assessment = assessment
            Direction = direction
            Sign = sign
        }

    /// The sliding Frank–Wolfe loop. Each round asks the oracle for the certified gap and the exact argmax
    /// θ* of |η|; it stops when the gap is certified (never on the round count, which only ends a run that
    /// is then reported as not certified). Otherwise θ* joins the atoms when |η(θ*)| > 1 (the Frank–Wolfe
    /// step), the amplitudes are refitted exactly, the atoms slide jointly, and atoms sharing a closed face
    /// merge.
    let run (ctx: Context) (oracle: float[][] -> int[] -> OracleAnswer) (maxRounds: int) (slideIterations: int) =
        let mutable us: float[][] = [||]
        let mutable signs: int[] = [||]
        let mutable answer = oracle us signs
        let mutable rounds = 0

        while not answer.Assessment.Certified && rounds < maxRounds do
            rounds <- rounds + 1

            if answer.Assessment.CertificateSup > 1.0 then
                // A tiny non-zero start only fixes the direction; the refit sets the amplitude.
                us <- Array.append us [| Dense.scale Tolerances.tiny answer.Direction |]
                signs <- Array.append signs [| answer.Sign |]

            if us.Length > 0 then
                us <- refitAmplitudes ctx us signs
                let u2, s2 = consolidate ctx us signs
                let u3, s3 = slide ctx u2 s2 slideIterations
                let u4, s4 = consolidate ctx u3 s3
                us <- u4
                signs <- s4

            answer <- oracle us signs

        us, signs, rounds, answer

    /// The measure Σ_j s_j ‖u_j‖ δ_{u_j/‖u_j‖}.
    let measureOf (dim: int) (us: float[][]) (signs: int[]) =
        Measure.ofAtoms dim (Array.map2 (fun u s -> u, float s) us signs)
