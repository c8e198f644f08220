namespace TvRelu.ProofsChecks.Claims

open TvRelu.Core
open TvRelu.ProofsChecks
open TvRelu.ProofsChecks.Claims.Common

/// Claim 6: low noise and small λ (THEORY.md §6). A sparse teacher μ_0 with a non-degenerate
/// pre-certificate is recovered with the same number of Diracs for small λ and ‖w‖/λ, and for
/// atoms inside their regions the error is O(λ + ‖w‖). Interior and boundary teachers are separate claims.
module LowNoise =

    /// Where the teacher's atoms sit.
    type Placement =
        /// Strictly inside their dual regions.
        | Interior
        /// On a data hyperplane (the neuron's kink passes through a data point).
        | Boundary

    /// The sweep: λ = ε · λ_max(y_0) for these ε, and ‖w‖ = α λ.
    let levels = [| for k in 0..8 -> 10.0 ** (-1.0 - 0.5 * float k) |]

    /// The slopes are fitted over eps <= this (the larger levels show the pre-asymptotic regime).
    let fitBelow = 1e-3

    /// A Dirac of amplitude at most this fraction of the TV norm is numerical zero.
    [<Literal>]
    let private dropFraction = 1e-9

    let private activeSet (rows: float[][]) (theta: float[]) =
        rows
        |> Array.mapi (fun i x -> i, dot theta (unit x))
        |> Array.filter (fun (_, z) -> z > 1e-9)
        |> Array.map fst

    /// The pre-certificate p_V: the least-norm p with Σ_{i∈S_j} p_i x̃_i = sign(a_j) θ_j for every
    /// teacher atom j (S_j = {i : ⟨θ_j, x̃_i⟩ > 0}), and the residual of that system (0 when solvable).
    let preCertificate (rows: float[][]) (teacher: (float[] * float)[]) =
        let n = rows.[0].Length

        let eqs =
            [|
                for (theta, a) in teacher do
                    let s = activeSet rows theta |> Set.ofArray

                    for k in 0 .. n - 1 ->
                        Array.init rows.Length (fun i -> if s.Contains i then rows.[i].[k] else 0.0), float (sign a) * theta.[k]
            |]

        Linear.leastNorm (Array.map fst eqs) rows.Length (Array.map snd eqs)

    /// What the exact non-degeneracy check found.
    type Nondegeneracy =
        {
            /// Every closed cell's maximum of ±η_V is below 1 − 1e-6, except in cells whose closure holds a
            /// teacher atom of that sign, where the maximiser is that atom and the value 1.
            Holds: bool
            /// 1 − the largest cell maximum away from the teacher.
            Margin: float
            /// Why it fails, when it does.
            Reason: string
            /// Cells whose maximiser is a teacher atom.
            TeacherCells: int
            /// Facets through a teacher atom with a zero multiplier in a cell whose piece differs from sign·θ_j.
            ZeroMultipliers: int
            /// The smallest multiplier of a facet through a teacher atom (∞ when there is none): how far
            /// from degenerate the boundary condition is.
            MinMultiplier: float
        }

    /// The non-degeneracy of η_V = ⟨p, φ⟩ checked with the exact supremum machinery of §3 (per-cell
    /// cone projections, no sampling).
    let nondegeneracy (arr: Arrangement) (data: Dataset) (teacher: (float[] * float)[]) (p: float[]) =
        let cert = Certificate.ofDual arr data 1.0 p
        let units = unitNormals arr
        let mutable worst = 0.0
        let mutable reason = ""
        let mutable teacherCells = 0
        let mutable zeroMultipliers = 0
        let mutable minMultiplier = infinity

        for c in 0 .. arr.CellCount - 1 do
            let signs = (arr.Cell c).Signs.ToArray()
            let facets, normals = Cone.ofCell arr c
            let v = cert.Piece c

            for sg in [ 1.0; -1.0 ] do
                let w = Array.map (fun x -> sg * x) v
                let pr = Cone.project normals w

                if pr.Norm > 1.0 - 1e-6 then
                    let star = unit pr.Point

                    let atom =
                        teacher
                        |> Array.tryFind (fun (th, a) -> float (sign a) = sg && depth units signs th >= -1e-9 && distance star th <= 1e-6)

                    match atom with
                    | Some(th, _) when abs (pr.Norm - 1.0) <= 1e-6 ->
                        teacherCells <- teacherCells + 1
                        // Strict complementarity where the piece is not already sign·θ_j.
                        if distance w th > 1e-9 then
                            facets
                            |> Array.iteri (fun k h ->
                                if abs (dot th units.[h]) <= 1e-9 then
                                    minMultiplier <- min minMultiplier pr.Multipliers.[k]

                                    if pr.Multipliers.[k] <= 1e-12 then
                                        zeroMultipliers <- zeroMultipliers + 1)
                    | Some _ ->
                        if reason = "" then
                            reason <- sprintf "cell %d: the maximiser is a teacher atom but the value is %.9g" c pr.Norm
                    | None ->
                        if reason = "" then
                            reason <- sprintf "cell %d: |eta_V| reaches %.9g away from the teacher" c pr.Norm
                else
                    worst <- max worst pr.Norm

        {
            Holds = (reason = "")
            Margin = 1.0 - worst
            Reason = reason
            TeacherCells = teacherCells
            ZeroMultipliers = zeroMultipliers
            MinMultiplier = minMultiplier
        }

    /// A teacher atom placed as asked, or None when the draw is too close to a hyperplane (margin 0.02).
    let private drawAtom (rng: Rng) (placement: Placement) (rows: float[][]) =
        let n = rows.[0].Length
        let units = rows |> Array.map unit
        let a = rng.Uniform(0.5, 2.0) * (if rng.Bernoulli 0.5 then 1.0 else -1.0)

        match placement with
        | Interior ->
            let th = rng.UnitVector n

            if units |> Array.forall (fun u -> abs (dot th u) >= 0.02) then
                Some(th, a)
            else
                None
        | Boundary ->
            let i = rng.Int rows.Length
            let g = rng.Gaussians n
            let c = dot g units.[i]
            let th = unit (Array.map2 (fun x u -> x - c * u) g units.[i])
            // Away from every other hyperplane (except those parallel to the chosen one).
            let ok =
                units
                |> Array.forall (fun u ->
                    let isParallel = abs (abs (dot u units.[i]) - 1.0) <= 1e-9
                    isParallel || abs (dot th u) >= 0.02)

            if ok then Some(th, a) else None

    /// One attempt at a teacher: k atoms, with a solvable pre-certificate that is non-degenerate.
    let private tryTeacher (rng: Rng) (placement: Placement) (x: float[][]) (k: int) =
        let rows = x |> Array.map (fun r -> Array.append r [| 1.0 |])

        let atoms =
            Array.init k (fun j ->
                drawAtom
                    rng
                    (if j = 0 then
                         placement
                     else
                         (if placement = Boundary && rng.Bernoulli 0.5 then
                              Boundary
                          else
                              Interior))
                    rows)

        if atoms |> Array.exists Option.isNone then
            None
        else
            let teacher = atoms |> Array.map Option.get
            let p, res = preCertificate rows teacher

            if res > 1e-9 * sqrt (float k) then
                None
            else
                let y0 = x |> Array.map (Generate.network teacher)
                let data = Dataset.CreateOrRaise(x, y0)
                let arr = Arrangement.ofDataset data

                if (nondegeneracy arr data teacher p).Holds then
                    Some(teacher, y0)
                else
                    None

    /// The number of Diracs of a solution (atoms within `radius` merged, numerical zeros dropped) and
    /// its location and amplitude errors against the teacher.
    let private compare (teacher: (float[] * float)[]) (radius: float) (m: Measure) =
        let tv = Measure.totalVariation m
        let atoms = Atoms.cluster radius (dropFraction * (1.0 + tv)) (atomsOf m)
        let loc, amp = Atoms.matchErrors atoms teacher
        atoms.Length, loc, amp

    /// A solve accurate enough to resolve the errors it is compared with. A certified gap g pins an
    /// atom of amplitude a to ~sqrt(2 g / (λ |a|)), and at level ε the errors are of order ε, so the gap
    /// asked for is 1e-4 λ ε² |a|_min (resolution ~0.014 ε), but not below 1e-15 ½‖y‖², the rounding of
    /// the gap itself. (A fixed 1e-16 was out of reach at more than half of the levels, and each
    /// such level cost a failed solve before the default one.) Else the default tolerance.
    let private accurateSolve (data: Dataset) (lambda: float) (eps: float) (smallest: float) =
        let yy = data.Labels |> Seq.sumBy (fun v -> v * v)
        let tolerance = max (1e-4 * lambda * eps * eps * smallest) (1e-15 * 0.5 * yy)

        let tight =
            Solve.solve
                data
                lambda
                { solverOptions with
                    Tolerance = Some tolerance
                    MaxRounds = 25
                }

        if tight.Assessment.Certified then
            tight
        else
            CertifiedSolve.solve data lambda solverOptions

    /// The λ–noise sweep on a teacher with a non-degenerate pre-certificate.
    let private sweep (placement: Placement) (p: Problem) (data0: Dataset) (arr: Arrangement) (pv: float[]) (nd: Nondegeneracy) =
        let teacher = p.Teacher
        let rows = p.Inputs |> Array.map (fun r -> Array.append r [| 1.0 |])
        let y0 = data0.Labels
        let frobenius = sqrt (rows |> Array.sumBy (fun r -> dot r r))
        let alpha = 0.1 * nd.Margin / frobenius
        let lmax0 = Solve.lambdaMax arr data0
        let w = p.Duals
        let k = teacher.Length
        let smallest = teacher |> Array.map (snd >> abs) |> Array.min

        let results =
            levels
            |> Array.map (fun eps ->
                let lambda = eps * lmax0
                let y = Array.map2 (fun y0i wi -> y0i + alpha * lambda * wi) y0 w
                let sol = accurateSolve (data0.WithLabels y) lambda eps smallest
                // How precisely the certified gap pins the atoms (see Common.atomSlack): below this
                // a location error is not resolved.
                let resolution = sqrt (2.0 * sol.Assessment.Gap / (lambda * smallest))
                let count, loc, amp = compare teacher (max 1e-7 (2.0 * resolution)) sol.Measure
                // sup|η_λ − η_V| over the whole sphere, exactly (§3: it is the certificate of the dual
                // vector q/λ − p_V). Once it is below half the margin, η_λ stays below 1 wherever η_V is
                // below 1 − margin, so Σ_λ lies near the teacher's atoms: the mechanism of §6, checked
                // at this level rather than assumed for "small λ".
                let deviation, _, _ =
                    Certificate.supremumAbs (
                        Certificate.ofDual arr data0 1.0 (Array.map2 (fun q v -> q / lambda - v) sol.Assessment.Residual pv)
                    )

                sol, count, loc, amp, resolution, deviation)

        match
            results
            |> Array.tryPick (fun (sol, _, _, _, _, _) -> uncertified (sprintf "at lambda = %g" sol.Lambda) sol)
        with
        | Some o -> o
        | None ->
            let deviations = results |> Array.map (fun (_, _, _, _, _, dev) -> dev)
            let results = results |> Array.map (fun (_, c, l, a, r, _) -> c, l, a, r)
            let counts = results |> Array.map (fun (c, _, _, _) -> c)
            let last = levels.Length - 1
            // The certified regime: the levels whose certificate is within half the margin of η_V.
            // For interior atoms p_V is the limit of q/λ and the regime is certified level by level. For
            // boundary atoms it need not be (the limit may take the constraints of an adjacent cell: in the
            // first campaign 53 of 60 boundary sweeps never came within margin/2 of η_V), so there the
            // regime is the asymptotic tail, the three smallest levels (eps <= 1e-4); counts at larger
            // levels are pre-asymptotic and recorded only.
            let regime =
                match placement with
                | Interior -> [| 0..last |] |> Array.filter (fun i -> deviations.[i] < 0.5 * nd.Margin)
                | Boundary -> [| last - 2 .. last |]

            let regimeStart = if regime.Length = 0 then levels.Length else regime.[0]
            let constant = regime |> Array.forall (fun i -> counts.[i] = k)
            // Fit the asymptotics: the levels eps <= 1e-3 in the regime whose errors the certified gap resolves.
            let resolved (i: int) =
                let (_, l, _, r) = results.[i] in l > 10.0 * r

            let inRegime =
                regime
                |> Array.filter (fun i -> levels.[i] <= fitBelow * (1.0 + 1e-12) && resolved i)

            let eps = inRegime |> Array.map (fun i -> levels.[i])
            let locs = inRegime |> Array.map (fun i -> let (_, l, _, _) = results.[i] in l)
            let amps = inRegime |> Array.map (fun i -> let (_, _, a, _) = results.[i] in a)

            let fits =
                [ "location", Stats.logLogFit eps locs; "amplitude", Stats.logLogFit eps amps ]

            let usable (fit: Stats.Fit) =
                fit.Points >= 3 && System.Double.IsFinite fit.SlopeStdError

            let mutable o =
                Outcome
                    .Pass()
                    .Require(
                        constant,
                        sprintf
                            "the number of Diracs is not %d at every level of the certified regime (eps = %s): %A (eps = 1e-1 ... 1e-5)"
                            k
                            (System.String.Join(", ", regime |> Array.map (fun i -> sprintf "%g" levels.[i])))
                            counts
                    )

            if placement = Interior then
                for (name, fit) in fits do
                    if usable fit then
                        o <-
                            o.Require(
                                fit.Slope + Stats.slopeHalfWidth fit >= 0.9,
                                sprintf
                                    "the %s error decays with slope %.3f (+- %.3f), slower than linear"
                                    name
                                    fit.Slope
                                    (Stats.slopeHalfWidth fit)
                            )

            let mutable o =
                o
                    .With("k", float k)
                    .With("margin", nd.Margin)
                    .With("alpha", alpha)
                    .With("teacherCells", float nd.TeacherCells)
                    .With("zeroMultipliers", float nd.ZeroMultipliers)
                    .With("minFacetMultiplier", nd.MinMultiplier)
                    .With("regimeStart", (if regimeStart <= last then levels.[regimeStart] else nan))
                    .With("diracsConstant", flag constant)
                    .WithSeries("lambda", levels)
                    .WithSeries("diracs", counts |> Array.map float)
                    .WithSeries("locationError", results |> Array.map (fun (_, l, _, _) -> l))
                    .WithSeries("amplitudeError", results |> Array.map (fun (_, _, a, _) -> a))
                    .WithSeries("resolution", results |> Array.map (fun (_, _, _, r) -> r))
                    .WithSeries("certificateDeviation", deviations)
                    .With("regimeLevels", float regime.Length)
                    .With("preCertificateNorm", sqrt (Array.sumBy (fun v -> v * v) pv))
                    .With("resolvedLevels", float inRegime.Length)
                    .With("fitBelow", fitBelow)

            for (name, fit) in fits do
                if usable fit then
                    o <-
                        o
                            .With("slope." + name, fit.Slope)
                            .With("slopeStdError." + name, fit.SlopeStdError)
                            .With("slopePoints." + name, float fit.Points)

            if regime.Length = 0 then
                o.AsNotApplicable(
                    sprintf
                        "the sweep never reaches the certified regime (smallest deviation %g >= margin/2 = %g; |p_V| = %g)"
                        (Array.min deviations)
                        (0.5 * nd.Margin)
                        (sqrt (Array.sumBy (fun v -> v * v) pv))
                )
            else
                o

    /// The claim on one problem: the exact non-degeneracy check, then the sweep.
    let private check (placement: Placement) (p: Problem) =
        if p.Teacher.Length = 0 then
            Outcome.NotApplicable "no teacher with a non-degenerate pre-certificate in 40 draws"
        else
            let rows = p.Inputs |> Array.map (fun r -> Array.append r [| 1.0 |])
            let y0 = p.Inputs |> Array.map (Generate.network p.Teacher)
            let data0 = Dataset.CreateOrRaise(p.Inputs, y0)
            let arr = Arrangement.ofDataset data0
            let pv, res = preCertificate rows p.Teacher

            if res > 1e-9 * sqrt (float p.Teacher.Length) then
                Outcome.NotApplicable "the pre-certificate system has no solution"
            else
                let nd = nondegeneracy arr data0 p.Teacher pv

                if not nd.Holds then
                    Outcome.NotApplicable("degenerate pre-certificate: " + nd.Reason)
                else
                    sweep placement p data0 arr pv nd

    /// The claim, for one placement of the teacher's atoms.
    type Claim(placement: Placement) =
        inherit ProblemClaim()

        override _.Id =
            match placement with
            | Interior -> "low-noise-interior"
            | Boundary -> "low-noise-boundary"

        override _.Statement =
            let where =
                match placement with
                | Interior -> "strictly inside their dual regions"
                | Boundary -> "on data hyperplanes (the first always, others at random)"

            "For a teacher mu_0 = sum_j a_j delta_{theta_j} (k = 1..3 atoms "
            + where
            + ") whose pre-certificate p_V is non-degenerate "
            + "(checked exactly, cell by cell), y = K mu_0 + w with |w| = alpha * lambda, alpha = 0.1 * margin / |X~|_F, and lambda = eps * lambda_max(K mu_0) "
            + "for eps = 1e-1 ... 1e-5: the minimiser has exactly k Diracs (atoms sharing a closed cell merged) "
            + (match placement with
               | Interior ->
                   "at every level where its certificate is within margin/2 of eta_V (the exact sup over the sphere; levels never in that regime make the trial not applicable)"
               | Boundary -> "at the three smallest levels (eps <= 1e-4)")
            + (match placement with
               | Interior ->
                   "; and the location and amplitude errors decay at least linearly (log-log slope over eps <= 1e-3, plus its 95% half-width, >= 0.9)."
               | Boundary -> ". The error slopes (over eps <= 1e-3) are measured, not assumed.")

        override _.Source =
            "seed abstract (\"solutions ... remain sparse with the same number of Dirac deltas ... in case the locations lie in the interior of a dual region, the convergence happens with a rate that depends linearly on the noise and the regularization parameter\"); the concrete pre-certificate check derived in THEORY.md §6"

        override _.Oracle =
            "the exact solver's certified minimiser at each level, compared with the known teacher; non-degeneracy by per-cell cone projections of the pre-certificate (exact supremum, no sampling)"

        override _.Generate(rng) =
            let d = rng.PickWeighted [| 1, 2.0; 2, 1.0 |]
            let n = if d = 1 then rng.Int(8, 14) else rng.Int(10, 16)
            let uniform = rng.Bernoulli 0.5

            let x =
                Array.init n (fun _ ->
                    if uniform then
                        Array.init d (fun _ -> rng.Uniform(-1.0, 1.0))
                    else
                        rng.Gaussians d)

            let k = rng.PickWeighted [| 1, 3.0; 2, 2.0; 3, 1.0 |]
            let mutable found = None
            let mutable attempts = 0

            while found.IsNone && attempts < 40 do
                attempts <- attempts + 1
                found <- tryTeacher rng placement x k

            let teacher, y0 = defaultArg found ([||], Array.zeroCreate n)

            {
                Seed = rng.Seed
                Kind =
                    sprintf
                        "%s-k%d-d%d"
                        (match placement with
                         | Interior -> "interior"
                         | Boundary -> "boundary")
                        k
                        d
                Inputs = x
                Labels = y0
                Duals = rng.UnitVector n
                LambdaFraction = 1.0
                Teacher = teacher
            }

        override _.Check(p) = check placement p
        // One evaluation is a nine-level sweep (0.3–0.6 s), and the boundary claim is refuted in 9% of
        // trials: shrinking gets few evaluations (the counterexamples of the long campaign shrank to
        // 2–6 rows in most cases within them), or it would cost more than the campaign itself. A
        // count, not seconds, so that the counterexample of a seed never depends on the machine's load.
        override _.ShrinkBudget = 12

    /// Interior atoms.
    let interior = Claim(Interior)
    /// Boundary atoms.
    let boundary = Claim(Boundary)
