namespace TvRelu.ProofsChecks

open System
open System.Globalization
open System.IO
open System.Text

/// The Markdown report of a campaign directory, with PNG plots (ScottPlot).
module Report =

    let private inv (x: float) =
        if Double.IsNaN x then
            "–"
        elif x = 0.0 || (abs x >= 1e-3 && abs x < 1e5) then
            x.ToString("0.####", CultureInfo.InvariantCulture)
        else
            x.ToString("0.###e+0", CultureInfo.InvariantCulture)

    let private cell (s: string) =
        let s = if isNull s then "" else s
        s.Replace("|", "\\|").Replace("\r", " ").Replace("\n", " ")

    let private truncate (n: int) (s: string) =
        if s.Length <= n then s else s.Substring(0, n) + " …"

    let private safeName (s: string) =
        String(
            s
            |> Seq.map (fun c ->
                if Char.IsLetterOrDigit c || c = '-' || c = '.' then
                    c
                else
                    '_')
            |> Seq.toArray
        )

    let private finite (xs: seq<float>) =
        xs |> Seq.filter Double.IsFinite |> Seq.toArray

    /// Histogram of ratios to a bound.
    let private histogram (path: string) (title: string) (values: float[]) =
        use plt = new ScottPlot.Plot()
        let top = max 1.0 (Array.max values)
        let hist = ScottPlot.Statistics.Histogram.WithBinCount(20, 0.0, top)
        hist.AddRange values
        plt.Add.Histogram(hist) |> ignore
        plt.Title title
        plt.XLabel "|Sigma| / bound (or measured / bound)"
        plt.YLabel "trials"
        AtomicFile.replaceWith path (fun tmp -> plt.SavePng(tmp, 800, 500) |> ignore)

    /// Log–log lines of one series against λ, one line per trial (at most 200), with a slope-1 guide.
    let private logLog (path: string) (title: string) (yLabel: string) (lines: (float[] * float[])[]) =
        use plt = new ScottPlot.Plot()
        let mutable lo = infinity
        let mutable hiY = -infinity

        for (xs, ys) in Array.truncate 200 lines do
            let pts =
                Array.zip xs ys
                |> Array.filter (fun (x, y) -> x > 0.0 && y > 0.0 && Double.IsFinite y)

            if pts.Length >= 2 then
                let lx = pts |> Array.map (fst >> log10)
                let ly = pts |> Array.map (snd >> log10)
                lo <- min lo (Array.min lx)
                hiY <- max hiY (Array.max ly)
                plt.Add.ScatterLine(lx, ly) |> ignore

        if Double.IsFinite lo && Double.IsFinite hiY then
            // Slope 1 through the top-right corner, for reference.
            let guide = plt.Add.ScatterLine([| lo; 0.0 |], [| hiY + lo; hiY |])
            guide.LineWidth <- 3.0f
            guide.Color <- ScottPlot.Colors.Black
            guide.LegendText <- "slope 1"

        plt.Title title
        plt.XLabel "log10 (lambda / lambda_max)"
        plt.YLabel("log10 " + yLabel)
        AtomicFile.replaceWith path (fun tmp -> plt.SavePng(tmp, 800, 500) |> ignore)

    /// The table of every claim's trial counts, then the pending claims.
    let private summarySection (line: string -> unit) (claims: Claim[]) (groups: (string * TrialRecord[])[]) =
        line "| claim | trials | passed | refuted | inconclusive | not applicable | trials/s (1 core) |"
        line "|---|---:|---:|---:|---:|---:|---:|"

        for (id, rs) in groups do
            let c = Verdicts.Of rs
            let ms = rs |> Array.sumBy (fun r -> r.ElapsedMs)

            line (
                sprintf
                    "| %s | %d | %d | %d | %d | %d | %s |"
                    id
                    rs.Length
                    c.Passed
                    c.Refuted
                    c.Inconclusive
                    c.NotApplicable
                    (inv (if ms > 0.0 then 1000.0 * float rs.Length / ms else nan))
            )

        let pending = claims |> Array.filter (fun c -> c.IsPending)

        if pending.Length > 0 then
            line ""
            line "Pending claims (registered, not yet auditable):"
            line ""

            for c in pending do
                line (sprintf "- **%s**: %s (%s)" c.Id (cell c.Statement) (cell c.PendingReason))


    /// One claim's generator families: trials, refuted, inconclusive and not applicable per family.
    let private familyTable (line: string -> unit) (rs: TrialRecord[]) =
        line "| generator family | trials | refuted | inconclusive | not applicable |"
        line "|---|---:|---:|---:|---:|"

        for (kind, ks) in rs |> Array.groupBy (fun r -> r.Kind) |> Array.sortBy fst do
            line (
                sprintf
                    "| %s | %d | %d | %d | %d |"
                    (cell kind)
                    ks.Length
                    (ks |> Array.filter (fun r -> r.Refuted) |> Array.length)
                    (ks |> Array.filter (fun r -> r.Inconclusive) |> Array.length)
                    (ks |> Array.filter (fun r -> not r.Applicable) |> Array.length)
            )


    /// Bound tightness (measured / bound) per bound, with a histogram each.
    let private tightnessSection
        (line: string -> unit)
        (images: ResizeArray<string>)
        (dir: string)
        (id: string)
        (names: string[])
        (values: string -> float[])
        =
        let tight = names |> Array.filter (fun n -> n.StartsWith "tightness.")

        if tight.Length > 0 then
            line ""
            line "**Bound tightness** (measured / bound; 1 means the bound is attained):"
            line ""
            line "| bound | trials | max | mean |"
            line "|---|---:|---:|---:|"
            let histograms = ResizeArray<string * string>()

            for n in tight do
                let v = values n

                if v.Length > 0 then
                    line (sprintf "| %s | %d | %s | %s |" (n.Substring 10) v.Length (inv (Array.max v)) (inv (Array.average v)))
                    let file = safeName (sprintf "%s-%s.png" id n)
                    histogram (Path.Combine(dir, file)) (sprintf "%s: %s" id (n.Substring 10)) v
                    images.Add file
                    histograms.Add(n, file)
            // The figures after the table: a line between two rows would end the table there.
            for n, file in histograms do
                line ""
                line (sprintf "![%s](%s)" n file)

    /// A record's x-axis for the fit `name`: its series `<name>Axis` when it has one (the noise sweep of §6), else
    /// `lambda`.
    let private axisOf (r: TrialRecord) (name: string) =
        match r.Series.TryGetValue(name + "Axis") with
        | true, xs -> Some xs
        | _ ->
            match r.Series.TryGetValue "lambda" with
            | true, xs -> Some xs
            | _ -> None

    /// The (x, error) points of every passing sweep that its fit uses: the levels its series `<name>Fitted` marks,
    /// or, for records without one, the levels in the certified regime (up to `regimeStart` and `fitBelow`) whose
    /// error the certified gap resolves.
    let private fittedSweeps (rs: TrialRecord[]) (name: string) =
        rs
        |> Array.choose (fun r ->
            match axisOf r name, r.Series.TryGetValue(name + "Error") with
            | Some xs, (true, ys) ->
                let keep =
                    match r.Series.TryGetValue(name + "Fitted") with
                    | true, used when used.Length = xs.Length ->
                        Array.zip3 xs ys used
                        |> Array.filter (fun (_, _, u) -> u > 0.5)
                        |> Array.map (fun (x, y, _) -> x, y)
                    | _ ->
                        let start =
                            match r.Quantities.TryGetValue "regimeStart" with
                            | true, s when Double.IsFinite s -> s
                            | _ -> infinity

                        let start =
                            match r.Quantities.TryGetValue "fitBelow" with
                            | true, f when Double.IsFinite f -> min start f
                            | _ -> start

                        let resolution =
                            match r.Series.TryGetValue "resolution" with
                            | true, res when res.Length = xs.Length -> res
                            | _ -> Array.zeroCreate xs.Length

                        Array.zip3 xs ys resolution
                        |> Array.filter (fun (x, y, res) -> x <= start * (1.0 + 1e-12) && y > 10.0 * res)
                        |> Array.map (fun (x, y, _) -> x, y)

                if r.Passed && r.Applicable then
                    Some(Array.map fst keep, Array.map snd keep)
                else
                    None
            | _ -> None)

    /// The fitted log-log slopes per error: per-trial mean with its interval and the pooled fit, with a plot of
    /// every sweep.
    let private slopesSection
        (line: string -> unit)
        (images: ResizeArray<string>)
        (dir: string)
        (id: string)
        (rs: TrialRecord[])
        (names: string[])
        (values: string -> float[])
        =
        let slopes = names |> Array.filter (fun n -> n.StartsWith "slope.")

        if slopes.Length > 0 then
            line ""

            line
                "**Fitted log-log slopes** (error against lambda, or against the noise for the noise sweeps, over the levels each trial marks as fitted: in the certified regime, no count decided wrong, the error resolved by the certified gaps; per-trial least squares of the decisive fits, then their mean with a 95% t-interval; and the pooled fixed-effects fit of all passing sweeps with its 95% interval):"

            line ""
            line "| error | trials | mean slope | 95% CI | pooled slope | 95% CI |"
            line "|---|---:|---:|---|---:|---|"

            for n in slopes do
                let name = n.Substring 6
                let v = values n
                let m, h = Stats.meanInterval v
                let seriesName = name + "Error"

                let sweeps = fittedSweeps rs name
                let pooled = Stats.pooledLogLogFit sweeps
                let ph = Stats.slopeHalfWidth pooled

                line (
                    sprintf
                        "| %s | %d | %s | [%s, %s] | %s | [%s, %s] |"
                        name
                        v.Length
                        (inv m)
                        (inv (m - h))
                        (inv (m + h))
                        (inv pooled.Slope)
                        (inv (pooled.Slope - ph))
                        (inv (pooled.Slope + ph))
                )

                if sweeps.Length > 0 then
                    let file = safeName (sprintf "%s-sweep-%s.png" id name)

                    let all =
                        rs
                        |> Array.choose (fun r ->
                            match axisOf r name, r.Series.TryGetValue seriesName with
                            | Some xs, (true, ys) -> Some(xs, ys)
                            | _ -> None)

                    logLog (Path.Combine(dir, file)) (sprintf "%s: %s error" id name) (name + " error") all
                    images.Add file

            for n in slopes do
                let file = safeName (sprintf "%s-sweep-%s.png" id (n.Substring 6))

                if images.Contains file then
                    line ""
                    line (sprintf "![%s](%s)" n file)

    /// Every quantity's min, mean and max over the trials.
    let private quantitiesTable (line: string -> unit) (names: string[]) (values: string -> float[]) =
        let plain =
            names
            |> Array.filter (fun n ->
                not (n.StartsWith "slopeStdError.")
                && not (n.StartsWith "slopePoints.")
                && not (n.StartsWith "slopeHalfWidth."))

        if plain.Length > 0 then
            line ""
            line "| quantity | trials | min | mean | max |"
            line "|---|---:|---:|---:|---:|"

            for n in plain do
                let v = values n

                if v.Length > 0 then
                    line (sprintf "| %s | %d | %s | %s | %s |" n v.Length (inv (Array.min v)) (inv (Array.average v)) (inv (Array.max v)))

    /// The failed trials (the first 50) and the shrunk counterexamples (the first 10).
    let private failuresSection (line: string -> unit) (id: string) (failed: TrialRecord[]) =
        if failed.Length > 0 then
            line ""
            line (sprintf "**Failures** (%d; replay any with `Catalogue.find(\"%s\").Trial(seed)`):" failed.Length id)
            line ""
            line "| trial | seed | verdict | family | shrunk rows | message |"
            line "|---:|---:|---|---|---:|---|"

            for r in failed |> Array.sortBy (fun r -> r.Inconclusive, r.Trial) |> Array.truncate 50 do
                line (
                    sprintf
                        "| %d | %d | %s | %s | %s | %s |"
                        r.Trial
                        r.Seed
                        (if r.Inconclusive then "inconclusive" else "refuted")
                        (cell r.Kind)
                        (if r.ShrunkRows > 0 then
                             sprintf "%d of %d" r.ShrunkRows r.OriginalRows
                         else
                             "–")
                        (cell (truncate 400 r.Message))
                )

            for r in failed |> Array.filter (fun r -> r.Counterexample <> "") |> Array.truncate 10 do
                line ""

                line (sprintf "<details><summary>trial %d, seed %d: shrunk counterexample (%d rows)</summary>" r.Trial r.Seed r.ShrunkRows)

                line ""
                line "```csv"
                line (r.Counterexample.TrimEnd())
                line "```"
                line ""
                line "</details>"


    /// A claim's heading: its statement, source and oracle, and its counts.
    let private claimHeader (line: string -> unit) (claims: Claim[]) (id: string) (rs: TrialRecord[]) (failed: TrialRecord[]) =
        line (sprintf "## %s" id)
        line ""

        match claims |> Array.tryFind (fun c -> c.Id = id) with
        | Some c ->
            line (sprintf "**Statement.** %s" c.Statement)
            line ""
            line (sprintf "**Source.** %s" c.Source)
            line ""
            line (sprintf "**Oracle.** %s" c.Oracle)
            line ""
        | None -> ()

        let c = Verdicts.Of rs

        line (
            sprintf
                "%d trials, %d passed, %d refuted, %d inconclusive, %d not applicable."
                rs.Length
                c.Passed
                c.Refuted
                c.Inconclusive
                c.NotApplicable
        )

        line ""

    /// The report for the given records and claims (for statements) into `dir/report.md`.
    let writeRecords (claims: seq<Claim>) (records: TrialRecord[]) (dir: string) =
        Directory.CreateDirectory dir |> ignore
        let claims = Seq.toArray claims
        let sb = StringBuilder()
        let line (s: string) = sb.AppendLine s |> ignore
        let images = ResizeArray<string>()

        let groups =
            records
            |> Array.groupBy (fun r -> r.Claim)
            |> Array.sortBy (fun (id, _) ->
                (claims
                 |> Array.tryFindIndex (fun c -> c.Id = id)
                 |> Option.defaultValue Int32.MaxValue),
                id)

        line "# TvReluVerified audit report"
        line ""

        line (
            sprintf
                "%d trial records of %d claims. Convention: J(mu) = 1/2 |K mu - y|^2 + lambda |mu|_TV over signed measures on S^d, inputs augmented as (x, 1) (THEORY.md §1)."
                records.Length
                groups.Length
        )

        line ""

        line
            "A trial is *refuted* when the claim failed on its problem, *inconclusive* when the code the check relies on failed (for example the solver did not certify its answer: a bug to report, not evidence against the claim), and *not applicable* when the problem does not meet the claim's hypotheses. *Passed* counts only trials the claim applied to."

        line ""
        summarySection line claims groups

        for (id, rs) in groups do
            let failed = rs |> Array.filter (fun r -> not r.Passed)
            line ""
            claimHeader line claims id rs failed
            familyTable line rs

            let names =
                rs
                |> Array.collect (fun r -> r.Quantities.Keys |> Seq.toArray)
                |> Array.distinct
                |> Array.sort

            let values name =
                rs
                |> Array.choose (fun r ->
                    match r.Quantities.TryGetValue name with
                    | true, v -> Some v
                    | _ -> None)
                |> finite

            tightnessSection line images dir id names values
            slopesSection line images dir id rs names values
            quantitiesTable line names values
            failuresSection line id failed

        let path = Path.Combine(dir, "report.md")
        AtomicFile.writeText path (sb.ToString())
        path, images.ToArray()

    /// Reads every `*.jsonl` in `dir` (shard files and merged files, deduplicated by claim and trial)
    /// and writes `dir/report.md` and its PNG plots; the claims give statements, sources and pending
    /// entries. Returns the report's path.
    let writeWith (claims: seq<Claim>) (dir: string) =
        let path, _ = writeRecords claims (Campaign.load dir) dir
        path

    /// `writeWith` the catalogue's claims.
    let write (dir: string) = writeWith Catalogue.all dir
