namespace TvRelu.Core.Solver

open System
open System.Diagnostics
open TvRelu.Core.Numerics
open TvRelu.Core.Data
open TvRelu.Core.Arrangements
open TvRelu.Core.Cones
open TvRelu.Core.Certificates

/// The column-generation loop of the exact solver (THEORY.md §4): the restricted problem over a working
/// set of (cell, sign) blocks is solved, the exact certificate supremum (§3) prices the columns it lacks,
/// and the loop stops only on a certified gap (§2) or a budget, which is then reported as not certified.
module internal ColumnGeneration =

    /// The working set: its blocks and their stacked variables.
    type State = { Blocks: Block[]; U: float[] }

    /// The empty working set.
    let empty = { Blocks = [||]; U = [||] }

    /// What a run of column generation returns.
    type Outcome =
        {
            Measure: Measure
            Assessment: Assessment
            Rounds: int
            /// The last working set (a warm start for the next λ of a path).
            State: State
            SolveTime: TimeSpan
            CertificationTime: TimeSpan
            /// The (cell, sign) blocks gap-safe screening proved zero in every solution (Solver/Screening).
            Screened: (int * int)[]
        }

    /// The cells a partial scan visits in every solve (`Pricing`): a few thousand projections, a small part of a
    /// full scan's on arrangements of tens of thousands of cells (measured: d = 2, N = 200 and d = 3, N = 50).
    [<Literal>]
    let private partialCells = 2048

    /// What column generation uses beyond the plain exact scan of every cell each round; tests switch each off to
    /// compare certified answers, and plant a wrong screened set to check that no certificate relies on it.
    type Acceleration =
        {
            /// Gap-safe screening (`Pricing`).
            Screening: bool
            /// Scan bounds carried from round to round (`CarriedBounds`).
            CarriedBounds: bool
            /// The cells of the partial scans of the first rounds (`Pricing`); 0 for none. Arrangements of at most
            /// this many cells are always scanned in full.
            PartialCells: int
            /// (cell, sign) blocks taken as screened from the start, unproved.
            Prescreened: (int * int)[]
        }

    /// Everything on: what every solve uses.
    let accelerated =
        {
            Screening = true
            CarriedBounds = true
            PartialCells = partialCells
            Prescreened = [||]
        }

    /// The plain exact scan of every cell each round.
    let plain =
        {
            Screening = false
            CarriedBounds = false
            PartialCells = 0
            Prescreened = [||]
        }

    /// The measure of a working set: u_b ↦ sign_b ‖u_b‖ δ_{u_b/‖u_b‖}.
    let measureOf (n: int) (state: State) =
        Measure.ofAtoms
            n
            (state.Blocks
             |> Array.mapi (fun b blk -> Array.sub state.U (b * n) n, float blk.Sign))

    /// Upper bounds on every block's closed-cell maximum carried from scan to scan (derived here). On the
    /// closed cell C, σ η = ⟨θ, σ v_C⟩ (THEORY.md §3), and a maximum over θ of a sum is at most the sum of the
    /// maxima: max_K ⟨θ, σ v'_C⟩ ≤ max_K ⟨θ, σ v_C⟩ + ‖v'_C − v_C‖ on unit θ. So a block whose maximum was at most
    /// m at the last scan's q has maximum at most m + ‖v'_C − v_C‖ at the next q', at the cost of a difference of
    /// two pieces rather than a projection. Near convergence q moves little, the bound of most cells stays below
    /// the scan's bar, and the next scan projects only the cells that can matter; the scan stays exact
    /// (`Certificate.scanWith`), so these bounds serve the certifying scans too. Each piece carries the rounding
    /// of `Certificate.supremumAbsEnclosed`'s pieces (2 (2N + d + 3) √(d + 1) u times η's scale), added to every
    /// stored bound and to every difference.
    type private CarriedBounds(arr: Arrangement, data: Dataset) =
        let blocks = 2 * arr.CellCount
        let n = arr.AmbientDimension
        let bounds = Array.create blocks infinity
        let observed = Array.create blocks nan
        // The pieces of the last scan's certificate and their rounding; the bounds hold there.
        let mutable last: (float[] * float) option = None
        let mutable moved = Array.zeroCreate<float> arr.CellCount

        let pieceRounding (cert: Certificate) =
            let n = float n

            2.0
            * (2.0 * float data.Count + n + 2.0)
            * sqrt n
            * Tolerances.unitRoundoff
            * cert.Scale

        let pieces (cert: Certificate) =
            let v = Array.zeroCreate<float>(arr.CellCount * n)

            for c in 0 .. arr.CellCount - 1 do
                Array.blit (cert.Piece c) 0 v (c * n) n

            v

        /// The bound on block b at the current q.
        member _.Bound(b: int) = bounds.[b] + moved.[b / 2]

        /// Moves the bounds to the certificate's q (before its scan): ‖v'_C − v_C‖ and both roundings per cell,
        /// added to the moves since the last `Settle` (a scan that raised settles nothing).
        member _.MoveTo(cert: Certificate) =
            let now = pieces cert
            let rounding = pieceRounding cert

            moved <-
                match last with
                | Some(before, r) ->
                    Array.init arr.CellCount (fun c ->
                        let mutable d = 0.0

                        for k in c * n .. c * n + n - 1 do
                            d <- d + (now.[k] - before.[k]) * (now.[k] - before.[k])

                        moved.[c] + sqrt d * (1.0 + 4.0 * Tolerances.unitRoundoff) + r + rounding)
                | None -> Array.create arr.CellCount infinity

            last <- Some(now, rounding)

        /// Records a scanned block's value bound (`Certificate.scanWith`'s observer).
        member _.Observe (c: int) (sign: int) (value: float) =
            observed.[2 * c + (if sign > 0 then 0 else 1)] <- value

        /// After a scan at the certificate's q: every bound becomes the least of its carried value, ‖v_C‖ and
        /// the scan's own, the last two widened by the pieces' rounding.
        member this.Settle(cert: Certificate) =
            let rounding = pieceRounding cert

            for b in 0 .. blocks - 1 do
                let carried = this.Bound b
                let piece = cert.PieceNorm(b / 2) + rounding

                let seen =
                    if Double.IsNaN observed.[b] then
                        infinity
                    else
                        observed.[b] + rounding

                bounds.[b] <- min carried (min piece seen)
                observed.[b] <- nan

            moved <- Array.zeroCreate arr.CellCount

    /// The pricing of one λ: one branch-and-bound scan per round serves both the gap (its best value is
    /// sup|η|) and the pricing (its next values are the most violating columns); its time is the certification
    /// time. Its bounds are carried from round to round (`CarriedBounds`). With screening on, the scan also
    /// drives gap-safe screening (Solver/Screening, restricted balls): blocks proved zero in every solution of
    /// §4's program leave the scans of the intermediate rounds, whose gap is then only the restricted one (the
    /// supremum over the kept blocks) and certifies nothing. Only a scan of every block certifies (THEORY.md §2:
    /// the gap is a certificate only with the supremum over the whole sphere, and screening says nothing of η at
    /// the candidate's own q on the screened cells); it runs when the restricted gap is within the tolerance,
    /// and on every round while nothing is screened.
    type private Pricing(arr: Arrangement, data: Dataset, lambda: float, options: SolverOptions, acceleration: Acceleration) =
        let watch = Stopwatch()
        let index c sign = 2 * c + (if sign > 0 then 0 else 1)
        let screened = Array.zeroCreate<bool>(2 * arr.CellCount)

        do
            for c, sign in acceleration.Prescreened do
                screened.[index c sign] <- true

        let mutable screenedCount = acceleration.Prescreened.Length
        let carried = CarriedBounds(arr, data)
        let norms = lazy (Screening.activeNorms arr data)
        // The gap of the last screening pass: a pass is worth its projections only once the ball has shrunk.
        let mutable passGap = infinity

        let sizeFor (state: State) =
            options.ColumnsPerRound + state.Blocks.Length + 1

        let supOf (best: (int * int * Projection)[]) =
            if best.Length = 0 then
                0.0
            else
                (let _, _, p = best.[0] in p.Norm)

        /// The scan at the certificate's q of the blocks `kept` accepts: every block when it certifies.
        let scan (certifying: bool) (kept: int -> bool) (state: State) (cert: Certificate) =
            carried.MoveTo cert

            let bound c sign =
                let b = index c sign

                if not (kept b) then -infinity
                elif acceleration.CarriedBounds then carried.Bound b
                else infinity

            let found, unresolved =
                if certifying then
                    Certificate.topWith bound carried.Observe (sizeFor state) 0.0 cert, 0.0
                else
                    Certificate.scanWith bound carried.Observe (sizeFor state) 0.0 [ 1; -1 ] cert

            carried.Settle cert
            found, unresolved

        /// The certifying scan: every block.
        let full (state: State) (mu: Measure) (cert: Certificate) =
            let best, _ = scan true (fun _ -> true) state cert
            Gap.ofCertificate cert (supOf best) options.Tolerance mu, best

        /// The scan of the kept blocks and the restricted gap (never certified), or the certifying scan. The
        /// restricted supremum is the best kept value or a larger one the rounding guard could not resolve: an upper
        /// bound, as the ball of a screening pass needs. The certifying scan is tried when the gap at the best kept
        /// value is within the tolerance: the upper bound also carries every held cell's rigorous rounding (`Certificate.scanWith`), which on thin cones (inputs of
        /// order 1e-7) kept the restricted gap above the tolerance for good, so the certifying scan never ran and
        /// its reason ("doubles cannot decide") was never given.
        let restricted (state: State) (mu: Measure) (cert: Certificate) =
            let found, unresolved = scan false (fun b -> not screened.[b]) state cert

            let gapAt s =
                Gap.ofResidual data.LabelsRaw cert.DualRaw lambda (Measure.totalVariation mu) s options.Tolerance

            let a = gapAt (max (supOf found) unresolved)
            let atValue = if unresolved > supOf found then gapAt (supOf found) else a

            if atValue.Certified then full state mu cert else a, found

        /// The partial scan of the first rounds: the kept blocks of the `PartialCells` cells of largest ‖v_C‖ only.
        /// Its supremum is only a lower bound, so its gap vouches for nothing (and drives no screening); it is
        /// taken only when it prices a column that never joined, at a gap above the tolerance: a round the full
        /// scan would not have certified either, unless its larger supremum lowered the gap (which costs one more
        /// round, never a wrong answer). Far from the optimum, q moves too much between rounds for the carried
        /// bounds to save projections, and the cells of largest ‖v_C‖ hold violating columns.
        let partial (state: State) (mu: Measure) (cert: Certificate) (isNew: int -> int -> bool) =
            let cells = arr.CellCount

            if acceleration.PartialCells <= 0 || cells <= acceleration.PartialCells then
                None
            else
                let order, _ = Certificate.byPieceNorm cert
                let inTop = Array.zeroCreate<bool> cells

                for k in 0 .. acceleration.PartialCells - 1 do
                    inTop.[order.[k]] <- true

                let found, _ = scan false (fun b -> inTop.[b / 2] && not screened.[b]) state cert

                let a =
                    Gap.ofResidual data.LabelsRaw cert.DualRaw lambda (Measure.totalVariation mu) (supOf found) options.Tolerance

                if
                    a.Gap > a.Tolerance
                    && found |> Array.exists (fun (c, sign, p) -> p.Norm > 1.0 && isNew c sign)
                then
                    Some({ a with Certified = false }, found)
                else
                    None

        /// A screening pass from an assessment whose supremum is over the kept blocks (or all of them).
        let screen (cert: Certificate) (a: Assessment) =
            if Screening.usable a && a.Gap < Tolerances.screeningPassDecrease * passGap then
                passGap <- a.Gap
                let divisor = max 1.0 a.CertificateSup

                let fresh =
                    Screening.boundsFrom cert norms.Value divisor a.Gap (fun b -> screened.[b])
                    |> Screening.below cert divisor

                for b in fresh do
                    screened.[b] <- true

                screenedCount <- screenedCount + fresh.Length

        member _.Elapsed = watch.Elapsed

        /// The (cell, sign) blocks screened so far.
        member _.Screened =
            [|
                for b in 0 .. screened.Length - 1 do
                    if screened.[b] then
                        yield b / 2, (if b % 2 = 0 then 1 else -1)
            |]

        /// The assessment of μ and the (cell, sign, projection) triples that may enter the working set.
        /// The third item says whether the assessment's gap is an upper bound on the restricted or the full gap
        /// (false after a partial scan). `isNew` says whether a block never joined the working set.
        member _.Price (state: State) (mu: Measure) (isNew: int -> int -> bool) =
            watch.Start()
            let cert = Certificate.ofMeasure arr data lambda mu
            let inRange = cert.Scale <= Tolerances.etaRange

            let cheap = if inRange then partial state mu cert isNew else None

            let a, best =
                match cheap with
                | Some priced -> priced
                | None when screenedCount > 0 && inRange -> restricted state mu cert
                | None -> full state mu cert

            if acceleration.Screening && cheap.IsNone && not a.Certified then
                screen cert a

            watch.Stop()
            a, best, cheap.IsNone

        /// The certifying assessment of a candidate, whatever is screened.
        member _.Certify (state: State) (mu: Measure) =
            watch.Start()
            let a, _ = full state mu (Certificate.ofMeasure arr data lambda mu)
            watch.Stop()
            a

    /// The violating columns (value above 1) not yet in the working set, the most violating first.
    let private freshColumns (options: SolverOptions) (state: State) (best: (int * int * Projection)[]) =
        best
        |> Array.filter (fun (c, s, p) ->
            p.Norm > 1.0
            && not (state.Blocks |> Array.exists (fun b -> b.Cell = c && b.Sign = s)))
        |> Array.truncate options.ColumnsPerRound

    /// The next working set: the fresh columns join, blocks that stayed at zero leave (so the working set
    /// tracks the support), and the restricted problem is solved from the previous point (`RestrictedSolve`).
    let private solveRestricted
        (arr: Arrangement)
        (data: Dataset)
        (lambda: float)
        (state: State)
        (fresh: (int * int * Projection)[])
        (scale: float)
        (target: float)
        =
        let n = arr.AmbientDimension
        let y = data.LabelsRaw
        let added = fresh |> Array.map (fun (c, s, _) -> Restricted.block arr data c s)

        let keep =
            [| 0 .. state.Blocks.Length - 1 |]
            |> Array.filter (fun b -> Dense.norm (Array.sub state.U (b * n) n) > 0.0)

        let blocks = Array.append (keep |> Array.map (fun b -> state.Blocks.[b])) added

        let u0 =
            Array.append (keep |> Array.collect (fun b -> Array.sub state.U (b * n) n)) (Array.zeroCreate (added.Length * n))

        {
            Blocks = blocks
            U = RestrictedSolve.solve n y lambda blocks u0 scale target
        }

    /// Merges atoms of one sign that lie in a common closed cell. On a closed cell C, φ(θ) = X_C θ is
    /// linear (THEORY.md §3), so |a|δ_θ + |b|δ_θ' and one atom at |a|θ + |b|θ' give the same Kμ, and
    /// the merged atom has the smaller mass ‖|a|θ + |b|θ'‖ ≤ |a| + |b|: a minimiser never needs two. The
    /// solver can still return such pairs, typically an atom on a hyperplane next to one a rounding
    /// distance inside the adjacent cell, whose TV excess ~ |a||b|‖θ − θ'‖²/2 is below the gap; the
    /// low-noise audit counted them as two Diracs. Hyperplane sides are read at `Tolerances.boundary`;
    /// the caller re-certifies the merged measure, so a misread side cannot be accepted silently.
    let mergeSharedCells (arr: Arrangement) (mu: Measure) =
        let units = arr.UnitNormalsRaw

        let side (theta: float[]) =
            units
            |> Array.map (fun u ->
                let t = Dense.dot u theta in

                if abs t <= Tolerances.boundary then 0
                elif t > 0.0 then 1
                else -1)

        // Joins change a leader's direction and sides, and can make two leaders mergeable: passes repeat
        // until one merges nothing.
        let rec merge (atoms: (float[] * float)[]) (any: bool) =
            let atoms = Array.copy atoms
            let sides = atoms |> Array.map (fst >> side)

            let _, leaders =
                Merge.amongAll
                    atoms.Length
                    (fun _ -> true)
                    (fun l i ->
                        sign (snd atoms.[l]) = sign (snd atoms.[i])
                        && Array.forall2 (fun (x: int) y -> x * y >= 0) sides.[l] sides.[i])
                    (fun l i ->
                        let (tl, al), (ti, ai) = atoms.[l], atoms.[i]
                        let v = Array.map2 (fun x y -> abs al * x + abs ai * y) tl ti
                        let nv = Dense.norm v
                        atoms.[l] <- (Array.map (fun x -> x / nv) v, float (sign al) * nv)
                        sides.[l] <- side (fst atoms.[l]))

            if leaders.Length < atoms.Length then
                merge (leaders |> Array.map (fun l -> atoms.[l])) true
            elif any then
                Some(Measure.ofAtoms arr.AmbientDimension atoms)
            else
                None

        merge (mu.AtomsRaw |> Array.map (fun a -> a.Direction, a.Amplitude)) false

    /// The certified answer cleaned of what the iterations left behind, each change kept only when the new
    /// measure is still certified (the certificate, not a threshold, decides): atoms that carry less than
    /// the tolerance (λ|a| ≤ tolerance; issue 3: no spurious tiny atoms) are dropped, then atoms of one
    /// sign in a common closed cell merged.
    let private cleanUp (arr: Arrangement) (lambda: float) (reprice: Measure -> Assessment) (mu: Measure, assessment: Assessment) =
        let keepIfCertified (candidate: Measure) =
            let a = reprice candidate
            if a.Certified then candidate, a else mu, assessment

        if not assessment.Certified then
            mu, assessment
        else
            let kept =
                mu.AtomsRaw
                |> Array.filter (fun a -> lambda * abs a.Amplitude > assessment.Tolerance)

            let mu, assessment =
                if kept.Length = mu.Count then
                    mu, assessment
                else
                    keepIfCertified (Measure.ofAtoms arr.AmbientDimension (kept |> Array.map (fun a -> a.Direction, a.Amplitude)))

            match mergeSharedCells arr mu with
            | None -> mu, assessment
            | Some merged ->
                let a = reprice merged
                if a.Certified then merged, a else mu, assessment

    /// Column generation from the working set `start` until the gap is certified, the round budget is spent,
    /// or eight rounds in a row priced no column that never joined without lowering the gap by 1%: the barrier's target is then
    /// at its floor and more rounds repeat the same restricted solve (inputs of order 1e-7 at λ = 1e-6 λ_max
    /// spent 500 s on 200 such rounds in the long campaign, with the first-order method used before issue 16).
    let runWith (acceleration: Acceleration) (arr: Arrangement) (data: Dataset) (lambda: float) (options: SolverOptions) (start: State) =
        Lambda.requirePositive "lambda" lambda
        let n = arr.AmbientDimension
        let pricing = Pricing(arr, data, lambda, options, acceleration)
        let solveWatch = Stopwatch()
        let mutable state = start
        let mutable rounds = 0

        let mutable target = Tolerances.barrierGap

        // Every column that ever joined: one priced again after it left at zero (above 1 by rounding only) is
        // nothing new, and re-adding it each round reset the stall count for all 200 rounds (issue 12's inputs
        // of order 1e-7, whose enclosure keeps the gap from being certified).
        let joined = System.Collections.Generic.HashSet<int * int>()

        for b in state.Blocks do
            joined.Add((b.Cell, b.Sign)) |> ignore

        let isNew c sign = not (joined.Contains((c, sign)))
        let mutable mu = measureOf n state
        let mutable assessment, best, exact = pricing.Price state mu isNew
        let mutable stalled = 0
        let mutable bestGap = if exact then assessment.Gap else infinity

        while not (assessment.Certified || rounds >= options.MaxRounds || stalled >= 8) do
            rounds <- rounds + 1
            let fresh = freshColumns options state best

            let anyNew =
                fresh |> Array.fold (fun acc (c, s, _) -> joined.Add((c, s)) || acc) false

            if not anyNew then
                target <- max (target * 0.01) Tolerances.barrierGapFloor

            solveWatch.Start()
            state <- solveRestricted arr data lambda state fresh assessment.Objective target
            solveWatch.Stop()
            mu <- measureOf n state
            let a, b, exact = pricing.Price state mu isNew

            // "Not lowered by 1%" includes a gap already at 0 that the enclosure will not confirm (issue 12's
            // rule): 0 > 0.99 · 0 is false, and such a solve ran its 200 rounds. A partial scan's gap is no upper
            // bound and never lowers the best (it priced a column that never joined: the next round resets).
            stalled <-
                if not anyNew && not (exact && a.Gap < 0.99 * bestGap) then
                    stalled + 1
                else
                    0

            if exact then
                bestGap <- min bestGap a.Gap

            assessment <- a
            best <- b

        let reprice candidate = pricing.Certify state candidate
        let mu, assessment = cleanUp arr lambda reprice (mu, assessment)

        {
            Measure = mu
            Assessment = assessment
            Rounds = rounds
            State = state
            SolveTime = solveWatch.Elapsed
            CertificationTime = pricing.Elapsed
            Screened = pricing.Screened
        }

    /// `runWith` every acceleration: what every solve uses.
    let run (arr: Arrangement) (data: Dataset) (lambda: float) (options: SolverOptions) (start: State) =
        runWith accelerated arr data lambda options start
