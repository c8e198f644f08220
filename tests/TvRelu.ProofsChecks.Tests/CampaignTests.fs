/// The campaign engine: sharding, merging, resuming, false claims, replay and the report.
module TvRelu.ProofsChecks.Tests.CampaignTests

open System
open System.IO
open Xunit
open Xunit.Abstractions
open TvRelu.ProofsChecks
open TvRelu.ProofsChecks.Tests.TestSupport
open TvRelu.Core.Data
open TvRelu.Core.Exact

/// Cheap claims keep the engine tests fast; the catalogue's own short campaign is in CatalogueTests.
let private cheap () =
    [|
        Catalogue.find "extreme-per-region"
        Catalogue.find "cover-euler"
        Examples.UserClaim.claim :> Claim
    |]

[<Fact>]
let ``k shards merged equal the single run exactly`` () =
    use tmp = new TempDir()
    let claims = cheap ()
    let single = Campaign.run claims 12 2024L Shard.single (tmp.Sub "single") false null
    Assert.Equal(0, single.Failed)

    for i in 0..2 do
        Campaign.run claims 12 2024L (Shard.create i 3) (tmp.Sub(sprintf "shard%d" i)) false null
        |> ignore

    let merged =
        Campaign.merge [ for i in 0..2 -> tmp.Sub(sprintf "shard%d" i) ] (tmp.Sub "merged")

    Assert.Equal(0, merged.Conflicts)
    Assert.Equal(0, merged.Duplicates)
    let a = identities (Campaign.load (tmp.Sub "single"))
    let b = identities (Campaign.load (tmp.Sub "merged"))
    Assert.Equal(36, a.Count)
    Assert.Equal<Map<string * int, string>>(a, b)
    // Merging again (merged output next to the shards) changes nothing.
    let again = Campaign.merge [ tmp.Sub "merged"; tmp.Sub "shard0" ] (tmp.Sub "merged")
    Assert.True(again.Duplicates > 0)
    Assert.Equal<Map<string * int, string>>(a, identities (Campaign.load (tmp.Sub "merged")))

[<Fact>]
let ``a killed campaign resumes without duplicates or losses`` () =
    use tmp = new TempDir()
    let claims = [| Catalogue.find "cover-euler" |]

    let reference =
        Campaign.run claims 20 99L Shard.single (tmp.Sub "reference") false null

    Assert.Equal(20, reference.Claims.[0].Run)
    // Simulate a kill: a run stopped after 11 trials, its last line cut in the middle.
    let dir = tmp.Sub "killed"
    killedAfter 11 claims 20 99L dir
    let file = Path.Combine(dir, Campaign.fileName "cover-euler" Shard.single)
    let bytes = File.ReadAllBytes file
    let lastLine = (File.ReadAllLines file |> Array.last).Length
    File.WriteAllBytes(file, bytes.[.. bytes.Length - 1 - lastLine / 2])
    // Without resume, an existing file is not silently overwritten.
    Assert.Throws<CampaignFileException>(fun () -> Campaign.run claims 20 99L Shard.single dir false null |> ignore)
    |> ignore

    let resumed = Campaign.run claims 20 99L Shard.single dir true null
    Assert.Equal(10, resumed.Claims.[0].Resumed)
    Assert.Equal(10, resumed.Claims.[0].Run)
    let records, bad = JsonLines.read file
    Assert.Equal(0, bad)
    Assert.Equal(20, records.Length)
    Assert.Equal<int[]>([| 0..19 |], records |> Array.map (fun r -> r.Trial) |> Array.sort)
    Assert.Equal<Map<string * int, string>>(identities (Campaign.load (tmp.Sub "reference")), identities records)
    // Resuming a complete campaign runs nothing.
    Assert.Equal(0, (Campaign.run claims 20 99L Shard.single dir true null).Claims.[0].Run)
    // Resuming with another seed, or another number of trials, is refused.
    Assert.Throws<CampaignFileException>(fun () -> Campaign.run claims 20 100L Shard.single dir true null |> ignore)
    |> ignore

    Assert.Throws<CampaignFileException>(fun () -> Campaign.run claims 21 99L Shard.single dir true null |> ignore)
    |> ignore

[<Fact>]
let ``parallel trials give the same records as sequential ones`` () =
    use tmp = new TempDir()
    let claims = [| Catalogue.find "extreme-per-region" |]
    Campaign.run claims 10 5L Shard.single (tmp.Sub "seq") false null |> ignore

    Campaign.runWith
        { CampaignOptions.Default with
            Parallelism = 2
        }
        claims
        10
        5L
        Shard.single
        (tmp.Sub "par")
        false
        null
    |> ignore

    Assert.Equal<Map<string * int, string>>(identities (Campaign.load (tmp.Sub "seq")), identities (Campaign.load (tmp.Sub "par")))

type FalseClaimTests(output: ITestOutputHelper) =

    [<Fact>]
    member _.``a false claim is caught, shrunk, and its replay seed reproduces it``() =
        use tmp = new TempDir()
        let claim = SigmaAtMostOne()

        let summary =
            Campaign.run [ claim :> Claim ] 16 11L Shard.single tmp.Path false null

        let s = summary.Claims.[0]
        Assert.True(s.Failed > 0, "|Sigma| <= 1 should be refuted")
        let r = s.Failures |> Array.find (fun r -> r.Refuted)
        output.WriteLine(r.Message)
        output.WriteLine(r.Counterexample)
        Assert.Contains(sprintf "seed %d" r.Seed, r.Message)
        Assert.True(r.ShrunkRows >= 1 && r.ShrunkRows <= r.OriginalRows)
        // The counterexample is a valid CSV data set (the comment lines carry seed and lambda).
        let data = TvRelu.Core.Data.Csv.parse r.Counterexample
        Assert.True(Result.isOk data)

        Assert.Equal(
            r.ShrunkRows,
            (match data with
             | Ok d -> d.Count
             | Error _ -> -1)
        )
        // 1-minimal: the shrunk problem fails, and removing any single row makes it pass.
        let problem = claim.ProblemOf r.Seed
        let small, _ = claim.ShrinkFailure problem
        Assert.Equal(r.ShrunkRows, small.Count)
        Assert.False((claim.Evaluate small).Passed)

        for i in 0 .. small.Count - 1 do
            if small.Count > 1 then
                Assert.True((claim.Evaluate(small.WithoutRows(Set.singleton i))).Passed, sprintf "removing row %d keeps it failing" i)
        // The replay seed reproduces the record (up to its trial index and timing).
        let replay = Campaign.replay claim r.Seed
        Assert.Equal(JsonLines.identity { r with Trial = -1 }, JsonLines.identity replay)

    [<Fact>]
    member _.``FsCheck shrinks a false claim over the data-set representation``() =
        let claim = SigmaAtMostOne()

        let config =
            FsCheck.Config.QuickThrowOnFailure.WithMaxTest(40).WithQuietOnSuccess(true)

        let ex =
            Assert.ThrowsAny<Exception>(fun () -> FsCheck.Check.One(config, claim.Property))

        output.WriteLine ex.Message
        Assert.Contains("Falsifiable", ex.Message)
        Assert.Contains("shrink", ex.Message.ToLowerInvariant())
        // The printed counterexample names the seed that replays it as a campaign trial.
        Assert.Contains(", seed ", ex.Message)

[<Fact>]
let ``a true claim holds under FsCheck too`` () =
    let claim = Catalogue.find "cover-euler" :?> ProblemClaim
    FsCheck.Check.One(FsCheck.Config.QuickThrowOnFailure.WithMaxTest(30).WithQuietOnSuccess(true), claim.Property)

/// A record written by hand: the report is checked against values known in closed form, without
/// running a solver (cheap, and the expected numbers do not come from the code under test).
let private synthetic (claim: string) (trial: int) (passed: bool) (quantities: (string * float) list) (series: (string * float[]) list) =
    {
        Claim = claim
        Trial = trial
        Seed = int64 (1000 + trial)
        Passed = passed
        Applicable = true
        Inconclusive = false
        Kind = "synthetic"
        Message =
            (if passed then
                 ""
             else
                 sprintf "refuted on purpose | replay: claim '%s', seed %d" claim (1000 + trial))
        Quantities = readOnlyDict quantities
        Series = readOnlyDict series
        Counterexample = (if passed then "" else "x1,y\n0,1\n")
        OriginalRows = (if passed then 0 else 5)
        ShrunkRows = (if passed then 0 else 1)
        ElapsedMs = 1.0
    }

[<Fact>]
let ``the report has a table per claim, the failures with replay seeds, slopes and PNG plots`` () =
    use tmp = new TempDir()
    let lambda = [| 1e-1; 1e-2; 1e-3; 1e-4; 1e-5 |]
    // Errors c·λ^p exactly: every per-trial log-log slope is p, so the mean is p with a zero-width
    // interval, and the pooled fit (common slope, per-sweep intercepts) is p too.
    let sweep (c: float) (p: float) =
        lambda |> Array.map (fun l -> c * l ** p)

    let records =
        [|
            for t in 0..3 do
                yield
                    synthetic
                        "low-noise-interior"
                        t
                        true
                        [
                            "slope.location", 1.0
                            "fitBelow", 1e-1
                            "regimeStart", 1e-1
                            "tightness.faces", 0.25 * float (t + 1)
                        ]
                        [ "lambda", lambda; "locationError", sweep (float (t + 1)) 1.0 ]
            yield synthetic "support-bound" 0 true [ "tightness.twiceActiveCells", 0.5 ] []
            yield synthetic "support-bound" 1 false [ "tightness.twiceActiveCells", 0.75 ] []
        |]

    let pending =
        Claim.Pending("user-pending", "a statement", "a source", "an oracle", "waits for a feature")

    let path, images =
        Report.writeRecords (Array.append Catalogue.all [| pending |]) records tmp.Path

    Assert.Equal(Path.Combine(tmp.Path, "report.md"), path)
    let text = File.ReadAllText path

    for id in [ "low-noise-interior"; "support-bound" ] do
        Assert.Contains("## " + id, text)

    Assert.Contains("| claim | trials | passed | refuted | inconclusive | not applicable |", text)
    // Tightness: the largest ratio and the mean, per bound.
    Assert.Contains("| faces | 4 | 1 | 0.625 |", text)
    Assert.Contains("| twiceActiveCells | 2 | 0.75 | 0.625 |", text)
    // Slopes: mean 1 with the interval [1, 1]; pooled 1.
    let row = text.Split('\n') |> Array.find (fun l -> l.StartsWith "| location |")

    let cells =
        row.Split('|', StringSplitOptions.RemoveEmptyEntries ||| StringSplitOptions.TrimEntries)

    Assert.Equal("4", cells.[1])
    Assert.Equal(1.0, float cells.[2], 9)
    Assert.Equal(1.0, float cells.[4], 9)
    // The failure with its replay seed and its shrunk counterexample.
    Assert.Contains("**Failures** (1;", text)
    Assert.Contains("| 1 | 1001 | refuted | synthetic | 1 of 5 |", text)
    Assert.Contains("seed 1001", text)
    Assert.Contains("Pending claims", text)
    Assert.Contains("user-pending", text)
    Assert.Contains("waits for a feature", text)
    Assert.Contains(images, fun p -> p.Contains "sweep")
    Assert.Contains(images, fun p -> p.Contains "tightness")

    for png in images do
        let head = File.ReadAllBytes(Path.Combine(tmp.Path, png)).[..7]
        Assert.Equal<byte[]>([| 0x89uy; 0x50uy; 0x4Euy; 0x47uy; 0x0Duy; 0x0Auy; 0x1Auy; 0x0Auy |], head)
        Assert.Contains(png, text)

[<Fact>]
let ``the report reads the records a real campaign wrote`` () =
    use tmp = new TempDir()
    let claims = [| Catalogue.find "extreme-per-region"; Catalogue.find "cover-euler" |]
    let summary = Campaign.run claims 20 3L Shard.single tmp.Path false null
    let text = File.ReadAllText(Report.write tmp.Path)

    for s in summary.Claims do
        Assert.Contains(sprintf "%d trials, %d passed" s.Run s.Passed, text)
