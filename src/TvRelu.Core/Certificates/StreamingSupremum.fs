namespace TvRelu.Core.Certificates

open System
open System.Collections.Generic
open System.Security.Cryptography
open System.Threading.Tasks
open TvRelu.Core.Numerics
open TvRelu.Core.Arrangements
open TvRelu.Core.Data
open TvRelu.Core.Cones

/// The exact supremum, infimum, saturation set and cell count of a certificate without storing the
/// arrangement (THEORY.md §3; issue 13): memory O(N·d) per worker plus the few cells whose piece is
/// longer than the best value found. Rank ≤ 2 is one circle, split into arc ranges; from rank 3 on,
/// work item k is every great circle whose canonical chain starts at hyperplane k. Items are
/// independent (threads, or shards on other machines) and are merged in their order.
module StreamingSupremum =


    /// The work items of a pass: arc ranges of the one circle at rank 2, hyperplanes from rank 3 on.
    /// A function of the problem alone, so that any split into shards merges to the same answer.
    let itemCount (arr: StreamingArrangement) =
        match arr.Rank with
        | 1 -> 1
        | 2 -> max 1 (min 64 (arr.HyperplaneCount / 16))
        | _ -> arr.HyperplaneCount

    /// The items of shard `index` of `count` (item k goes to shard k mod count: neighbouring
    /// hyperplanes, whose subtrees are of similar size, go to different shards).
    let shardItems (items: int) (index: int) (count: int) =
        if count < 1 || index < 0 || index >= count then
            invalidArg "index" (sprintf "shard %d/%d: need 0 ≤ i < k" index count)

        [|
            for k in 0 .. items - 1 do
                if k % count = index then
                    yield k
        |]

    /// Rank 1: every input on one hyperplane through the origin's line W, whose sphere is two points
    /// ±w; η at them is all there is (η ≤ its value at w or −w on each half-space, by Lemma 1).
    let private rankOne (arr: StreamingArrangement) (jumps: float[]) (threshold: float) (tally: Tally) =
        tally.Vertices <- 2L

        if not (isNull jumps) then
            for side in [ 1.0; -1.0 ] do
                let y = [| side |]
                let theta = arr.Direction y
                let e = StreamingWalk.eta arr jumps theta
                let base' = Array.zeroCreate arr.AmbientDimension

                for sign, best in [ 1.0, tally.Plus; -1.0, tally.Minus ] do
                    let witness =
                        Some
                            {
                                Edge = y
                                Inward = [| 0.0 |]
                                Zero = [||]
                                Key = ""
                            }

                    best.Offer(sign * e, theta, witness, tally.Item)

                    if sign * e >= threshold then
                        tally.Raw.Add
                            {
                                Theta = theta
                                Y = y
                                Sign = int sign
                                Value = sign * e
                                Zero = [||]
                                Base =
                                    (if arr.Side(y, 0) > 0.0 then
                                         Array.sub jumps 0 arr.AmbientDimension
                                     else
                                         base')
                            }

    /// The key of a cell: its sign vector's 128-bit Zobrist hash, in hex.
    let private keyOf (arr: StreamingArrangement) (w: CellWitness) =
        let signs = StreamingWalk.signs arr w
        let mutable lo, hi = 0UL, 0UL

        for h in 0 .. signs.Length - 1 do
            if signs.[h] > 0 then
                lo <- lo ^^^ arr.KeyLo.[h]
                hi <- hi ^^^ arr.KeyHi.[h]

        sprintf "%016x%016x" lo hi

    /// The points kept by the walks, once each (same sign, within 1e-8), in order of first find.
    /// A point met twice, say as an arc's critical point at the arc's end and as that vertex, keeps
    /// the find with the most hyperplanes through it: the cells around it are those of all of them.
    let private distinctPoints (raw: ResizeArray<HighPoint>) =
        let byFirst =
            Array.init raw.Count id |> Array.sortBy (fun i -> raw.[i].Theta.[0], i)

        let position = Array.zeroCreate raw.Count
        byFirst |> Array.iteri (fun a i -> position.[i] <- a)
        let cluster = Array.create raw.Count -1

        for i in 0 .. raw.Count - 1 do
            if cluster.[i] < 0 then
                cluster.[i] <- i
                let pi = raw.[i]
                // Neighbours in the first coordinate, both ways.
                for step in [ -1; 1 ] do
                    let mutable b = position.[i] + step

                    while b >= 0
                          && b < byFirst.Length
                          && abs (raw.[byFirst.[b]].Theta.[0] - pi.Theta.[0])
                             <= Tolerances.saturationPointsMeet do
                        let j = byFirst.[b]

                        if
                            cluster.[j] < 0
                            && raw.[j].Sign = pi.Sign
                            && Dense.distance pi.Theta raw.[j].Theta <= Tolerances.saturationPointsMeet
                        then
                            cluster.[j] <- i

                        b <- b + step

        let best = Array.init raw.Count id

        for j in 0 .. raw.Count - 1 do
            let root = cluster.[j]

            if raw.[j].Zero.Length > raw.[best.[root]].Zero.Length then
                best.[root] <- j

        [|
            for i in 0 .. raw.Count - 1 do
                if cluster.[i] = i then
                    yield raw.[best.[i]]
        |]

    /// The order of the pass's answer: the largest maximum first, ties by work item and rank in it.
    let private violationOrder (f: FoundViolation) =
        -f.Violation.Projection.Norm, f.Item, f.Order

    /// The k best violations of distinct (cell, sign), in `violationOrder`.
    let private bestViolations (k: int) (found: FoundViolation seq) =
        found
        |> Seq.sortBy violationOrder
        |> Seq.distinctBy (fun f -> f.Violation.Cell.Key, f.Violation.Sign)
        |> Seq.truncate k
        |> Seq.toArray

    /// Drops all but the k best violations an item found. The answer is the k best of distinct cells over all items,
    /// and each of those is among the k best of its own item (a better one of another cell in that item would also be
    /// better overall), so the answer is unchanged; at μ = 0 and λ = λ_max / 100 nearly every cell violates, and
    /// keeping them all took more than 1 GB at d = 2, N = 2000.
    let private keepBestViolations (k: int) (t: Tally) =
        if t.Violations.Count > k then
            let kept = bestViolations k t.Violations
            t.Violations.Clear()
            t.Violations.AddRange kept

    /// The cells a kept point maximises (THEORY.md §3, Lemma 1): the cells C around the point's face
    /// whose maximum of sign · ⟨θ, v_C⟩ over the closed cone is the point. A cell's maximiser lies in
    /// the relative interior of one face of its closure and is that face's critical point
    /// (consequence 3), so every maximiser above the threshold is a kept point; and it is C's exactly
    /// when it maximises over the cone of C's facets through it (the constraints active there, KKT),
    /// which one projection decides. Saturation points and violations are built here, per item.
    let private resolve (options: StreamingOptions) (arr: StreamingArrangement) (jumps: float[]) (t: Tally) =
        let n = arr.AmbientDimension
        let saturation = options.SaturationTolerance |> Option.map (fun tol -> 1.0 - tol)
        let mutable order = 0

        for p in distinctPoints t.Raw do
            let sign = float p.Sign

            let hits =
                [|
                    for c in GreatCircles.localFaces arr p.Zero false do
                        let v = Array.copy p.Base

                        for h in c.Positive do
                            for k in 0 .. n - 1 do
                                v.[k] <- v.[k] + jumps.[h * n + k]

                        let normals =
                            c.Facets
                            |> Array.sortBy (fun (struct (h, _)) -> h)
                            |> Array.map (fun (struct (h, s)) -> Dense.scale (-float s) arr.Units.[h])

                        let proj = Cone.project normals (Dense.scale sign v)

                        if
                            proj.Norm > 0.0
                            && Dense.distance (Dense.scale (1.0 / proj.Norm) proj.Point) p.Theta
                               <= Tolerances.saturationPointsMeet
                        then
                            let w =
                                {
                                    Edge = p.Y
                                    Inward = c.Direction
                                    Zero = p.Zero
                                    Key = ""
                                }

                            yield { w with Key = keyOf arr w }, proj
                |]

            match saturation with
            | Some threshold ->
                let cells = hits |> Array.filter (fun (_, proj) -> proj.Norm > threshold)

                if cells.Length > 0 then
                    let interior =
                        p.Zero.Length = 0
                        && arr.Units
                           |> Array.forall (fun u -> abs (Dense.dot u p.Theta) > options.BoundaryTolerance)

                    t.Saturation.Add
                        {
                            Item = t.Item
                            Order = order
                            Point =
                                {
                                    Direction = p.Theta
                                    Sign = p.Sign
                                    Value = sign * (cells |> Array.map (fun (_, proj) -> proj.Norm) |> Array.max)
                                    Interior = interior
                                    Cells = cells |> Array.map fst
                                }
                        }
            | None -> ()

            match options.ViolationThreshold with
            | Some threshold ->
                for w, proj in hits do
                    if proj.Norm > threshold then
                        t.Violations.Add
                            {
                                Item = t.Item
                                Order = order
                                Violation =
                                    {
                                        Cell = w
                                        Sign = p.Sign
                                        Projection = proj
                                    }
                            }
            | None -> ()

            order <- order + 1

        t.Raw.Clear()
        keepBestViolations options.MaxViolations t

    /// Runs the given items on the worker threads and merges their tallies in item order.
    let internal run (options: StreamingOptions) (arr: StreamingArrangement) (jumps: float[]) (items: int[]) =
        let threshold =
            min
                (options.SaturationTolerance
                 |> Option.map (fun t -> 1.0 - t)
                 |> Option.defaultValue infinity)
                (options.ViolationThreshold |> Option.defaultValue infinity)

        let total = itemCount arr
        let tallies = Array.init items.Length (fun i -> Tally(items.[i]))
        let m = arr.HyperplaneCount

        let shared =
            if arr.Rank = 2 then
                let ev = CircleEvents m
                ev.Build(arr, GreatCircles.whole arr)
                Some ev
            else
                None

        let countSplits = arr.Rank >= 5 || (arr.Rank = 4 && options.CrossCheckCount)

        let body (i: int) (scratch: CircleEvents) =
            let item = items.[i]
            let tally = tallies.[i]

            match arr.Rank, shared with
            | 1, _ -> rankOne arr jumps threshold tally
            | 2, Some ev ->
                let first = item * ev.Groups / total
                let stop = (item + 1) * ev.Groups / total

                if first < stop then
                    StreamingWalk.walk arr jumps threshold ev (GreatCircles.whole arr) first stop tally
                    |> ignore
            | _ ->
                let mutable split = 0L

                GreatCircles.underHyperplane arr item (fun circle ->
                    scratch.Build(arr, circle)

                    split <-
                        split
                        + StreamingWalk.walk arr jumps threshold scratch circle 0 scratch.Groups tally)

                tally.SplitCells <-
                    if arr.Rank = 3 then max 1L split
                    elif countSplits then GreatCircles.cellsSplitBy arr item
                    else -1L

            if not (isNull jumps) && not tally.Overflow then
                resolve options arr jumps tally

            scratch

        let parallelism =
            if options.MaxDegreeOfParallelism > 0 then
                options.MaxDegreeOfParallelism
            else
                Environment.ProcessorCount

        Parallel.For(
            0,
            items.Length,
            ParallelOptions(MaxDegreeOfParallelism = parallelism),
            (fun () ->
                if arr.Rank >= 3 then
                    CircleEvents m
                else
                    Unchecked.defaultof<_>),
            (fun i _ scratch -> body i scratch),
            (fun _ -> ())
        )
        |> ignore

        let merged = Tally(Int32.MaxValue)

        if arr.Rank <= 2 then
            merged.SplitCells <- -1L

        for t in tallies do
            merged.Absorb t

        merged

    /// SHA-256 of what a pass depends on, in hex.
    let internal fingerprint (kind: string) (rows: float[][]) (extra: float[]) (options: StreamingOptions) =
        use sha = SHA256.Create()
        let bytes = ResizeArray<byte>()
        let addInt (k: int) = bytes.AddRange(BitConverter.GetBytes k)
        let addFloat (x: float) = bytes.AddRange(BitConverter.GetBytes x)
        bytes.AddRange(Text.Encoding.UTF8.GetBytes("tvrelu-streaming-1/" + kind))
        addInt rows.Length
        addInt (if rows.Length > 0 then rows.[0].Length else 0)

        for row in rows do
            for x in row do
                addFloat x

        addInt extra.Length

        for x in extra do
            addFloat x

        addFloat (defaultArg options.SaturationTolerance -1.0)
        addFloat options.BoundaryTolerance
        addFloat (defaultArg options.ViolationThreshold -1.0)
        addInt options.MaxViolations
        addInt (if options.CrossCheckCount then 1 else 0)
        Convert.ToHexString(sha.ComputeHash(bytes.ToArray())).ToLowerInvariant()

    let private arcBest (b: BestSoFar) =
        {
            Item = b.Item
            Value = b.Value
            Argument = (if isNull b.Argument then [||] else b.Argument)
            Witness = b.Witness
        }

    /// The partial of a tally.
    let internal toPartial kind fingerprint rows lambda (arr: StreamingArrangement) (options: StreamingOptions) (index, count) (t: Tally) =
        let items = shardItems (itemCount arr) index count

        {
            ShardIndex = index
            ShardCount = count
            Kind = kind
            Fingerprint = fingerprint
            Rows = rows
            Lambda = lambda
            Ambient = arr.AmbientDimension
            Rank = arr.Rank
            Hyperplanes = arr.HyperplaneCount
            ItemCount = itemCount arr
            Items = Array.sort items
            Options = options
            Plus = arcBest t.Plus
            Minus = arcBest t.Minus
            MaxPiece = t.MaxPiece
            Arcs = t.Arcs
            Vertices = t.Vertices
            VertexZero = t.VertexZero
            EdgeZero = t.EdgeZero
            SplitCells = t.SplitCells
            Saturation = t.Saturation.ToArray()
            Violations = t.Violations.ToArray()
            Overflow = t.Overflow
        }

    /// The tally of a partial (the inverse of `toPartial`).
    let internal ofPartial (p: StreamingPartial) =
        let t = Tally(Int32.MaxValue)
        t.Plus.Offer(p.Plus.Value, p.Plus.Argument, p.Plus.Witness, p.Plus.Item)
        t.Minus.Offer(p.Minus.Value, p.Minus.Argument, p.Minus.Witness, p.Minus.Item)
        t.MaxPiece <- p.MaxPiece
        t.Arcs <- p.Arcs
        t.Vertices <- p.Vertices
        t.VertexZero <- p.VertexZero
        t.EdgeZero <- p.EdgeZero
        t.SplitCells <- p.SplitCells
        t.Saturation.AddRange p.Saturation
        t.Violations.AddRange p.Violations
        t.Overflow <- p.Overflow
        t

    /// The counts (THEORY.md §3). On the sphere of the span W (dimension r − 1) the vertices and
    /// arcs are counted by the walks; at r = 3 the cells follow from Euler, f_2 = 2 − f_0 + f_1; at
    /// r = 4 each hyperplane restriction obeys Euler on S^2, and summing over hyperplanes,
    /// f_2 = 2m − Σ_p |Z(p)| + Σ_e |Z(e)|, then f_3 = f_0 − f_1 + f_2. Every face of the arrangement
    /// is a face of W times the ℓ = d + 1 − r dimensional lineality space, hence the shift by ℓ.
    let internal counts (ambient: int) (rank: int) (hyperplanes: int) (t: Tally) =
        let onW =
            match rank with
            | 1 -> Some [| 2L |]
            | 2 -> Some [| t.Vertices; t.Arcs |]
            | 3 -> Some [| t.Vertices; t.Arcs; 2L - t.Vertices + t.Arcs |]
            | 4 ->
                let f2 = 2L * int64 hyperplanes - t.VertexZero + t.EdgeZero
                Some [| t.Vertices; t.Arcs; f2; t.Vertices - t.Arcs + f2 |]
            | _ -> None

        let ell = ambient - rank

        let f =
            onW
            |> Option.map (fun w -> Array.init ambient (fun k -> if k < ell then 0L else w.[k - ell]))

        let byDeletion = if t.SplitCells >= 0L then Some(1L + t.SplitCells) else None

        {
            Cells =
                match onW, byDeletion with
                | Some w, _ -> w.[rank - 1]
                | None, Some c -> c
                | None, None -> -1L
            FVector = f
            EulerCharacteristic =
                f
                |> Option.map (Array.mapi (fun k x -> if k % 2 = 0 then x else -x) >> Array.sum)
            ExpectedEulerCharacteristic = Faces.expectedEulerOfRank ambient rank
            CellsByDeletionRestriction = byDeletion
            Hyperplanes = hyperplanes
            Rank = rank
        }

    let private defaultArgument (n: int) =
        Array.init n (fun k -> if k = n - 1 then -1.0 else 0.0)

    /// sup of sign · η: the best value found, unless it is at the rounding level of the pieces
    /// (as `Certificate.extreme` rules), where 0 is reported where every neuron is off.
    let private extreme (ambient: int) (noise: float) (best: BestSoFar) : StreamingExtremum =
        if best.Value > noise && not (isNull best.Argument) then
            {
                Value = best.Value
                Argument = best.Argument
                Cell = best.Witness
            }
        else
            {
                Value = 0.0
                Argument = defaultArgument ambient
                Cell = None
            }

    /// The saturation set as `Certificate.saturation` builds it: largest first, points of one sign
    /// within 1e-8 merged with their cells. The order (value, then item, then rank in the item) does
    /// not depend on how the items were run or merged.
    let private mergeSaturation (found: FoundPoint seq) =
        let points = ResizeArray<StreamingSaturationPoint>()

        for f in found |> Seq.sortBy (fun f -> -abs f.Point.Value, f.Item, f.Order) do
            let p = f.Point

            match
                points
                |> Seq.tryFindIndex (fun s ->
                    s.Sign = p.Sign
                    && Dense.distance s.Direction p.Direction <= Tolerances.saturationPointsMeet)
            with
            | Some k ->
                let s = points.[k]

                let fresh =
                    p.Cells
                    |> Array.filter (fun c -> s.Cells |> Array.forall (fun d -> d.Key <> c.Key))

                points.[k] <-
                    { s with
                        Cells = Array.append s.Cells fresh
                        Value =
                            (if p.Sign > 0 then
                                 max s.Value p.Value
                             else
                                 min s.Value p.Value)
                    }
            | None -> points.Add p
        // By Lemma 1 a closed cell has one maximiser per sign. Where rounding let two points
        // further apart than 1e-8 both pass for a cell's (η flat to 1e-15 across a needle cell at the
        // 1e6 scale), the cell stays with the larger value; a point left with no cell goes.
        let claimed = HashSet<struct (string * int)>()

        [|
            for p in points do
                let cells = p.Cells |> Array.filter (fun c -> claimed.Add(struct (c.Key, p.Sign)))

                if cells.Length > 0 then
                    yield { p with Cells = cells }
        |]

    /// The exact answer from a merged tally that covers every work item.
    let internal finish (ambient: int) (options: StreamingOptions) (counts: StreamingCounts) (t: Tally) =
        let noise = Tolerances.projectionRounding * t.MaxPiece
        let sup = extreme ambient noise t.Plus
        let inf = extreme ambient noise t.Minus

        {
            Supremum = sup
            Infimum = inf
            SupremumAbs = max sup.Value inf.Value
            Saturation =
                if options.SaturationTolerance.IsSome && not t.Overflow then
                    mergeSaturation t.Saturation
                else
                    [||]
            SaturationComplete = not t.Overflow
            Violations =
                bestViolations options.MaxViolations t.Violations
                |> Array.map (fun f -> f.Violation)
            Counts = counts
            Consistent =
                match counts.FVector, counts.CellsByDeletionRestriction with
                | Some _, Some c -> c = counts.Cells
                | _ -> true
            Rounding = noise
        }

    let private validate = Certificate.validateDual

    /// The fingerprint of a certificate pass: the inputs, λ, q and the options.
    let certificateFingerprint (options: StreamingOptions) (data: Dataset) (lambda: float) (q: float[]) =
        fingerprint "certificate" data.InputsRaw (Array.append [| lambda |] q) options

    /// The partial of shard `index` of `count` of the streaming pass for the certificate of q at λ.
    let partial (options: StreamingOptions) (data: Dataset) (lambda: float) (q: float[]) (index: int) (count: int) =
        validate data lambda q
        let arr = StreamingArrangement.ofDataset data
        let items = shardItems (itemCount arr) index count
        let jumps = StreamingWalk.jumps arr data.AugmentedRaw lambda q
        let t = run options arr jumps items
        // The thread count changes nothing in the answer, so the partial does not keep it.
        toPartial
            "certificate"
            (certificateFingerprint options data lambda q)
            data.Count
            lambda
            arr
            { options with
                MaxDegreeOfParallelism = 0
            }
            (index, count)
            t

    /// `certify` on the data's streaming arrangement, already built (the pricing of column
    /// generation needs it again for the columns' sign vectors).
    let internal certifyOn (options: StreamingOptions) (arr: StreamingArrangement) (data: Dataset) (lambda: float) (q: float[]) =
        validate data lambda q
        let jumps = StreamingWalk.jumps arr data.AugmentedRaw lambda q
        let t = run options arr jumps [| 0 .. itemCount arr - 1 |]

        finish arr.AmbientDimension options (counts arr.AmbientDimension arr.Rank arr.HyperplaneCount t) t

    /// The exact extremes, saturation set, violations and counts of the certificate of q at λ
    /// (THEORY.md §2–§3) in one streaming pass on this machine.
    let certify (options: StreamingOptions) (data: Dataset) (lambda: float) (q: float[]) =
        certifyOn options (StreamingArrangement.ofDataset data) data lambda q

    /// Partials that together cover every work item once, of one problem: their tallies merged, or
    /// the reason they cannot be.
    let internal gather (parts: StreamingPartial[]) =
        if parts.Length = 0 then
            Error "no partial to merge"
        else
            let p0 = parts.[0]

            match
                parts
                |> Array.tryFind (fun p ->
                    p.Kind <> p0.Kind
                    || p.Fingerprint <> p0.Fingerprint
                    || p.ItemCount <> p0.ItemCount)
            with
            | Some p when p.Kind <> p0.Kind -> Error(sprintf "a %s partial cannot be merged with a %s partial" p.Kind p0.Kind)
            | Some _ -> Error "the partials come from different problems (their fingerprints differ: other data, dual vector, λ or options)"
            | None ->
                let shards = Array.zeroCreate<int>(max 1 p0.ShardCount)
                let seen = Array.zeroCreate<int> p0.ItemCount

                for p in parts do
                    if
                        p.ShardIndex >= 0
                        && p.ShardIndex < shards.Length
                        && p.ShardCount = p0.ShardCount
                    then
                        shards.[p.ShardIndex] <- shards.[p.ShardIndex] + 1

                    for k in p.Items do
                        if k >= 0 && k < seen.Length then
                            seen.[k] <- seen.[k] + 1

                let listed (xs: int[]) =
                    String.Join(", ", xs |> Array.truncate 8 |> Array.map (fun i -> sprintf "%d/%d" i p0.ShardCount))
                    + (if xs.Length > 8 then ", …" else "")

                let twice =
                    [|
                        for i in 0 .. shards.Length - 1 do
                            if shards.[i] > 1 then
                                yield i
                    |]

                let absent =
                    [|
                        for i in 0 .. shards.Length - 1 do
                            if shards.[i] = 0 then
                                yield i
                    |]

                let uncovered = seen |> Array.exists (fun c -> c <> 1)

                match parts |> Array.tryFind (fun p -> p.ShardCount <> p0.ShardCount) with
                | Some p ->
                    Error(
                        sprintf
                            "the partials come from different splits (shard %d/%d and shard %d/%d): merge the shards of one split"
                            p0.ShardIndex
                            p0.ShardCount
                            p.ShardIndex
                            p.ShardCount
                    )
                | None when twice.Length > 0 -> Error(sprintf "shard %s is given more than once" (listed twice))
                | None when absent.Length > 0 ->
                    Error(
                        sprintf
                            "shard %s is missing: every shard i/%d for i = 0 … %d is needed"
                            (listed absent)
                            p0.ShardCount
                            (p0.ShardCount - 1)
                    )
                | None when uncovered -> Error "the partials' work items do not cover the pass exactly once (a partial was edited)"
                | None ->
                    let merged = Tally(Int32.MaxValue)

                    for p in parts do
                        merged.Absorb(ofPartial p)

                    Ok(p0, merged)

    /// The exact answer from the partials of every shard of one certificate pass.
    let merge (parts: StreamingPartial seq) : Result<StreamingCertificate, string> =
        match gather (Array.ofSeq parts) with
        | Error e -> Error e
        | Ok(p0, _) when p0.Kind <> "certificate" -> Error(sprintf "these are %s partials, not certificate partials" p0.Kind)
        | Ok(p0, t) -> Ok(finish p0.Ambient p0.Options (counts p0.Ambient p0.Rank p0.Hyperplanes t) t)

    /// The sign vector of a witnessed cell (over the distinct hyperplanes, numbered as in `Arrangement`).
    let signsOf (arr: StreamingArrangement) (w: CellWitness) =
        SignVector.OfArray(StreamingWalk.signs arr w)

    /// Only the options that change a count (the cross-check) enter a regions fingerprint.
    let private regionsOptions (options: StreamingOptions) =
        { StreamingOptions.Default with
            SaturationTolerance = None
            MaxDegreeOfParallelism = 0
            CrossCheckCount = options.CrossCheckCount
        }

    /// The cell and face counts of an arrangement in one streaming pass on this machine.
    let countArrangement (options: StreamingOptions) (arr: StreamingArrangement) =
        let t = run options arr null [| 0 .. itemCount arr - 1 |]
        counts arr.AmbientDimension arr.Rank arr.HyperplaneCount t

    /// The cell and face counts of the data's arrangement (THEORY.md §3) in one streaming pass.
    let countCells (options: StreamingOptions) (data: Dataset) =
        countArrangement options (StreamingArrangement.ofDataset data)

    /// The partial of shard `index` of `count` of the streaming count of the data's cells.
    let regionsPartial (options: StreamingOptions) (data: Dataset) (index: int) (count: int) =
        let arr = StreamingArrangement.ofDataset data
        let items = shardItems (itemCount arr) index count
        // The pass runs on the threads asked for; the partial keeps only what changes a count.
        let t = run options arr null items
        let kept = regionsOptions options
        toPartial "regions" (fingerprint "regions" data.InputsRaw [||] kept) data.Count 0.0 arr kept (index, count) t

    /// The counts from the partials of every shard of one regions pass.
    let mergeRegions (parts: StreamingPartial seq) : Result<StreamingCounts, string> =
        match gather (Array.ofSeq parts) with
        | Error e -> Error e
        | Ok(p0, _) when p0.Kind <> "regions" -> Error(sprintf "these are %s partials, not regions partials" p0.Kind)
        | Ok(p0, t) -> Ok(counts p0.Ambient p0.Rank p0.Hyperplanes t)
