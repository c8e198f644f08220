namespace TvRelu.Core.Certificates

open System
open System.Collections.Generic
open System.Diagnostics
open TvRelu.Core.Data
open TvRelu.Core.Numerics

/// The checks every budget of a search or a solve gets, so that a bad budget is refused by name.
module internal Budget =

    /// The time limit itself, or an error naming it when it is not positive.
    let positiveTime (limit: TimeSpan) =
        if limit <= TimeSpan.Zero then
            invalidArg "limit" (sprintf "the time limit must be positive (got %O)" limit)

        limit

/// The moment after which a long computation returns the best point it has instead of finishing (issue 14: a
/// d = 13 solve ran 12 minutes past its 10-minute limit inside one restricted solve, which only the rounds around
/// it checked). An immutable value on the monotonic clock (`Stopwatch` timestamps), passed down rather than held
/// globally; `Never` when there is no budget.
[<Struct>]
type internal Deadline =
    | At of timestamp: int64
    | Never

    /// The moment `span` from now.
    static member After(span: TimeSpan) =
        let ticks = span.TotalSeconds * float Stopwatch.Frequency

        // A span beyond the clock's range is no deadline (TimeSpan.MaxValue is a valid "unlimited").
        if ticks >= float (Int64.MaxValue - Stopwatch.GetTimestamp()) then
            Never
        else
            At(Stopwatch.GetTimestamp() + int64 (max 0.0 ticks))

    /// The moment `limit − elapsed` from now, when there is a limit.
    static member Remaining (limit: TimeSpan option) (elapsed: TimeSpan) =
        match limit with
        | Some l -> Deadline.After(l - elapsed)
        | None -> Never

    /// Whether the moment has come.
    member d.Passed =
        match d with
        | At t -> Stopwatch.GetTimestamp() >= t
        | Never -> false

/// Settings of the branch-and-bound supremum (THEORY.md §9). Build from `Default` with the `With…` members.
type BranchAndBoundOptions =
    {
        /// The search is exact when Upper − Value ≤ RelativeTolerance · S, S = Σ_i |q_i| ‖x̃_i‖ / λ, a
        /// bound on |η| over the unit ball. The default 1e-12 leaves room for the a-priori rounding
        /// margins of the bounds ((N + r) · 2^−53 · S, and more on thin cones whose multipliers are large):
        /// at 1e-13 a search in d = 1 with 22 points ended 1.2e-13 S apart (10^4-trial run).
        RelativeTolerance: float
        /// Values at or below the floor do not matter: a node whose bound is at most max(incumbent, floor)
        /// plus the tolerance is closed. 0 asks for the exact supremum; 1 asks only whether sup > 1
        /// (enough for a certified gap, §2, which needs an upper bound U with q / max(1, U)).
        Floor: float
        /// When set, every local maximum of |η| at or above this level is collected (the saturation set
        /// Σ, §3, §5): nodes whose bound reaches it are branched down to leaves.
        SaturationLevel: float option
        /// Node evaluations before the search stops with an interval [lower, upper].
        NodeLimit: int64
        /// Wall-clock time before the search stops with an interval.
        TimeLimit: TimeSpan option
        /// When set, the search stops as soon as it attains a value above this (a violating direction
        /// for column generation, §4, is all the pricing needs).
        StopAbove: float option
        /// Whether nodes are narrowed to where σ η can reach the level (range reduction, `NodeBound`); off
        /// only to measure what it gains.
        RangeReduction: bool
        /// A saturation point closer than this to a hyperplane (unit normals) is reported on a region
        /// boundary (`SaturationPoint.Interior` false), as the enumeration's `Certificate.saturation` does.
        BoundaryTolerance: float
    }

    /// Exact supremum (to 1e-12 S), no time limit, at most 10^7 nodes.
    static member Default =
        {
            RelativeTolerance = Tolerances.branchAndBoundRelative
            Floor = 0.0
            SaturationLevel = None
            NodeLimit = 10_000_000L
            TimeLimit = None
            StopAbove = None
            RangeReduction = true
            BoundaryTolerance = Tolerances.boundary
        }

    /// With a node budget.
    member o.WithNodeLimit(nodes: int64) =
        if nodes < 1L then
            invalidArg "nodes" (sprintf "the node limit must be at least 1 (got %d)" nodes)

        { o with NodeLimit = nodes }

    /// With a time budget.
    member o.WithTimeLimit(limit: TimeSpan) =
        { o with
            TimeLimit = Some(Budget.positiveTime limit)
        }

    /// With another relative tolerance.
    member o.WithRelativeTolerance(tol: float) =
        if not (tol > 0.0) || Double.IsInfinity tol then
            invalidArg "tol" (sprintf "the relative tolerance must be a positive finite number (got %g)" tol)

        { o with RelativeTolerance = tol }

    /// With a floor below which values do not matter.
    member o.WithFloor(floor: float) =
        if Double.IsNaN floor || Double.IsInfinity floor then
            invalidArg "floor" (sprintf "the floor must be a finite number (got %g)" floor)

        { o with Floor = floor }

    /// Stopping at the first attained value above the threshold.
    member o.WithStopAbove(threshold: float) =
        if Double.IsNaN threshold then
            invalidArg "threshold" "the stopping threshold must be a number"

        { o with StopAbove = Some threshold }

    /// With another distance below which a saturation point counts as on a hyperplane.
    member o.WithBoundaryTolerance(tol: float) =
        if not (tol >= 0.0) || Double.IsInfinity tol then
            invalidArg "tol" (sprintf "the boundary tolerance must be a non-negative finite number (got %g)" tol)

        { o with BoundaryTolerance = tol }

    /// Without range reduction at the level (to measure what it gains).
    member o.WithoutRangeReduction() = { o with RangeReduction = false }

    /// Collecting the local maxima of |η| at or above the level.
    member o.WithSaturationLevel(level: float) =
        if not (level > 0.0) || Double.IsInfinity level then
            invalidArg "level" (sprintf "the saturation level must be a positive finite number (got %g)" level)

        { o with SaturationLevel = Some level }

/// One moment of a branch-and-bound search: where its interval stood after so many nodes.
type SearchSample =
    {
        Nodes: int64
        Seconds: float
        /// The largest bound left open or closed so far (the search's upper bound at that moment).
        Upper: float
        /// The best attained value so far.
        Lower: float
        /// Nodes waiting in the queue.
        Open: int
    }

/// How a search spent its nodes, to see where a hard instance resists (THEORY.md §9).
type SearchProfile =
    {
        /// Evaluated nodes by depth (the number of signs fixed by cone constraints).
        NodesByDepth: int64[]
        /// Nodes closed by their bound before reaching a leaf.
        ClosedByBound: int64
        /// Samples at every power of two of the node count and at the end.
        Trace: SearchSample[]
        /// Depth, chords left and bound of the (at most ten) best open nodes when the search stopped.
        OpenTop: (int * int * float)[]
    }

/// The supremum found by branch and bound: exact when the search completed, else an honest interval.
type BoundedSupremum =
    {
        /// The supremum: the best leaf maximum (a bounded least squares solved to its optimality
        /// conditions, ‖Π_K v‖ of Lemma 1 when the leaf is one cell) or Lower if larger. It equals sup
        /// within Tolerance when Exact, to the accuracy the enumeration's projections have.
        Value: float
        /// A value of the certificate attained at the floating point `Argument`: sup ≥ Lower. On thin
        /// cells it lies below Value by about κ ε ‖v‖ (the rounding of the argument times the cell's
        /// conditioning κ), which no evaluation at a double can avoid.
        Lower: float
        /// sup ≤ Upper, from the bounds of every node closed or left open (rounding margins included).
        Upper: float
        /// Upper − Value ≤ the tolerance: the search completed and the supremum is known to it.
        Exact: bool
        /// The tolerance Upper − Value was compared with (RelativeTolerance · S).
        Tolerance: float
        /// A unit θ with (sign) η(θ) = Lower.
        Argument: float[]
        /// +1 when Lower is a value of η, −1 when of −η.
        Sign: int
        /// Node evaluations.
        Nodes: int64
        /// Leaves reached (every positive neuron fixed).
        Leaves: int
        /// Leaves whose bound was re-checked in rational arithmetic (§8), and the largest amount by which
        /// an exact bound exceeded its floating one (≤ 0 when every floating bound was safe).
        RationalChecks: int
        RationalExcess: float
        Elapsed: TimeSpan
        NodesPerSecond: float
        /// r = rank X̃, the dimension the search ran in.
        Rank: int
        /// The local maxima of |η| at or above the saturation level (empty unless it was asked for): one
        /// per leaf, since on a leaf η is concave and positively homogeneous, so its maximiser on the sphere
        /// is unique. Every point with |η| = sup is one of them, and each is a point of the enumeration's
        /// `Certificate.saturation` (a local maximum is its closed cell's maximiser, Lemma 1); the converse
        /// fails only for cell maxima in [level, sup) that are not local maxima, which the enumeration
        /// lists and this does not. `Cells` is empty: there is no enumerated arrangement to index.
        Saturation: SaturationPoint[]
        /// Why the search stopped: "complete", "node limit", "time limit" or "violator found".
        Status: string
        /// Where the nodes went.
        Profile: SearchProfile
        /// "branch-and-bound".
        Method: string
    }

type private SearchNode =
    {
        Orientation: int
        Evaluation: NodeEvaluation
    }

/// One search in progress (THEORY.md §9): the problem in r = rank X̃, the incumbent (the best attained
/// value and where), the largest bound closed so far, the queue of open nodes and the profile. Mutable
/// because the search is one hot loop; it never leaves `BranchAndBound.search`.
type private SearchState =
    {
        Reduction: Reduction
        Orientations: Orientation[]
        Units: float[][]
        Dual: float[]
        Lambda: float
        Options: BranchAndBoundOptions
        /// RelativeTolerance · S: how far above the level a bound may lie and still close its node.
        Tol: float
        Watch: Stopwatch
        Queue: PriorityQueue<SearchNode, float>
        Saturation: ResizeArray<SaturationPoint>
        Depths: ResizeArray<int64>
        Trace: ResizeArray<SearchSample>
        /// The incumbent: the best attained value, its argument and orientation.
        mutable Lower: float
        mutable Argument: float[]
        mutable ArgSign: int
        /// The best leaf maximum (its estimate without margins).
        mutable BestLeaf: float
        /// The largest bound of a node closed by bound or as a leaf.
        mutable Closed: float
        /// The largest cutoff a range reduction used (what it discarded lies below it).
        mutable CutoffUsed: float
        mutable Nodes: int64
        mutable Leaves: int
        mutable Checks: int
        mutable Excess: float
        mutable ClosedByBound: int64
        mutable NextSample: int64
    }

/// The exact supremum of the certificate by branch and bound over the signs of the positive-weight
/// neurons (THEORY.md §9): best-first on the node bounds of `NodeBound`, pruned by the incumbent,
/// leaves re-checked over the rationals (§8). It needs no arrangement, so it serves every d.
module BranchAndBound =

    let private validate (data: Dataset) (lambda: float) (q: float[]) =
        if not (lambda > 0.0) || Double.IsInfinity lambda then
            invalidArg "lambda" (sprintf "λ must be a positive finite number (got %g)" lambda)

        if isNull q || q.Length <> data.Count then
            invalidArg
                "q"
                (sprintf "the dual vector has %d entries but the data set has %d rows" (if isNull q then 0 else q.Length) data.Count)

        if q |> Array.exists (Double.IsFinite >> not) then
            invalidArg "q" "the dual vector has a non-finite entry"

    /// The depth of a node: the signs fixed by cone constraints.
    let private depthOf (signs: sbyte[]) =
        signs |> Array.sumBy (fun s -> if abs s = 1y then 1 else 0)

    let private offArgument (n: int) =
        Array.init n (fun k -> if k = n - 1 then -1.0 else 0.0)

    let private addSaturation
        (found: ResizeArray<SaturationPoint>)
        (units: float[][])
        (boundary: float)
        (sign: int)
        (theta: float[])
        (value: float)
        =
        match
            found
            |> Seq.tryFindIndex (fun s ->
                s.Sign = sign
                && Dense.distance s.Direction theta <= Tolerances.saturationPointsMeet)
        with
        | Some k ->
            if value > abs found.[k].Value then
                found.[k] <-
                    { found.[k] with
                        Value = float sign * value
                    }
        | None ->
            found.Add
                {
                    Direction = theta
                    Sign = sign
                    Value = float sign * value
                    Interior = units |> Array.forall (fun u -> abs (Dense.dot u theta) > boundary)
                    Cells = [||]
                }

    /// The level below which nothing matters: max(incumbent, best leaf, floor). Closing by the best leaf's
    /// bound (not only by attained values) keeps thin cells, where the value at a double point lags the
    /// leaf's maximum by κ ε ‖v‖, from being split forever; Upper stays rigorous because every closed
    /// bound enters it (§9).
    let private level (st: SearchState) =
        max (max st.Lower st.BestLeaf) st.Options.Floor

    /// The cutoff of a node's range reduction: it keeps every point where σ η ≥ the cutoff (the level, or
    /// the saturation level when Σ is collected); what it discards is below the cutoff, which Upper
    /// therefore includes (recorded in CutoffUsed).
    let private cutoff (st: SearchState) =
        if not st.Options.RangeReduction then
            None
        else
            let l =
                match st.Options.SaturationLevel with
                | Some s -> min s (level st)
                | None -> level st

            st.CutoffUsed <- max st.CutoffUsed l
            Some l

    /// Whether a bound reaches the saturation level, so that its node must be branched down to leaves
    /// for Σ (§3, §5) even when it cannot beat the incumbent.
    let private saturates (st: SearchState) (b: float) =
        st.Options.SaturationLevel |> Option.exists (fun s -> b >= s)

    /// A node's bound at most the level plus the tolerance closes it, unless Σ needs it (§9).
    let private closes (st: SearchState) (bound: float) =
        bound <= level st + st.Tol && not (saturates st bound)

    /// Counts the node at its depth for the profile.
    let private countDepth (st: SearchState) (e: NodeEvaluation) =
        st.Nodes <- st.Nodes + 1L
        let depth = depthOf e.Signs

        while st.Depths.Count <= depth do
            st.Depths.Add 0L

        st.Depths.[depth] <- st.Depths.[depth] + 1L

    /// The incumbent update: a relaxation maximiser θ* whose value beats the incumbent is improved by
    /// local ascent, and the result replaces the incumbent when it still beats it (a lower bound on sup).
    let private improveIncumbent (st: SearchState) (sign: int) (e: NodeEvaluation) =
        match e.Theta with
        | Some t when e.Value > st.Lower ->
            let t, v = Ascent.climb st.Reduction st.Units sign 50 t

            if v > st.Lower then
                st.Lower <- v
                st.Argument <- t
                st.ArgSign <- sign
        | _ -> ()

    /// The leaf closure: no chord is left, so the bound is the leaf's maximum (§9). It is re-checked in
    /// rational arithmetic (§8) when it is near the level or saturates, the leaf's local maximum joins Σ
    /// when Σ is collected, and the bound enters Upper.
    let private closeLeaf (st: SearchState) (o: int) (e: NodeEvaluation) =
        let sign = st.Orientations.[o].Sign
        st.Leaves <- st.Leaves + 1
        let mutable b = e.Bound

        if
            b >= level st - Tolerances.leafRecheckBand * st.Reduction.Scale
            || saturates st b
        then
            let exact = LeafCheck.bound st.Reduction st.Orientations.[o] st.Dual st.Lambda e
            st.Checks <- st.Checks + 1
            st.Excess <- max st.Excess (exact - e.Bound)
            b <- max b exact

        match e.Theta, st.Options.SaturationLevel with
        | Some t, Some s when e.Value >= s -> addSaturation st.Saturation st.Units st.Options.BoundaryTolerance sign t e.Value
        | _ -> ()

        st.Closed <- max st.Closed b
        st.BestLeaf <- max st.BestLeaf e.Estimate

    /// An evaluated node's fate: the incumbent is updated from it, then it is closed as a leaf, closed by
    /// its bound, or queued by its bound (best first).
    let private offer (st: SearchState) (o: int) (e: NodeEvaluation) =
        countDepth st e
        improveIncumbent st st.Orientations.[o].Sign e

        if e.Branch < 0 then
            closeLeaf st o e
        elif closes st e.Bound then
            st.Closed <- max st.Closed e.Bound
            st.ClosedByBound <- st.ClosedByBound + 1L
        else
            // Only leaves need the multipliers (for the rational re-check): a queued node drops them,
            // which is most of its memory when the negative part is large (N = 500: 2 KB a node).
            st.Queue.Enqueue(
                {
                    Orientation = o
                    Evaluation = { e with Multipliers = [||] }
                },
                -e.Bound
            )

    /// The roots, one per orientation, on the intervals of the ball; β starts from the signs at the
    /// direction of the convex part's linear sum.
    let private offerRoots (st: SearchState) =
        let red = st.Reduction

        for o in 0 .. st.Orientations.Length - 1 do
            let positive = st.Orientations.[o].Positive

            let warm =
                positive
                |> Array.fold (fun acc i -> Dense.axpy red.Weights.[i] red.Reduced.[i] acc) (Array.zeroCreate red.Rank)
                |> Dense.scale (float st.Orientations.[o].Sign)
                |> Dense.normalize

            let o' = st.Orientations.[o]

            offer
                st
                o
                (NodeBound.evaluate red o' (Array.zeroCreate positive.Length) 0.0 warm (NodeBound.rootIntervals red o') true (cutoff st))

    /// Where the search's interval stands now, for the profile's trace.
    let private sample (st: SearchState) =
        st.Trace.Add
            {
                Nodes = st.Nodes
                Seconds = st.Watch.Elapsed.TotalSeconds
                Upper =
                    List.max
                        [
                            st.Lower
                            st.Closed
                            st.CutoffUsed
                            (if st.Queue.Count > 0 then
                                 st.Queue.Peek().Evaluation.Bound
                             else
                                 0.0)
                        ]
                Lower = st.Lower
                Open = st.Queue.Count
            }

    /// The budget check before the best open node is expanded: why the search stops there, if it does.
    /// The best bound closing means every open node closes: the search is complete (§9).
    let private stopReason (st: SearchState) (best: NodeEvaluation) =
        let o = st.Options

        if closes st best.Bound then
            Some "complete"
        elif o.StopAbove |> Option.exists (fun t -> st.Lower > t) then
            Some "violator found"
        elif st.Nodes >= o.NodeLimit then
            Some "node limit"
        elif o.TimeLimit |> Option.exists (fun t -> st.Watch.Elapsed >= t) then
            Some "time limit"
        else
            None

    /// The branching step on a dequeued node. A node on inherited intervals is first evaluated on its own
    /// (lazy expansion: children are queued on their parent's intervals, and pay for their own projections
    /// only when their bound brings them to the top); a tight one is split on its branching neuron.
    let private expand (st: SearchState) (node: SearchNode) =
        let e = node.Evaluation
        let o = st.Orientations.[node.Orientation]

        if not e.Tight then
            offer st node.Orientation (NodeBound.evaluate st.Reduction o e.Signs e.Slack e.Point (e.Lower, e.Upper) true (cutoff st))
        else
            for s in [ 1y; -1y ] do
                let child = Array.copy e.Signs
                child.[e.Branch] <- s
                offer st node.Orientation (NodeBound.evaluate st.Reduction o child e.Slack e.Point (e.Lower, e.Upper) false (cutoff st))

    /// The search's answer: Upper from every closed and open bound and the range reductions' cutoff,
    /// Value the best leaf (or the incumbent) capped by Upper, exact when they meet within the tolerance.
    let private conclude (st: SearchState) (status: string) : BoundedSupremum =
        let openMax =
            match st.Queue.TryPeek() with
            | true, _, p -> -p
            | _ -> 0.0

        let upper = List.max [ st.Lower; st.Closed; openMax; st.CutoffUsed ]
        let value = min upper (max st.Lower st.BestLeaf)
        let elapsed = st.Watch.Elapsed

        {
            Value = value
            Lower = st.Lower
            Upper = upper
            Exact = upper - value <= st.Tol
            Tolerance = st.Tol
            Argument = st.Argument
            Sign = st.ArgSign
            Nodes = st.Nodes
            Leaves = st.Leaves
            RationalChecks = st.Checks
            RationalExcess = (if st.Checks = 0 then 0.0 else st.Excess)
            Elapsed = elapsed
            NodesPerSecond = float st.Nodes / max elapsed.TotalSeconds Tolerances.tiny
            Rank = st.Reduction.Rank
            Saturation = st.Saturation.ToArray()
            Status = status
            Method = "branch-and-bound"
            Profile =
                {
                    NodesByDepth = st.Depths.ToArray()
                    ClosedByBound = st.ClosedByBound
                    Trace = st.Trace.ToArray()
                    OpenTop =
                        st.Queue.UnorderedItems
                        |> Seq.map (fun struct (n, _) -> n.Evaluation)
                        |> Seq.sortByDescending (fun e -> e.Bound)
                        |> Seq.truncate 10
                        |> Seq.map (fun e -> depthOf e.Signs, e.Chords, e.Bound)
                        |> Array.ofSeq
                }
        }

    /// The search over the given orientations (+1: η, −1: −η) in one queue with one incumbent: the roots,
    /// then best-first expansion until the budget check stops it, sampling the interval at every power
    /// of two of the node count.
    let internal search (data: Dataset) (lambda: float) (q: float[]) (signs: int list) (options: BranchAndBoundOptions) =
        validate data lambda q
        let watch = Stopwatch.StartNew()
        let red = Reduction.build data lambda q

        let st: SearchState =
            {
                Reduction = red
                Orientations = signs |> List.map (Reduction.orient red) |> Array.ofList
                Units = Ascent.units red
                Dual = q
                Lambda = lambda
                Options = options
                Tol = options.RelativeTolerance * red.Scale
                Watch = watch
                Queue = PriorityQueue<SearchNode, float>()
                Saturation = ResizeArray<SaturationPoint>()
                Depths = ResizeArray<int64>()
                Trace = ResizeArray<SearchSample>()
                Lower = 0.0
                Argument = offArgument red.Ambient
                ArgSign = signs.Head
                BestLeaf = 0.0
                Closed = 0.0
                CutoffUsed = 0.0
                Nodes = 0L
                Leaves = 0
                Checks = 0
                Excess = Double.NegativeInfinity
                ClosedByBound = 0L
                NextSample = 1L
            }

        offerRoots st
        let mutable status = None

        while status.IsNone && st.Queue.Count > 0 do
            let node = st.Queue.Peek()

            if st.Nodes >= st.NextSample then
                sample st
                st.NextSample <- 2L * st.NextSample

            status <- stopReason st node.Evaluation

            if status.IsNone then
                st.Queue.Dequeue() |> ignore
                expand st node

        sample st
        conclude st (defaultArg status "complete")

    /// sup_θ η(θ) over the sphere for the dual vector q at λ, where η = (1/λ) Σ_i q_i σ(⟨θ, x̃_i⟩).
    let supremum (data: Dataset) (lambda: float) (q: float[]) (options: BranchAndBoundOptions) = search data lambda q [ 1 ] options

    /// −inf_θ η(θ) (the supremum of −η), as a non-negative number.
    let infimum (data: Dataset) (lambda: float) (q: float[]) (options: BranchAndBoundOptions) = search data lambda q [ -1 ] options

    /// sup_θ |η(θ)| = max(sup η, −inf η), in one search with one incumbent.
    let supremumAbs (data: Dataset) (lambda: float) (q: float[]) (options: BranchAndBoundOptions) = search data lambda q [ 1; -1 ] options
