namespace TvRelu.Core.Training

open System.Diagnostics
open MathNet.Numerics.LinearAlgebra
open TvRelu.Core.Numerics
open TvRelu.Core.Data
open TvRelu.Core.Arrangements
open TvRelu.Core.Cones
open TvRelu.Core.Certificates
open TvRelu.Core.Solver

/// An extreme value of the weighted certificate η_ω(θ) = ⟨q, φ(θ)⟩ / (λ ω(θ)) over the sphere.
type WeightedExtremum =
    {
        /// sup |η_ω|, exact up to the boundary tolerance of `LabelNoise.boundaryTolerance`.
        Value: float
        /// A unit vector attaining it.
        Argument: float[]
        /// +1 when it is a maximum of η_ω, −1 a minimum.
        Sign: int
        /// The cell whose closure holds it (−1 if none: η_ω ≡ 0).
        Cell: int
    }

/// A solution of the weighted-TV (label-noise) problem min ½‖Kν − y‖² + λ ∫ ω d|ν| (THEORY.md §7).
type WeightedSolution =
    {
        Measure: Measure
        /// The weighted problem's objective ½‖Kν − y‖² + λ ∫ ω d|ν|, the dual bound D(q̂) of q̂ = q / max(1, s)
        /// (feasible for the weighted dual), the certified gap, and s = sup_θ |η_ω(θ)| by the exact per-face
        /// oracle: the fields of §2's assessment, read for the weighted problem.
        Assessment: Assessment
        /// ∫ ω d|ν|.
        WeightedTotalVariation: float
        Rounds: int
        Seconds: float
    }

/// The weighted-TV problem of the label-noise regulariser (THEORY.md §7):
///   minimise ½‖Kν − y‖² + λ ∫ ω d|ν|,  ω(θ) = (2/N)√(A(θ)B(θ)),
/// with the dual constraint |⟨q, φ(θ)⟩| ≤ λ ω(θ) for all θ, solved by the dual-region machinery of §3.
///
/// What carries over from the unweighted problem, and where (derived here):
/// - On a face F of the arrangement (relatively open, strictly active rows S_F), ⟨q, φ(θ)⟩/λ = ⟨θ, v_C⟩ for
///   every cell C whose closure holds F, A(θ) = θᵀG_Fθ and B(θ) = B_F is constant, so
///   η_ω(θ) = ⟨θ, v_C⟩ / (c_F √(θᵀG_Fθ)), c_F = (2/N)√B_F: a generalised Rayleigh quotient, not a linear
///   function. Lemma 1 (the cone projection) does NOT carry over; its replacement is face enumeration:
///   the max over a face spanning L is √(v_Lᵀ G_L⁻¹ v_L)/c_F at θ ∝ G_L⁻¹ v_L when G_L is positive definite
///   and that point lies in the face (one maximiser per open region: consequence 2 carries over then).
/// - ω is discontinuous on every boundary: B drops by ‖x̃_i‖² onto H_i, so ω is only lower
///   semicontinuous and a boundary face has a SMALLER weight c_F than the cells around it. The supremum
///   must therefore visit every face with its own weight, not only the cells: the oracle enumerates the
///   faces of each closed cell's cone, weighting each by its own strictly active rows. A saturation point on
///   a boundary can exceed the limits from both sides, and "η continuous, so Σ is closed" fails.
/// - Constant-ratio case: where G_F is singular (the active rows of the face do not span), ⟨θ, v⟩ and
///   θᵀGθ are both unchanged along null(G_F) (v lies in the span of the active rows), so the ratio is
///   constant on whole segments: the maximiser is not unique and "one extreme value per region" fails as a
///   statement about points. It still holds for values: moving along null(G_F) inside the (pointed) cone
///   reaches a lower face where G is definite with the same ratio and a weight no larger, so enumerating the
///   faces with G_L definite finds the supremum. Inputs that do not span R^{d+1} add a lineality space
///   that every G misses; the identity on it is added to G, which changes no ratio on the cone.
/// - The finite reformulation (§4) carries over per FACE, not per cell: the first moment of the mass on one
///   relatively open face costs no more (√(θᵀG_Fθ) is a seminorm there), but merging mass of a boundary face
///   with mass inside a neighbouring cell can cost more. Weak duality, hence the certified gap, carries over
///   unchanged, with the boundary tolerance below as the one numerical caveat.
/// Numerically, a point within 1e-12 (unit vectors) of a hyperplane is on it (`LabelNoise.boundaryTolerance`).
module WeightedTv =

    /// The maximum over the non-zero points of the closed cone {θ : ⟨a, θ⟩ ≤ 0 for the given outward
    /// normals a} of ⟨θ, v⟩ / (c(L) √(θᵀGθ)), by enumerating the faces of the cone (each face spans the
    /// subspace L orthogonal to a subset of at most n − 1 facet normals): on L the critical point is
    /// θ ∝ G_L⁻¹ v_L with value √(v_Lᵀ G_L⁻¹ v_L), kept when it lies in the cone. `weightOf basis` gives the
    /// face's weight c(L) (1 for the bare generalised Rayleigh quotient); faces where G_L is singular are
    /// skipped (the constant-ratio case, see the module notes). Returns (value, unit argument), value 0 when
    /// the ratio is nowhere positive.
    let coneMaximum (g: float[,]) (v: float[]) (normals: float[][]) (weightOf: float[][] -> float) =
        let n = v.Length
        let mutable best = 0.0
        let mutable arg = [||]

        let evaluate (chosen: int list) =
            let rows = chosen |> List.map (fun t -> normals.[t]) |> List.toArray
            let basis = Dense.nullSpace n rows

            if basis.Length = n - rows.Length && basis.Length > 0 then
                let l = basis.Length

                let gb =
                    basis
                    |> Array.map (fun b ->
                        Array.init n (fun k ->
                            let mutable s = 0.0 in

                            (for t in 0 .. n - 1 do
                                s <- s + g.[k, t] * b.[t])

                            s))

                let gl = Matrix<float>.Build.Dense(l, l, fun a b -> Dense.dot basis.[a] gb.[b])
                let evd = gl.Evd(Symmetricity.Symmetric)
                let ev = evd.EigenValues |> Seq.map (fun z -> z.Real) |> Seq.toArray
                let emax = Array.max ev

                if emax > 0.0 && Array.min ev > Tolerances.weightedDefinite * emax then
                    let vl =
                        Vector<float>.Build.DenseOfArray(basis |> Array.map (fun b -> Dense.dot b v))

                    let z = gl.Solve(vl)
                    let q = vl.DotProduct z

                    if q > 0.0 then
                        let theta = Dense.combine basis (z.ToArray()) n
                        let nt = Dense.norm theta

                        if Cone.contains (Tolerances.weightBoundary * nt) normals theta then
                            let c = weightOf basis

                            if c > 0.0 && sqrt q / c > best then
                                best <- sqrt q / c
                                arg <- Dense.scale (1.0 / nt) theta

        let rec subsets start (chosen: int list) size =
            evaluate chosen

            if size < n - 1 then
                for t in start .. normals.Length - 1 do
                    subsets (t + 1) (t :: chosen) (size + 1)

        subsets 0 [] 0
        best, arg

    /// The projector onto the lineality space {θ : ⟨θ, x̃_i⟩ = 0 for all i} (zero when the inputs span).
    let private linealityProjector (arr: Arrangement) =
        let n = arr.AmbientDimension
        let basis = Dense.nullSpace n arr.UnitNormalsRaw
        Array2D.init n n (fun k l -> basis |> Array.sumBy (fun b -> b.[k] * b.[l]))

    /// Per cell: the rows of its active set, G_C (plus the lineality projector), and the smallest ‖x̃_i‖²
    /// over them (which bounds every face's B from below).
    let private cellData (arr: Arrangement) (data: Dataset) (lineality: float[,]) (c: int) =
        let n = arr.AmbientDimension
        let rows = data.AugmentedRaw

        let active =
            [|
                for i in 0 .. rows.Length - 1 do
                    if arr.IsActive(c, arr.RowMap.[i]) then
                        yield i
            |]

        let g = Array2D.copy lineality

        for i in active do
            let x = rows.[i]

            for k in 0 .. n - 1 do
                for l in 0 .. n - 1 do
                    g.[k, l] <- g.[k, l] + x.[k] * x.[l]

        let minSq =
            if active.Length = 0 then
                0.0
            else
                active |> Array.map (fun i -> Dense.dot rows.[i] rows.[i]) |> Array.min

        active, g, minSq

    /// The maximum of sign · η_ω over the closure of cell c, with every face of the cell weighted by its own
    /// strictly active rows (THEORY.md §7; see the module notes): (value, argument).
    let internal cellMaximum (arr: Arrangement) (data: Dataset) (cert: Certificate) (lineality: float[,]) (sign: float) (c: int) =
        let active, g, _ = cellData arr data lineality c
        let rows = data.AugmentedRaw
        let scale = 2.0 / float data.Count

        let weightOf (basis: float[][]) =
            let mutable b = 0.0

            for i in active do
                let x = rows.[i]
                let nx = Dense.norm x
                let proj = Dense.norm (basis |> Array.map (fun e -> Dense.dot e x))

                if proj > Tolerances.faceSpansRow * nx then
                    b <- b + nx * nx

            scale * sqrt b

        let _, normals = Cone.ofCell arr c
        coneMaximum g (Dense.scale sign (cert.Piece c)) normals weightOf

    /// sup_θ |η_ω(θ)| for the dual vector q (η_ω = ⟨q, φ⟩/(λω)), exactly (up to the boundary tolerance), by
    /// branch and bound over the cells: √(vᵀG_C⁺v) / ((2/N) min_{i∈S_C} ‖x̃_i‖) bounds every face of the cell
    /// (the unconstrained maximum of the ratio, and the smallest weight a non-empty face can have), cells are
    /// visited by decreasing bound, and the scan stops when the bound cannot beat the best value.
    let supremum (arr: Arrangement) (data: Dataset) (lambda: float) (q: float[]) =
        let cert = Certificate.ofDual arr data lambda q
        let lineality = linealityProjector arr
        let cells = arr.CellCount
        let n = arr.AmbientDimension

        let bounds =
            Array.init cells (fun c ->
                let active, g, minSq = cellData arr data lineality c

                if active.Length = 0 then
                    0.0
                else
                    let v = cert.Piece c
                    let z = Dense.solveSymmetric g v
                    sqrt (max 0.0 (Dense.dot v z)) / (2.0 / float data.Count * sqrt minSq))

        let order = Array.init cells id |> Array.sortByDescending (fun c -> bounds.[c])
        // The one scan (`Scan.best`); a cell whose bound ties the best to rounding is still visited.
        let found =
            Scan.best order (fun c -> bounds.[c] * (1.0 + Tolerances.weightedBoundSlack)) [ 1; -1 ] 1 0.0 (fun c sign ->
                Some(cellMaximum arr data cert lineality (float sign) c))

        match found with
        | [| (c, sign, value, arg) |] ->
            {
                Value = value
                Argument = arg
                Sign = sign
                Cell = c
            }
        | _ ->
            {
                Value = 0.0
                Argument = Array.init n (fun k -> if k = n - 1 then -1.0 else 0.0)
                Sign = 1
                Cell = -1
            }

    /// The objective, certified gap and exact sup |η_ω| of a measure ν for the weighted problem, with the point
    /// attaining the supremum. With q = y − Kν and s = sup|η_ω|, q̂ = q / max(1, s) is feasible for the weighted
    /// dual, whose objective is that of §2, so 0 ≤ J_ω(ν) − J_ω* ≤ J_ω(ν) − D(q̂) (weak duality carries over).
    let assessWith (arr: Arrangement) (data: Dataset) (lambda: float) (tolerance: float option) (nu: Measure) =
        let q = Measure.residual data nu
        let top = supremum arr data lambda q
        Gap.ofResidual data.LabelsRaw q lambda (LabelNoise.weightedTotalVariation data nu) top.Value tolerance, top

    /// The label-noise weight as the sliding solver's atom penalty (THEORY.md §7): on the face with strictly
    /// active rows S an atom u costs c_S √(uᵀG_S u), c_S = (2/N)√B_S, G_S = Σ_{i∈S} x̃_i x̃_iᵀ,
    /// B_S = Σ_{i∈S} ‖x̃_i‖², with its gradient and Hessian on that face.
    let internal atomPenalty (data: Dataset) : AtomPenalty =
        let rows = data.AugmentedRaw

        let onFace (active: int[]) (u: float[]) =
            let n = u.Length
            let gm = Array2D.zeroCreate n n
            let mutable b = 0.0

            for i in active do
                let x = rows.[i]
                b <- b + Dense.dot x x

                for k in 0 .. n - 1 do
                    for l in 0 .. n - 1 do
                        gm.[k, l] <- gm.[k, l] + x.[k] * x.[l]

            let c = 2.0 / float rows.Length * sqrt b

            let gu =
                Array.init n (fun k ->
                    let mutable s = 0.0 in

                    (for l in 0 .. n - 1 do
                        s <- s + gm.[k, l] * u.[l])

                    s)

            let q = Dense.dot u gu

            if q <= 0.0 then
                0.0, Array.zeroCreate n, Array2D.zeroCreate n n
            else
                let sq = sqrt q
                c * sq, Dense.scale (c / sq) gu, Array2D.init n n (fun k l -> c * (gm.[k, l] / sq - gu.[k] * gu.[l] / (q * sq)))

        {
            OnFace = onFace
            FaceDependent = true
        }

    /// Solves the weighted problem by sliding Frank–Wolfe with the exact weighted oracle above (the same loop
    /// as `SlidingFrankWolfe`, with the penalty c_F √(uᵀG_F u) on each face), to a certified gap.
    let onArrangement (arr: Arrangement) (data: Dataset) (lambda: float) (options: FrankWolfeOptions) =
        Lambda.requirePositive "lambda" lambda

        let sw = Stopwatch.StartNew()
        let n = arr.AmbientDimension
        let ctx = Sliding.context arr data lambda (atomPenalty data)

        let oracle us signs =
            let a, top =
                assessWith arr data lambda options.Tolerance (Sliding.measureOf n us signs)

            Sliding.answer a top.Argument top.Sign

        let us, signs, rounds, last =
            Sliding.run ctx oracle options.MaxRounds options.SlideIterations

        let nu = Sliding.measureOf n us signs

        {
            Measure = nu
            Assessment = last.Assessment
            WeightedTotalVariation = LabelNoise.weightedTotalVariation data nu
            Rounds = rounds
            Seconds = sw.Elapsed.TotalSeconds
        }

    /// Solves the weighted problem on a data set.
    let solve (data: Dataset) (lambda: float) (options: FrankWolfeOptions) =
        onArrangement (Arrangement.ofDataset data) data lambda options
