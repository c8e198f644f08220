/// Campaign files that cannot lose data (issue 12, items 4–6): torn lines found by parsing and
/// repaired on resume, one writer per shard, merges that refuse to mix campaigns, atomic whole
/// files; and verdict counts that keep "not applicable" apart, and report tables that stay whole.
module TvRelu.ProofsChecks.Tests.CampaignFileTests

open System
open System.IO
open System.Threading
open System.Threading.Tasks
open Xunit
open TvRelu.ProofsChecks
open TvRelu.ProofsChecks.Tests.TestSupport

let private coverEuler () = [| Catalogue.find "cover-euler" |]

let private shardFile (dir: string) =
    Path.Combine(dir, Campaign.fileName "cover-euler" Shard.single)

/// The record identities of a reference run of the whole campaign, for comparison.
let private reference (tmp: TempDir) trials seed =
    Campaign.run (coverEuler ()) trials seed Shard.single (tmp.Sub "reference") false null
    |> ignore

    identities (Campaign.load (tmp.Sub "reference"))

[<Fact>]
let ``a last record that lost only its newline is kept, and the next record is not glued to it`` () =
    use tmp = new TempDir()
    let expected = reference tmp 16 5L
    let dir = tmp.Sub "torn"
    killedAfter 9 (coverEuler ()) 16 5L dir
    let file = shardFile dir
    let text = File.ReadAllText file
    Assert.EndsWith("\n", text)
    // The torn write of item 4: the final '\n' is gone, the record before it is complete.
    File.WriteAllText(file, text.Substring(0, text.Length - 1))

    let resumed = Campaign.run (coverEuler ()) 16 5L Shard.single dir true null
    Assert.Equal(9, resumed.Claims.[0].Resumed)
    Assert.Equal(7, resumed.Claims.[0].Run)
    let records, bad = JsonLines.read file
    Assert.Equal(0, bad)
    Assert.Equal(16, records.Length)
    Assert.Equal<Map<string * int, string>>(expected, identities records)

[<Fact>]
let ``cut lines anywhere, with or without their newline, are dropped by parsing and every complete record is kept`` () =
    use tmp = new TempDir()
    let expected = reference tmp 12 8L
    let dir = tmp.Sub "cut"
    killedAfter 6 (coverEuler ()) 12 8L dir
    let file = shardFile dir
    let lines = File.ReadAllLines file
    Assert.Equal(7, lines.Length) // the header and six records
    // A cut line (with its newline) between two records, and garbage with no newline at the end.
    let cut = lines.[3].Substring(0, lines.[3].Length / 2)

    let damaged =
        String.Join("\n", Array.concat [ lines.[0..3]; [| cut |]; lines.[4..] ])
        + "\n"
        + "\u0000\u0000{\"claim\":\"cover-"

    File.WriteAllText(file, damaged)
    let before, bad = JsonLines.read file
    Assert.Equal(6, before.Length)
    Assert.Equal(2, bad)

    let resumed = Campaign.run (coverEuler ()) 12 8L Shard.single dir true null
    Assert.Equal(2, resumed.Claims.[0].RepairedLines)
    Assert.Equal(6, resumed.Claims.[0].Run)
    let file' = JsonLines.readFile file
    Assert.Equal(0, file'.BadLines)
    Assert.True(file'.EndsCleanly)
    Assert.Equal<Map<string * int, string>>(expected, identities file'.Records)

[<Fact>]
let ``a second writer of the same shard is refused while the first runs, and nothing is lost`` () =
    use tmp = new TempDir()
    let dir = tmp.Sub "shared"
    use started = new ManualResetEventSlim(false)
    use proceed = new ManualResetEventSlim(false)

    let first =
        Task.Run(fun () ->
            Campaign.run
                (coverEuler ())
                10
                3L
                Shard.single
                dir
                false
                (Action<CampaignProgress>(fun p ->
                    if p.Completed = 2 then
                        started.Set()
                        proceed.Wait())))

    Assert.True(started.Wait(TimeSpan.FromMinutes 2.0), "the first campaign never wrote its second record")

    try
        // The same shard, with and without resume: refused, with a message that says why.
        for resume in [ false; true ] do
            let e =
                Assert.Throws<CampaignFileException>(fun () -> Campaign.run (coverEuler ()) 10 3L Shard.single dir resume null |> ignore)

            Assert.Contains("another process is writing shard 0/1", e.Message)
        // Another shard of the same campaign may share the directory (a Slurm array does).
        let other = Campaign.run (coverEuler ()) 10 3L (Shard.create 1 2) dir false null
        Assert.Equal(5, other.Claims.[0].Run)
    finally
        proceed.Set()

    let summary = first.Result
    Assert.Equal(10, summary.Claims.[0].Run)
    let records, bad = JsonLines.read (shardFile dir)
    Assert.Equal(0, bad)
    Assert.Equal<int[]>([| 0..9 |], records |> Array.map (fun r -> r.Trial))
    // The lock is released with the run: the next writer gets it.
    Assert.Equal(0, (Campaign.run (coverEuler ()) 10 3L Shard.single dir true null).Claims.[0].Run)

[<Fact>]
let ``merge refuses shards of campaigns with different seeds, trials, claims or versions`` () =
    use tmp = new TempDir()

    let run claims trials seed (shard: Shard) name =
        Campaign.run claims trials seed shard (tmp.Sub name) false null |> ignore
        tmp.Sub name

    let a = run (coverEuler ()) 6 1L (Shard.create 0 2) "a"
    // Trials 1, 3, 5 of another seed: no trial collides with shard 0/2, which used to merge silently.
    let otherSeed = run (coverEuler ()) 6 2L (Shard.create 1 2) "seed"
    let otherTrials = run (coverEuler ()) 8 1L (Shard.create 1 2) "trials"

    let otherClaims =
        run [| Catalogue.find "cover-euler"; Catalogue.find "extreme-per-region" |] 6 1L (Shard.create 1 2) "claims"

    let refused dirs (what: string) =
        let e =
            Assert.Throws<CampaignFileException>(fun () -> Campaign.merge dirs (tmp.Sub "merged") |> ignore)

        Assert.Contains("different campaigns", e.Message)
        Assert.Contains(what, e.Message)

    refused [ a; otherSeed ] "seed 2 here, 1 there"
    refused [ a; otherTrials ] "8 trials here, 6 there"
    refused [ a; otherClaims ] "claims {cover-euler, extreme-per-region} here, {cover-euler} there"
    // A file written by another version of the code.
    let older = tmp.Sub "older"
    Directory.CreateDirectory older |> ignore
    let b = run (coverEuler ()) 6 1L (Shard.create 1 2) "b"
    let source = Path.Combine(b, Campaign.fileName "cover-euler" (Shard.create 1 2))
    let lines = File.ReadAllLines source
    let header = (JsonLines.tryHeader lines.[0]).Value

    File.WriteAllLines(
        Path.Combine(older, Path.GetFileName source),
        Array.append [| JsonLines.headerJson { header with Version = "0.9.0" } |] lines.[1..]
    )

    refused [ a; older ] "version 0.9.0 here"

    Assert.False(
        Directory.Exists(tmp.Sub "merged")
        && Directory.GetFiles(tmp.Sub "merged", "*.jsonl").Length > 0
    )
    // The two shards of one campaign merge, with the campaign's header and nothing missing.
    let merged = Campaign.merge [ a; b ] (tmp.Sub "merged")
    Assert.Equal(0, merged.Missing)
    Assert.Equal(Some 1L, merged.Parameters |> Option.map (fun p -> p.Seed))
    let file = JsonLines.readFile (Path.Combine(tmp.Sub "merged", "cover-euler.jsonl"))
    Assert.Equal(6, file.Records.Length)
    Assert.Equal(Some "merged", file.Parameters |> Option.map (fun p -> p.Shard))
    // One shard alone: three trials missing.
    Assert.Equal(3, (Campaign.merge [ a ] (tmp.Sub "half")).Missing)

[<Fact>]
let ``a campaign refuses a directory that holds another campaign's files`` () =
    use tmp = new TempDir()
    let dir = tmp.Sub "mixed"
    Campaign.run (coverEuler ()) 4 1L (Shard.create 0 2) dir false null |> ignore

    let e =
        Assert.Throws<CampaignFileException>(fun () -> Campaign.run (coverEuler ()) 4 2L (Shard.create 1 2) dir false null |> ignore)

    Assert.Contains("another campaign (seed 1 here, 2 there)", e.Message)

[<Fact>]
let ``a whole file is replaced atomically: a failed write leaves the old file and no temporary file`` () =
    use tmp = new TempDir()
    let path = tmp.Sub "report.md"
    AtomicFile.writeText path "old content"

    Assert.Throws<IOException>(fun () ->
        AtomicFile.replaceWith path (fun t ->
            File.WriteAllText(t, "half of the new")
            raise (IOException "disk full")))
    |> ignore

    Assert.Equal("old content", File.ReadAllText path)
    Assert.Equal<string[]>([| path |], Directory.GetFiles tmp.Path)
    AtomicFile.writeLines path [ "a"; "b" ]
    Assert.Equal("a\nb\n", File.ReadAllText path)

/// A claim that never applies: every trial is "not applicable".
let private neverApplies =
    Claim.Create(
        "never-applies",
        "vacuous",
        "made up for the tests",
        "none",
        Func<Rng, Outcome>(fun _ -> Outcome.NotApplicable "no hypotheses hold")
    )

[<Fact>]
let ``not-applicable trials are counted apart, never as passed`` () =
    use tmp = new TempDir()

    let s =
        (Campaign.run [ neverApplies ] 7 1L Shard.single tmp.Path false null).Claims.[0]

    Assert.Equal(0, s.Passed)
    Assert.Equal(7, s.NotApplicable)
    Assert.Equal(0, s.Failed + s.Inconclusive)
    let text = File.ReadAllText(Report.writeWith [ neverApplies ] tmp.Path)
    Assert.Contains("| never-applies | 7 | 0 | 0 | 0 | 7 |", text)
    Assert.Contains("7 trials, 0 passed, 0 refuted, 0 inconclusive, 7 not applicable.", text)

/// The blocks of consecutive table lines of a Markdown text.
let private tables (text: string) =
    let lines = text.Split '\n'

    [
        let mutable block = []

        for line in Array.append lines [| "" |] do
            if line.StartsWith "|" then
                block <- line :: block
            elif not block.IsEmpty then
                yield List.rev block
                block <- []
    ]

[<Fact>]
let ``report tables stay whole: figures come after a table, never between its rows`` () =
    use tmp = new TempDir()

    let record t =
        {
            Claim = "support-bound"
            Trial = t
            Seed = int64 t
            Passed = true
            Applicable = true
            Inconclusive = false
            Kind = "synthetic"
            Message = ""
            Quantities =
                readOnlyDict
                    [
                        "tightness.faces", 0.5
                        "tightness.twiceActiveCells", 0.25
                        "tightness.third", 1.0
                    ]
            Series = readOnlyDict []
            Counterexample = ""
            OriginalRows = 0
            ShrunkRows = 0
            ElapsedMs = 1.0
        }

    let path, images =
        Report.writeRecords Catalogue.all [| record 0; record 1 |] tmp.Path

    Assert.Equal(3, images.Length)
    let text = File.ReadAllText path
    let blocks = tables text
    // Every table has its header and separator rows; a stray block of rows would be a broken table.
    for block in blocks do
        Assert.True(block.Length >= 3 && block.[1].StartsWith "|---", sprintf "a broken table: %A" block)

    let tightness =
        blocks |> List.find (fun b -> b.Head = "| bound | trials | max | mean |")

    Assert.Equal(5, tightness.Length)
    // The figures follow the table.
    let tableEnd = text.IndexOf(List.last tightness)

    for png in images do
        Assert.True(text.IndexOf(sprintf "](%s)" png) > tableEnd, png)

/// The record file of a reference run of 12 trials (seed 21), written once for the kill-point property.
let private killReference =
    lazy
        (let dir =
            Path.Combine(Path.GetTempPath(), "tvrelu-kill-reference-" + string (Environment.ProcessId))

         if Directory.Exists dir then
             Directory.Delete(dir, true)

         Campaign.run (coverEuler ()) 12 21L Shard.single dir false null |> ignore
         let bytes = File.ReadAllBytes(shardFile dir)
         let records, _ = JsonLines.read (shardFile dir)
         Directory.Delete(dir, true)
         bytes, identities records)

/// Issue 12, "random kill points during audit": a campaign killed at any byte of its record file loses nothing.
/// A new file's header is written atomically (write, then rename), and records are appended and flushed one by
/// one, so whatever a kill leaves is a byte prefix of the finished file that still holds the whole header. For
/// kill points drawn over every such prefix, `--resume` must end with exactly the reference run's records: none
/// lost, none doubled, none glued. The oracle is the uninterrupted run, not the resume code.
[<FsCheck.Xunit.Property(MaxTest = 40, Replay = "(20261129, 297)")>]
let ``a campaign killed at any byte of its file and resumed equals the uninterrupted run`` (FsCheck.NonNegativeInt cut) =
    let bytes, expected = killReference.Force()
    let headerLength = Array.IndexOf(bytes, byte '\n') + 1
    let keep = headerLength + cut % (bytes.Length - headerLength + 1)
    use tmp = new TempDir()
    let dir = tmp.Sub "killed"
    Directory.CreateDirectory dir |> ignore
    File.WriteAllBytes(shardFile dir, bytes.[.. keep - 1])

    let resumed = Campaign.run (coverEuler ()) 12 21L Shard.single dir true null
    let file = JsonLines.readFile (shardFile dir)
    Assert.Equal(0, file.BadLines)
    Assert.True(file.EndsCleanly)
    Assert.Equal(12, resumed.Claims.[0].Resumed + resumed.Claims.[0].Run)
    Assert.Equal<Map<string * int, string>>(expected, identities file.Records)
