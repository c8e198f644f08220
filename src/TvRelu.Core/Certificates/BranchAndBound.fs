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

    let private addSaturation (found: ResizeArray<SaturationPoint>) (units: float[][]) (sign: int) (theta: float[]) (value: float) =
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
                    Interior = units |> Array.forall (fun u -> abs (Dense.dot u theta) > Tolerances.boundary)
                    Cells = [||]
                }

    /// The search over the given orientations (+1: η, −1: −η) in one queue with one incumbent.
    let internal search (data: Dataset) (lambda: float) (q: float[]) (signs: int list) (options: BranchAndBoundOptions) =
        validate data lambda q
        let watch = Stopwatch.StartNew()
        let red = Reduction.build data lambda q
        let orientations = signs |> List.map (Reduction.orient red) |> Array.ofList
        let units = Ascent.units red
        let tol = options.RelativeTolerance * red.Scale
        let mutable lower = 0.0
        let mutable bestLeaf = 0.0
        let mutable argument = offArgument red.Ambient
        let mutable argSign = signs.Head
        let mutable closed = 0.0
        let mutable nodes = 0L
        let mutable leaves = 0
        let mutable checks = 0
        let mutable excess = Double.NegativeInfinity
        let saturation = ResizeArray<SaturationPoint>()
        let queue = PriorityQueue<SearchNode, float>()

        // Closing by the best leaf's bound (not only by attained values) keeps thin cells, where the
        // value at a double point lags the leaf's maximum by κ ε ‖v‖, from being split forever; Upper
        // stays rigorous because every closed bound enters it.
        let level () = max (max lower bestLeaf) options.Floor
        // The range reduction of a node keeps every point where σ η ≥ the cutoff (the level, or the saturation
        // level when Σ is collected); what it discards is below the cutoff, which Upper therefore includes.
        let mutable cutoffUsed = 0.0

        let cutoff () =
            if not options.RangeReduction then
                None
            else
                let l =
                    match options.SaturationLevel with
                    | Some s -> min s (level ())
                    | None -> level ()

                cutoffUsed <- max cutoffUsed l
                Some l

        let depths = ResizeArray<int64>()
        let trace = ResizeArray<SearchSample>()
        let mutable closedByBound = 0L
        let mutable nextSample = 1L

        let saturates (b: float) =
            options.SaturationLevel |> Option.exists (fun s -> b >= s)

        let offer (o: int) (e: NodeEvaluation) =
            nodes <- nodes + 1L
            let depth = depthOf e.Signs

            while depths.Count <= depth do
                depths.Add 0L

            depths.[depth] <- depths.[depth] + 1L
            let sign = orientations.[o].Sign

            match e.Theta with
            | Some t when e.Value > lower ->
                let t, v = Ascent.climb red units sign 50 t

                if v > lower then
                    lower <- v
                    argument <- t
                    argSign <- sign
            | _ -> ()

            if e.Branch < 0 then
                // A leaf: no chord, the bound is the leaf's maximum. Re-check it exactly when it matters.
                leaves <- leaves + 1
                let mutable b = e.Bound

                if b >= level () - Tolerances.leafRecheckBand * red.Scale || saturates b then
                    let exact = LeafCheck.bound red orientations.[o] q lambda e
                    checks <- checks + 1
                    excess <- max excess (exact - e.Bound)
                    b <- max b exact

                match e.Theta, options.SaturationLevel with
                | Some t, Some s when e.Value >= s -> addSaturation saturation units sign t e.Value
                | _ -> ()

                closed <- max closed b
                bestLeaf <- max bestLeaf e.Estimate
            elif e.Bound <= level () + tol && not (saturates e.Bound) then
                closed <- max closed e.Bound
                closedByBound <- closedByBound + 1L
            else
                // Only leaves need the multipliers (for the rational re-check): a queued node drops them,
                // which is most of its memory when the negative part is large (N = 500: 2 KB a node).
                queue.Enqueue(
                    {
                        Orientation = o
                        Evaluation = { e with Multipliers = [||] }
                    },
                    -e.Bound
                )

        for o in 0 .. orientations.Length - 1 do
            let positive = orientations.[o].Positive
            // β starts from the signs at the direction of the convex part's linear sum.
            let warm =
                positive
                |> Array.fold (fun acc i -> Dense.axpy red.Weights.[i] red.Reduced.[i] acc) (Array.zeroCreate red.Rank)
                |> Dense.scale (float orientations.[o].Sign)
                |> Dense.normalize

            let o' = orientations.[o]

            offer
                o
                (NodeBound.evaluate red o' (Array.zeroCreate positive.Length) 0.0 warm (NodeBound.rootIntervals red o') true (cutoff ()))

        let mutable status = "complete"
        let mutable fin = false

        let sample () =
            trace.Add
                {
                    Nodes = nodes
                    Seconds = watch.Elapsed.TotalSeconds
                    Upper =
                        List.max
                            [
                                lower
                                closed
                                cutoffUsed
                                (if queue.Count > 0 then
                                     queue.Peek().Evaluation.Bound
                                 else
                                     0.0)
                            ]
                    Lower = lower
                    Open = queue.Count
                }

        while not fin && queue.Count > 0 do
            let node = queue.Peek()
            let e = node.Evaluation

            if nodes >= nextSample then
                sample ()
                nextSample <- 2L * nextSample

            if e.Bound <= level () + tol && not (saturates e.Bound) then
                fin <- true
            elif options.StopAbove |> Option.exists (fun t -> lower > t) then
                status <- "violator found"
                fin <- true
            elif nodes >= options.NodeLimit then
                status <- "node limit"
                fin <- true
            elif options.TimeLimit |> Option.exists (fun t -> watch.Elapsed >= t) then
                status <- "time limit"
                fin <- true
            else
                queue.Dequeue() |> ignore
                let o = orientations.[node.Orientation]

                if not e.Tight then
                    // Lazy expansion: children are queued on their parent's intervals, and pay for their
                    // own projections only when their bound brings them to the top.
                    offer node.Orientation (NodeBound.evaluate red o e.Signs e.Slack e.Point (e.Lower, e.Upper) true (cutoff ()))
                else
                    for s in [ 1y; -1y ] do
                        let child = Array.copy e.Signs
                        child.[e.Branch] <- s
                        offer node.Orientation (NodeBound.evaluate red o child e.Slack e.Point (e.Lower, e.Upper) false (cutoff ()))

        sample ()

        let openMax =
            match queue.TryPeek() with
            | true, _, p -> -p
            | _ -> 0.0

        let upper = List.max [ lower; closed; openMax; cutoffUsed ]
        let value = min upper (max lower bestLeaf)
        let elapsed = watch.Elapsed

        {
            Value = value
            Lower = lower
            Upper = upper
            Exact = upper - value <= tol
            Tolerance = tol
            Argument = argument
            Sign = argSign
            Nodes = nodes
            Leaves = leaves
            RationalChecks = checks
            RationalExcess = (if checks = 0 then 0.0 else excess)
            Elapsed = elapsed
            NodesPerSecond = float nodes / max elapsed.TotalSeconds Tolerances.tiny
            Rank = red.Rank
            Saturation = saturation.ToArray()
            Status = status
            Method = "branch-and-bound"
            Profile =
                {
                    NodesByDepth = depths.ToArray()
                    ClosedByBound = closedByBound
                    Trace = trace.ToArray()
                    OpenTop =
                        queue.UnorderedItems
                        |> Seq.map (fun struct (n, _) -> n.Evaluation)
                        |> Seq.sortByDescending (fun e -> e.Bound)
                        |> Seq.truncate 10
                        |> Seq.map (fun e -> depthOf e.Signs, e.Chords, e.Bound)
                        |> Array.ofSeq
                }
        }

    /// sup_θ η(θ) over the sphere for the dual vector q at λ, where η = (1/λ) Σ_i q_i σ(⟨θ, x̃_i⟩).
    let supremum (data: Dataset) (lambda: float) (q: float[]) (options: BranchAndBoundOptions) = search data lambda q [ 1 ] options

    /// −inf_θ η(θ) (the supremum of −η), as a non-negative number.
    let infimum (data: Dataset) (lambda: float) (q: float[]) (options: BranchAndBoundOptions) = search data lambda q [ -1 ] options

    /// sup_θ |η(θ)| = max(sup η, −inf η), in one search with one incumbent.
    let supremumAbs (data: Dataset) (lambda: float) (q: float[]) (options: BranchAndBoundOptions) = search data lambda q [ 1; -1 ] options
