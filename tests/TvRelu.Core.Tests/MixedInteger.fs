/// An independent second oracle for the supremum of the certificate (THEORY.md §9): a mixed-integer
/// program solved by SCIP through Google OR-Tools, used by the tests only.
///
///   maximise Σ_i w_i h_i over θ ∈ R^{d+1}, ‖θ‖² ≤ 1, with h_i = σ(⟨θ, x̂_i⟩):
///   every row:           h_i ≥ ⟨θ, x̂_i⟩, h_i ≥ 0            (exact for w_i < 0: the optimum pushes h_i down)
///   w_i > 0, binary z_i: h_i ≤ ⟨θ, x̂_i⟩ + M (1 − z_i), h_i ≤ M z_i, M = 1 (the interval of ⟨θ, x̂_i⟩
///                        over the ball is [−1, 1] for unit x̂_i: the big-M from the root bounds).
/// Rows are normalised (σ is positively homogeneous, so w_i takes ‖x̃_i‖) to keep SCIP's numerics sane.
///
/// OR-Tools' .NET `LinearSolver` has no quadratic constraints, so the model is written as an
/// `MPModelProto` with an `MPQuadraticConstraint` (the ball), read by `ModelBuilderHelper` from its
/// binary file, and solved by `ModelSolverHelper("scip")`, which passes quadratic constraints to SCIP.
/// SCIP decides within its feasibility tolerance (1e-9 here) and a relative gap of 1e-8, so its θ is then polished: the closed
/// cells it can be in (every sign within 1e-7 of 0 taken both ways) are maximised exactly by Lemma 1.
module TvRelu.Core.Tests.MixedInteger

open System
open System.IO
open Google.Protobuf
open Google.OrTools.ModelBuilder
open OperationsResearch
open TvRelu.Core.Data
open TvRelu.Core.Arrangements
open TvRelu.Core.Numerics
open TvRelu.Core.Cones
open TvRelu.Core.Tests.Oracles

/// SCIP's answer: its objective, its θ and the polished value (the best closed-cell maximum around θ).
type MipAnswer =
    {
        Objective: float
        Theta: float[]
        Polished: float
        Status: string
    }

let private variable (lo: float) (hi: float) (objective: float) (integer: bool) =
    let v = MPVariableProto()
    v.LowerBound <- lo
    v.UpperBound <- hi
    v.ObjectiveCoefficient <- objective
    v.IsInteger <- integer
    v

let private linear (lo: float) (hi: float) (terms: (int * float) list) =
    let c = MPConstraintProto()
    c.LowerBound <- lo
    c.UpperBound <- hi

    for (i, a) in terms do
        c.VarIndex.Add i
        c.Coefficient.Add a

    c

/// The rows x̂_i (unit) and weights w_i ‖x̃_i‖ of sign · η for dual q at λ, equal rows merged.
let private unitRows (xt: float[][]) (q: float[]) (lambda: float) (sign: float) =
    xt
    |> Array.mapi (fun i x -> x, sign * q.[i] / lambda)
    |> Array.groupBy (fun (x, _) -> String.Join(",", x))
    |> Array.map (fun (_, g) ->
        let x = fst g.[0]
        let w = g |> Array.sumBy snd
        unit x, w * norm x)
    |> Array.filter (fun (_, w) -> w <> 0.0)

let private model (rows: (float[] * float)[]) (n: int) =
    let m = MPModelProto()
    m.Maximize <- true

    for _ in 0 .. n - 1 do
        m.Variable.Add(variable -1.0 1.0 0.0 false)

    for (x, w) in rows do
        let h = m.Variable.Count
        m.Variable.Add(variable 0.0 1.0 w false)
        let dotTerms = [ for k in 0 .. n - 1 -> k, -x.[k] ]
        m.Constraint.Add(linear 0.0 infinity ((h, 1.0) :: dotTerms))

        if w > 0.0 then
            let z = m.Variable.Count
            m.Variable.Add(variable 0.0 1.0 0.0 true)
            m.Constraint.Add(linear -infinity 1.0 ((h, 1.0) :: (z, 1.0) :: dotTerms))
            m.Constraint.Add(linear -infinity 0.0 [ h, 1.0; z, -1.0 ])

    let ball = MPQuadraticConstraint()

    for k in 0 .. n - 1 do
        ball.Qvar1Index.Add k
        ball.Qvar2Index.Add k
        ball.Qcoefficient.Add 1.0

    ball.LowerBound <- -infinity
    ball.UpperBound <- 1.0
    let g = MPGeneralConstraintProto()
    g.QuadraticConstraint <- ball
    m.GeneralConstraint.Add g
    m

/// The closed-cell maxima around θ: signs within `ambiguity` of 0 are tried both ways (at most 2^8).
let private polish (rows: (float[] * float)[]) (theta: float[]) =
    let ambiguity = 1e-7
    let t = rows |> Array.map (fun (x, _) -> dot theta x)

    let unclear =
        [|
            for i in 0 .. rows.Length - 1 do
                if abs t.[i] <= ambiguity then
                    yield i
        |]
        |> Array.truncate 8

    let mutable best = rows |> Array.sumBy (fun (x, w) -> w * relu (dot theta x))

    for mask in 0 .. (1 <<< unclear.Length) - 1 do
        let active = t |> Array.map (fun v -> v > ambiguity)
        unclear |> Array.iteri (fun b i -> active.[i] <- (mask >>> b) &&& 1 = 1)
        let v = Array.zeroCreate theta.Length

        rows
        |> Array.iteri (fun i (x, w) ->
            if active.[i] then
                for k in 0 .. v.Length - 1 do
                    v.[k] <- v.[k] + w * x.[k])

        let normals =
            rows |> Array.mapi (fun i (x, _) -> if active.[i] then scale -1.0 x else x)

        let p = Cone.project normals v

        if p.Norm > 0.0 then
            let point = scale (1.0 / p.Norm) p.Point
            best <- max best (rows |> Array.sumBy (fun (x, w) -> w * relu (dot point x)))

    best

/// sup of sign · η over the sphere by SCIP, for dual q at λ on the augmented rows xt.
let supremum (xt: float[][]) (q: float[]) (lambda: float) (sign: float) =
    let n = xt.[0].Length
    let rows = unitRows xt q lambda sign
    // The objective is scaled to max |w_i| = 1 (and scaled back): with weights in the thousands (λ = 1e-3)
    // SCIP 9.15 ended with UNKNOWN_STATUS and no solution.
    let wmax = rows |> Array.fold (fun acc (_, w) -> max acc (abs w)) 0.0
    let wscale = if wmax > 0.0 then wmax else 1.0
    let path = Path.GetTempFileName()

    try
        File.WriteAllBytes(path, (model (rows |> Array.map (fun (x, w) -> x, w / wscale)) n).ToByteArray())
        use helper = new ModelBuilderHelper()

        if not (helper.ReadModelFromProtoFile path) then
            failwith "OR-Tools could not read the MIP model"

        use solver = new ModelSolverHelper("scip")

        if not (solver.SolverIsSupported()) then
            failwith "this OR-Tools build has no SCIP"

        // A zero gap never closes: the ball is met only to the feasibility tolerance, and SCIP spins at a
        // 1e-9 gap until its time limit. 1e-8 stops it; the polish recovers the digits.
        solver.SetSolverSpecificParameters("limits/gap = 1e-8\nnumerics/feastol = 1e-9\nrandomization/randomseedshift = 7")
        solver.SetTimeLimitInSeconds 60.0
        solver.Solve helper
        let theta = Array.init n (fun k -> solver.VariableValue k)
        let unitTheta = if norm theta > 0.0 then unit theta else theta

        {
            Objective = wscale * max 0.0 (solver.ObjectiveValue())
            Theta = unitTheta
            Polished = max 0.0 (if norm theta > 0.0 then polish rows unitTheta else 0.0)
            Status = sprintf "%O %s" (solver.Status()) (solver.StatusString())
        }
    finally
        File.Delete path
