namespace TvRelu.Core.Certificates

open System
open System.Security.Cryptography
open System.Threading.Tasks
open TvRelu.Core
open TvRelu.Core.Numerics
open TvRelu.Core.Arrangements

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

    /// Rank 1: one hyperplane (all inputs equal), two half-spaces, recorded as cells to project.
    let private rankOne (arr: StreamingArrangement) (jumps: float[]) (tally: Tally) =
        let n = arr.AmbientDimension

        for side in [ 1.0; -1.0 ] do
            let y = [| side |]
            let v = Array.zeroCreate n
            let mutable lo, hi = 0UL, 0UL

            for j in 0 .. arr.HyperplaneCount - 1 do
                if arr.Side(y, j) > 0.0 then
                    lo <- lo ^^^ arr.KeyLo.[j]
                    hi <- hi ^^^ arr.KeyHi.[j]

                    if not (isNull jumps) then
                        for k in 0 .. n - 1 do
                            v.[k] <- v.[k] + jumps.[j * n + k]

            if not (isNull jumps) then
                let c =
                    tally.Record(
                        lo,
                        hi,
                        (fun () -> v),
                        (fun () ->
                            {
                                Edge = y
                                Inward = [| 0.0 |]
                                Zero = [||]
                            })
                    )

                for j in 0 .. arr.HyperplaneCount - 1 do
                    c.AddFacet(struct (j, (if arr.Side(y, j) > 0.0 then 1 else -1)))

    /// Runs the given items on the worker threads and merges their tallies in item order.
    let internal run (options: StreamingOptions) (arr: StreamingArrangement) (jumps: float[]) (items: int[]) =
        let fixedThreshold =
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
            | 1, _ -> rankOne arr jumps tally
            | 2, Some ev ->
                let first = item * ev.Groups / total
                let stop = (item + 1) * ev.Groups / total

                if first < stop then
                    StreamingWalk.walk arr jumps fixedThreshold ev (GreatCircles.whole arr) first stop tally
                    |> ignore
            | _ ->
                let mutable split = 0L

                GreatCircles.underHyperplane arr item (fun circle ->
                    scratch.Build(arr, circle)

                    split <-
                        split
                        + StreamingWalk.walk arr jumps fixedThreshold scratch circle 0 scratch.Groups tally)

                tally.SplitCells <-
                    if arr.Rank = 3 then max 1L split
                    elif countSplits then GreatCircles.cellsSplitBy arr item
                    else -1L

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

    /// The partial of a tally, self-contained: facets carry their unit normals.
    let internal toPartial kind fingerprint (arr: StreamingArrangement) (options: StreamingOptions) (items: int[]) (t: Tally) =
        {
            Kind = kind
            Fingerprint = fingerprint
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
            Candidates =
                [|
                    for c in t.Candidates ->
                        {
                            Item = c.Item
                            KeyLo = c.KeyLo
                            KeyHi = c.KeyHi
                            Piece = c.Piece
                            Witness = c.Witness
                            Facets =
                                [|
                                    for struct (h, s) in c.Facets ->
                                        {
                                            Hyperplane = h
                                            Sign = s
                                            Normal = arr.Units.[h]
                                        }
                                |]
                        }
                |]
        }

    /// The tally of a partial (the inverse of `toPartial`), and the facet normals it names.
    let internal ofPartial (p: StreamingPartial) =
        let t = Tally(Int32.MaxValue)
        let normals = Collections.Generic.Dictionary<int, float[]>()
        t.Plus.Offer(p.Plus.Value, p.Plus.Argument, p.Plus.Witness, p.Plus.Item)
        t.Minus.Offer(p.Minus.Value, p.Minus.Argument, p.Minus.Witness, p.Minus.Item)
        t.MaxPiece <- p.MaxPiece
        t.Arcs <- p.Arcs
        t.Vertices <- p.Vertices
        t.VertexZero <- p.VertexZero
        t.EdgeZero <- p.EdgeZero
        t.SplitCells <- p.SplitCells

        for c in p.Candidates do
            let b = CandidateBuilder(c.KeyLo, c.KeyHi, c.Piece, c.Witness, c.Item)

            for f in c.Facets do
                b.AddFacet(struct (f.Hyperplane, f.Sign))
                normals.[f.Hyperplane] <- f.Normal

            t.Merge b

        t, normals

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

    /// The recorded cells, longest piece first (ties by hash: independent of the merge order), and
    /// their projections Π_{K_C}(± v_C) on the closed cones of their facets, computed on demand.
    type private Projections(normalOf: int -> float[], cells: CandidateBuilder[]) =
        let norms = cells |> Array.map (fun c -> Dense.norm c.Piece)

        let order =
            Array.init cells.Length id
            |> Array.sortWith (fun a b ->
                let c = compare norms.[b] norms.[a]

                if c <> 0 then
                    c
                else
                    compare struct (cells.[a].KeyLo, cells.[a].KeyHi) struct (cells.[b].KeyLo, cells.[b].KeyHi))

        let cache = Array.init 2 (fun _ -> Array.zeroCreate<Projection> cells.Length)

        member _.Order = order
        member _.Norm(i: int) = norms.[i]
        member _.Cell(i: int) = cells.[i]

        /// The facets' unit normals, sorted by hyperplane as `Cone.ofCell` sorts them.
        member _.Facets(i: int) =
            cells.[i].Facets.ToArray() |> Array.sortBy (fun (struct (h, _)) -> h)

        member p.Project(sign: int, i: int) =
            let slot = if sign > 0 then 0 else 1

            if obj.ReferenceEquals(cache.[slot].[i], null) then
                let normals =
                    p.Facets i
                    |> Array.map (fun (struct (h, s)) -> Dense.scale (-float s) (normalOf h))

                cache.[slot].[i] <- Cone.project normals (Dense.scale (float sign) cells.[i].Piece)

            cache.[slot].[i]

    let private defaultArgument (n: int) =
        Array.init n (fun k -> if k = n - 1 then -1.0 else 0.0)

    /// sup of sign · η: the best arc value, or a recorded cell's ‖Π_{K_C}(sign · v_C)‖ above it, with
    /// `Certificate.extreme`'s rule for projections at rounding level (measured against the longest
    /// piece and the projection's multipliers): they have no direction and are not taken.
    let private extreme (ambient: int) (proj: Projections) (noise: float) (sign: int) (arc: BestSoFar) =
        let mutable value = 0.0
        let mutable argument = defaultArgument ambient
        let mutable cell = None

        if arc.Value > noise then
            value <- arc.Value
            argument <- arc.Argument
            cell <- arc.Witness

        let mutable k = 0

        while k < proj.Order.Length && proj.Norm proj.Order.[k] > value do
            let i = proj.Order.[k]
            let p = proj.Project(sign, i)

            if p.Norm > value && p.Norm > noise + 1e-12 * Array.sum p.Multipliers then
                value <- p.Norm
                argument <- Dense.scale (1.0 / p.Norm) p.Point
                cell <- Some (proj.Cell i).Witness

            k <- k + 1

        ({
            Value = value
            Argument = argument
            Cell = cell
        }
        : StreamingExtremum)

    /// The (cell, sign, projection) of the recorded cells whose maximum of sign · η exceeds the
    /// threshold, largest first (every cell that could is recorded: ‖v_C‖ above the threshold).
    let private above (proj: Projections) (threshold: float) =
        [|
            for i in proj.Order do
                if proj.Norm i > threshold then
                    for sign in [ 1; -1 ] do
                        let p = proj.Project(sign, i)

                        if p.Norm > threshold then
                            yield i, sign, p
        |]
        |> Array.sortWith (fun (_, _, p) (_, _, q) -> compare q.Norm p.Norm)

    /// The saturation set as `Certificate.saturation` builds it: the maximiser of each closed cell
    /// above 1 − tol, points of one sign within 1e-8 merged. A point is interior when it is farther
    /// than `boundaryTol` from every hyperplane; for a point of a closed cell the nearest hyperplane
    /// is one of its facets (any other is reached through a facet), so the facets suffice.
    let private saturation (proj: Projections) (normalOf: int -> float[]) (tol: float) (boundaryTol: float) =
        let found = ResizeArray<StreamingSaturationPoint>()

        for i, sign, p in above proj (1.0 - tol) do
            let theta = Dense.scale (1.0 / p.Norm) p.Point

            let interior =
                proj.Facets i
                |> Array.forall (fun (struct (h, _)) -> abs (Dense.dot (normalOf h) theta) > boundaryTol)

            let cell = (proj.Cell i).Witness

            match
                found
                |> Seq.tryFindIndex (fun s -> s.Sign = sign && Dense.distance s.Direction theta <= 1e-8)
            with
            | Some k ->
                let s = found.[k]

                found.[k] <-
                    { s with
                        Cells = Array.append s.Cells [| cell |]
                        Value = (if sign > 0 then max s.Value p.Norm else min s.Value -p.Norm)
                    }
            | None ->
                found.Add
                    {
                        Direction = theta
                        Sign = sign
                        Value = float sign * p.Norm
                        Interior = interior
                        Cells = [| cell |]
                    }

        found.ToArray()

    /// The exact answer from a merged tally that covers every work item.
    let internal finish (ambient: int) (options: StreamingOptions) (normalOf: int -> float[]) (counts: StreamingCounts) (t: Tally) =
        let proj = Projections(normalOf, t.Candidates.ToArray())
        let noise = 1e-12 * t.MaxPiece
        let sup = extreme ambient proj noise 1 t.Plus
        let inf = extreme ambient proj noise -1 t.Minus

        {
            Supremum = sup
            Infimum = inf
            SupremumAbs = max sup.Value inf.Value
            Saturation =
                match options.SaturationTolerance with
                | Some tol -> saturation proj normalOf tol options.BoundaryTolerance
                | None -> [||]
            Violations =
                match options.ViolationThreshold with
                | Some threshold ->
                    above proj threshold
                    |> Array.truncate options.MaxViolations
                    |> Array.map (fun (i, sign, p) ->
                        {
                            Cell = (proj.Cell i).Witness
                            Sign = sign
                            Projection = p
                        })
                | None -> [||]
            Counts = counts
            Consistent =
                match counts.FVector, counts.CellsByDeletionRestriction with
                | Some _, Some c -> c = counts.Cells
                | _ -> true
        }

    let private validate (data: Dataset) (lambda: float) (q: float[]) =
        if not (lambda > 0.0) || Double.IsInfinity lambda then
            invalidArg "lambda" (sprintf "λ must be a positive finite number (got %g)" lambda)

        if q.Length <> data.Count then
            invalidArg "q" (sprintf "the dual vector has %d entries but the data set has %d rows" q.Length data.Count)

        if q |> Array.exists (Double.IsFinite >> not) then
            invalidArg "q" "the dual vector has a non-finite entry"

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
        toPartial "certificate" (certificateFingerprint options data lambda q) arr options items t

    /// The exact extremes, saturation set, violations and counts of the certificate of q at λ
    /// (THEORY.md §2–§3) in one streaming pass on this machine.
    let certify (options: StreamingOptions) (data: Dataset) (lambda: float) (q: float[]) =
        validate data lambda q
        let arr = StreamingArrangement.ofDataset data
        let jumps = StreamingWalk.jumps arr data.AugmentedRaw lambda q
        let t = run options arr jumps [| 0 .. itemCount arr - 1 |]

        finish arr.AmbientDimension options (fun h -> arr.Units.[h]) (counts arr.AmbientDimension arr.Rank arr.HyperplaneCount t) t

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
                let seen = Array.zeroCreate<int> p0.ItemCount

                for p in parts do
                    for k in p.Items do
                        if k >= 0 && k < seen.Length then
                            seen.[k] <- seen.[k] + 1

                let twice =
                    [|
                        for k in 0 .. seen.Length - 1 do
                            if seen.[k] > 1 then
                                yield k
                    |]

                let missing =
                    [|
                        for k in 0 .. seen.Length - 1 do
                            if seen.[k] = 0 then
                                yield k
                    |]

                let show (ks: int[]) =
                    String.Join(", ", ks |> Array.truncate 8)
                    + (if ks.Length > 8 then ", …" else "")

                if twice.Length > 0 then
                    Error(sprintf "work items %s appear in more than one partial: a shard was given twice" (show twice))
                elif missing.Length > 0 then
                    Error(
                        sprintf
                            "work items %s of %d are in no partial: a shard is missing (every shard i/k for i = 0 … k−1 is needed)"
                            (show missing)
                            p0.ItemCount
                    )
                else
                    let merged = Tally(Int32.MaxValue)
                    let normals = Collections.Generic.Dictionary<int, float[]>()

                    for p in parts do
                        let t, ns = ofPartial p
                        merged.Absorb t

                        for KeyValue(h, u) in ns do
                            normals.[h] <- u

                    Ok(p0, merged, normals)

    /// The exact answer from the partials of every shard of one certificate pass.
    let merge (parts: StreamingPartial seq) : Result<StreamingCertificate, string> =
        match gather (Array.ofSeq parts) with
        | Error e -> Error e
        | Ok(p0, _, _) when p0.Kind <> "certificate" -> Error(sprintf "these are %s partials, not certificate partials" p0.Kind)
        | Ok(p0, t, normals) -> Ok(finish p0.Ambient p0.Options (fun h -> normals.[h]) (counts p0.Ambient p0.Rank p0.Hyperplanes t) t)

    /// The sign vector of a witnessed cell (over the distinct hyperplanes, numbered as in `Arrangement`).
    let signsOf (arr: StreamingArrangement) (w: CellWitness) =
        SignVector.OfArray(
            Array.init arr.HyperplaneCount (fun j ->
                let s =
                    if Array.BinarySearch(w.Zero, j) >= 0 then
                        arr.Side(w.Inward, j)
                    else
                        arr.Side(w.Edge, j)

                if s > 0.0 then 1 else -1)
        )

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
        let options = regionsOptions options
        let t = run options arr null items
        toPartial "regions" (fingerprint "regions" data.InputsRaw [||] options) arr options items t

    /// The counts from the partials of every shard of one regions pass.
    let mergeRegions (parts: StreamingPartial seq) : Result<StreamingCounts, string> =
        match gather (Array.ofSeq parts) with
        | Error e -> Error e
        | Ok(p0, _, _) when p0.Kind <> "regions" -> Error(sprintf "these are %s partials, not regions partials" p0.Kind)
        | Ok(p0, t, _) -> Ok(counts p0.Ambient p0.Rank p0.Hyperplanes t)
