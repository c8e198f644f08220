namespace TvRelu.ProofsChecks

open System
open System.Collections.Generic
open System.Diagnostics
open System.IO
open System.Text
open System.Threading.Tasks

/// Trials counted by verdict. Every trial is in exactly one count: a trial that did not apply is
/// "not applicable", never "passed" (its outcome has Passed = true only so that it refutes nothing).
type Verdicts =
    {
        /// The claim applied and held.
        Passed: int
        /// The claim applied and failed.
        Refuted: int
        /// The code the check relies on failed.
        Inconclusive: int
        /// The problem did not meet the claim's hypotheses.
        NotApplicable: int
    }

    /// The counts of a set of records.
    static member Of(records: seq<TrialRecord>) =
        let count f = records |> Seq.filter f |> Seq.length

        {
            Passed = count (fun r -> r.Passed && r.Applicable)
            Refuted = count (fun r -> r.Refuted)
            Inconclusive = count (fun r -> r.Inconclusive)
            NotApplicable = count (fun r -> not r.Applicable)
        }

/// Reported after every trial a campaign runs.
type CampaignProgress =
    {
        /// The claim being audited.
        Claim: string
        /// The trial just finished.
        Trial: int
        /// Trials of this claim in this shard done so far (resumed ones included).
        Completed: int
        /// Trials of this claim in this shard.
        Total: int
        /// Passed so far, among the trials the claim applied to (resumed ones included).
        Passed: int
        /// Not applicable so far: the problem did not meet the claim's hypotheses (resumed ones included).
        NotApplicable: int
        /// Refuted so far (resumed ones included).
        Failed: int
        /// Inconclusive so far: the audited code failed (resumed ones included).
        Inconclusive: int
        /// The record just written.
        Record: TrialRecord
    }

/// One claim's part of a campaign run.
type ClaimSummary =
    {
        Claim: string
        /// The JSON-lines file.
        File: string
        /// Trials of this claim in this shard.
        Planned: int
        /// Already recorded before this run (resume).
        Resumed: int
        /// Run now.
        Run: int
        /// Lines dropped when the file was repaired before resuming (cut by a kill or a torn write).
        RepairedLines: int
        /// Passed, over all recorded trials of the shard the claim applied to (not-applicable
        /// trials are counted apart, never as passed).
        Passed: int
        /// Refuted (the claim failed), over all recorded trials of the shard.
        Failed: int
        /// Inconclusive (the audited code failed, e.g. an uncertified solve), over all recorded trials.
        Inconclusive: int
        /// Did not apply (hypotheses not met), over all recorded trials.
        NotApplicable: int
        /// Wall-clock seconds of this run.
        Seconds: float
        /// The records that did not pass, refuted and inconclusive (with their replay seeds).
        Failures: TrialRecord[]
    }

    /// Trials run per second in this run.
    member s.TrialsPerSecond = if s.Seconds > 0.0 then float s.Run / s.Seconds else nan

/// A campaign run.
type CampaignSummary =
    {
        /// What the campaign's files record: version, seed, trials, claims and shard.
        Parameters: CampaignParameters
        Seed: int64
        Trials: int
        Shard: Shard
        OutDir: string
        Claims: ClaimSummary[]
        /// Ids of pending claims that were skipped.
        Pending: string[]
        Seconds: float
    }

    /// Refutations over all claims.
    member s.Failed = s.Claims |> Array.sumBy (fun c -> c.Failed)
    /// Inconclusive trials over all claims.
    member s.Inconclusive = s.Claims |> Array.sumBy (fun c -> c.Inconclusive)

/// What a merge did.
type MergeSummary =
    {
        /// Records written per claim.
        Records: (string * int)[]
        /// Records seen more than once (same claim and trial, same seed): kept once.
        Duplicates: int
        /// Same claim and trial but a different seed (campaigns with different seeds mixed): the first kept.
        Conflicts: int
        /// Lines that were not complete records (a killed run's last line).
        CorruptLines: int
        /// The campaign every merged file belongs to (None when there was nothing to merge).
        Parameters: CampaignParameters option
        /// Trials of the campaign's claims that no file holds (shards not run yet, or still running).
        Missing: int
        /// Files written.
        Files: string[]
    }

/// Settings beyond the positional arguments of `Campaign.run`.
type CampaignOptions =
    {
        /// Trials run at once (1: in order, one at a time). Records are then appended in completion order.
        Parallelism: int
        /// Also fsync the file after every record (survives power loss, not only a killed process).
        Durable: bool
        /// A trial still running after this many seconds is abandoned and recorded as inconclusive
        /// (≤ 0: no limit). The guard against a solve that never ends.
        TrialTimeoutSeconds: float
    }

    /// One at a time, flushed to the operating system after every record, 10 minutes per trial.
    static member Default =
        {
            Parallelism = 1
            Durable = false
            TrialTimeoutSeconds = 600.0
        }

/// The campaign engine: runs claims over seeded trials, sharded and resumable, into JSON lines.
module Campaign =

    /// `<claim>.shard-i-of-k.jsonl`.
    let fileName (claimId: string) (shard: Shard) =
        sprintf "%s.shard-%d-of-%d.jsonl" claimId shard.Index shard.Count

    /// Runs trial `trial` of the claim exactly as a campaign with this seed would, abandoning it
    /// (inconclusive) after `timeoutSeconds` (≤ 0: no limit).
    let runTrialWithin (timeoutSeconds: float) (claim: Claim) (campaignSeed: int64) (trial: int) =
        let seed = Seeds.trial campaignSeed claim.Id trial
        let sw = Stopwatch.StartNew()

        let record =
            try
                match Watchdog.run timeoutSeconds (fun () -> claim.Trial seed) with
                | Some r -> r
                | None ->
                    TrialRecord.OfOutcome(claim.Id, seed, Outcome.Inconclusive(sprintf "timed out after %g s (abandoned)" timeoutSeconds))
            with e ->
                TrialRecord.OfOutcome(claim.Id, seed, Outcome.Fail(sprintf "exception %s: %s" (e.GetType().Name) e.Message))

        sw.Stop()

        { record with
            Claim = claim.Id
            Trial = trial
            Seed = seed
            ElapsedMs =
                (if record.ElapsedMs > 0.0 then
                     record.ElapsedMs
                 else
                     sw.Elapsed.TotalMilliseconds)
        }

    /// Runs trial `trial` of the claim exactly as a campaign with this seed would (default timeout).
    let runTrial (claim: Claim) (campaignSeed: int64) (trial: int) =
        runTrialWithin CampaignOptions.Default.TrialTimeoutSeconds claim campaignSeed trial

    /// Re-runs one trial from its seed (the replay of a failure).
    let replay (claim: Claim) (seed: int64) = claim.Trial seed

    /// The non-hidden `*.jsonl` files of a directory, sorted (hidden ones are temporary files of
    /// an atomic write that may be under way or were left by a crash).
    let private resultFiles (dir: string) =
        Directory.GetFiles(dir, "*.jsonl")
        |> Array.filter (fun f -> not (Path.GetFileName(f).StartsWith '.'))
        |> Array.sort

    /// The header of a result file, read from its first line only (None for a file without one).
    let private headerOf (path: string) =
        try
            File.ReadLines path |> Seq.tryHead |> Option.bind JsonLines.tryHeader
        with :? IOException ->
            None

    /// Refuses a file whose header names another campaign.
    let private ensureSameCampaign (path: string) (expected: CampaignParameters) (found: CampaignParameters) =
        match found.DifferencesFrom expected with
        | [] -> ()
        | differences ->
            raise (
                CampaignFileException(
                    sprintf
                        "%s belongs to another campaign (%s): resume only with the same parameters, or write to another directory"
                        path
                        (String.Join("; ", differences))
                )
            )

    /// The records already in a shard file, keyed by trial. A new file gets its header first. An
    /// existing one (only with `resume`) must carry this campaign's header, and is rewritten
    /// atomically, header and complete records, whenever a line fails to parse or the last line
    /// lacks its newline: so a torn write loses no complete record, and the next one appended
    /// cannot be glued onto it (issue 12, item 4). Returns the records and the lines dropped.
    let private prepare (path: string) (parameters: CampaignParameters) (claim: Claim) (resume: bool) =
        let header = JsonLines.headerJson parameters

        if not (File.Exists path) || FileInfo(path).Length = 0L then
            AtomicFile.writeLines path [ header ]
            Dictionary<int, TrialRecord>(), 0
        elif not resume then
            raise (CampaignFileException(sprintf "%s already exists: resume the campaign or choose another output directory" path))
        else
            let file = JsonLines.readFile path

            match file.Parameters with
            | Some found -> ensureSameCampaign path parameters found
            | None when file.Records.Length > 0 ->
                raise (
                    CampaignFileException(
                        sprintf
                            "%s has no campaign header (it was written by an older version): start the campaign in another directory"
                            path
                    )
                )
            | None -> ()

            let byTrial = Dictionary<int, TrialRecord>()

            for r in file.Records do
                let expected = Seeds.trial parameters.Seed claim.Id r.Trial

                if r.Claim <> claim.Id || r.Seed <> expected then
                    raise (
                        CampaignFileException(
                            sprintf
                                "%s holds trial %d of '%s' with seed %d, not %d: it was written by a campaign with another seed"
                                path
                                r.Trial
                                r.Claim
                                r.Seed
                                expected
                        )
                    )

                byTrial.[r.Trial] <- r

            if
                file.Parameters.IsNone
                || not file.EndsCleanly
                || byTrial.Count <> file.Records.Length
            then
                AtomicFile.writeLines
                    path
                    (Seq.append [ header ] (byTrial.Values |> Seq.sortBy (fun r -> r.Trial) |> Seq.map JsonLines.toJson))

            byTrial, file.BadLines

    /// Reads the file back after a run: every trial of the shard must be there exactly once, as
    /// a complete record. A campaign is reported complete only when its file says so.
    let private verified (path: string) (mine: int[]) =
        let file = JsonLines.readFile path
        let byTrial = file.Records |> Array.map (fun r -> r.Trial, r) |> dict
        let missing = mine |> Array.filter (fun t -> not (byTrial.ContainsKey t))

        if file.BadLines > 0 || missing.Length > 0 || byTrial.Count <> file.Records.Length then
            raise (
                InvalidOperationException(
                    sprintf
                        "%s does not hold every trial once after the run (%d missing, %d unreadable lines, %d duplicates): records were lost"
                        path
                        missing.Length
                        file.BadLines
                        (file.Records.Length - byTrial.Count)
                )
            )

        mine |> Array.map (fun t -> byTrial.[t])

    let private runClaim
        (options: CampaignOptions)
        (claim: Claim)
        (trials: int)
        (seed: int64)
        (shard: Shard)
        (outDir: string)
        (resume: bool)
        (parameters: CampaignParameters)
        (progress: Action<CampaignProgress>)
        =
        let path = Path.Combine(outDir, fileName claim.Id shard)
        let done', repaired = prepare path parameters claim resume

        let mine =
            [|
                for t in 0 .. trials - 1 do
                    if shard.Includes t then
                        yield t
            |]

        let todo = mine |> Array.filter (fun t -> not (done'.ContainsKey t))
        let resumed = Verdicts.Of done'.Values
        let mutable passed = resumed.Passed
        let mutable notApplicable = resumed.NotApplicable
        let mutable failed = resumed.Refuted
        let mutable inconclusive = resumed.Inconclusive
        let mutable completed = done'.Count
        let sw = Stopwatch.StartNew()

        (use stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read)
         use writer = new StreamWriter(stream, UTF8Encoding(false))
         let gate = obj ()

         let write (r: TrialRecord) =
             lock gate (fun () ->
                 // One write of the whole line and its newline, flushed: a kill cuts at most this line.
                 writer.Write(JsonLines.toJson r + "\n")
                 writer.Flush()

                 if options.Durable then
                     stream.Flush(true)

                 completed <- completed + 1

                 if not r.Applicable then notApplicable <- notApplicable + 1
                 elif r.Passed then passed <- passed + 1
                 elif r.Inconclusive then inconclusive <- inconclusive + 1
                 else failed <- failed + 1

                 if not (isNull progress) then
                     progress.Invoke
                         {
                             Claim = claim.Id
                             Trial = r.Trial
                             Completed = completed
                             Total = mine.Length
                             Passed = passed
                             NotApplicable = notApplicable
                             Failed = failed
                             Inconclusive = inconclusive
                             Record = r
                         })

         if options.Parallelism <= 1 then
             for t in todo do
                 write (runTrialWithin options.TrialTimeoutSeconds claim seed t)
         else
             Parallel.ForEach(
                 todo,
                 ParallelOptions(MaxDegreeOfParallelism = options.Parallelism),
                 fun t -> write (runTrialWithin options.TrialTimeoutSeconds claim seed t)
             )
             |> ignore)

        sw.Stop()
        // The counts come from the file as read back, not from the counters above.
        let records = verified path mine
        let verdicts = Verdicts.Of records

        {
            Claim = claim.Id
            File = path
            Planned = mine.Length
            Resumed = done'.Count
            Run = todo.Length
            RepairedLines = repaired
            Passed = verdicts.Passed
            Failed = verdicts.Refuted
            Inconclusive = verdicts.Inconclusive
            NotApplicable = verdicts.NotApplicable
            Seconds = sw.Elapsed.TotalSeconds
            Failures = records |> Array.filter (fun r -> not r.Passed)
        }

    /// `run` with options (parallel trials, durable flushes).
    let runWith
        (options: CampaignOptions)
        (claims: seq<Claim>)
        (trials: int)
        (seed: int64)
        (shard: Shard)
        (outDir: string)
        (resume: bool)
        (progress: Action<CampaignProgress>)
        =
        if trials < 0 then
            invalidArg "trials" "the number of trials must be non-negative"

        if shard.Count < 1 || shard.Index < 0 || shard.Index >= shard.Count then
            invalidArg "shard" (sprintf "invalid shard %O" shard)

        if String.IsNullOrWhiteSpace outDir then
            invalidArg "outDir" "the output directory is empty"

        let claims = Seq.toArray claims
        let ids = claims |> Array.map (fun c -> c.Id)

        match ids |> Array.countBy id |> Array.tryFind (fun (_, n) -> n > 1) with
        | Some(twice, _) -> invalidArg "claims" (sprintf "the claim '%s' is listed twice" twice)
        | None -> ()

        Directory.CreateDirectory outDir |> ignore
        let sw = Stopwatch.StartNew()
        let active = claims |> Array.filter (fun c -> not c.IsPending)

        let parameters =
            CampaignParameters.Of(seed, trials, active |> Array.map (fun c -> c.Id), string shard)

        // One writer per shard of a directory: the shards of one campaign may share it (a Slurm
        // array writing into one folder), two writers of the same shard files may not (item 5).
        use _ =
            DirectoryLock.acquire outDir (sprintf ".shard-%d-of-%d.lock" shard.Index shard.Count) (sprintf "shard %O" shard)

        for file in resultFiles outDir do
            headerOf file |> Option.iter (ensureSameCampaign file parameters)

        let summaries =
            active
            |> Array.map (fun c -> runClaim options c trials seed shard outDir resume parameters progress)

        {
            Parameters = parameters
            Seed = seed
            Trials = trials
            Shard = shard
            OutDir = outDir
            Claims = summaries
            Pending = claims |> Array.filter (fun c -> c.IsPending) |> Array.map (fun c -> c.Id)
            Seconds = sw.Elapsed.TotalSeconds
        }

    /// Runs `trials` trials of every non-pending claim (trial t of claim c on seed
    /// `Seeds.trial seed c.Id t`), only those of the shard (t mod k = i), appending one JSON line per
    /// trial to `outDir/<claim>.shard-i-of-k.jsonl`, flushed per trial. With `resume`, trials already
    /// in the file are skipped (and a cut last line is dropped); without it an existing non-empty file
    /// is an error rather than silently overwritten. `progress` (may be null) is called after every trial.
    let run
        (claims: seq<Claim>)
        (trials: int)
        (seed: int64)
        (shard: Shard)
        (outDir: string)
        (resume: bool)
        (progress: Action<CampaignProgress>)
        =
        runWith CampaignOptions.Default claims trials seed shard outDir resume progress

    /// Every record in the result files of the directories, one per (claim, trial): the first met,
    /// in file-name order, with the number of duplicates, conflicts and corrupt lines seen, and the
    /// campaign they all belong to. Files of different campaigns, or without a header, are refused
    /// (item 6): merging them would mix results that answer different questions.
    let private collect (dirs: seq<string>) =
        let byKey = Dictionary<struct (string * int), TrialRecord>()
        let mutable duplicates = 0
        let mutable conflicts = 0
        let mutable corrupt = 0
        let mutable campaign: (string * CampaignParameters) option = None

        for dir in dirs do
            if not (Directory.Exists dir) then
                raise (DirectoryNotFoundException(sprintf "no directory '%s'" dir))

            for file in resultFiles dir do
                let content = JsonLines.readFile file
                corrupt <- corrupt + content.BadLines

                match content.Parameters, campaign with
                | None, _ when content.Records.Length > 0 ->
                    raise (
                        CampaignFileException(
                            sprintf
                                "%s has no campaign header (it was written by an older version): merge and report need files that name their campaign"
                                file
                        )
                    )
                | None, _ -> ()
                | Some p, None -> campaign <- Some(file, p)
                | Some p, Some(first, expected) ->
                    match p.DifferencesFrom expected with
                    | [] -> ()
                    | differences ->
                        raise (
                            CampaignFileException(
                                sprintf
                                    "%s and %s belong to different campaigns (%s): merge only the shards of one campaign"
                                    file
                                    first
                                    (String.Join("; ", differences))
                            )
                        )

                for r in content.Records do
                    let key = struct (r.Claim, r.Trial)

                    match byKey.TryGetValue key with
                    | true, existing ->
                        if existing.Seed = r.Seed then
                            duplicates <- duplicates + 1
                        else
                            conflicts <- conflicts + 1
                    | _ -> byKey.[key] <- r

        let records = byKey.Values |> Seq.sortBy (fun r -> r.Claim, r.Trial) |> Seq.toArray

        records, duplicates, conflicts, corrupt, Option.map snd campaign

    /// All records of a directory of campaign output (shard files and merged files), deduplicated by
    /// claim and trial, sorted. Refuses a directory that mixes campaigns.
    let load (dir: string) =
        let records, _, _, _, _ = collect [ dir ]
        records

    /// Combines the shard files of several directories into `outDir/<claim>.jsonl`, one record per
    /// (claim, trial), sorted by trial, each file written atomically with the campaign's header.
    /// Refuses shards of different campaigns (version, seed, trials or claim set).
    let merge (dirs: seq<string>) (outDir: string) =
        if String.IsNullOrWhiteSpace outDir then
            invalidArg "outDir" "the output directory is empty"

        let dirs = Seq.toArray dirs
        Directory.CreateDirectory outDir |> ignore
        use _ = DirectoryLock.acquire outDir ".merge.lock" "a merge"
        let records, duplicates, conflicts, corrupt, parameters = collect dirs
        let groups = records |> Array.groupBy (fun r -> r.Claim)

        let header =
            parameters
            |> Option.map (fun p -> JsonLines.headerJson { p with Shard = "merged" })
            |> Option.toList

        let files =
            groups
            |> Array.map (fun (claim, rs) ->
                let path = Path.Combine(outDir, claim + ".jsonl")
                AtomicFile.writeLines path (Seq.append header (rs |> Seq.sortBy (fun r -> r.Trial) |> Seq.map JsonLines.toJson))
                path)

        let missing =
            match parameters with
            | None -> 0
            | Some p ->
                p.Claims
                |> Array.sumBy (fun c ->
                    let held =
                        records
                        |> Array.filter (fun r -> r.Claim = c && r.Trial >= 0 && r.Trial < p.Trials)
                        |> Array.length

                    p.Trials - held)

        {
            Records = groups |> Array.map (fun (c, rs) -> c, rs.Length)
            Duplicates = duplicates
            Conflicts = conflicts
            CorruptLines = corrupt
            Parameters = parameters
            Missing = missing
            Files = files
        }
