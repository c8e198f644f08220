namespace TvRelu.ProofsChecks

open System
open System.Diagnostics
open System.IO
open System.Text
open System.Text.Json
open TvRelu.Core.Audit

/// A deliberately broken variant of the library that the mutation audit switches on in-process.
type MutantSpec =
    {
        /// The id on the command line and in mutants.json.
        Id: string
        /// What is broken.
        Description: string
        /// The claims whose checks target what it breaks: each of them is expected to kill it.
        Targets: string[]
    }

/// What one (claim, mutant) run found.
type MutantOutcome =
    {
        Claim: string
        /// The mutant's id ("none" for the baseline run of the unmutated library).
        Mutant: string
        /// Some trial was refuted by the claim's check (not by an exception, a timeout or a failed solve).
        Killed: bool
        /// Trials run (the run stops at the first refutation).
        Trials: int
        Refuted: int
        Inconclusive: int
        NotApplicable: int
        /// Trials whose check threw: the mutant broke the code so badly it crashed.
        Crashed: int
        /// The mutant is one of those the claim targets.
        Targeted: bool
        /// The replay seed and message of the killing trial ("" when none).
        Evidence: string
        Seconds: float
    }

/// The mutation audit (`tvrelu audit mutants`, issue 11): each claim's campaign against each mutant, to measure
/// whether the claim can fail. A claim that kills no mutant targeting what it checks has no power, and is
/// rewritten or labelled a consistency check in the catalogue.
module Mutation =

    /// The mutants, with the claims meant to kill each.
    let private table: (MutantSpec * Mutant)[] =
        let spec id description targets mutant =
            {
                Id = id
                Description = description
                Targets = targets
            },
            mutant

        [|
            spec
                "sampled-supremum"
                "sup |eta| over 10^4 sampled directions instead of the exact per-cell maxima (THEORY.md §3)"
                [| "extreme-per-region"; "support-bound"; "representer"; "dedios-bruna-i" |]
                Mutant.SampledSupremum
            spec
                "dropped-facet"
                "one facet dropped from the cone of every cell with two or more (the projection of §3)"
                [| "extreme-per-region"; "support-bound" |]
                Mutant.DroppedFacet
            spec
                "merge-radius"
                "the merge radii of atoms (§1) and saturation points (§3) multiplied by 100"
                [| "support-bound"; "uniqueness" |]
                Mutant.MergeRadius
            spec
                "gap-lambda"
                "lambda scaled by 1.001 inside the gap: q / max(1, s/1.001) taken as dual feasible (§2)"
                [| "support-bound"; "representer"; "dedios-bruna-i" |]
                Mutant.GapLambda
            spec
                "residual-sign"
                "the first row's residual enters the pieces v_C with the wrong sign (§3)"
                [| "extreme-per-region"; "support-bound" |]
                Mutant.ResidualSign
            spec "cover-off-by-one" "Cover's count off by one (§3, Counting)" [| "cover-euler" |] Mutant.CoverOffByOne
            spec
                "noise-exponent"
                "the noise of the low-noise sweep grows like the square root of its nominal level (§6)"
                [| "low-noise-interior" |]
                Mutant.NoiseExponent
            spec
                "lambda-exponent"
                "lambda of the low-noise sweep is the square root of its nominal level (§6)"
                [| "low-noise-interior" |]
                Mutant.LambdaExponent
            spec
                "wide-saturation"
                "Sigma read at |eta| >= 1/2, as when tiny atoms widened its tolerance to its cap (§3)"
                [| "support-bound"; "support-conjecture" |]
                Mutant.WideSaturation
            spec
                "flat-as-ridge"
                "a flat limit certificate (p*_H = 0) reported as a ridge, the pre-certificate's view (§6)"
                [| "low-noise-boundary" |]
                Mutant.FlatAsRidge
            spec
                "no-vertex"
                "the solver's minimiser left as found, not reduced to a vertex of the polytope of §5"
                [| "representer" |]
                Mutant.NoVertex
            spec
                "stiemke-skipped"
                "the exact uniqueness test of §5 without Stiemke's y > 0: full column rank of the zero-amplitude rows taken as uniqueness"
                [| "uniqueness" |]
                Mutant.StiemkeSkipped
        |]

    /// Every mutant.
    let all = table |> Array.map fst

    /// The mutants named by a comma-separated list, or all of them for "all".
    let select (spec: string) =
        if String.IsNullOrWhiteSpace spec || spec.Trim().ToLowerInvariant() = "all" then
            all
        else
            spec.Split(',', StringSplitOptions.TrimEntries)
            |> Array.map (fun id ->
                match all |> Array.tryFind (fun m -> m.Id = id) with
                | Some m -> m
                | None ->
                    raise (ArgumentException(sprintf "no mutant '%s'; known: %s" id (String.Join(", ", all |> Array.map (fun m -> m.Id))))))

    /// One trial of a claim without shrinking (the audit only needs the verdict): a ProblemClaim's check on its
    /// problem, or the claim's own trial, abandoned after `timeout` seconds.
    let private verdict (timeout: float) (claim: Claim) (seed: int64) =
        try
            match
                Watchdog.run timeout (fun () ->
                    match claim with
                    | :? ProblemClaim as p ->
                        let o = p.Evaluate(p.ProblemOf seed)
                        not o.Passed, o.IsInconclusive, o.Applicable, o.Message
                    | c ->
                        let r = c.Trial seed
                        r.Refuted, r.Inconclusive, r.Applicable, r.Message)
            with
            | Some v -> v
            | None -> false, true, true, "timed out"
        with e ->
            false, true, true, "exception " + e.Message

    /// Runs up to `trials` trials of the claim (seeds of the campaign `seed`) with the mutant on, stopping at the
    /// first refutation.
    let private runPair (timeout: float) (claim: Claim) (trials: int) (seed: int64) (spec: MutantSpec option) =
        let sw = Stopwatch.StartNew()
        let mutable t = 0
        let mutable refuted, inconclusive, na, crashed = 0, 0, 0, 0
        let mutable evidence = ""

        while t < trials && refuted = 0 do
            let s = Seeds.trial seed claim.Id t
            let failed, inc, applicable, message = verdict timeout claim s

            if message.StartsWith "exception" then
                crashed <- crashed + 1
            elif inc then
                inconclusive <- inconclusive + 1
            elif failed then
                refuted <- refuted + 1

                evidence <-
                    sprintf
                        "seed %d: %s"
                        s
                        (if message.Length > 300 then
                             message.Substring(0, 300) + " …"
                         else
                             message)
            elif not applicable then
                na <- na + 1

            t <- t + 1

        {
            Claim = claim.Id
            Mutant = spec |> Option.map (fun m -> m.Id) |> Option.defaultValue "none"
            Killed = refuted > 0
            Trials = t
            Refuted = refuted
            Inconclusive = inconclusive
            NotApplicable = na
            Crashed = crashed
            Targeted = spec |> Option.exists (fun m -> Array.contains claim.Id m.Targets)
            Evidence = evidence
            Seconds = sw.Elapsed.TotalSeconds
        }

    /// `DIR/mutants.json`: a list of {"claim", "mutant", "killed", "trials", …}.
    let private json (outcomes: MutantOutcome[]) =
        use ms = new MemoryStream()

        (use w = new Utf8JsonWriter(ms, JsonWriterOptions(Indented = true))
         w.WriteStartArray()

         for o in outcomes do
             w.WriteStartObject()
             w.WriteString("claim", o.Claim)
             w.WriteString("mutant", o.Mutant)
             w.WriteBoolean("killed", o.Killed)
             w.WriteNumber("trials", o.Trials)
             w.WriteBoolean("targeted", o.Targeted)
             w.WriteNumber("refuted", o.Refuted)
             w.WriteNumber("inconclusive", o.Inconclusive)
             w.WriteNumber("notApplicable", o.NotApplicable)
             w.WriteNumber("crashed", o.Crashed)
             w.WriteString("evidence", o.Evidence)
             w.WriteNumber("seconds", Math.Round(o.Seconds, 3))
             w.WriteEndObject()

         w.WriteEndArray())

        Encoding.UTF8.GetString(ms.ToArray()) + "\n"

    /// The Markdown table of `DIR/report.md`: a row per mutant, a column per claim.
    let private markdown (claims: Claim[]) (mutants: MutantSpec[]) (outcomes: MutantOutcome[]) (trials: int) (seed: int64) =
        let sb = StringBuilder()
        let line (s: string) = sb.AppendLine s |> ignore
        line "# TvReluVerified mutation audit"
        line ""

        line (
            sprintf
                "Each claim's campaign (seed %d, up to %d trials, stopping at the first refutation) against each mutant of the library, switched on in-process. **killed (t)**: refuted at trial t; *targeted* mutants (bold column mark) are those the claim checks what they break. `none` is the unmutated library: a claim must not be killed there."
                seed
                trials
        )

        line ""
        line ("| mutant | " + String.Join(" | ", claims |> Array.map (fun c -> c.Id)) + " |")
        line ("|---|" + String.Join("|", claims |> Array.map (fun _ -> "---")) + "|")

        let cell (o: MutantOutcome) =
            let mark = if o.Targeted then "**" else ""

            if o.Killed then
                sprintf "%skilled (%d)%s" mark o.Trials mark
            elif o.Crashed > 0 then
                sprintf "%scrashed %d/%d%s" mark o.Crashed o.Trials mark
            else
                sprintf "%ssurvived %d%s" mark o.Trials mark

        for m in Array.append [| "none" |] (mutants |> Array.map (fun m -> m.Id)) do
            let row =
                claims
                |> Array.map (fun c ->
                    match outcomes |> Array.tryFind (fun o -> o.Claim = c.Id && o.Mutant = m) with
                    | Some o -> cell o
                    | None -> "–")

            line (sprintf "| %s | %s |" m (String.Join(" | ", row)))

        line ""
        line "| mutant | what is broken | targets |"
        line "|---|---|---|"

        for m in mutants do
            line (sprintf "| %s | %s | %s |" m.Id (m.Description.Replace("|", "\\|")) (String.Join(", ", m.Targets)))

        line ""
        line "**Power per claim** (a claim that kills no mutant targeting what it checks is only a consistency check):"
        line ""
        line "| claim | targeted mutants killed | other mutants killed | verdict |"
        line "|---|---|---|---|"

        for c in claims do
            let mine = outcomes |> Array.filter (fun o -> o.Claim = c.Id && o.Mutant <> "none")
            let targeted = mine |> Array.filter (fun o -> o.Targeted)
            let killedT = targeted |> Array.filter (fun o -> o.Killed)
            let killedO = mine |> Array.filter (fun o -> not o.Targeted && o.Killed)

            let baseline =
                outcomes
                |> Array.exists (fun o -> o.Claim = c.Id && o.Mutant = "none" && o.Killed)

            let verdict =
                if baseline then
                    "refuted on the unmutated library: investigate first"
                elif killedT.Length > 0 then
                    "has power"
                elif targeted.Length = 0 then
                    "no targeted mutant run"
                else
                    "consistency check only: kills no targeted mutant"

            line (
                sprintf
                    "| %s | %d of %d %s | %d |  %s |"
                    c.Id
                    killedT.Length
                    targeted.Length
                    (if killedT.Length > 0 then
                         "(" + String.Join(", ", killedT |> Array.map (fun o -> o.Mutant)) + ")"
                     else
                         "")
                    killedO.Length
                    verdict
            )

        line ""
        line "**Kills** (the first refuted trial of each killed pair):"
        line ""

        for o in outcomes |> Array.filter (fun o -> o.Killed) do
            line (sprintf "- %s / %s: %s" o.Claim o.Mutant (o.Evidence.Replace("|", "\\|").Replace("\n", " ")))

        sb.ToString()

    /// Runs every (claim, mutant) pair, and the baseline ("none") of each claim, writing `outDir/mutants.json` and
    /// `outDir/report.md` (atomically). `progress` (may be null) is told of each finished pair.
    let run
        (claims: Claim[])
        (mutants: MutantSpec[])
        (trials: int)
        (seed: int64)
        (timeout: float)
        (outDir: string)
        (progress: Action<MutantOutcome>)
        =
        if trials < 1 then
            invalidArg "trials" (sprintf "the number of trials must be positive (got %d)" trials)

        Directory.CreateDirectory outDir |> ignore
        use _ = DirectoryLock.acquire outDir ".mutants.lock" "a mutation audit"

        let report (o: MutantOutcome) =
            if not (isNull progress) then
                progress.Invoke o

            o

        let baseline =
            claims |> Array.map (fun c -> runPair timeout c trials seed None |> report)

        let mutated =
            [|
                for m in mutants do
                    let mutant = table |> Array.find (fun (s, _) -> s.Id = m.Id) |> snd

                    yield! Mutants.using mutant (fun () -> claims |> Array.map (fun c -> runPair timeout c trials seed (Some m) |> report))
            |]

        let outcomes = Array.append baseline mutated
        AtomicFile.writeText (Path.Combine(outDir, "mutants.json")) (json outcomes)
        AtomicFile.writeText (Path.Combine(outDir, "report.md")) (markdown claims mutants outcomes trials seed)
        outcomes
