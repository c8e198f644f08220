namespace TvRelu.ProofsChecks.Claims

open TvRelu.ProofsChecks
open TvRelu.ProofsChecks.Claims.Common
open TvRelu.Core.Data
open TvRelu.Core.Arrangements
open TvRelu.Core.Cones
open TvRelu.Core.Certificates
open TvRelu.Core.Exact

/// Claim 1: at most one extreme value per dual region (THEORY.md §3, Lemma 1 and consequence 2).
module ExtremePerRegion =

    /// The claim's id.
    [<Literal>]
    let Id = "extreme-per-region"

    let private spec =
        { Generate.defaultSpec with
            MaxRows = [| 10; 8; 6 |]
        }

    /// Samples of the closed cell: a cloud around its interior point (kept when inside), cone
    /// projections of random vectors (these land on faces of every dimension), and projections of
    /// small perturbations of the given anchor points. Every sample is re-checked against all the
    /// hyperplanes' signs, so a wrong projection cannot smuggle in an outside point.
    let private samples (rng: Rng) (units: float[][]) (signs: int[]) (interior: float[]) (normals: float[][]) (anchors: float[][]) =
        let n = interior.Length
        let out = ResizeArray<float[]>()

        let keep (theta: float[]) =
            let nt = norm theta

            if nt > 1e-12 then
                let u = Array.map (fun x -> x / nt) theta

                if inClosure units signs 1e-12 u then
                    out.Add u

        for t in [| 0.02; 0.1; 0.3; 1.0; 3.0 |] do
            for _ in 1..5 do
                keep (Array.map2 (fun p g -> p + t * g) interior (rng.Gaussians n))

        for _ in 1..24 do
            keep (Cone.project normals (rng.Gaussians n)).Point

        for a in anchors do
            for t in [| 1e-6; 1e-4; 1e-2; 1e-1 |] do
                for _ in 1..3 do
                    keep (Cone.project normals (Array.map2 (fun p g -> p + t * g) a (rng.Gaussians n))).Point

        out.ToArray()

    /// How close the normals come to linear dependence: the smallest Gram–Schmidt pivot over every set of at
    /// most n normals (pairs nearly parallel, triples nearly coplanar, …). A cone projection can be no more
    /// accurate than rounding divided by it.
    let private normalsConditioning (units: float[][]) (n: int) =
        let mutable sm = 1.0

        let rec go (start: int) (basis: float[] list) (k: int) =
            if k < n then
                for h in start .. units.Length - 1 do
                    let r = FaceOracle.residual basis units.[h]
                    let nr = norm r
                    sm <- min sm nr

                    if nr > 1e-300 then
                        go (h + 1) (Array.map (fun x -> x / nr) r :: basis) (k + 1)

        go 0 [] 0
        max sm 1e-300

    /// What the checks of every cell add up: the outcome so far and the quantities reported.
    type private Tally() =
        member val Outcome = Outcome.Pass() with get, set
        member val Samples = 0 with get, set
        member val InteriorCritical = 0 with get, set
        member val InteriorSaturation = 0 with get, set
        member val BoundarySaturation = 0 with get, set
        member val WorstRatio = 0.0 with get, set
        member val WorstExcess = -infinity with get, set
        member val WorstCoreValue = 0.0 with get, set
        member val WorstCoreClosure = 0.0 with get, set
        member val GlobalMax = 0.0 with get, set
        member val MinWidth = 1.0 with get, set
        member val WorstCoreScaled = 0.0 with get, set

        member t.Require(ok: bool, message: string) =
            t.Outcome <- t.Outcome.Require(ok, message)

    /// One cell of the certificate under check: its signs, piece, tolerances and sampled points.
    type private CellCheck =
        {
            Cell: int
            Signs: int[]
            Piece: float[]
            /// Rounding of a direct evaluation of η there.
            Tau: float
            /// What the core's cone projection is held to: rounding magnified by the cell's conditioning.
            Accuracy: float
            Points: float[][]
            Values: float[]
        }

    /// The oracle's extremum of one sign against the core's projection, the certificate at the oracle's point,
    /// the core's point (Lemma 1: no farther from the unique maximiser than its value allows), and the samples
    /// (none above the extremum, none near it but far from its point).
    let private checkExtreme
        (t: Tally)
        (cert: Certificate)
        (units: float[][])
        (width: float)
        (cell: CellCheck)
        (sg: float, oracle, core: Projection)
        =
        let c = cell.Cell
        let nv = norm cell.Piece
        let name = if sg > 0.0 then "maximum" else "minimum"
        let m = oracle |> Option.map fst |> Option.defaultValue 0.0
        t.GlobalMax <- max t.GlobalMax m
        let valueError = abs (core.Norm - m)
        t.WorstCoreValue <- max t.WorstCoreValue valueError
        t.WorstCoreScaled <- max t.WorstCoreScaled (valueError * width / (1.0 + nv))

        t.Require(
            valueError <= cell.Accuracy,
            sprintf "cell %d: the core's %s %.17g differs from the face-enumeration oracle's %.17g" c name core.Norm m
        )

        match oracle with
        | Some(m, star) ->
            let direct = sg * Certificate.evaluate cert star
            t.Require(abs (direct - m) <= cell.Tau, sprintf "cell %d: the oracle's %s %g is not attained (eta there: %g)" c name m direct)

            if core.Norm > cell.Accuracy then
                let coreStar = unit core.Point
                let outside = max 0.0 (-(depth units cell.Signs coreStar))
                t.WorstCoreClosure <- max t.WorstCoreClosure outside
                let value = sg * Certificate.evaluate cert coreStar
                let d = distance coreStar star
                let bound = 2.0 * (m - value + 2.0 * cell.Accuracy + nv * outside) / m
                t.Require(d * d <= bound + 1e-12, sprintf "cell %d: the core's %s point is %g away from the unique one" c name d)

            for k in 0 .. cell.Points.Length - 1 do
                let value = sg * cell.Values.[k]
                t.WorstExcess <- max t.WorstExcess (value - m)
                t.Require(value - m <= cell.Tau, sprintf "cell %d: a sample reaches %g > the %s %g" c value name m)
                // Lemma 1 quantitatively: <theta, v> <= M cos angle(theta, theta*), so a second near-extreme
                // point would have to be close to theta*.
                let bound = 2.0 * (m - value + 2.0 * cell.Tau) / m
                let d = distance cell.Points.[k] star

                if bound > 0.0 then
                    t.WorstRatio <- max t.WorstRatio (d * d / bound)

                t.Require(
                    d * d <= bound + 1e-12,
                    sprintf "cell %d: a second near-%s point at distance %g from the unique one (value %g vs %g)" c name d value m
                )
        | None ->
            for k in 0 .. cell.Points.Length - 1 do
                t.WorstExcess <- max t.WorstExcess (sg * cell.Values.[k])

                t.Require(
                    sg * cell.Values.[k] <= cell.Tau,
                    sprintf "cell %d: a sample reaches %g where the %s is <= 0" c (sg * cell.Values.[k]) name
                )

    /// The only critical point in the open cell is ±v/|v| when inside: then it must be the unique extreme point,
    /// for the oracle and for the core's projection alike.
    let private checkInteriorCritical (t: Tally) (units: float[][]) (cell: CellCheck) extremes =
        let nv = norm cell.Piece

        if nv > cell.Tau then
            for (sg, oracle, core: Projection) in extremes do
                let cand = Array.map (fun x -> sg * x / nv) cell.Piece

                if depth units cell.Signs cand > 1e-9 then
                    t.InteriorCritical <- t.InteriorCritical + 1

                    let ok =
                        match oracle with
                        | Some(_, star) -> distance star cand <= 1e-9
                        | None -> false

                    t.Require(ok, sprintf "cell %d: v_C/|v_C| is inside the cell but is not its unique extreme point" cell.Cell)

                    t.Require(
                        core.Norm > 0.0 && distance (unit core.Point) cand <= 1e-9,
                        sprintf "cell %d: v_C/|v_C| is inside the cell but the core's projection misses it" cell.Cell
                    )

    /// An interior saturation point is alone in its closed cell (THEORY.md §3, consequence 2).
    let private checkInteriorSaturation
        (t: Tally)
        (units: float[][])
        (cell: CellCheck)
        (extremes: (float * (float * float[]) option * Projection)[])
        =
        for (sg, oracle, _) in extremes do
            match oracle with
            | Some(m, star) when m >= 1.0 - 1e-9 ->
                if depth units cell.Signs star > 1e-9 then
                    t.InteriorSaturation <- t.InteriorSaturation + 1

                    let otherMax =
                        extremes
                        |> Array.pick (fun (s, ora, _) -> if s <> sg then Some ora else None)
                        |> Option.map fst
                        |> Option.defaultValue 0.0

                    t.Require(
                        otherMax < 1.0 - 1e-9,
                        sprintf
                            "cell %d: an interior saturation point shares its closed cell with a saturation point of the opposite sign"
                            cell.Cell
                    )
                else
                    t.BoundarySaturation <- t.BoundarySaturation + 1
            | _ -> ()

    /// The outcome with the quantities the report aggregates.
    let private quantities (t: Tally) (cells: int) (supError: float) (sinMin: float) =
        t.Outcome
            .With("cells", float cells)
            .With("samples", float t.Samples)
            .With("interiorCriticalPoints", float t.InteriorCritical)
            .With("interiorSaturation", float t.InteriorSaturation)
            .With("boundarySaturation", float t.BoundarySaturation)
            .With("worstLemma1Ratio", t.WorstRatio)
            .With("worstSampleExcess", t.WorstExcess)
            .With("coreProjectionError", t.WorstCoreValue)
            .With("coreArgOutside", t.WorstCoreClosure)
            .With("coreProjectionErrorTimesConditioning", t.WorstCoreScaled)
            .With("supremumError", supError)
            .With("normalsConditioning", sinMin)
            .With("minCellWidth", t.MinWidth)

    /// The checks on the certificate of q scaled to sup|eta| = 1.
    let private checkCells (p: Problem) (data: Dataset) (arr: Arrangement) (q: float[]) (s: float) =
        let cert = Certificate.ofDual arr data s q
        let units = unitNormals arr
        let raw = Array.init arr.HyperplaneCount arr.Normal
        let bases = FaceOracle.flats raw units arr.AmbientDimension
        let rows = data.Inputs |> Array.map (fun x -> Array.append x [| 1.0 |])
        // Rounding scale of a direct evaluation of eta.
        let evalScale =
            (Array.fold2 (fun acc (x: float[]) qi -> acc + abs qi * norm x) 0.0 rows q) / s

        let sinMin = normalsConditioning units arr.AmbientDimension
        let rng = Rng(p.Seed ^^^ 0x5A5A5A5AL)
        let t = Tally()

        for c in 0 .. arr.CellCount - 1 do
            let region = arr.Cell c
            let signs = region.Signs.ToArray()
            let _, normals = Cone.ofCell arr c
            let v = cert.Piece c
            let tau = 1e-9 * (1.0 + norm v + evalScale)
            // The core's cone projection is held to rounding magnified by the conditioning of the cell: its
            // thinness (the depth of its interior point bounds its inradius from below) and the smallest angle
            // between two hyperplanes (nearly (anti)parallel facets).
            let width = max (min (depth units signs region.Interior) sinMin) 1e-300
            t.MinWidth <- min t.MinWidth width
            // The piece agrees with the certificate evaluated from the data.
            let atInterior = Certificate.evaluate cert region.Interior

            t.Require(
                abs (dot region.Interior v - atInterior) <= tau,
                sprintf "cell %d: <theta, v_C> = %g but eta = %g at its interior point" c (dot region.Interior v) atInterior
            )

            let extremes =
                [|
                    for sg in [ 1.0; -1.0 ] ->
                        let w = Array.map (fun x -> sg * x) v
                        sg, FaceOracle.cellMax raw units signs bases w, Cone.project normals w
                |]

            let anchors =
                extremes |> Array.choose (fun (_, oracle, _) -> oracle |> Option.map snd)

            let pts = samples rng units signs region.Interior normals anchors
            t.Samples <- t.Samples + pts.Length

            let cell =
                {
                    Cell = c
                    Signs = signs
                    Piece = v
                    Tau = tau
                    Accuracy = tau + 1e-13 * norm v / width
                    Points = pts
                    Values = pts |> Array.map (Certificate.evaluate cert)
                }

            for extreme in extremes do
                checkExtreme t cert units width cell extreme

            checkInteriorCritical t units cell extremes
            checkInteriorSaturation t units cell extremes

        let supError = abs (t.GlobalMax - 1.0)

        t.Require(
            supError <= 1e-9 * (1.0 + evalScale) + 1e-13 / t.MinWidth,
            sprintf "the largest cell maximum is %.17g, but the core's screened supremum scaled it to 1" t.GlobalMax
        )

        quantities t arr.CellCount supError sinMin

    /// The claim.
    type Claim() =
        inherit ProblemClaim()
        override _.Id = Id

        override _.Statement =
            "For any dual vector q (scaled so that sup|eta| = 1) and every cell C: eta = <theta, v_C> on the closed cell; "
            + "its maximum and its minimum over the closed cell are each attained at exactly one point, "
            + "+-Pi_{K_C}(+-v_C)/|Pi_{K_C}(+-v_C)| (so no sample of the cell comes closer to the maximum than Lemma 1 allows: "
            + "|theta - theta*|^2 <= 2(M - eta(theta))/M); the only critical point of eta in the open cell is v_C/|v_C|; "
            + "an interior saturation point is the only saturation point of its closed cell; and max_C of the cell maxima is sup|eta| = 1."

        override _.Source =
            "seed abstract (\"on each dual region, the dual certificate admits at most one extreme value\"); derived in THEORY.md §3 (Lemma 1, consequences 1-2)"

        override _.Oracle =
            "dense sampling of every closed cell (interior cloud, random cone projections onto its faces, perturbations of the claimed extremes), each sample re-checked against all hyperplane signs and evaluated directly from the data, against the exact cone projection"

        override _.Generate(rng) =
            let p = Generate.dataset spec rng
            let q = rng.Gaussians p.Count
            // Sparse dual vectors too: many cells then share a piece, and ties appear.
            if rng.Bernoulli 0.25 then
                for i in 0 .. q.Length - 1 do
                    if rng.Bernoulli 0.5 then
                        q.[i] <- 0.0

            { p with Duals = q }

        override _.Check(p) =
            let data = p.Dataset
            let arr = Arrangement.ofDataset data
            let q = p.Duals
            let s, _, _ = Certificate.supremumAbs (Certificate.ofDual arr data 1.0 q)

            if not (s > 1e-300) then
                Outcome.NotApplicable "eta vanishes identically for this dual vector"
            else
                checkCells p data arr q s

    /// The registered instance.
    let claim = Claim()
