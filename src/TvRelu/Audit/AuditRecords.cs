namespace TvRelu.Audit;

/// <summary>The verdict of one trial (proofs-checks/README.md). Every trial has exactly one.</summary>
public enum AuditVerdict
{
    /// <summary>The claim held on the generated problem.</summary>
    Passed,

    /// <summary>The claim failed: the record carries a shrunk counterexample and its replay seed.</summary>
    Refuted,

    /// <summary>The code the check relies on failed (for example an uncertified solve): a bug to report, not evidence against the claim.</summary>
    Inconclusive,

    /// <summary>The problem does not meet the claim's hypotheses. Never counted as passed.</summary>
    NotApplicable,
}

/// <summary>A claim of the catalogue (THEORY.md, proofs-checks/README.md).</summary>
/// <param name="Id">Its stable id, used in file names and seeds.</param>
/// <param name="Statement">The precise statement.</param>
/// <param name="Source">Where it comes from.</param>
/// <param name="Oracle">The independent oracle the check compares against.</param>
/// <param name="PendingReason">Why it cannot be audited yet; <c>null</c> for an active claim.</param>
public sealed record AuditClaim(string Id, string Statement, string Source, string Oracle, string? PendingReason);

/// <summary>What a campaign's files record, and what <see cref="ClaimsAudit.Merge"/> requires to be equal.</summary>
/// <param name="Version">The audit engine's informational version (with its commit).</param>
/// <param name="Seed">The campaign seed.</param>
/// <param name="Trials">Trials per claim over all shards.</param>
/// <param name="Claims">The ids of the claims the campaign runs, sorted.</param>
/// <param name="Shard">The shard that wrote the file ("i/k"), or "merged".</param>
public sealed record AuditCampaignParameters(string Version, long Seed, int Trials, IReadOnlyList<string> Claims, string Shard);

/// <summary>One trial of one claim, as recorded in a campaign's JSON-lines file.</summary>
/// <param name="Claim">The claim's id.</param>
/// <param name="Trial">The trial's index in its campaign (−1 for a stand-alone replay).</param>
/// <param name="Seed">The replay seed: <see cref="ClaimsAudit.Replay"/> with it reproduces this record.</param>
/// <param name="Verdict">Passed, refuted, inconclusive or not applicable.</param>
/// <param name="Kind">The generator family of the problem.</param>
/// <param name="Message">Why it failed or did not apply, with the replay seed; empty when it passed.</param>
/// <param name="Quantities">Measured numbers by name.</param>
/// <param name="Series">Measured sequences by name.</param>
/// <param name="Counterexample">The shrunk failing data set as CSV (readable by `--data`); empty when none.</param>
/// <param name="OriginalRows">Rows of the generated problem before shrinking (0 when not shrunk).</param>
/// <param name="ShrunkRows">Rows of the shrunk counterexample (0 when none).</param>
/// <param name="ElapsedMilliseconds">Wall-clock time of the trial (not part of its identity).</param>
public sealed record AuditTrial(
    string Claim,
    int Trial,
    long Seed,
    AuditVerdict Verdict,
    string Kind,
    string Message,
    IReadOnlyDictionary<string, double> Quantities,
    IReadOnlyDictionary<string, IReadOnlyList<double>> Series,
    string Counterexample,
    int OriginalRows,
    int ShrunkRows,
    double ElapsedMilliseconds);

/// <summary>Reported after every trial a campaign runs (synchronously, on the thread that ran it).</summary>
/// <param name="Claim">The claim being audited.</param>
/// <param name="Trial">The trial just finished.</param>
/// <param name="Completed">Trials of this claim in this shard done so far, resumed ones included.</param>
/// <param name="Total">Trials of this claim in this shard.</param>
/// <param name="Passed">Passed so far, among the trials the claim applied to.</param>
/// <param name="Refuted">Refuted so far.</param>
/// <param name="Inconclusive">Inconclusive so far.</param>
/// <param name="NotApplicable">Not applicable so far.</param>
public sealed record AuditProgress(string Claim, int Trial, int Completed, int Total, int Passed, int Refuted, int Inconclusive, int NotApplicable);

/// <summary>One claim's part of a campaign run. Counts are over every recorded trial of the shard, read back from its file.</summary>
/// <param name="Claim">The claim's id.</param>
/// <param name="File">Its JSON-lines file.</param>
/// <param name="Planned">Trials of this claim in this shard.</param>
/// <param name="Resumed">Already recorded before this run.</param>
/// <param name="Run">Run now.</param>
/// <param name="RepairedLines">Lines cut by a kill or a torn write, dropped when the file was repaired before resuming.</param>
/// <param name="Passed">Passed, among the trials the claim applied to.</param>
/// <param name="Refuted">Refuted.</param>
/// <param name="Inconclusive">Inconclusive.</param>
/// <param name="NotApplicable">Not applicable (counted apart, never as passed).</param>
/// <param name="Seconds">Wall-clock seconds of this run.</param>
/// <param name="Failures">The refuted and inconclusive trials, with their replay seeds, by trial.</param>
public sealed record AuditClaimSummary(
    string Claim,
    string File,
    int Planned,
    int Resumed,
    int Run,
    int RepairedLines,
    int Passed,
    int Refuted,
    int Inconclusive,
    int NotApplicable,
    double Seconds,
    IReadOnlyList<AuditTrial> Failures)
{
    /// <summary>Trials run per second in this run (NaN when none took measurable time).</summary>
    public double TrialsPerSecond => Seconds > 0 ? Run / Seconds : double.NaN;
}

/// <summary>A campaign run.</summary>
/// <param name="Parameters">What its files record.</param>
/// <param name="Shard">The part this process ran.</param>
/// <param name="OutputDirectory">Where the files are.</param>
/// <param name="Claims">One summary per claim run.</param>
/// <param name="Pending">Ids of pending claims that were skipped.</param>
/// <param name="Seconds">Wall-clock seconds of the run.</param>
public sealed record AuditRunSummary(
    AuditCampaignParameters Parameters,
    AuditShard Shard,
    string OutputDirectory,
    IReadOnlyList<AuditClaimSummary> Claims,
    IReadOnlyList<string> Pending,
    double Seconds);

/// <summary>The records a merge wrote for one claim.</summary>
/// <param name="Claim">The claim's id.</param>
/// <param name="Records">Records written.</param>
public sealed record AuditClaimCount(string Claim, int Records);

/// <summary>What a merge did.</summary>
/// <param name="Records">Records written per claim.</param>
/// <param name="Duplicates">Records seen more than once (kept once).</param>
/// <param name="Conflicts">The same claim and trial with different seeds (the first kept).</param>
/// <param name="CorruptLines">Lines that were not complete records.</param>
/// <param name="Missing">Trials of the campaign's claims that no file holds (shards not run, or still running).</param>
/// <param name="Parameters">The campaign every merged file belongs to; <c>null</c> when there was nothing to merge.</param>
/// <param name="Files">The files written.</param>
public sealed record AuditMergeSummary(
    IReadOnlyList<AuditClaimCount> Records,
    int Duplicates,
    int Conflicts,
    int CorruptLines,
    int Missing,
    AuditCampaignParameters? Parameters,
    IReadOnlyList<string> Files);

/// <summary>A deliberately broken variant of the library that the mutation audit switches on in-process (issue 11).</summary>
/// <param name="Id">Its id on the command line and in <c>mutants.json</c>.</param>
/// <param name="Description">What is broken.</param>
/// <param name="Targets">The claims whose checks target what it breaks: each is expected to kill it.</param>
public sealed record AuditMutant(string Id, string Description, IReadOnlyList<string> Targets);

/// <summary>What one claim's campaign found against one mutant (or against the unmutated library, mutant "none").</summary>
/// <param name="Claim">The claim's id.</param>
/// <param name="Mutant">The mutant's id, or "none" for the baseline.</param>
/// <param name="Killed">Some trial was refuted by the claim's check (not by a crash, a timeout or a failed solve).</param>
/// <param name="Trials">Trials run: the run stops at the first refutation.</param>
/// <param name="Targeted">The mutant breaks what this claim checks.</param>
/// <param name="Refuted">Refuted trials (0 or 1).</param>
/// <param name="Inconclusive">Inconclusive trials.</param>
/// <param name="NotApplicable">Trials outside the claim's hypotheses.</param>
/// <param name="Crashed">Trials whose check threw.</param>
/// <param name="Evidence">The replay seed and message of the killing trial; empty when none.</param>
/// <param name="Seconds">Wall-clock time of the run.</param>
public sealed record AuditMutantOutcome(
    string Claim,
    string Mutant,
    bool Killed,
    int Trials,
    bool Targeted,
    int Refuted,
    int Inconclusive,
    int NotApplicable,
    int Crashed,
    string Evidence,
    double Seconds);
