namespace TvRelu.Core.Solver

open System
open TvRelu.Core.Numerics
open TvRelu.Core.Data
open TvRelu.Core.Arrangements
open TvRelu.Core.Certificates

/// A column of the exact finite reformulation (THEORY.md §4) as an oracle prices it: a closed cell named
/// by its sign vector over the data rows, never by an index into an enumeration, and a sign.
type PricingColumn =
    {
        /// +1 where ⟨θ, x̃_i⟩ > 0 inside the cell (the block's active neurons), −1 elsewhere; one per data row.
        RowSigns: int[]
        /// +1 for η, −1 for −η.
        Sign: int
        /// The largest value of sign · η the oracle found on the closed cell (a lower bound on its maximum).
        Value: float
        /// A unit vector inside the open cell; the solver checks that it is strictly inside before its
        /// barrier starts there, since rounding may leave it on a facet.
        Interior: float[]
    }

/// What a pricing call knows about sup |η| (THEORY.md §2: q / max(1, U) is dual feasible for any U ≥ sup |η|).
type SupremumInterval =
    {
        /// A value of |η| attained at a point.
        Lower: float
        /// sup |η| ≤ Upper over the whole sphere, rounding included.
        Upper: float
        /// Whether the oracle resolved the supremum (exact, not an interval left by a budget).
        Exact: bool
        /// The work of the call: branch-and-bound nodes, or the cells a pass visited.
        Work: int64
        /// Why double precision could not decide the supremum (it is then not to be certified); None when it could.
        Undecided: string option
    }

/// One pricing question: the dual vector of the current measure and how far above 1 a column must be.
type PricingQuery =
    {
        /// q = y − Kμ.
        Dual: float[]
        /// μ's atoms (local searches start from them).
        Support: Atom[]
        /// δ: columns must exceed 1 + δ (the excess the gap tolerance allows).
        Excess: float
        /// The most columns wanted.
        Count: int
        /// Time spent by the solve so far (read when needed), and its budget.
        Elapsed: unit -> TimeSpan
        TimeLimit: TimeSpan option
    }

/// An oracle's answer: the supremum (None when it found violators without bounding it) and the columns
/// above 1 + δ, the most violating first.
type PricingAnswer =
    {
        Supremum: SupremumInterval option
        Columns: PricingColumn[]
    }

/// The one pricing interface of column generation (THEORY.md §4; issues 13 and 16): the answer to the
/// pricing question for a dual vector, and the saturation set Σ = {|η| ≥ 1 − tol} of the final one.
/// Implementations: the stored enumeration (`Pricing.enumeration`), the streaming walk that never stores
/// the arrangement (`Pricing.streaming`), and local ascent with branch and bound (`Pricing.ascent`).
type PricingOracle =
    {
        /// "enumeration", "streaming" or "branch-and-bound": the method that computes sup |η|.
        Name: string
        Price: PricingQuery -> PricingAnswer
        /// Σ at 1 − tol for the dual vector q within an optional time budget, whether the search for it
        /// completed (a budget can cut branch and bound short: then Σ is partial), and the work it took.
        Saturation: float[] -> float -> TimeSpan option -> SaturationPoint[] * bool * int64
    }

/// The three pricing oracles.
module Pricing =

    /// The assessment of a measure with residual q and TV norm `penalty` from an oracle's interval for sup |η|: the
    /// gap with the upper end U (q / max(1, U) is dual feasible, §2), so "certified" is rigorous even when a search
    /// stopped on a budget; a supremum double precision could not decide is never certified.
    let assess (data: Dataset) (lambda: float) (q: float[]) (penalty: float) (s: SupremumInterval) (tolerance: float option) =
        let a = Gap.ofResidual data.LabelsRaw q lambda penalty (max s.Upper 0.0) tolerance

        match s.Undecided with
        | Some why when a.Certified ->
            { a with
                Certified = false
                OutOfRange = Some why
            }
        | _ -> a

    /// A streaming pass's sup |η| as an interval: sup |η| + the pass's rounding bounds it; a pass whose two cell
    /// counts disagree is not to be certified.
    let streamingInterval (p: StreamingPrice) =
        {
            Lower = p.SupremumAbs
            Upper = p.SupremumAbs + p.Rounding
            Exact = p.Consistent
            Work = p.Cells
            Undecided =
                if p.Consistent then
                    None
                else
                    Some "the streaming pass's two independent cell counts disagree: the arrangement is not resolved in double precision"
        }

    /// θ moved off the hyperplanes it lies on (|⟨θ, x̂_i⟩| ≤ `Tolerances.ascentTie`) into an open cell: near θ
    /// the arrangement is that of the tied hyperplanes alone, so among its cells (`Enumeration.interiorPoints`)
    /// the one on the side that helps sign · η at most ties is taken, and θ moves towards it by half the
    /// distance to the nearest hyperplane not tied (which it therefore cannot cross).
    let private offTies (units: float[][]) (q: float[]) (sign: int) (theta: float[]) =
        let theta = Dense.scale (1.0 / Dense.norm theta) theta
        let t = units |> Array.map (Dense.dot theta)

        let tied =
            [| 0 .. units.Length - 1 |]
            |> Array.filter (fun i -> abs t.[i] <= Tolerances.ascentTie)

        if tied.Length = 0 then
            theta
        else
            let helps i = float sign * q.[i] > 0.0

            let towards =
                // Repeated data points tie as one hyperplane: the enumeration needs distinct ones (three copies of
                // one input made it index past its keys).
                Enumeration.interiorPoints (Enumeration.distinctDirections (tied |> Array.map (fun i -> units.[i]))) theta.Length
                |> Array.maxBy (fun p ->
                    tied
                    |> Array.sumBy (fun i -> if (Dense.dot p units.[i] > 0.0) = helps i then 1 else 0))

            let room =
                t
                |> Array.mapi (fun i v -> if abs v <= Tolerances.ascentTie then infinity else abs v)
                |> Array.fold min 1.0

            Dense.axpy (0.5 * room / Dense.norm towards) towards theta

    /// The column of the open cell at θ (moved off its ties by `offTies`): its sign vector read at that point.
    let internal columnAt (units: float[][]) (q: float[]) (sign: int) (value: float) (theta: float[]) =
        let inside = offTies units q sign theta
        let interior = Dense.scale (1.0 / Dense.norm inside) inside

        {
            RowSigns = units |> Array.map (fun u -> if Dense.dot interior u > 0.0 then 1 else -1)
            Sign = sign
            Value = value
            Interior = interior
        }

    /// Unit directions where sign · η exceeds `threshold`, best first: local ascent from the support
    /// atoms, from random perturbations of them (the neighbouring cells) and from random directions.
    let internal cheapViolators (red: Reduction) (rnd: Random) (starts: int) (atoms: Atom[]) (threshold: float) =
        let units = Ascent.units red
        let n = red.Ambient

        let gaussian () =
            sqrt (-2.0 * log (1.0 - rnd.NextDouble()))
            * cos (2.0 * Math.PI * rnd.NextDouble())

        let found = ResizeArray<float * float[] * int>()

        for sign in [ 1; -1 ] do
            let own = atoms |> Array.filter (fun a -> sign * Math.Sign a.Amplitude > 0)

            let seeds =
                [|
                    for a in own do
                        yield a.Direction

                        for radius in Tolerances.pricingPerturbations do
                            yield Array.init n (fun k -> a.Direction.[k] + radius * gaussian ())
                    for _ in 1..starts do
                        yield Array.init n (fun _ -> gaussian ())
                |]

            for s in seeds do
                let theta, value = Ascent.climb red units sign 100 s

                if value > threshold then
                    found.Add((value, theta, sign))

        found.ToArray() |> Array.sortByDescending (fun (v, _, _) -> v)

    /// The unit normals x̂_i of the data rows.
    let private unitRows (data: Dataset) =
        data.AugmentedRaw |> Array.map (fun x -> Dense.scale (1.0 / Dense.norm x) x)

    /// Branch and bound (THEORY.md §9) as a pricing oracle: at floor 1, exact to the allowed excess δ and stopping at
    /// the first value above 1 + δ, within what is left of the time budget; its argument is the column when it found a
    /// violator. Σ comes from its leaves at 1 − tol.
    let branchAndBound (data: Dataset) (lambda: float) (search: BranchAndBoundOptions) =
        let units = unitRows data

        let price (query: PricingQuery) =
            let red = Reduction.build data lambda query.Dual
            let delta = query.Excess

            let bb =
                search
                    .WithFloor(1.0)
                    .WithRelativeTolerance(max BranchAndBoundOptions.Default.RelativeTolerance (delta / max red.Scale Tolerances.tiny))
                    .WithStopAbove(1.0 + delta)

            let bb =
                match query.TimeLimit with
                | Some t -> bb.WithTimeLimit(max (TimeSpan.FromSeconds 1.0) (t - query.Elapsed()))
                | None -> bb

            let b = BranchAndBound.supremumAbs data lambda query.Dual bb

            {
                Supremum =
                    Some
                        {
                            Lower = b.Lower
                            Upper = b.Upper
                            Exact = b.Exact
                            Work = b.Nodes
                            Undecided = None
                        }
                Columns =
                    if b.Lower > 1.0 + delta then
                        [| columnAt units query.Dual b.Sign b.Lower b.Argument |]
                    else
                        [||]
            }

        let saturation (q: float[]) (tol: float) (budget: TimeSpan option) =
            let limited =
                match budget with
                | Some t -> search.WithTimeLimit t
                | None -> search

            let b =
                BranchAndBound.supremumAbs data lambda q (limited.WithSaturationLevel(1.0 - tol).WithFloor(1.0 - tol))

            b.Saturation, b.Exact, b.Nodes

        {
            Name = "branch-and-bound"
            Price = price
            Saturation = saturation
        }

    /// Local ascent on η from the support, its neighbourhood and `starts` random directions (seeded) in front of an exact
    /// oracle, which runs only when the ascent finds no violator, to certify or to find one. In the last fifth of a time
    /// budget the exact oracle runs anyway, so that a solve that runs out of time still reports the interval it reached
    /// (the d = 13 benchmark priced violators for its whole budget and ended with none). Σ is the exact oracle's.
    let withAscent (data: Dataset) (lambda: float) (starts: int) (seed: int) (exact: PricingOracle) =
        let rnd = Random(seed)
        let units = unitRows data

        let price (query: PricingQuery) =
            let red = Reduction.build data lambda query.Dual

            let cheap = cheapViolators red rnd starts query.Support (1.0 + query.Excess)

            let lastFifth =
                query.TimeLimit
                |> Option.exists (fun t -> (query.Elapsed()).TotalSeconds >= 0.8 * t.TotalSeconds)

            if cheap.Length > 0 && not lastFifth then
                {
                    Supremum = None
                    Columns = cheap |> Array.map (fun (v, t, s) -> columnAt units query.Dual s v t)
                }
            else
                exact.Price query

        { exact with Price = price }

    /// The arrangement-free solver's pricing (§9): `withAscent` in front of `branchAndBound`.
    let ascent (data: Dataset) (lambda: float) (starts: int) (seed: int) (search: BranchAndBoundOptions) =
        withAscent data lambda starts seed (branchAndBound data lambda search)

    /// The streaming walk (issue 13): every pricing call is one pass over all cells with the exact sup |η|
    /// (THEORY.md §3, consequence 1) and the most violating closed cells, in memory O(N·d) plus the columns;
    /// the arrangement is never stored. sup |η| + the pass's rounding bounds the supremum; a pass whose two
    /// cell counts disagree is not to be certified. `threads` ≤ 0: one per core.
    let streaming (data: Dataset) (lambda: float) (threads: int) (boundaryTolerance: float) =
        let price (query: PricingQuery) =
            let p =
                StreamingPricing.price threads data lambda query.Dual query.Count (1.0 + query.Excess)

            {
                Supremum = Some(streamingInterval p)
                Columns =
                    p.Columns
                    |> Array.map (fun c ->
                        {
                            RowSigns = c.RowSigns
                            Sign = c.Sign
                            Value = c.Projection.Norm
                            Interior = c.Interior
                        })
            }

        let saturation (q: float[]) (tol: float) (_: TimeSpan option) =
            let options =
                { StreamingOptions.Default with
                    SaturationTolerance = Some tol
                    BoundaryTolerance = boundaryTolerance
                    MaxDegreeOfParallelism = threads
                }

            let c = StreamingSupremum.certify options data lambda q

            let points =
                c.Saturation
                |> Array.map (fun s ->
                    ({
                        Direction = s.Direction
                        Sign = s.Sign
                        Value = s.Value
                        Interior = s.Interior
                        Cells = [||]
                    }
                    : SaturationPoint))

            points, c.SaturationComplete, c.Counts.Cells

        {
            Name = "streaming"
            Price = price
            Saturation = saturation
        }

    /// The stored enumeration (THEORY.md §3): the scan of every cell of `arr` for the exact sup |η| and the most
    /// violating cells, each mapped from its index to its sign vector; the upper end is the scan's enclosure
    /// (README, "Where doubles can decide").
    let enumeration (arr: Arrangement) (data: Dataset) (lambda: float) (boundaryTolerance: float) =
        let price (query: PricingQuery) =
            let cert = Certificate.ofDual arr data lambda query.Dual
            let s, _, _, enclosure = Certificate.supremumAbsEnclosed cert
            let best = Certificate.top query.Count (1.0 + query.Excess) cert

            let undecided =
                if not (cert.Scale <= Tolerances.etaRange) then
                    Some(DoubleRange.etaMessage data.AugmentedRaw query.Dual lambda cert.Scale)
                elif not (enclosure.Decides s) then
                    Some(
                        sprintf
                            "sup|η| = %g is not decided in double precision: the scan encloses it only in [%g, %g]"
                            s
                            enclosure.Lower
                            enclosure.Upper
                    )
                else
                    None

            {
                Supremum =
                    Some
                        {
                            Lower = s
                            Upper = max s enclosure.Upper
                            Exact = undecided.IsNone
                            Work = int64 arr.CellCount
                            Undecided = undecided
                        }
                Columns =
                    best
                    |> Array.filter (fun (_, _, p) -> p.Norm > 1.0 + query.Excess)
                    |> Array.map (fun (c, sign, p) ->
                        {
                            RowSigns = arr.RowMap |> Array.map (fun h -> if arr.IsActive(c, h) then 1 else -1)
                            Sign = sign
                            Value = p.Norm
                            Interior = arr.Table.Point c
                        })
            }

        let saturation (q: float[]) (tol: float) (_: TimeSpan option) =
            Certificate.saturation tol boundaryTolerance (Certificate.ofDual arr data lambda q), true, int64 arr.CellCount

        {
            Name = "enumeration"
            Price = price
            Saturation = saturation
        }
