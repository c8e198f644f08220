namespace TvRelu.Core.Solver

open System
open System.Diagnostics
open TvRelu.Core.Numerics
open TvRelu.Core.Data
open TvRelu.Core.Arrangements
open TvRelu.Core.Certificates
open TvRelu.Core.Uniqueness

/// Settings of the exact solver. The defaults are the library's promise: a certified gap of at
/// most max(1e-9 · J, 1e-13 · ½‖y‖²).
type SolverOptions =
    {
        /// Certified-gap tolerance; None for max(1e-9 · J, 1e-13 · ½‖y‖²).
        Tolerance: float option
        /// Column-generation rounds before giving up (the result is then reported as not certified).
        MaxRounds: int
        /// Points with |η| ≥ 1 − SaturationTolerance form the saturation set Σ (lowered, for a certified
        /// solution, as far as its gap lets an atom sit below 1, so that Σ always contains the support).
        SaturationTolerance: float
        /// A saturation point closer than this to a hyperplane (unit normals) is on a boundary.
        BoundaryTolerance: float
        /// Most violating (cell, sign) columns added per round.
        ColumnsPerRound: int
        /// Also enumerate the faces of every dimension, for the face bound of §3.
        CountFaces: bool
    }

    /// The defaults.
    static member Default =
        {
            Tolerance = None
            MaxRounds = 200
            SaturationTolerance = Tolerances.saturation
            BoundaryTolerance = Tolerances.boundary
            ColumnsPerRound = 8
            CountFaces = false
        }

/// The sparsity bounds of §3 next to the observed |Σ|.
type SparsityBounds =
    {
        SaturationPoints: int
        TwiceActiveCells: int
        Faces: int option
        DataPoints: int
    }

/// Wall-clock split of a solve.
type Timings =
    {
        Enumeration: TimeSpan
        Solve: TimeSpan
        Certification: TimeSpan
    }

/// A certified solution of P_λ (THEORY.md §1–§5).
type Solution =
    {
        Lambda: float
        Measure: Measure
        Assessment: Assessment
        Saturation: SaturationPoint[]
        Cells: int
        CellsWithActiveNeurons: int
        Bounds: SparsityBounds
        Uniqueness: UniquenessVerdict
        /// Column-generation rounds used.
        Rounds: int
        Timings: Timings
    }

/// The exact solver: column generation over the cells of the exact finite reformulation (§4),
/// priced by the exact certificate supremum (§3) and stopped only on a certified gap (§2).
module Solve =

    /// The problem's convention, stated in every output.
    [<Literal>]
    let convention =
        "J(mu) = 1/2 |K mu - y|^2 + lambda |mu|_TV over signed measures on S^d, inputs augmented as (x, 1)"

    /// λ_max = sup_θ |⟨y, φ(θ)⟩|: for λ ≥ λ_max the zero measure is optimal (η_0 = ⟨y, φ⟩/λ has sup ≤ 1).
    let lambdaMax (arr: Arrangement) (data: Dataset) =
        let s, _, _ =
            Certificate.supremumAbs (Certificate.ofDual arr data 1.0 data.LabelsRaw)

        s

    type internal State = { Blocks: Block[]; U: float[] }

    let internal measureOf (n: int) (state: State) =
        Measure.ofAtoms
            n
            (state.Blocks
             |> Array.mapi (fun b blk -> Array.sub state.U (b * n) n, float blk.Sign))

    /// Merges atoms of one sign that lie in a common closed cell. On a closed cell C, φ(θ) = X_C θ is
    /// linear (THEORY.md §3), so |a|δ_θ + |b|δ_θ' and one atom at |a|θ + |b|θ' give the same Kμ, and
    /// the merged atom has the smaller mass ‖|a|θ + |b|θ'‖ ≤ |a| + |b|: a minimiser never needs two. The
    /// solver can still return such pairs, typically an atom on a hyperplane next to one a rounding
    /// distance inside the adjacent cell, whose TV excess ~ |a||b|‖θ − θ'‖²/2 is below the gap; the
    /// low-noise audit counted them as two Diracs. Hyperplane sides are read at `Tolerances.boundary`;
    /// the caller re-certifies the merged measure, so a misread side cannot be accepted silently.
    let internal mergeSharedCells (arr: Arrangement) (mu: Measure) =
        let units = arr.UnitNormalsRaw

        let side (theta: float[]) =
            units
            |> Array.map (fun u ->
                let t = Dense.dot u theta in

                if abs t <= Tolerances.boundary then 0
                elif t > 0.0 then 1
                else -1)

        let atoms =
            ResizeArray(mu.AtomsRaw |> Array.map (fun a -> a.Direction, a.Amplitude))

        let mutable merged = true
        let mutable any = false

        while merged do
            merged <- false
            let sides = atoms |> Seq.map (fst >> side) |> Array.ofSeq
            let mutable i = 0

            while not merged && i < atoms.Count do
                let mutable j = i + 1

                while not merged && j < atoms.Count do
                    let (ti, ai), (tj, aj) = atoms.[i], atoms.[j]

                    if
                        sign ai = sign aj
                        && Array.forall2 (fun (x: int) y -> x * y >= 0) sides.[i] sides.[j]
                    then
                        let v = Array.map2 (fun x y -> abs ai * x + abs aj * y) ti tj
                        let nv = Dense.norm v
                        atoms.[i] <- (Array.map (fun x -> x / nv) v, float (sign ai) * nv)
                        atoms.RemoveAt j
                        merged <- true
                        any <- true

                    j <- j + 1

                i <- i + 1

        if any then
            Some(Measure.ofAtoms arr.AmbientDimension (atoms.ToArray()))
        else
            None

    let internal run (arr: Arrangement) (data: Dataset) (lambda: float) (options: SolverOptions) (start: State) =
        if not (lambda > 0.0) || Double.IsInfinity lambda || Double.IsNaN lambda then
            invalidArg "lambda" (sprintf "λ must be a positive finite number (got %g)" lambda)

        let n = arr.AmbientDimension
        let y = data.LabelsRaw
        let yy = Dense.dot y y
        let mutable state = start
        let mutable rounds = 0
        // FISTA only locates the support; when a round prices nothing new, the restricted problem was
        // not solved well enough, so FISTA gets more iterations and a tighter stopping rule.
        let mutable budget = 2000
        let mutable fistaTol = Tolerances.fistaStep
        let mutable result = None
        let certWatch = Stopwatch()
        let solveWatch = Stopwatch()
        // One branch-and-bound scan per round serves both the gap (its best value is sup|η|) and the
        // pricing (its next values are the most violating columns).
        let price (state: State) mu =
            certWatch.Start()
            let cert = Certificate.ofMeasure arr data lambda mu

            let best =
                Certificate.top (options.ColumnsPerRound + state.Blocks.Length + 1) 0.0 cert

            let sup =
                if best.Length = 0 then
                    0.0
                else
                    (let _, _, p = best.[0] in p.Norm)

            let a = Gap.ofCertificate cert sup options.Tolerance mu
            certWatch.Stop()
            a, best

        let mutable mu = measureOf n state
        let mutable assessment, best = price state mu
        // Rounds in a row that priced nothing new without lowering the gap by 1%: the restricted
        // problem is then too ill-conditioned for FISTA and the polish (inputs of order 1e-7 at
        // λ = 1e-6 λ_max took 500 s for 200 such rounds in the long campaign), and more rounds only
        // multiply the FISTA budget. Eight of them end the solve, reported as not certified.
        let mutable stalled = 0
        let mutable bestGap = assessment.Gap

        while result.IsNone do
            if assessment.Certified || rounds >= options.MaxRounds || stalled >= 8 then
                result <- Some(mu, assessment)
            else
                rounds <- rounds + 1

                let fresh =
                    best
                    |> Array.filter (fun (c, s, p) ->
                        p.Norm > 1.0
                        && not (state.Blocks |> Array.exists (fun b -> b.Cell = c && b.Sign = s)))
                    |> Array.truncate options.ColumnsPerRound

                solveWatch.Start()

                if fresh.Length = 0 then
                    budget <- min (budget * 4) 1_000_000
                    fistaTol <- max (fistaTol * 0.01) Tolerances.fistaStepFloor

                let added = fresh |> Array.map (fun (c, s, _) -> Restricted.block arr data c s)
                // Drop blocks that have stayed at zero, so the working set tracks the support.
                let keep =
                    [|
                        for b in 0 .. state.Blocks.Length - 1 do
                            if Dense.norm (Array.sub state.U (b * n) n) > 0.0 then
                                yield b
                    |]

                let blocks = Array.append (keep |> Array.map (fun b -> state.Blocks.[b])) added

                let u0 =
                    Array.append (keep |> Array.collect (fun b -> Array.sub state.U (b * n) n)) (Array.zeroCreate (added.Length * n))

                let q, c = Restricted.gram n y blocks
                let u = Restricted.fista n blocks q c yy lambda u0 budget fistaTol
                let u = defaultArg (Restricted.polish n blocks q c yy lambda u) u
                state <- { Blocks = blocks; U = u }
                solveWatch.Stop()
                mu <- measureOf n state
                let a, b = price state mu

                stalled <-
                    if fresh.Length = 0 && a.Gap > 0.99 * bestGap then
                        stalled + 1
                    else
                        0

                bestGap <- min bestGap a.Gap
                assessment <- a
                best <- b

        let mu, assessment = result.Value
        // Atoms that carry less than the tolerance (λ|a| ≤ tolerance) are leftovers of the iterations,
        // not part of the answer (issue 3: no spurious tiny atoms). Drop them when the pruned measure
        // is still certified; the certificate, not the threshold, decides.
        let mu, assessment =
            if not assessment.Certified then
                mu, assessment
            else
                let kept =
                    mu.AtomsRaw
                    |> Array.filter (fun a -> lambda * abs a.Amplitude > assessment.Tolerance)

                if kept.Length = mu.Count then
                    mu, assessment
                else
                    let pruned =
                        Measure.ofAtoms n (kept |> Array.map (fun a -> a.Direction, a.Amplitude))

                    let a2, _ = price state pruned
                    if a2.Certified then pruned, a2 else mu, assessment

        let mu, assessment =
            if not assessment.Certified then
                mu, assessment
            else
                match mergeSharedCells arr mu with
                | None -> mu, assessment
                | Some merged ->
                    let a2, _ = price state merged
                    if a2.Certified then merged, a2 else mu, assessment

        mu, assessment, rounds, state, solveWatch.Elapsed, certWatch.Elapsed

    let internal finish
        (arr: Arrangement)
        (data: Dataset)
        (lambda: float)
        (options: SolverOptions)
        enumTime
        faces
        (mu: Measure, assessment: Assessment, rounds, _state, solveTime: TimeSpan, certTime: TimeSpan)
        =
        let sw = Stopwatch.StartNew()
        let cert = Certificate.ofDual arr data lambda assessment.Residual
        let atoms = mu.AtomsRaw
        // Σ to the accuracy the certificate has at the support. A certified gap g allows an atom a_j
        // to sit where 1 − s_j η(θ_j) ≤ g / (λ |a_j|) (THEORY.md §2: the gap is λ Σ_j |a_j| (1 − s_j η(θ_j))
        // plus non-negative terms), which at λ ≪ λ_max exceeds the fixed saturation tolerance: the
        // threshold is lowered to take in every such atom, so that Σ contains the support it must.
        let tolerance =
            if not assessment.Certified then
                options.SaturationTolerance
            else
                atoms
                |> Array.fold
                    (fun acc a ->
                        let miss = 1.0 - float (sign a.Amplitude) * Certificate.evaluate cert a.Direction
                        let allowed = assessment.Gap / (lambda * abs a.Amplitude)

                        if miss > acc && miss <= allowed + Tolerances.saturationSlack then
                            min (miss * (1.0 + Tolerances.saturationWidening) + Tolerances.saturationSlack) 0.5
                        else
                            acc)
                    options.SaturationTolerance

        let sat = Certificate.saturation tolerance options.BoundaryTolerance cert
        // Amplitudes of the solution on Σ; an atom off Σ (only possible when not certified) joins it.
        let points = ResizeArray(sat |> Array.map (fun s -> s.Direction, s.Sign))
        let amps = ResizeArray(Array.zeroCreate<float> sat.Length)

        for a in atoms do
            match
                points
                |> Seq.tryFindIndex (fun (d, s) ->
                    s = sign a.Amplitude
                    && Dense.distance d a.Direction <= Tolerances.atomOnSaturationPoint)
            with
            | Some j -> amps.[j] <- amps.[j] + a.Amplitude
            | None ->
                points.Add((a.Direction, sign a.Amplitude))
                amps.Add a.Amplitude

        let uniq = Uniqueness.decide data (points.ToArray()) (amps.ToArray())
        sw.Stop()
        let active = arr.CellsWithActiveNeurons

        {
            Lambda = lambda
            Measure = mu
            Assessment = assessment
            Saturation = sat
            Cells = arr.CellCount
            CellsWithActiveNeurons = active
            Bounds =
                {
                    SaturationPoints = sat.Length
                    TwiceActiveCells = 2 * active
                    Faces = faces
                    DataPoints = data.Count
                }
            Uniqueness = uniq
            Rounds = rounds
            Timings =
                {
                    Enumeration = enumTime
                    Solve = solveTime
                    Certification = certTime + sw.Elapsed
                }
        }

    let internal prepare (data: Dataset) (options: SolverOptions) =
        let sw = Stopwatch.StartNew()
        let arr = Arrangement.ofDataset data

        let faces =
            if options.CountFaces then
                Some(Faces.enumerate arr |> Array.length)
            else
                None

        sw.Stop()
        arr, faces, sw.Elapsed

    /// Solves P_λ on an arrangement the caller has already built (its enumeration time is not counted;
    /// faces are counted when the options ask for them).
    let onArrangement (arr: Arrangement) (data: Dataset) (lambda: float) (options: SolverOptions) =
        let faces =
            if options.CountFaces then
                Some(Faces.enumerate arr |> Array.length)
            else
                None

        run arr data lambda options { Blocks = [||]; U = [||] }
        |> finish arr data lambda options TimeSpan.Zero faces

    /// Solves P_λ(y): the global minimiser with its certified gap, saturation set, bounds and
    /// uniqueness status.
    let solve (data: Dataset) (lambda: float) (options: SolverOptions) =
        if not (lambda > 0.0) || Double.IsInfinity lambda || Double.IsNaN lambda then
            invalidArg "lambda" (sprintf "λ must be a positive finite number (got %g)" lambda)

        let arr, faces, enumTime = prepare data options

        run arr data lambda options { Blocks = [||]; U = [||] }
        |> finish arr data lambda options enumTime faces

    /// Solves along a list of λ, largest first, warm-starting each solve from the previous working set
    /// (the support moves little between nearby λ, so most columns are already priced in).
    let path (data: Dataset) (lambdas: float[]) (options: SolverOptions) =
        if lambdas.Length = 0 then
            invalidArg "lambdas" "the path needs at least one λ"

        lambdas
        |> Array.iter (fun l ->
            if not (l > 0.0) || Double.IsInfinity l then
                invalidArg "lambdas" (sprintf "λ must be positive and finite (got %g)" l))

        let arr, faces, enumTime = prepare data options
        let sorted = lambdas |> Array.sortDescending
        let mutable state = { Blocks = [||]; U = [||] }
        // The arrangement is enumerated once for the whole path: its time is charged to the first λ.
        [|
            for i, l in Array.indexed sorted do
                let (mu, a, r, st, ts, tc) = run arr data l options state
                state <- st
                yield finish arr data l options (if i = 0 then enumTime else TimeSpan.Zero) faces (mu, a, r, st, ts, tc)
        |]
