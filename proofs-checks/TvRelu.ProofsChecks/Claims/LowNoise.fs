namespace TvRelu.ProofsChecks.Claims

open TvRelu.ProofsChecks
open TvRelu.ProofsChecks.Claims.Common
open TvRelu.ProofsChecks.Claims.LowNoiseSweep
open TvRelu.Core.Data
open TvRelu.Core.Arrangements
open TvRelu.Core.Solver
open TvRelu.Core.Stability

/// Claim 6: low noise and small λ (THEORY.md §6). A sparse teacher μ₀ whose limit certificate p* is non-degenerate
/// is recovered with the same number of Diracs for small λ and ‖w‖/λ, and for atoms inside their regions the error
/// is O(λ + ‖w‖). p* is computed exactly (`LimitCertificate`), teachers are classified interior, boundary-ridge or
/// boundary-flat, counts are decided (`DiracCount`), and λ and ‖w‖ are swept separately.
module LowNoise =

    /// Where the teacher's atoms sit.
    type Placement =
        /// Strictly inside their dual regions.
        | Interior
        /// On a data hyperplane (the neuron's kink passes through a data point).
        | Boundary

    /// The teacher as the library's atoms.
    let private atoms (teacher: (float[] * float)[]) : Atom[] =
        teacher |> Array.map (fun (d, a) -> { Direction = d; Amplitude = a })

    /// The pre-certificate p_V of the teacher and the residual of its system (THEORY.md §6, `PreCertificate`): the
    /// first campaign's object, kept as the boundary generator's filter so that its seeds replay.
    let preCertificate (data: Dataset) (teacher: (float[] * float)[]) =
        PreCertificate.ofTeacher data (atoms teacher)

    /// The old check of η_V = ⟨p, φ⟩ (the library's `Nondegeneracy.check`), the boundary generator's filter.
    let nondegeneracy (arr: Arrangement) (data: Dataset) (teacher: (float[] * float)[]) (p: float[]) =
        Nondegeneracy.check arr data (atoms teacher) p

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

    /// Whether a drawn teacher is kept. Boundary teachers: the first campaign's filter (p_V solvable and passing the
    /// old check), so that its seeds, the pinned one included, give the same problems; p* then classifies them.
    /// Interior teachers: a decided, non-degenerate minimal-norm certificate p₀.
    let private accepted (placement: Placement) (data: Dataset) (teacher: (float[] * float)[]) =
        let arr = Arrangement.ofDataset data

        match placement with
        | Boundary ->
            let p, res = preCertificate data teacher

            res <= 1e-9 * sqrt (float teacher.Length)
            && (nondegeneracy arr data teacher p).Holds
        | Interior ->
            match (LimitCertificate.minimalNorm arr data (atoms teacher)).Status with
            | Decided LimitKind.Interior -> true
            | _ -> false

    /// One attempt at a teacher: k atoms placed as asked (boundary: the first always, the others at random).
    let private tryTeacher (rng: Rng) (placement: Placement) (x: float[][]) (k: int) =
        let rows = x |> Array.map (fun r -> Array.append r [| 1.0 |])

        let drawn =
            Array.init k (fun j ->
                let where =
                    if j = 0 then placement
                    elif placement = Boundary && rng.Bernoulli 0.5 then Boundary
                    else Interior

                drawAtom rng where rows)

        // Two draws on one boundary point (d = 1: a hyperplane meets the circle twice) are one atom, not two.
        let apart (teacher: (float[] * float)[]) =
            teacher
            |> Array.indexed
            |> Array.forall (fun (i, (u, _)) -> teacher.[i + 1 ..] |> Array.forall (fun (v, _) -> distance u v > 1e-3))

        if
            drawn |> Array.exists Option.isNone
            || not (apart (drawn |> Array.map Option.get))
        then
            None
        else
            let teacher = drawn |> Array.map Option.get
            let y0 = x |> Array.map (Generate.network teacher)

            if accepted placement (Dataset.CreateOrRaise(x, y0)) teacher then
                Some(teacher, y0)
            else
                None

    /// Everything one trial's sweeps share.
    type private Setting =
        {
            Problem: Problem
            Data: Dataset
            Arrangement: Arrangement
            LambdaMax: float
            K: int
            Smallest: float
            /// p* of the λ sweep's noise ratio.
            Limit: LimitCertificate
            /// The λ sweep's noise ratio ‖w‖/λ.
            Alpha: float
            /// The noise sweep's largest ratio.
            AlphaTop: float
        }

    /// The λ sweep: w = α λ u at every level (α ≪ 1, so the error is the λ part; ‖w‖ is swept separately).
    let private lambdaSweep (s: Setting) =
        levels
        |> Array.map (fun eps ->
            let lambda = lambdaOf s.LambdaMax eps

            solveLevel
                s.Data
                s.Arrangement
                s.K
                s.Smallest
                s.Limit
                s.LambdaMax
                (eps, lambda, Array.map (fun u -> s.Alpha * lambda * u) s.Problem.Duals))

    /// The errors of a level's merged atoms against reference atoms (location, amplitude; ∞ when the counts differ).
    let private errors (reference: (float[] * float)[]) (l: Level) =
        Atoms.matchErrors (l.Merged |> Array.map (fun a -> a.Direction, a.Amplitude)) reference

    /// The noise sweep at the largest regime level λ₀ ≤ `fitBelow` of the λ sweep: ‖w‖ = α_j λ₀ for α_j = α_top ·
    /// step, each level against the noiseless solution at λ₀ (the rate in ‖w‖ alone). None when the λ sweep has no
    /// such level.
    let private noiseSweep (s: Setting) (lambdaLevels: Level[]) =
        lambdaLevels
        |> Array.tryFind (fun l -> l.Eps <= fitBelow * (1.0 + 1e-12) && inRegime s.Limit l)
        |> Option.map (fun anchor ->
            let lambda = anchor.Solution.Lambda
            let zero = Array.zeroCreate s.Problem.Count

            let reference =
                solveLevel s.Data s.Arrangement s.K s.Smallest s.Limit s.LambdaMax (anchor.Eps, lambda, zero)

            let teacher = atoms s.Problem.Teacher

            let noisy =
                noiseSteps
                |> Array.map (fun step ->
                    let alpha = noiseRatio s.AlphaTop step

                    let pstar =
                        LimitCertificate.ofTeacher s.Arrangement s.Data teacher alpha s.Problem.Duals

                    let l =
                        solveLevel
                            s.Data
                            s.Arrangement
                            s.K
                            s.Smallest
                            pstar
                            s.LambdaMax
                            (anchor.Eps, lambda, Array.map (fun u -> alpha * lambda * u) s.Problem.Duals)
                    // The nominal noise (the x-axis): α_top · step · λ₀ / λ_max.
                    { l with
                        Noise = s.AlphaTop * step * lambda / s.LambdaMax
                    },
                    pstar)

            reference, noisy)

    /// The levels in the regime of their p*, and among them the refuted, decided and lost counts. In the regime the
    /// mechanism of §6 bounds the count from above (Σ_λ in the atoms' cells, each ridge kept), so more than k Diracs
    /// refute anywhere. Fewer is what an atom whose amplitude has not yet come back does at a finite λ, which the
    /// statement ("for small λ and ‖w‖") allows: it refutes only at the level nearest the limit (smallest ε, then
    /// smallest noise); elsewhere it is recorded as lost. The long campaign of 2026-11-29 counted two k = 2 ridge
    /// teachers with one Dirac at ε = 0.1 and 0.01 as refutations, while both had two at every smaller level.
    let private counts (k: int) (levels: (Level * LimitCertificate)[]) =
        let regime = levels |> Array.filter (fun (l, p) -> inRegime p l) |> Array.map fst
        let nearest = regime |> Array.sortBy (fun l -> l.Eps, l.Noise) |> Array.tryHead

        let isNearest (l: Level) =
            nearest |> Option.exists (fun n -> obj.ReferenceEquals(n, l))

        let refuted =
            regime
            |> Array.filter (fun l -> l.Count.AtLeast > k || (l.Count.AtMost < k && isNearest l))

        let lost = regime |> Array.filter (fun l -> l.Count.AtMost < k && not (isNearest l))

        let decided = regime |> Array.filter (fun l -> countVerdict k l = Some true)
        regime, refuted, decided, lost

    /// The λ sweep's fits against the teacher, over regime levels with ε ≤ `fitBelow`, no refuted count and a
    /// resolved location error.
    let private lambdaFits (s: Setting) (sweep: Level[]) =
        let errs = sweep |> Array.map (errors s.Problem.Teacher)
        let res = sweep |> Array.map (resolution s.Smallest)

        let mask =
            sweep
            |> Array.mapi (fun i l ->
                inRegime s.Limit l
                && l.Eps <= fitBelow * (1.0 + 1e-12)
                && countVerdict s.K l <> Some false
                && fst errs.[i] > resolvedFactor * res.[i])

        let eps = sweep |> Array.map (fun l -> l.Eps)
        errs, res, fit eps (Array.map fst errs) mask, fit eps (Array.map snd errs) mask

    /// The noise sweep's fits against the noiseless solution at λ₀.
    let private noiseFits (s: Setting) (reference: Level) (sweep: (Level * LimitCertificate)[]) =
        let refAtoms = reference.Merged |> Array.map (fun a -> a.Direction, a.Amplitude)
        let errs = sweep |> Array.map (fst >> errors refAtoms)

        let res =
            sweep
            |> Array.map (fun (l, _) -> resolution s.Smallest l + resolution s.Smallest reference)

        let mask =
            sweep
            |> Array.mapi (fun i (l, p) ->
                inRegime p l
                && countVerdict s.K l <> Some false
                && countVerdict s.K reference <> Some false
                && fst errs.[i] > resolvedFactor * res.[i])

        let noise = sweep |> Array.map (fun (l, _) -> l.Noise)
        noise, errs, fit noise (Array.map fst errs) mask, fit noise (Array.map snd errs) mask

    /// Requires a decisive fit to decay at least linearly (slope plus its 95% half-width ≥ 0.9).
    let private requireLinear (name: string) (f: Fit) (o: Outcome) =
        if decisive f then
            o.Require(
                f.Slope + f.HalfWidth >= 0.9,
                sprintf "the %s error decays with slope %.3f (+- %.3f over %d levels), slower than linear" name f.Slope f.HalfWidth f.Points
            )
        else
            o

    /// Records a fit (slope, its half-width and points) when it is decisive, and its mask as a series.
    let private recordFit (name: string) (axis: float[]) (errors: float[]) (f: Fit) (o: Outcome) =
        let o =
            o
                .WithSeries(name + "Error", errors)
                .WithSeries(name + "Axis", axis)
                .WithSeries(name + "Fitted", f.Used |> Array.map flag)
                .With("fitPoints." + name, float f.Points)

        if decisive f then
            o.With("slope." + name, f.Slope).With("slopeHalfWidth." + name, f.HalfWidth)
        else
            o

    /// The per-level series of the λ sweep.
    let private recordLevels (s: Setting) (sweep: Level[]) (res: float[]) (o: Outcome) =
        o
            .WithSeries("lambda", sweep |> Array.map (fun l -> l.Eps))
            .WithSeries("resolution", res)
            .WithSeries("diracsAtLeast", sweep |> Array.map (fun l -> float l.Count.AtLeast))
            .WithSeries("diracsAtMost", sweep |> Array.map (fun l -> float (min l.Count.AtMost 999)))
            .WithSeries("solverAtoms", sweep |> Array.map (fun l -> float l.Solution.Measure.Count))
            .WithSeries("certificateDeviation", sweep |> Array.map (fun l -> l.Deviation))
            .WithSeries("jumpDeviation", sweep |> Array.map (fun l -> l.JumpDeviation))
            .WithSeries("inRegime", sweep |> Array.map (inRegime s.Limit >> flag))
            .With("k", float s.K)
            .With("d", float s.Problem.Dimension)
            .With("margin", s.Limit.Margin)
            .With(
                "ridge",
                (if System.Double.IsFinite s.Limit.Ridge then
                     s.Limit.Ridge
                 else
                     nan)
            )
            .With("alpha", s.Alpha)
            .With("alphaTop", s.AlphaTop)
            .With("limitCertificateNorm", norm s.Limit.Dual)
            .With("exchangeRounds", float s.Limit.Rounds)

    /// The first uncertified level, as an inconclusive outcome (the solver failed, not the claim).
    let private uncertifiedLevel (levels: Level seq) =
        levels
        |> Seq.tryPick (fun l -> uncertified (sprintf "at lambda = %g" l.Solution.Lambda) l.Solution)

    /// The audit of an interior or boundary-ridge teacher: counts decided at every regime level of both sweeps, and
    /// (interior) the λ and noise rates linear; the boundary rates are measured.
    let private audit (placement: Placement) (s: Setting) =
        let sweep = lambdaSweep s
        let noise = noiseSweep s sweep

        let all =
            Array.append (sweep |> Array.map (fun l -> l, s.Limit)) (noise |> Option.map snd |> Option.defaultValue [||])

        let others = noise |> Option.map (fun (r, _) -> [ r ]) |> Option.defaultValue []

        match uncertifiedLevel (Seq.append (Seq.map fst all) others) with
        | Some o -> o
        | None ->
            let regime, refuted, decided, lost = counts s.K all
            let lambdaErrors, res, loc, amp = lambdaFits s sweep

            let mutable o =
                Outcome
                    .Pass()
                    .Require(
                        refuted.Length = 0,
                        sprintf
                            "the number of Diracs is decided to differ from %d in the certified regime: %s"
                            s.K
                            (System.String.Join("; ", refuted |> Array.map (countEvidence s.K)))
                    )

            if placement = Interior then
                o <-
                    o
                    |> requireLinear "location (lambda sweep)" loc
                    |> requireLinear "amplitude (lambda sweep)" amp

            o <-
                o
                |> recordLevels s sweep res
                |> recordFit "location" (sweep |> Array.map (fun l -> l.Eps)) (Array.map fst lambdaErrors) loc
                |> recordFit "amplitude" (sweep |> Array.map (fun l -> l.Eps)) (Array.map snd lambdaErrors) amp

            match noise with
            | Some(reference, noisy) ->
                let axis, errs, nloc, namp = noiseFits s reference noisy

                if placement = Interior then
                    o <-
                        o
                        |> requireLinear "location (noise sweep)" nloc
                        |> requireLinear "amplitude (noise sweep)" namp

                o <-
                    o
                    |> recordFit "noiseLocation" axis (Array.map fst errs) nloc
                    |> recordFit "noiseAmplitude" axis (Array.map snd errs) namp
                    |> fun o -> o.With("noiseAnchor", reference.Eps)
            | None -> ()

            let o =
                o
                    .With("regimeLevels", float regime.Length)
                    .With("decidedLevels", float decided.Length)
                    .With("undecidedLevels", float (regime.Length - decided.Length - refuted.Length - lost.Length))
                    .With("refutedLevels", float refuted.Length)
                    .With("lostAtFiniteLevels", float lost.Length)

            if regime.Length = 0 then
                o.AsNotApplicable(
                    sprintf
                        "the sweep never reaches the certified regime of p* (smallest deviation %g >= margin = %g)"
                        (sweep |> Array.map (fun l -> l.Deviation) |> Array.min)
                        s.Limit.Margin
                )
            elif decided.Length + refuted.Length = 0 && not (decisive loc) then
                o.AsNotApplicable "no count in the certified regime is decided in double precision, and no rate is decisive"
            else
                o

    /// A boundary-flat teacher: outside the paper's hypothesis, measured as its own family (THEORY.md §6). The λ sweep
    /// records at which levels a split (at least k + 1 Diracs) is decided, at which the count k is decided, and where
    /// double precision decides neither; the solver's own atom count is recorded next to it, as an observation.
    let private measureFlat (s: Setting) =
        let sweep = lambdaSweep s

        match uncertifiedLevel sweep with
        | Some o -> o
        | None ->
            let split = sweep |> Array.filter (fun l -> l.Count.AtLeast > s.K)
            let kept = sweep |> Array.filter (fun l -> countVerdict s.K l = Some true)
            let flatHyperplanes = s.Limit.Jumps |> Array.filter (fun j -> j.Verdict = Flat)
            let _, res, _, _ = lambdaFits s sweep

            let o =
                Outcome.Pass()
                |> recordLevels s sweep res
                |> fun o ->
                    o
                        .With("flat.splitDecidedLevels", float split.Length)
                        .With("flat.keptDecidedLevels", float kept.Length)
                        .With("flat.undecidedLevels", float (sweep.Length - split.Length - kept.Length))
                        .With("flat.splitDecided", flag (split.Length > 0))
                        .With(
                            "flat.solverSplitLevels",
                            float (sweep |> Array.filter (fun l -> l.Solution.Measure.Count > s.K) |> Array.length)
                        )

            o.AsNotApplicable(
                sprintf
                    "boundary-flat teacher: p*_H = 0 exactly across hyperplane %s (THEORY.md §6), outside the paper's hypothesis (the strict ridge); measured as its own family: a split (at least %d Diracs) decided at %d of %d levels, the count %d decided at %d, undecided in double precision at %d; the solver returned more than %d atoms at %d levels"
                    (System.String.Join(
                        ", ",
                        flatHyperplanes
                        |> Array.map (fun j -> sprintf "%d (atom %d)" j.Hyperplane j.Atom)
                    ))
                    (s.K + 1)
                    split.Length
                    sweep.Length
                    s.K
                    kept.Length
                    (sweep.Length - split.Length - kept.Length)
                    s.K
                    (sweep |> Array.filter (fun l -> l.Solution.Measure.Count > s.K) |> Array.length)
            )

    /// The noise ratios of the sweeps, sized from p₀'s margin and ridge (p* moves by at most α under noise αλu, and η*
    /// by at most α ‖X̃‖₂): the λ sweep at a tenth of what keeps both, the noise sweep up to half of it. A flat p₀ has
    /// no ridge to keep, and is sized from its margin alone.
    let private noiseRatios (p0: LimitCertificate) (featureBound: float) =
        let byMargin = p0.Margin / featureBound
        let keep = if p0.Ridge > 0.0 then min byMargin p0.Ridge else byMargin
        0.1 * keep, 0.5 * keep

    /// The verdicts of p*'s jumps against p* itself (THEORY.md §6): across a hyperplane holding one data row the jump is
    /// that row's entry of p*, converted from the exact rational with its sign and its zero kept (`Rational.toFloat`),
    /// so a ridge needs s·p*_h < 0 and a flat p*_h = 0 exactly, read here without the classification code. With several
    /// rows on the hyperplane the sum of rounded entries decides nothing, and the verdict is not checked. The first
    /// round's flat-as-ridge mutant survived 200 trials because a flat called ridge only emptied the certified regime.
    let private jumpsAgree (arr: Arrangement) (teacher: TvRelu.Core.Data.Atom[]) (limit: LimitCertificate) =
        limit.Jumps
        |> Array.tryPick (fun j ->
            let rows =
                arr.RowToHyperplane
                |> Array.indexed
                |> Array.filter (fun (_, h) -> h = j.Hyperplane)
                |> Array.map fst

            if rows.Length <> 1 then
                None
            else
                let signed = float (sign teacher.[j.Atom].Amplitude) * limit.Dual.[rows.[0]]

                match j.Verdict with
                | Ridge when not (signed < 0.0) ->
                    Some(sprintf "hyperplane %d is called a ridge, but s p*_h = %g (not < 0)" j.Hyperplane signed)
                | Flat when signed <> 0.0 -> Some(sprintf "hyperplane %d is called flat, but s p*_h = %g (not 0)" j.Hyperplane signed)
                | _ -> None)

    /// The claim on one problem: p₀, the noise ratios, p* of the λ sweep's noise, then the audit or the measurement.
    let private check (placement: Placement) (p: Problem) =
        if p.Teacher.Length = 0 then
            Outcome.NotApplicable "no teacher passed the generator's filter in its draws"
        else
            let y0 = p.Inputs |> Array.map (Generate.network p.Teacher)
            let data = Dataset.CreateOrRaise(p.Inputs, y0)
            let arr = Arrangement.ofDataset data
            let teacher = atoms p.Teacher
            let p0 = LimitCertificate.minimalNorm arr data teacher

            match p0.Status with
            | Decided _ ->
                let alpha, alphaTop = noiseRatios p0 (LimitCertificate.featureBound data)
                let pstar = LimitCertificate.ofTeacher arr data teacher alpha p.Duals

                let setting =
                    {
                        Problem = p
                        Data = data
                        Arrangement = arr
                        LambdaMax = Solve.lambdaMax arr data
                        K = teacher.Length
                        Smallest = teacher |> Array.map (fun a -> abs a.Amplitude) |> Array.min
                        Limit = pstar
                        Alpha = alpha
                        AlphaTop = alphaTop
                    }

                match pstar.Status, jumpsAgree arr teacher pstar with
                | Decided _, Some why -> Outcome.Fail(sprintf "the limit certificate's classification disagrees with p*: %s" why)
                | Decided LimitKind.BoundaryFlat, None -> measureFlat setting
                | Decided _, None -> audit placement setting
                | other, _ -> Outcome.NotApplicable(sprintf "p* of the sweep's noise: %A" other)
            | other -> Outcome.NotApplicable(sprintf "the minimal-norm certificate p0: %A" other)

    /// The claim, for one placement of the teacher's atoms.
    type Claim(placement: Placement) =
        inherit ProblemClaim()

        override _.Id =
            match placement with
            | Interior -> "low-noise-interior"
            | Boundary -> "low-noise-boundary"

        override _.Statement =
            let common =
                "For a teacher mu_0 = sum_j a_j delta_{theta_j} (k = 1..3 atoms, d = 1 or 2) whose limit certificate p* = argmin{|p - alpha u| : p in D_0} "
                + "is non-degenerate (|eta*| < 1 off the atoms by a margin, decided by the exact supremum; p* computed by an exchange method and its KKT system verified over the rationals), "
                + "with labels y = K mu_0 + w: (lambda sweep) w = alpha lambda u, alpha = a tenth of what keeps p0's margin and ridge, lambda = eps lambda_max for eps = 1e-1 ... 1e-5; "
                + "(noise sweep) lambda_0 = the largest regime level with eps <= 1e-2 and |w| = alpha_j lambda_0 over three decades up to half that bound. "
                + "At every level in the certified regime of its p* (sup|eta_lambda - eta*| < margin, and every kink across a hyperplane through an atom within the ridge of p*'s) "
                + "the number of Diracs is never decided to differ from k (a count is decided by a certified k-atom solution and a certified lower bound on every (k-1)-atom measure, never by a radius; undecided levels are counted)"

            match placement with
            | Interior ->
                common
                + ". Atoms strictly inside their regions: the location and amplitude errors decay at least linearly in lambda (against the teacher) and in |w| (against the noiseless solution at lambda_0): "
                + "every fit that can refute a slope of 0.5 (three or more resolved regime levels, 95% half-width <= 0.25) has slope + half-width >= 0.9."
            | Boundary ->
                common
                + ". Atoms on data hyperplanes (the first always): boundary-ridge teachers (s_j p*_H < 0 across every hyperplane H through an atom, decided exactly) are audited, their rates measured; "
                + "boundary-flat teachers (p*_H = 0) are outside the paper's hypothesis and are measured as their own family (split decided / kept decided / undecided per level), not applicable to the claim."

        override _.Source =
            "seed abstract (\"solutions ... remain sparse with the same number of Dirac deltas ... in case the locations lie in the interior of a dual region, the convergence happens with a rate that depends linearly on the noise and the regularization parameter\"); the limit certificate p* and the strict-ridge condition of THEORY.md §6"

        override _.Oracle =
            "the exact solver's certified minimisers, their Dirac counts decided by a weak-duality lower bound on every (k-1)-atom measure and a saturation-set upper bound (DiracCount), against the known teacher; p* by LimitCertificate (float exchange method, exact rational KKT)"

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

            // A random k-atom measure is rarely the minimiser of its own labels (3% for k = 3 in a sample of 300
            // draws), so k = 3 needs many draws; each costs a few milliseconds, and the search stops at the first
            // teacher kept (a seed that found one in fewer draws replays unchanged).
            while found.IsNone && attempts < 200 do
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
        // One evaluation is two sweeps (about twenty certified solves with their count decisions): shrinking gets
        // few evaluations. A count, not seconds, so that the counterexample of a seed never depends on the load.
        override _.ShrinkBudget = 12

    /// Interior atoms.
    let interior = Claim(Interior)
    /// Boundary atoms.
    let boundary = Claim(Boundary)
