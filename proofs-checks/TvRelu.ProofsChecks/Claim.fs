namespace TvRelu.ProofsChecks

open System
open System.Collections.Generic

/// What one check of a claim found: passed or not, whether the claim applied to the generated
/// problem at all (a theorem with hypotheses is vacuous when they fail), a message, and the measured
/// quantities and series that the report aggregates. Immutable; the `With…` members return copies,
/// so it reads as a fluent builder from both F# and C#.
[<Sealed>]
type Outcome
    private
    (
        passed: bool,
        applicable: bool,
        inconclusive: bool,
        message: string,
        kind: string,
        quantities: Map<string, float>,
        series: Map<string, float[]>
    ) =

    /// The claim held on this problem (true for problems it does not apply to).
    member _.Passed = passed
    /// The claim could not be checked because the code it relies on failed (for example the solver
    /// did not certify its answer): not a refutation of the claim, but a bug to report. Passed is false.
    member _.IsInconclusive = inconclusive
    /// False when the problem fails the claim's hypotheses; such trials are counted apart.
    member _.Applicable = applicable
    /// Why it failed (or why it did not apply); empty when it passed.
    member _.Message = message
    /// The generator family of the problem ("gaussian", "duplicates", …), for the report.
    member _.Kind = kind
    /// Measured numbers, by name. Names starting with `tightness.` are ratios to a bound (the report
    /// histograms them); names starting with `slope.` are fitted exponents (the report gives CIs).
    member _.Quantities: IReadOnlyDictionary<string, float> = quantities :> _
    /// Measured sequences, by name; a series `lambda` is the x-axis of the report's log–log plots.
    member _.Series: IReadOnlyDictionary<string, float[]> = series :> _

    /// A passing outcome with nothing measured yet.
    static member Pass() =
        Outcome(true, true, false, "", "", Map.empty, Map.empty)

    /// A failing outcome.
    static member Fail(message: string) =
        Outcome(false, true, false, message, "", Map.empty, Map.empty)

    /// The problem does not meet the claim's hypotheses.
    static member NotApplicable(reason: string) =
        Outcome(true, false, false, reason, "", Map.empty, Map.empty)

    /// The claim could not be checked: the audited code failed to produce what the check needs.
    static member Inconclusive(reason: string) =
        Outcome(false, true, true, reason, "", Map.empty, Map.empty)

    /// Records a measured quantity.
    member _.With(name: string, value: float) =
        Outcome(passed, applicable, inconclusive, message, kind, Map.add name value quantities, series)

    /// Records a measured series.
    member _.WithSeries(name: string, values: float[]) =
        Outcome(passed, applicable, inconclusive, message, kind, quantities, Map.add name (Array.copy values) series)

    /// Names the generator family.
    member _.WithKind(k: string) =
        Outcome(passed, applicable, inconclusive, message, k, quantities, series)

    /// Fails with the message unless the condition holds; messages of several failed requirements are joined.
    member this.Require(condition: bool, failure: string) =
        if condition then
            this
        else
            Outcome(
                false,
                applicable,
                inconclusive,
                (if passed || message = "" then
                     failure
                 else
                     message + "; " + failure),
                kind,
                quantities,
                series
            )

    /// Marks the outcome not applicable (keeping what was measured).
    member _.AsNotApplicable(reason: string) =
        Outcome(true, false, false, reason, kind, quantities, series)

    /// Marks the outcome inconclusive (keeping what was measured): the audited code failed.
    member _.AsInconclusive(reason: string) =
        Outcome(false, true, true, reason, kind, quantities, series)

/// One trial of one claim: the JSON-lines record of a campaign (see `JsonLines`).
type TrialRecord =
    {
        /// The claim's id.
        Claim: string
        /// The trial's index in its campaign (−1 for a stand-alone replay).
        Trial: int
        /// The seed that generated the problem: `claim.Trial seed` reproduces this record.
        Seed: int64
        /// The claim held (or did not apply).
        Passed: bool
        /// The problem met the claim's hypotheses.
        Applicable: bool
        /// The check could not be carried out because the audited code failed (Passed is then false).
        Inconclusive: bool
        /// Generator family.
        Kind: string
        /// Failure (or non-applicability) message, with the replay seed; empty when passed.
        Message: string
        /// Measured quantities.
        Quantities: IReadOnlyDictionary<string, float>
        /// Measured series.
        Series: IReadOnlyDictionary<string, float[]>
        /// The shrunk failing data set as CSV (x1..xd, y[, q]); empty when none.
        Counterexample: string
        /// Rows of the generated problem before shrinking (0 when not shrunk).
        OriginalRows: int
        /// Rows of the shrunk counterexample (0 when none).
        ShrunkRows: int
        /// Wall-clock milliseconds of the trial (a timing field: not part of a result's identity).
        ElapsedMs: float
    }

    /// Failed and not inconclusive: the claim was refuted on this problem.
    member r.Refuted = not r.Passed && not r.Inconclusive

    /// The line that tells a user how to reproduce the trial.
    member r.ReplayHint =
        sprintf "replay: claim '%s', seed %d (Catalogue.find(\"%s\").Trial(%dL))" r.Claim r.Seed r.Claim r.Seed

    /// A record of an outcome (no counterexample, timing 0, trial −1: the campaign fills these in).
    static member OfOutcome(claimId: string, seed: int64, outcome: Outcome) =
        let r =
            {
                Claim = claimId
                Trial = -1
                Seed = seed
                Passed = outcome.Passed
                Applicable = outcome.Applicable
                Inconclusive = outcome.IsInconclusive
                Kind = outcome.Kind
                Message = outcome.Message
                Quantities = outcome.Quantities
                Series = outcome.Series
                Counterexample = ""
                OriginalRows = 0
                ShrunkRows = 0
                ElapsedMs = 0.0
            }

        if outcome.Passed then
            r
        else
            { r with
                Message = r.Message + " | " + r.ReplayHint
            }

/// A statement under audit: the extension point of the catalogue. Implement it in F# or C#
/// (subclass it, or `ProblemClaim` for claims over generated data sets, which adds shrinking and
/// FsCheck), then hand it to `Campaign.run` next to, or instead of, `Catalogue.all`.
[<AbstractClass>]
type Claim() =
    /// A short stable id, used in file names and seeds (letters, digits and '-').
    abstract Id: string
    /// The precise statement.
    abstract Statement: string
    /// Where it comes from: a seed paper's abstract, or "derived in THEORY.md §n".
    abstract Source: string
    /// The independent oracle the check compares against.
    abstract Oracle: string
    /// Non-empty when the claim cannot be audited yet (campaigns skip it and reports list it).
    abstract PendingReason: string
    default _.PendingReason = ""
    /// Runs one trial on the problem generated from the seed. Must be a pure function of the seed.
    abstract Trial: seed: int64 -> TrialRecord
    /// True when the claim is registered but cannot run yet.
    member this.IsPending = not (String.IsNullOrEmpty this.PendingReason)

    /// A claim from a function of the seed (no shrinking: use `ProblemClaim` for that).
    static member Create(id: string, statement: string, source: string, oracle: string, check: Func<Rng, Outcome>) =
        { new Claim() with
            member _.Id = id
            member _.Statement = statement
            member _.Source = source
            member _.Oracle = oracle

            member _.Trial(seed) =
                let outcome =
                    try
                        check.Invoke(Rng seed)
                    with e ->
                        Outcome.Fail(sprintf "exception: %s" e.Message)

                TrialRecord.OfOutcome(id, seed, outcome)
        }

    /// A registered claim that cannot run yet.
    static member Pending(id: string, statement: string, source: string, oracle: string, reason: string) =
        { new Claim() with
            member _.Id = id
            member _.Statement = statement
            member _.Source = source
            member _.Oracle = oracle
            member _.PendingReason = reason

            member _.Trial(seed) =
                TrialRecord.OfOutcome(id, seed, Outcome.NotApplicable("pending: " + reason))
        }
