/// The campaign engine: sharding, merging, resuming, false claims, replay and the report.
module TvRelu.ProofsChecks.Tests.CampaignTests

open System
open System.IO
open Xunit
open Xunit.Abstractions
open TvRelu.ProofsChecks
open TvRelu.ProofsChecks.Tests.TestSupport

/// Cheap claims keep the engine tests fast; the catalogue's own short campaign is in CatalogueTests.
let private cheap () = [| Catalogue.find "extreme-per-region"; Catalogue.find "cover-euler"; Examples.UserClaim.claim :> Claim |]

[<Fact>]
let ``k shards merged equal the single run exactly`` () =
    use tmp = new TempDir()
    let claims = cheap ()
    let single = Campaign.run claims 12 2024L Shard.single (tmp.Sub "single") false null
    Assert.Equal(0, single.Failed)
    for i in 0 .. 2 do
        Campaign.run claims 12 2024L (Shard.create i 3) (tmp.Sub(sprintf "shard%d" i)) false null |> ignore
    let merged = Campaign.merge [ for i in 0 .. 2 -> tmp.Sub(sprintf "shard%d" i) ] (tmp.Sub "merged")
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
    let reference = Campaign.run claims 20 99L Shard.single (tmp.Sub "reference") false null
    Assert.Equal(20, reference.Claims.[0].Run)
    // Simulate a kill: a run that got through 11 trials, its last line cut in the middle.
    let dir = tmp.Sub "killed"
    Campaign.run claims 11 99L Shard.single dir false null |> ignore
    let file = Path.Combine(dir, Campaign.fileName "cover-euler" Shard.single)
    let bytes = File.ReadAllBytes file
    let lastLine = (File.ReadAllLines file |> Array.last).Length
    File.WriteAllBytes(file, bytes.[.. bytes.Length - 1 - lastLine / 2])
    // Without resume, an existing file is not silently overwritten.
    Assert.Throws<InvalidOperationException>(fun () -> Campaign.run claims 20 99L Shard.single dir false null |> ignore) |> ignore
    let resumed = Campaign.run claims 20 99L Shard.single dir true null
    Assert.Equal(10, resumed.Claims.[0].Resumed)
    Assert.Equal(10, resumed.Claims.[0].Run)
    let records, bad = JsonLines.read file
    Assert.Equal(0, bad)
    Assert.Equal(20, records.Length)
    Assert.Equal<int[]>([| 0 .. 19 |], records |> Array.map (fun r -> r.Trial) |> Array.sort)
    Assert.Equal<Map<string * int, string>>(identities (Campaign.load (tmp.Sub "reference")), identities records)
    // Resuming a complete campaign runs nothing.
    Assert.Equal(0, (Campaign.run claims 20 99L Shard.single dir true null).Claims.[0].Run)
    // Resuming with another seed is refused.
    Assert.Throws<InvalidOperationException>(fun () -> Campaign.run claims 20 100L Shard.single dir true null |> ignore) |> ignore

[<Fact>]
let ``parallel trials give the same records as sequential ones`` () =
    use tmp = new TempDir()
    let claims = [| Catalogue.find "extreme-per-region" |]
    Campaign.run claims 10 5L Shard.single (tmp.Sub "seq") false null |> ignore
    Campaign.runWith { CampaignOptions.Default with Parallelism = 2 } claims 10 5L Shard.single (tmp.Sub "par") false null |> ignore
    Assert.Equal<Map<string * int, string>>(identities (Campaign.load (tmp.Sub "seq")), identities (Campaign.load (tmp.Sub "par")))

type FalseClaimTests(output: ITestOutputHelper) =

    [<Fact>]
    member _.``a false claim is caught, shrunk, and its replay seed reproduces it`` () =
        use tmp = new TempDir()
        let claim = SigmaAtMostOne()
        let summary = Campaign.run [ claim :> Claim ] 16 11L Shard.single tmp.Path false null
        let s = summary.Claims.[0]
        Assert.True(s.Failed > 0, "|Sigma| <= 1 should be refuted")
        let r = s.Failures |> Array.find (fun r -> r.Refuted)
        output.WriteLine(r.Message)
        output.WriteLine(r.Counterexample)
        Assert.Contains(sprintf "seed %d" r.Seed, r.Message)
        Assert.True(r.ShrunkRows >= 1 && r.ShrunkRows <= r.OriginalRows)
        // The counterexample is a valid CSV data set (the comment lines carry seed and lambda).
        let data = TvRelu.Core.Csv.parse r.Counterexample
        Assert.True(Result.isOk data)
        Assert.Equal(r.ShrunkRows, (match data with Ok d -> d.Count | Error _ -> -1))
        // 1-minimal: the shrunk problem fails, and removing any single row makes it pass.
        let problem = claim.ProblemOf r.Seed
        let small, _ = claim.ShrinkFailure problem
        Assert.Equal(r.ShrunkRows, small.Count)
        Assert.False((claim.Evaluate small).Passed)
        for i in 0 .. small.Count - 1 do
            if small.Count > 1 then Assert.True((claim.Evaluate(small.WithoutRows(Set.singleton i))).Passed, sprintf "removing row %d keeps it failing" i)
        // The replay seed reproduces the record (up to its trial index and timing).
        let replay = Campaign.replay claim r.Seed
        Assert.Equal(JsonLines.identity { r with Trial = -1 }, JsonLines.identity replay)

    [<Fact>]
    member _.``FsCheck shrinks a false claim over the data-set representation`` () =
        let claim = SigmaAtMostOne()
        let config = FsCheck.Config.QuickThrowOnFailure.WithMaxTest(40).WithQuietOnSuccess(true)
        let ex = Assert.ThrowsAny<Exception>(fun () -> FsCheck.Check.One(config, claim.Property))
        output.WriteLine ex.Message
        Assert.Contains("Falsifiable", ex.Message)
        Assert.Contains("shrink", ex.Message.ToLowerInvariant())
        // The printed counterexample names the seed that replays it as a campaign trial.
        Assert.Contains(", seed ", ex.Message)

[<Fact>]
let ``a true claim holds under FsCheck too`` () =
    let claim = Catalogue.find "cover-euler" :?> ProblemClaim
    FsCheck.Check.One(FsCheck.Config.QuickThrowOnFailure.WithMaxTest(30).WithQuietOnSuccess(true), claim.Property)

[<Fact>]
let ``the report has a table per claim, the failures with replay seeds, slopes and PNG plots`` () =
    use tmp = new TempDir()
    let claims = [| Catalogue.find "extreme-per-region"; Catalogue.find "support-bound"; Catalogue.find "low-noise-interior"; SigmaAtMostOne() :> Claim |]
    Campaign.run claims 6 3L Shard.single tmp.Path false null |> ignore
    let path = Report.writeWith (Array.append Catalogue.all [| SigmaAtMostOne() :> Claim |]) tmp.Path
    Assert.Equal(Path.Combine(tmp.Path, "report.md"), path)
    let text = File.ReadAllText path
    for id in [ "extreme-per-region"; "support-bound"; "low-noise-interior"; "false-sigma-at-most-one" ] do
        Assert.Contains("## " + id, text)
    Assert.Contains("| claim | trials | passed | refuted | inconclusive | not applicable |", text)
    Assert.Contains("**Bound tightness**", text)
    Assert.Contains("**Fitted log-log slopes**", text)
    Assert.Contains("**Failures**", text)
    Assert.Contains("Pending claims", text)
    Assert.Contains("dedios-bruna-i", text)
    let pngs = Directory.GetFiles(tmp.Path, "*.png")
    Assert.NotEmpty pngs
    Assert.Contains(pngs, fun p -> Path.GetFileName(p).Contains "sweep")
    Assert.Contains(pngs, fun p -> Path.GetFileName(p).Contains "tightness")
    for png in pngs do
        let head = File.ReadAllBytes(png).[.. 7]
        Assert.Equal<byte[]>([| 0x89uy; 0x50uy; 0x4Euy; 0x47uy; 0x0Duy; 0x0Auy; 0x1Auy; 0x0Auy |], head)
        Assert.Contains(Path.GetFileName png, text)
