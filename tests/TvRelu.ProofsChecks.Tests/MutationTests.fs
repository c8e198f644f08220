/// The mutation audit (issue 11) measures the power of the claims: a claim whose check cannot fail is a consistency
/// check at best. The CI slice: each claim below must kill the mutant that breaks what it checks, and must not be
/// killed by the unmutated library on the same seeds.
module TvRelu.ProofsChecks.Tests.MutationTests

open System.IO
open Xunit
open TvRelu.ProofsChecks
open TvRelu.ProofsChecks.Tests.TestSupport

/// The mutants are switched process-wide, so the mutation tests run alone: a mutant switched on while another test
/// class's campaign runs breaks that campaign too (the short campaign of `representer` was refuted three times by
/// `sampled-supremum` when they ran side by side).
[<CollectionDefinition("mutation audit", DisableParallelization = true)>]
type MutationCollection() = class end

/// Runs the mutation audit of one claim against one mutant into a temporary directory, returning the outcomes and
/// the two files it wrote.
let private audit (claim: string) (mutant: string) (trials: int) =
    use tmp = new TempDir()

    let outcomes =
        Mutation.run (Catalogue.select claim) (Mutation.select mutant) trials 11L 300.0 tmp.Path null

    outcomes, File.ReadAllText(tmp.Sub "mutants.json"), File.ReadAllText(tmp.Sub "report.md")

/// The CI slice of the mutation audit (seed 11): (claim, mutant, trials). Each pair was killed within these trials in
/// the audit of the README; the baseline of the same seeds must survive them all.
[<Collection("mutation audit")>]
type Slice() =
    static member Pairs: obj[] seq =
        [
            [| box "cover-euler"; box "cover-off-by-one"; box 5 |]
            [| box "extreme-per-region"; box "dropped-facet"; box 5 |]
            [| box "support-bound"; box "sampled-supremum"; box 5 |]
            [| box "representer"; box "sampled-supremum"; box 5 |]
            [| box "low-noise-interior"; box "noise-exponent"; box 2 |]
            [| box "representer"; box "no-vertex"; box 8 |]
            [| box "support-bound"; box "wide-saturation"; box 5 |]
            [| box "support-conjecture"; box "wide-saturation"; box 5 |]
            [| box "low-noise-boundary"; box "flat-as-ridge"; box 6 |]
            [| box "uniqueness"; box "stiemke-skipped"; box 7 |]
            [| box "support-bound"; box "merge-radius"; box 15 |]
        ]

    [<Theory; MemberData(nameof Slice.Pairs)>]
    member _.``the claim kills the mutant that breaks what it checks, and not the library``(claim: string, mutant: string, trials: int) =
        let outcomes, json, report = audit claim mutant trials
        let baseline = outcomes |> Array.find (fun o -> o.Mutant = "none")
        let mutated = outcomes |> Array.find (fun o -> o.Mutant = mutant)
        Assert.False(baseline.Killed, sprintf "the unmutated library was refuted: %s" baseline.Evidence)
        Assert.Equal(trials, baseline.Trials)
        Assert.True(mutated.Targeted)
        Assert.True(mutated.Killed, sprintf "%s survived %d trials of %s" mutant mutated.Trials claim)
        Assert.Equal(0, mutated.Crashed)
        Assert.Contains(sprintf "\"mutant\": \"%s\"" mutant, json)
        Assert.Contains("\"killed\": true", json)
        Assert.Contains(sprintf "| %s |" mutant, report)

/// The mutant table itself.
[<Collection("mutation audit")>]
type Table() =

    [<Fact>]
    member _.``an unknown mutant is refused with the known ones named``() =
        let e =
            Assert.Throws<System.ArgumentException>(fun () -> Mutation.select "no-such-mutant" |> ignore)

        Assert.Contains("no mutant 'no-such-mutant'", e.Message)
        Assert.Contains("cover-off-by-one", e.Message)

    [<Fact>]
    member _.``every mutant targets some claim of the catalogue``() =
        let ids = Catalogue.all |> Array.map (fun c -> c.Id) |> Set.ofArray

        for m in Mutation.all do
            Assert.NotEmpty(m.Targets)

            for t in m.Targets do
                Assert.True(ids.Contains t, sprintf "mutant %s targets unknown claim %s" m.Id t)
