namespace TvRelu.ProofsChecks

open System
open System.Diagnostics
open FsCheck.FSharp

/// A claim checked on generated data sets. Subclasses give the generator and the check; this class
/// supplies the trial (generate from the seed, check, and on failure shrink by removing rows to a
/// 1-minimal failing data set, recorded with its replay seed) and the FsCheck arbitrary and
/// property over the same representation, so the claim runs under a campaign and under FsCheck alike.
[<AbstractClass>]
type ProblemClaim() =
    inherit Claim()

    /// Draws one problem. Must use only the given generator (the replay guarantee).
    abstract Generate: rng: Rng -> Problem
    /// Checks the claim on a problem. Exceptions count as failures.
    abstract Check: problem: Problem -> Outcome
    /// The most checks spent shrinking one failure. A count of checks and no clock, so that the
    /// shrunk counterexample of a seed is the same under any machine load; a check that never ends
    /// is caught by the campaign's trial timeout, which abandons the whole trial.
    abstract ShrinkBudget: int
    default _.ShrinkBudget = 200
    /// The least rows a shrunk problem may keep (a claim about N points may need some).
    abstract MinRows: int
    default _.MinRows = 1

    /// The check, with exceptions turned into failures.
    member this.Evaluate(problem: Problem) =
        try
            this.Check problem
        with e ->
            Outcome.Fail(sprintf "exception %s: %s" (e.GetType().Name) e.Message)

    /// The problem of a seed (its Seed field set to the seed).
    member this.ProblemOf(seed: int64) =
        { this.Generate(Rng seed) with
            Seed = seed
        }

    /// Shrinks a failing problem by removing rows while it fails the same way (refuted stays
    /// refuted, inconclusive stays inconclusive); returns it with the number of reductions.
    member this.ShrinkFailure(problem: Problem) =
        this.ShrinkFailure(problem, (this.Evaluate problem).IsInconclusive)

    /// `ShrinkFailure` when the kind of failure is already known.
    member this.ShrinkFailure(problem: Problem, inconclusive: bool) =
        let fails (q: Problem) =
            q.Count >= this.MinRows
            && (let o = this.Evaluate q
                not o.Passed && o.IsInconclusive = inconclusive)

        Shrink.minimise this.ShrinkBudget fails problem

    override this.Trial(seed: int64) =
        let sw = Stopwatch.StartNew()
        let problem = this.ProblemOf seed
        let outcome = this.Evaluate problem

        let outcome =
            if outcome.Kind = "" then
                outcome.WithKind problem.Kind
            else
                outcome

        let record = TrialRecord.OfOutcome(this.Id, seed, outcome)

        let record =
            if outcome.Passed then
                record
            else
                let shrunk, steps = this.ShrinkFailure(problem, outcome.IsInconclusive)
                let again = if steps = 0 then outcome else this.Evaluate shrunk

                { record with
                    Message =
                        sprintf
                            "%s | shrunk in %d steps to %d of %d rows, where: %s | %s"
                            outcome.Message
                            steps
                            shrunk.Count
                            problem.Count
                            again.Message
                            record.ReplayHint
                    Counterexample = shrunk.ToCsv()
                    OriginalRows = problem.Count
                    ShrunkRows = shrunk.Count
                }

        { record with
            ElapsedMs = sw.Elapsed.TotalMilliseconds
        }

    /// FsCheck generator: a random seed mapped through `Generate` (so every FsCheck counterexample
    /// prints the seed that replays it as a campaign trial).
    member this.Gen: FsCheck.Gen<Problem> =
        Gen.choose64 (Int64.MinValue, Int64.MaxValue) |> Gen.map this.ProblemOf

    /// FsCheck arbitrary: `Gen` with row-removal shrinking.
    member this.Arbitrary: FsCheck.Arbitrary<Problem> =
        Arb.fromGenShrink (this.Gen, fun p -> Shrink.candidates p |> Seq.filter (fun q -> q.Count >= this.MinRows))

    /// FsCheck property: the claim holds on every generated problem.
    member this.Property: FsCheck.Property =
        Prop.forAll this.Arbitrary (fun p ->
            let o = this.Evaluate p
            o.Passed |> Prop.label (if o.Passed then "" else o.Message))
