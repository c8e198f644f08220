namespace TvRelu.ProofsChecks

open System
open System.Collections.Generic
open System.Diagnostics
open System.IO
open System.Text
open System.Threading.Tasks

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
        /// Passed so far (resumed ones included).
        Passed: int
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
        /// Passed, over all recorded trials of the shard.
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

    /// Reads the records already in a shard file; rewrites the file without an incomplete last line.
    let private recorded (path: string) (claim: Claim) (campaignSeed: int64) =
        if not (File.Exists path) then
            Dictionary<int, TrialRecord>()
        else
            let records, bad = JsonLines.read path
            let byTrial = Dictionary<int, TrialRecord>()

            for r in records do
                let expected = Seeds.trial campaignSeed claim.Id r.Trial

                if r.Seed <> expected then
                    raise (
                        InvalidOperationException(
                            sprintf
                                "%s holds trial %d with seed %d, not %d: it was written by a campaign with another seed"
                                path
                                r.Trial
                                r.Seed
                                expected
                        )
                    )

                byTrial.[r.Trial] <- r

            if bad > 0 || byTrial.Count <> records.Length then
                // A killed run leaves a cut line: keep the complete records only, then append after them.
                let tmp = path + ".tmp"
                File.WriteAllLines(tmp, byTrial.Values |> Seq.sortBy (fun r -> r.Trial) |> Seq.map JsonLines.toJson)
                File.Move(tmp, path, true)

            byTrial

    let private runClaim
        (options: CampaignOptions)
        (claim: Claim)
        (trials: int)
        (seed: int64)
        (shard: Shard)
        (outDir: string)
        (resume: bool)
        (progress: Action<CampaignProgress>)
        =
        let path = Path.Combine(outDir, fileName claim.Id shard)

        if not resume && File.Exists path && FileInfo(path).Length > 0L then
            raise (InvalidOperationException(sprintf "%s already exists: resume the campaign or choose another output directory" path))

        let done' =
            if resume then
                recorded path claim seed
            else
                Dictionary<int, TrialRecord>()

        let mine =
            [|
                for t in 0 .. trials - 1 do
                    if shard.Includes t then
                        yield t
            |]

        let todo = mine |> Array.filter (fun t -> not (done'.ContainsKey t))
        let mutable passed = done'.Values |> Seq.filter (fun r -> r.Passed) |> Seq.length
        let mutable failed = done'.Values |> Seq.filter (fun r -> r.Refuted) |> Seq.length

        let mutable inconclusive =
            done'.Values |> Seq.filter (fun r -> r.Inconclusive) |> Seq.length

        let mutable completed = done'.Count
        let failures = ResizeArray(done'.Values |> Seq.filter (fun r -> not r.Passed))
        let sw = Stopwatch.StartNew()
        use stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read)
        use writer = new StreamWriter(stream, UTF8Encoding(false))
        let gate = obj ()

        let write (r: TrialRecord) =
            lock gate (fun () ->
                writer.WriteLine(JsonLines.toJson r)
                writer.Flush()

                if options.Durable then
                    stream.Flush(true)

                completed <- completed + 1

                if r.Passed then
                    passed <- passed + 1
                else
                    if r.Inconclusive then
                        inconclusive <- inconclusive + 1
                    else
                        failed <- failed + 1

                    failures.Add r

                if not (isNull progress) then
                    progress.Invoke
                        {
                            Claim = claim.Id
                            Trial = r.Trial
                            Completed = completed
                            Total = mine.Length
                            Passed = passed
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
            |> ignore

        sw.Stop()

        let notApplicable =
            // Count over the whole file (resumed and new records).
            let records, _ = JsonLines.read path
            records |> Array.filter (fun r -> not r.Applicable) |> Array.length

        {
            Claim = claim.Id
            File = path
            Planned = mine.Length
            Resumed = done'.Count
            Run = todo.Length
            Passed = passed
            Failed = failed
            Inconclusive = inconclusive
            NotApplicable = notApplicable
            Seconds = sw.Elapsed.TotalSeconds
            Failures = failures.ToArray() |> Array.sortBy (fun r -> r.Trial)
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

        Directory.CreateDirectory outDir |> ignore
        let sw = Stopwatch.StartNew()
        let claims = Seq.toArray claims
        let ids = claims |> Array.map (fun c -> c.Id)

        if (ids |> Array.distinct).Length <> ids.Length then
            invalidArg "claims" "two claims share an id"

        let active = claims |> Array.filter (fun c -> not c.IsPending)

        let summaries =
            active
            |> Array.map (fun c -> runClaim options c trials seed shard outDir resume progress)

        {
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

    /// Every record in the `*.jsonl` files of a directory, one per (claim, trial): the first met, in
    /// file-name order. Also the number of duplicates, conflicts and corrupt lines seen.
    let private collect (dirs: seq<string>) =
        let byKey = Dictionary<struct (string * int), TrialRecord>()
        let mutable duplicates = 0
        let mutable conflicts = 0
        let mutable corrupt = 0

        for dir in dirs do
            if not (Directory.Exists dir) then
                raise (DirectoryNotFoundException(sprintf "no directory '%s'" dir))

            for file in Directory.GetFiles(dir, "*.jsonl") |> Array.sort do
                let records, bad = JsonLines.read file
                corrupt <- corrupt + bad

                for r in records do
                    let key = struct (r.Claim, r.Trial)

                    match byKey.TryGetValue key with
                    | true, existing ->
                        if existing.Seed = r.Seed then
                            duplicates <- duplicates + 1
                        else
                            conflicts <- conflicts + 1
                    | _ -> byKey.[key] <- r

        byKey.Values |> Seq.sortBy (fun r -> r.Claim, r.Trial) |> Seq.toArray, duplicates, conflicts, corrupt

    /// All records of a directory of campaign output (shard files and merged files), deduplicated by
    /// claim and trial, sorted.
    let load (dir: string) =
        let records, _, _, _ = collect [ dir ]
        records

    /// Combines the shard files of several directories into `outDir/<claim>.jsonl`, one record per
    /// (claim, trial), sorted by trial.
    let merge (dirs: seq<string>) (outDir: string) =
        let records, duplicates, conflicts, corrupt = collect (Seq.toArray dirs)
        Directory.CreateDirectory outDir |> ignore
        let groups = records |> Array.groupBy (fun r -> r.Claim)

        let files =
            groups
            |> Array.map (fun (claim, rs) ->
                let path = Path.Combine(outDir, claim + ".jsonl")
                let tmp = path + ".tmp"
                File.WriteAllLines(tmp, rs |> Array.sortBy (fun r -> r.Trial) |> Array.map JsonLines.toJson)
                File.Move(tmp, path, true)
                path)

        {
            Records = groups |> Array.map (fun (c, rs) -> c, rs.Length)
            Duplicates = duplicates
            Conflicts = conflicts
            CorruptLines = corrupt
            Files = files
        }
