/// The catalogue audits itself: a short campaign of every claim that can run.
module TvRelu.ProofsChecks.Tests.CatalogueTests

open Xunit
open Xunit.Abstractions
open TvRelu.ProofsChecks
open TvRelu.ProofsChecks.Tests.TestSupport

[<Fact>]
let ``the catalogue holds claims 1-7 with statements, sources and oracles`` () =
    let ids = Catalogue.all |> Array.map (fun c -> c.Id)
    Assert.Equal(ids.Length, (Array.distinct ids).Length)
    for id in [ "extreme-per-region"; "support-bound"; "representer"; "uniqueness"; "cover-euler"; "low-noise-interior"; "low-noise-boundary"; "dedios-bruna-i"; "dedios-bruna-ii" ] do
        Assert.Contains(id, ids)
    for c in Catalogue.all do
        Assert.False(System.String.IsNullOrWhiteSpace c.Statement)
        Assert.False(System.String.IsNullOrWhiteSpace c.Source)
        Assert.False(System.String.IsNullOrWhiteSpace c.Oracle)
    Assert.True((Catalogue.find "dedios-bruna-ii").IsPending)
    Assert.Equal(7, Catalogue.active.Length)
    Assert.Equal("uniqueness", (Catalogue.find "UNIQUENESS").Id)
    Assert.Throws<System.ArgumentException>(fun () -> Catalogue.find "nope" |> ignore) |> ignore
    Assert.Equal(2, (Catalogue.select "representer, cover-euler").Length)

type ShortCampaign(output: ITestOutputHelper) =

    /// Trials per claim in the CI campaign: a few hundred in all, sized to the cost of each claim's trial.
    static member Trials: obj[] seq =
        [ [| box "extreme-per-region"; box 200 |]
          [| box "cover-euler"; box 200 |]
          [| box "support-bound"; box 60 |]
          [| box "representer"; box 60 |]
          [| box "uniqueness"; box 40 |]
          [| box "low-noise-interior"; box 16 |]
          [| box "low-noise-boundary"; box 16 |] ]

    [<Theory; MemberData(nameof ShortCampaign.Trials)>]
    member _.``no claim is refuted in a short campaign`` (id: string, count: int) =
        use tmp = new TempDir()
        let claim = Catalogue.find id
        // A trial abandoned after 90 s (a solve that never ends) is recorded as inconclusive.
        let options = { CampaignOptions.Default with TrialTimeoutSeconds = 90.0 }
        let summary = Campaign.runWith options [ claim ] count 20260318L Shard.single tmp.Path false null
        let s = summary.Claims.[0]
        output.WriteLine(sprintf "%s: %d trials, %d passed, %d refuted, %d inconclusive, %d not applicable, %.1f trials/s" id s.Run s.Passed s.Failed s.Inconclusive s.NotApplicable s.TrialsPerSecond)
        for r in s.Failures do
            output.WriteLine(sprintf "  trial %d (%s): %s" r.Trial (if r.Inconclusive then "inconclusive" else "REFUTED") r.Message)
        Assert.Equal(count, s.Run)
        Assert.True(s.Failed = 0, sprintf "%s refuted in %d trials (see the output)" id s.Failed)
        // Inconclusive trials are tool failures (an uncertified solve, a solve that never ends): each
        // carries its replay seed and, unless abandoned, a shrunk reproduction; and they stay rare.
        for r in s.Failures do
            Assert.Contains(sprintf "seed %d" r.Seed, r.Message)
            Assert.True(r.Counterexample <> "" || r.Message.Contains "timed out", "a failure without its counterexample")
        Assert.True(s.Inconclusive * 10 <= count, sprintf "%d of %d trials inconclusive" s.Inconclusive count)
        // Not vacuous: most trials apply.
        Assert.True(2 * s.NotApplicable <= count, sprintf "%d of %d trials not applicable" s.NotApplicable count)
