namespace TvRelu.Core.Solver

open System
open System.Collections.Generic
open System.Diagnostics
open TvRelu.Core.Data
open TvRelu.Core.Numerics
open TvRelu.Core.Arrangements
open TvRelu.Core.Certificates
open TvRelu.Core.Cones
open TvRelu.Core.Uniqueness

/// Settings of the arrangement-free solver. Build from `Default` with the `With…` members.
type SignVectorColumnsOptions =
    {
        /// Certified-gap tolerance; None for the library's default max(1e-9 · J, 1e-13 · ½‖y‖²).
        Tolerance: float option
        /// When set, the tolerance is this multiple of J(μ) instead (e.g. 1e-6 for a looser target).
        RelativeGap: float option
        /// Wall-clock budget of the whole solve; when it runs out the result is reported uncertified
        /// (unless the last certification succeeded), with the last interval for sup|η|.
        TimeLimit: TimeSpan option
        /// Column-generation rounds before giving up (the result is then reported as not certified).
        MaxRounds: int
        /// Most violating columns added per round.
        ColumnsPerRound: int
        /// Random starts of the local ascent per round and sign (besides the support's neighbourhoods).
        Starts: int
        /// Seed of the random starts.
        Seed: int
        /// The budget of every branch-and-bound call (its node and time limits).
        Certification: BranchAndBoundOptions
        /// Points with |η| ≥ 1 − SaturationTolerance form Σ; None skips the final search for Σ (in high d
        /// it branches every node above 1 − tol down to its leaves, which can cost more than the solve).
        SaturationTolerance: float option
        /// Whether a block keeps only its cell's facets (`Cone.facets`) rather than all N hyperplanes: the same
        /// cone, fewer barrier terms. Off only to measure what it gains.
        FacetsOnly: bool
    }

    /// The defaults: 300 rounds, 8 columns a round, 64 random starts, seed 1, unlimited certification, Σ at 1e-6.
    static member Default =
        {
            Tolerance = None
            RelativeGap = None
            TimeLimit = None
            MaxRounds = 300
            ColumnsPerRound = 8
            Starts = 64
            Seed = 1
            Certification = BranchAndBoundOptions.Default
            SaturationTolerance = Some Tolerances.saturation
            FacetsOnly = true
        }

    /// With a time limit on each branch-and-bound call.
    member o.WithCertificationTimeLimit(limit: TimeSpan) =
        { o with
            Certification = o.Certification.WithTimeLimit limit
        }

    /// With a time limit on the whole solve.
    member o.WithTimeLimit(limit: TimeSpan) =
        { o with
            TimeLimit = Some(Budget.positiveTime limit)
        }

    /// With a gap tolerance relative to J.
    member o.WithRelativeGap(relative: float) =
        if not (relative > 0.0) || Double.IsInfinity relative then
            invalidArg "relative" (sprintf "the relative gap must be a positive finite number (got %g)" relative)

        { o with RelativeGap = Some relative }

    /// With a node limit on each branch-and-bound call.
    member o.WithNodeLimit(nodes: int64) =
        { o with
            Certification = o.Certification.WithNodeLimit nodes
        }

    /// With a certified-gap tolerance.
    member o.WithTolerance(tol: float) =
        if not (tol > 0.0) || Double.IsInfinity tol then
            invalidArg "tol" (sprintf "the gap tolerance must be a positive finite number (got %g)" tol)

        { o with Tolerance = Some tol }

    /// With at most this many column-generation rounds.
    member o.WithMaxRounds(rounds: int) =
        if rounds < 1 then
            invalidArg "rounds" (sprintf "the round limit must be at least 1 (got %d)" rounds)

        { o with MaxRounds = rounds }

    /// With at most this many new columns a round.
    member o.WithColumnsPerRound(columns: int) =
        if columns < 1 then
            invalidArg "columns" (sprintf "the columns per round must be at least 1 (got %d)" columns)

        { o with ColumnsPerRound = columns }

    /// With Σ's points within this distance of a hyperplane reported on a region boundary (the searches' option).
    member o.WithBoundaryTolerance(tol: float) =
        { o with
            Certification = o.Certification.WithBoundaryTolerance tol
        }

    /// With every block carrying all N hyperplanes, redundant ones included (to measure what `Cone.facets` gains).
    member o.WithAllHyperplanes() = { o with FacetsOnly = false }

    /// Without the final search for Σ.
    member o.WithoutSaturation() = { o with SaturationTolerance = None }

    /// With Σ at |η| ≥ 1 − tol.
    member o.WithSaturationTolerance(tol: float) =
        if not (tol >= 0.0 && tol < 1.0) then
            invalidArg "tol" (sprintf "the saturation tolerance must be in [0, 1) (got %g)" tol)

        { o with
            SaturationTolerance = Some tol
        }

/// A solution of P_λ found without enumerating the arrangement, certified by branch and bound (§9).
type SignVectorColumnsSolution =
    {
        Lambda: float
        Measure: Measure
        /// The gap, computed with the pricing oracle's upper bound U ≥ sup|η| (q / max(1, U) is dual
        /// feasible, §2), so `Certified` is rigorous even when a search stopped on a budget.
        Assessment: Assessment
        /// The last certification's interval for sup|η| and whether it was resolved (search completed, or the
        /// streaming pass's counts consistent).
        SupremumLower: float
        SupremumUpper: float
        SupremumExact: bool
        /// Σ from the oracle (branch and bound's leaves, the streaming pass or the stored scan; empty when not
        /// asked for or not known), and uniqueness (§5) from it.
        Saturation: SaturationPoint[]
        Uniqueness: UniquenessVerdict option
        /// Whether Σ (and so uniqueness) is known: the gap is certified, so q is the optimal residual up to it,
        /// and the search for Σ completed. Leaves of an uncertified q, or of a search cut short by its budget,
        /// are not Σ of the optimum (§3, §5): then Saturation is empty or partial and Uniqueness is None.
        SaturationKnown: bool
        Rounds: int
        /// The oracle's calls that bounded sup|η| (branch-and-bound searches, streaming passes or scans).
        BranchAndBoundCalls: int
        /// Their work: branch-and-bound nodes, or the cells the passes and scans visited.
        Nodes: int64
        /// "column-generation+" and the oracle's name: "branch-and-bound", "streaming" or "enumeration".
        Method: string
        Solve: TimeSpan
        Certification: TimeSpan
    }

/// Column generation over sign vectors (THEORY.md §4, §9): a column is the closed cell of a sign
/// vector, built from all the data's hyperplanes, never an index into an enumerated arrangement.
/// Columns are priced by one `PricingOracle` (`Pricing`): local ascent in front of branch and bound
/// (`solve`), in front of the streaming pass (`solveStreaming`), or any oracle (`solveWith`).
module SignVectorColumns =

    /// The closed cell of a priced column (its sign vector) as a block of the restricted problem, with the
    /// column's unit interior point (Cell is a running id: there is no arrangement to index) and the normals of all the data's hyperplanes
    /// (`onlyFacets` keeps the cell's facets); None when rounding left that point on a facet, which the barrier
    /// method cannot start from.
    let internal blockOf (data: Dataset) (id: int) (column: PricingColumn) =
        let rows = data.AugmentedRaw
        let n = rows.[0].Length
        let units = rows |> Array.map (fun x -> Dense.scale (1.0 / Dense.norm x) x)
        let sign = column.Sign
        let interior = column.Interior
        let active = column.RowSigns |> Array.map (fun s -> s > 0)

        let normals =
            units
            |> Array.mapi (fun i u -> if active.[i] then Dense.scale -1.0 u else u)
            |> Array.distinctBy (Array.map BitConverter.DoubleToInt64Bits)

        let design = Array.zeroCreate (rows.Length * n)

        for i in 0 .. rows.Length - 1 do
            if active.[i] then
                for k in 0 .. n - 1 do
                    design.[i * n + k] <- float sign * rows.[i].[k]

        let key = String(Array.map (fun a -> if a then '1' else '0') active) + string sign

        if normals |> Array.forall (fun a -> -(Dense.dot a interior) > 0.0) then
            Some(
                key,
                {
                    Cell = id
                    Sign = sign
                    Normals = normals
                    Interior = interior
                    Design = design
                }
            )
        else
            None

    /// The block with only its cell's facets (`Cone.facets`, from its strictly interior point): the other
    /// hyperplanes cut nothing off the cone, and each one the block carried cost the restricted solve a barrier
    /// term (d = 10, N = 200: 19 s of restricted solves in a 300 s budget with all N, 7 s with the facets; README).
    let internal onlyFacets (block: Block) =
        { block with
            Normals =
                Cone.facets Tolerances.redundantFacet block.Interior block.Normals
                |> Array.map (fun i -> block.Normals.[i])
        }

    /// λ_max = sup_θ |⟨y, φ(θ)⟩| by branch and bound (the enumeration cannot reach high d).
    let lambdaMax (data: Dataset) (options: BranchAndBoundOptions) =
        BranchAndBound.supremumAbs data 1.0 data.LabelsRaw options

    type private State =
        {
            Blocks: Block[]
            Keys: string[]
            U: float[]
        }

    let private measureOf (n: int) (s: State) =
        Measure.ofAtoms n (s.Blocks |> Array.mapi (fun b blk -> Array.sub s.U (b * n) n, float blk.Sign))

    /// Drops the blocks that stayed at zero, appends the new ones and solves the restricted problem from the
    /// previous point by the enumerating solver's restricted solve (`RestrictedSolve`), to ν μ ≤ target · J or
    /// until the deadline, when it returns its best feasible point.
    let private resolve
        (deadline: Deadline)
        (n: int)
        (y: float[])
        (lambda: float)
        (scale: float)
        (target: float)
        (s: State)
        (added: (string * Block)[])
        =
        let keep =
            [|
                for b in 0 .. s.Blocks.Length - 1 do
                    if Dense.norm (Array.sub s.U (b * n) n) > 0.0 then
                        yield b
            |]

        let blocks =
            Array.append (keep |> Array.map (fun b -> s.Blocks.[b])) (added |> Array.map snd)

        let keys =
            Array.append (keep |> Array.map (fun b -> s.Keys.[b])) (added |> Array.map fst)

        let u0 =
            Array.append (keep |> Array.collect (fun b -> Array.sub s.U (b * n) n)) (Array.zeroCreate (added.Length * n))

        {
            Blocks = blocks
            Keys = keys
            U = RestrictedSolve.solveBefore deadline n y lambda blocks u0 scale target
        }

    /// The excess δ of sup|η| over 1 that the gap tolerance allows: the largest δ ∈ [1e-12, 1e-3] (by
    /// bisection) with gap(1 + δ) ≤ gap(1) + ½ tolerance. The gap grows with s above 1 when ⟨Kμ, q⟩ ≥ 0;
    /// a linearisation fails at μ = 0, where that derivative vanishes.
    let private allowedExcess (y: float[]) (q: float[]) (lambda: float) (penalty: float) (tolerance: float) =
        let gap s =
            (Gap.ofResidual y q lambda penalty s (Some tolerance)).Gap

        let target = gap 1.0 + 0.5 * tolerance

        let mutable lo, hi =
            Tolerances.pricingExcessMinimum, Tolerances.pricingExcessMaximum

        if gap (1.0 + hi) <= target then
            hi
        elif gap (1.0 + lo) > target then
            lo
        else
            for _ in 1..60 do
                let mid = sqrt (lo * hi)
                if gap (1.0 + mid) <= target then lo <- mid else hi <- mid

            lo

    /// Σ at 1 − tol from the pricing oracle (branch and bound's leaves, the streaming pass or the scan), and
    /// uniqueness from it (§5) with the measure's amplitudes on it (an atom off Σ joins it, as in `Solve.finish`);
    /// no uniqueness when the search for Σ did not complete (a budget cut it short).
    let private saturationOf (oracle: PricingOracle) (data: Dataset) (q: float[]) (tol: float) (budget: TimeSpan option) (mu: Measure) =
        let saturation, complete, work = oracle.Saturation q tol budget

        let points = ResizeArray(saturation |> Array.map (fun s -> s.Direction, s.Sign))
        let amps = ResizeArray(Array.zeroCreate<float> saturation.Length)

        for a in mu.AtomsRaw do
            match
                points
                |> Seq.tryFindIndex (fun (d, s) ->
                    s = Math.Sign a.Amplitude
                    && Dense.distance d a.Direction <= Tolerances.atomOnSaturationPoint)
            with
            | Some j -> amps.[j] <- amps.[j] + a.Amplitude
            | None ->
                points.Add((a.Direction, Math.Sign a.Amplitude))
                amps.Add a.Amplitude

        if complete then
            saturation, Some(Uniqueness.decide data (points.ToArray()) (amps.ToArray())), work
        else
            // A search cut short by its budget found only part of Σ: uniqueness decided on a part is unsound.
            saturation, None, work

    /// One column generation in progress (§4, §9): the restricted problem, the counters, the restricted
    /// solver's budget and the last certification's interval. Mutable because the rounds are one loop; it
    /// never leaves `solve`.
    type private ColumnGeneration =
        {
            Data: Dataset
            Lambda: float
            Options: SignVectorColumnsOptions
            Oracle: PricingOracle
            SolveWatch: Stopwatch
            CertWatch: Stopwatch
            Total: Stopwatch
            mutable Problem: State
            mutable Rounds: int
            mutable Calls: int
            mutable Nodes: int64
            /// Rounds in a row that found no new column.
            mutable Stalled: int
            mutable NextId: int
            /// The barrier's target ν μ / J of the restricted solve, lowered when a round stalls.
            mutable Target: float
            /// The last certification's (lower, upper, exact) for sup|η|.
            mutable Interval: float * float * bool
        }

    let private outOfTime (cg: ColumnGeneration) =
        cg.Options.TimeLimit |> Option.exists (fun t -> cg.Total.Elapsed >= t)

    /// The gap tolerance at the measure μ with residual q: RelativeGap · J(μ) when asked for, else the
    /// given one (None: the library's default).
    let private gapTolerance (cg: ColumnGeneration) (mu: Measure) (q: float[]) =
        match cg.Options.RelativeGap with
        | Some rel -> Some(rel * (0.5 * Dense.dot q q + cg.Lambda * Measure.totalVariation mu))
        | None -> cg.Options.Tolerance

    /// The pricing round (§4): the oracle's columns above 1 + δ and, when it bounded sup|η|, the assessment
    /// from the interval's upper end (`Pricing.assess`).
    let private price (cg: ColumnGeneration) (mu: Measure) (q: float[]) (tolerance: float option) (delta: float) =
        cg.CertWatch.Start()

        let answer =
            cg.Oracle.Price
                {
                    Dual = q
                    Support = mu.AtomsRaw
                    Excess = delta
                    Count = cg.Options.ColumnsPerRound + cg.Problem.Blocks.Length + 1
                    Elapsed = fun () -> cg.Total.Elapsed
                    TimeLimit = cg.Options.TimeLimit
                }

        let assessment =
            answer.Supremum
            |> Option.map (fun s ->
                cg.Calls <- cg.Calls + 1
                cg.Nodes <- cg.Nodes + s.Work
                cg.Interval <- (s.Lower, s.Upper, s.Exact)

                Pricing.assess cg.Data cg.Lambda q (Measure.totalVariation mu) s tolerance)

        cg.CertWatch.Stop()
        answer.Columns, assessment

    /// The restricted solve on the new columns: at most ColumnsPerRound blocks not seen before (every
    /// candidate takes an id), and a lower barrier target when none is new (the restricted problem was not
    /// solved well enough to move the pricing); `scale` is the current objective J.
    let private addColumns (cg: ColumnGeneration) (scale: float) (fresh: PricingColumn[]) =
        cg.Rounds <- cg.Rounds + 1
        let known = HashSet(cg.Problem.Keys)

        let added =
            fresh
            |> Array.choose (fun c ->
                cg.NextId <- cg.NextId + 1
                blockOf cg.Data cg.NextId c)
            |> Array.filter (fun (k, _) -> known.Add k)
            |> Array.truncate cg.Options.ColumnsPerRound
            // Facets only for the blocks that enter (most candidates repeat a known cell): at N = 500 reducing every
            // candidate cost more than the barrier terms it saved.
            |> Array.map (fun (k, b) -> k, (if cg.Options.FacetsOnly then onlyFacets b else b))

        if added.Length = 0 then
            cg.Target <- max (cg.Target * 0.01) Tolerances.barrierGapFloor
            cg.Stalled <- cg.Stalled + 1
        else
            cg.Stalled <- 0

        // The solve's time limit reaches inside the restricted solve (issue 14): the next round then prices the point
        // it reached, in the last fifth of the budget, so the solve ends with that point's interval.
        let deadline = Deadline.Remaining cg.Options.TimeLimit cg.Total.Elapsed
        cg.SolveWatch.Start()
        cg.Problem <- resolve deadline (cg.Data.Dimension + 1) cg.Data.LabelsRaw cg.Lambda scale cg.Target cg.Problem added
        cg.SolveWatch.Stop()

    /// One round of column generation: the measure of the restricted solution, the excess δ its gap
    /// tolerance allows, pricing, and either the end (certified, or out of rounds, progress or time) with
    /// (μ, q, assessment), or the new columns added.
    let private round (cg: ColumnGeneration) =
        let y = cg.Data.LabelsRaw
        let mu = measureOf (cg.Data.Dimension + 1) cg.Problem
        let q = Measure.residual cg.Data mu
        let tolerance = gapTolerance cg mu q
        let j0 = Gap.ofResidual y q cg.Lambda (Measure.totalVariation mu) infinity tolerance
        let delta = allowedExcess y q cg.Lambda (Measure.totalVariation mu) j0.Tolerance
        let fresh, assessment = price cg mu q tolerance delta

        match assessment with
        | Some a when a.Certified -> Some(mu, q, a)
        | _ when cg.Rounds >= cg.Options.MaxRounds || cg.Stalled >= 8 || outOfTime cg -> Some(mu, q, defaultArg assessment j0)
        | _ ->
            addColumns cg j0.Objective fresh
            None

    /// The solution: Σ and uniqueness (§5) when the gap is certified and Σ is asked for, with the last
    /// certification's interval and the counters.
    let private conclude (cg: ColumnGeneration) (mu: Measure) (q: float[]) (a: Assessment) : SignVectorColumnsSolution =
        let lower, upper, exact = cg.Interval

        let sat, uniq, satNodes =
            match cg.Options.SaturationTolerance with
            | Some tol when a.Certified ->
                let budget =
                    cg.Options.TimeLimit
                    |> Option.map (fun t -> max (TimeSpan.FromSeconds 1.0) (t - cg.Total.Elapsed))

                cg.CertWatch.Start()
                let s, u, k = saturationOf cg.Oracle cg.Data q tol budget mu
                cg.CertWatch.Stop()
                s, u, k
            | _ -> [||], None, 0L

        {
            Lambda = cg.Lambda
            Measure = mu
            Assessment = a
            SupremumLower = lower
            SupremumUpper = upper
            SupremumExact = exact
            Saturation = sat
            Uniqueness = uniq
            SaturationKnown = uniq.IsSome
            Rounds = cg.Rounds
            BranchAndBoundCalls = cg.Calls
            Nodes = cg.Nodes + satNodes
            Method = "column-generation+" + cg.Oracle.Name
            Solve = cg.SolveWatch.Elapsed
            Certification = cg.CertWatch.Elapsed
        }

    /// Solves P_λ(y) to a certified gap by column generation over sign vectors priced by `oracle` (one of
    /// `Pricing`'s, built for these data and λ): rounds of pricing and restricted solves until the oracle's
    /// upper bound on sup|η| certifies the gap, or the rounds, progress or time run out (then not certified).
    let solveWith (oracle: PricingOracle) (data: Dataset) (lambda: float) (options: SignVectorColumnsOptions) =
        if not (lambda > 0.0) || Double.IsInfinity lambda then
            invalidArg "lambda" (sprintf "λ must be a positive finite number (got %g)" lambda)

        let cg: ColumnGeneration =
            {
                Data = data
                Lambda = lambda
                Options = options
                Oracle = oracle
                SolveWatch = Stopwatch()
                CertWatch = Stopwatch()
                Total = Stopwatch.StartNew()
                Problem = { Blocks = [||]; Keys = [||]; U = [||] }
                Rounds = 0
                Calls = 0
                Nodes = 0L
                Stalled = 0
                NextId = 0
                Target = Tolerances.barrierGap
                Interval = (0.0, infinity, false)
            }

        let mutable result = None

        while result.IsNone do
            result <- round cg

        let mu, q, a = result.Value
        conclude cg mu q a

    /// Solves P_λ(y) to a certified gap without the arrangement: rounds of cheap pricing and restricted
    /// solves, and branch and bound (Floor 1, stopping at the first violator) only when the cheap oracle
    /// finds nothing (`Pricing.ascent`). The gap is computed with branch and bound's upper bound, so
    /// "certified" holds even when a call ran out of budget (it then rarely holds: the upper bound stays above 1).
    let solve (data: Dataset) (lambda: float) (options: SignVectorColumnsOptions) =
        solveWith (Pricing.ascent data lambda options.Starts options.Seed options.Certification) data lambda options

    /// Solves P_λ(y) to a certified gap without ever storing the arrangement (issue 13): local ascent finds violators
    /// while it can, and a streaming pass (`Pricing.streaming`: exact sup|η|, memory O(N·d)) prices when it cannot,
    /// so every certified gap is the streaming pass's; Σ comes from one more pass. Ascent first because a pass far from
    /// the optimum resolves every cell above 1 + δ (nearly all of them at μ = 0): the first pass at d = 2, N = 300 took
    /// 13 s, and 0.4 s once sup|η| was near 1.
    let solveStreaming (threads: int) (data: Dataset) (lambda: float) (options: SignVectorColumnsOptions) =
        solveWith
            (Pricing.withAscent data lambda options.Starts options.Seed (Pricing.streaming data lambda threads Tolerances.boundary))
            data
            lambda
            options
