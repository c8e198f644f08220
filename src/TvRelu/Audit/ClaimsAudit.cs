using TvRelu.ProofsChecks;

namespace TvRelu.Audit;

/// <summary>
/// The claims audit of proofs-checks (THEORY.md; proofs-checks/README.md) behind a plain C# surface:
/// seeded, sharded, resumable campaigns over the claims catalogue, their merge, their report and the
/// replay of one trial. Files are safe to share with other processes: one writer per shard of a
/// directory (an operating-system lock), torn lines repaired on resume, campaigns never mixed, whole
/// files written atomically. Every problem with the input or the files is a <see cref="TvReluInputException"/>
/// whose message can be shown as it is.
/// </summary>
public static class ClaimsAudit
{
    /// <summary>Every registered claim, pending ones included, in catalogue order.</summary>
    public static IReadOnlyList<AuditClaim> Catalogue { get; } = ReadOnly.Map(ProofsChecks.Catalogue.all, ToClaim);

    /// <summary>
    /// The claims named by a command-line style selection: "all" (the active claims) or a comma-separated
    /// list of ids (case-insensitive).
    /// </summary>
    /// <param name="selection">"all" or "id1,id2,…".</param>
    /// <returns>The claims, in the order given.</returns>
    /// <exception cref="TvReluInputException">An empty selection or entry, an unknown id (the message lists the known ones), or an id given twice.</exception>
    public static IReadOnlyList<AuditClaim> Select(string selection) => ReadOnly.Map(Engine(selection), ToClaim);

    /// <summary>Runs (or resumes) a campaign's shard into its output directory.</summary>
    /// <param name="campaign">What to run and where.</param>
    /// <param name="progress">Told after every trial, synchronously on the thread that ran it; may be <c>null</c>.</param>
    /// <returns>The counts per claim, read back from the files.</returns>
    /// <exception cref="TvReluInputException">Bad settings; another process writing the same shard there; an existing
    /// result file without <see cref="AuditCampaign.Resume"/>; files of another campaign in the directory.</exception>
    public static AuditRunSummary Run(AuditCampaign campaign, IProgress<AuditProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(campaign);
        if (campaign.Claims is null || campaign.Claims.Count == 0)
        {
            throw new TvReluInputException("no claim was given", nameof(campaign.Claims));
        }
        if (campaign.Trials < 1)
        {
            throw new TvReluInputException($"the number of trials must be positive (got {campaign.Trials})", nameof(campaign.Trials));
        }
        if (campaign.Parallelism < 1)
        {
            throw new TvReluInputException($"the parallelism must be at least 1 (got {campaign.Parallelism})", nameof(campaign.Parallelism));
        }
        if (double.IsNaN(campaign.TrialTimeoutSeconds))
        {
            throw new TvReluInputException("the trial timeout is not a number", nameof(campaign.TrialTimeoutSeconds));
        }
        var directory = OutputDirectory(campaign.OutputDirectory, nameof(campaign.OutputDirectory));
        var claims = Engine(string.Join(",", campaign.Claims));
        var shard = (campaign.Shard ?? AuditShard.Whole).ToEngine();
        var options = new CampaignOptions(campaign.Parallelism, campaign.Durable, campaign.TrialTimeoutSeconds);
        var report = progress is null
            ? null
            : new Action<CampaignProgress>(p => progress.Report(new AuditProgress(p.Claim, p.Trial, p.Completed, p.Total, p.Passed, p.Failed, p.Inconclusive, p.NotApplicable)));
        var summary = Guarded(() => Campaign.runWith(options, claims, campaign.Trials, campaign.Seed, shard, directory, campaign.Resume, report!), nameof(campaign.OutputDirectory));
        return new AuditRunSummary(
            ToParameters(summary.Parameters),
            AuditShard.Of(summary.Shard),
            summary.OutDir,
            ReadOnly.Map(summary.Claims, c => new AuditClaimSummary(
                c.Claim, c.File, c.Planned, c.Resumed, c.Run, c.RepairedLines, c.Passed, c.Failed, c.Inconclusive, c.NotApplicable, c.Seconds,
                ReadOnly.Map(c.Failures, ToTrial))),
            ReadOnly.Copy(summary.Pending),
            summary.Seconds);
    }

    /// <summary>
    /// Combines the result files of several directories into <c>outputDirectory/&lt;claim&gt;.jsonl</c>, one record per
    /// (claim, trial), each file written atomically under the campaign's header.
    /// </summary>
    /// <param name="directories">The shards' result directories.</param>
    /// <param name="outputDirectory">Where the merged files go (created when missing; may be one of the inputs).</param>
    /// <returns>What was merged, and how many trials are still missing.</returns>
    /// <exception cref="TvReluInputException">A missing directory; files of different campaigns (version, seed, trials or
    /// claim set differ) or without a campaign header; another merge writing to the same place.</exception>
    public static AuditMergeSummary Merge(IReadOnlyList<string> directories, string outputDirectory)
    {
        if (directories is null || directories.Count == 0)
        {
            throw new TvReluInputException("no directory to merge was given", nameof(directories));
        }
        foreach (var d in directories)
        {
            if (string.IsNullOrWhiteSpace(d) || !Directory.Exists(d))
            {
                throw new TvReluInputException($"directory '{d}' does not exist", nameof(directories));
            }
        }
        var output = OutputDirectory(outputDirectory, nameof(outputDirectory));
        var summary = Guarded(() => Campaign.merge(directories, output), nameof(outputDirectory));
        return new AuditMergeSummary(
            ReadOnly.Map(summary.Records, r => new AuditClaimCount(r.Item1, r.Item2)),
            summary.Duplicates,
            summary.Conflicts,
            summary.CorruptLines,
            summary.Missing,
            summary.Parameters is { } p ? ToParameters(p.Value) : null,
            ReadOnly.Copy(summary.Files));
    }

    /// <summary>
    /// Writes <c>directory/report.md</c> and its PNG plots (atomically) from every result file of the directory:
    /// a table per claim, failures with replay seeds, bound tightness and fitted slopes.
    /// </summary>
    /// <param name="directory">A campaign's (or a merge's) result directory.</param>
    /// <returns>The path of report.md.</returns>
    /// <exception cref="TvReluInputException">The directory does not exist, or holds files of different campaigns.</exception>
    public static string WriteReport(string directory)
    {
        if (string.IsNullOrWhiteSpace(directory) || !Directory.Exists(directory))
        {
            throw new TvReluInputException($"directory '{directory}' does not exist", nameof(directory));
        }
        return Guarded(() => Report.write(directory), nameof(directory));
    }

    /// <summary>Re-runs one trial from its replay seed, exactly as the campaign ran it (shrinking included).</summary>
    /// <param name="claimId">The claim's id.</param>
    /// <param name="seed">The replay seed printed with the failure (not the campaign seed).</param>
    /// <returns>The record, with trial index −1.</returns>
    /// <exception cref="TvReluInputException">An unknown claim.</exception>
    public static AuditTrial Replay(string claimId, long seed)
    {
        var claim = Engine(claimId);
        if (claim.Length != 1)
        {
            throw new TvReluInputException($"replay takes one claim id (got '{claimId}')", nameof(claimId));
        }
        return ToTrial(Campaign.replay(claim[0], seed));
    }

    /// <summary>The mutants of the mutation audit, with the claims each is meant to be killed by.</summary>
    public static IReadOnlyList<AuditMutant> MutantCatalogue { get; } =
        ReadOnly.Map(Mutation.all, m => new AuditMutant(m.Id, m.Description, ReadOnly.Copy(m.Targets)));

    /// <summary>
    /// The mutation audit (issue 11): each claim's campaign against each selected mutant of the library, switched on
    /// in-process one at a time, and against the unmutated library; writes <c>outputDirectory/mutants.json</c> and
    /// <c>outputDirectory/report.md</c> (atomically). A claim's run stops at its first refuted trial. The mutants are
    /// switched process-wide: nothing else in this process may use the library while it runs.
    /// </summary>
    /// <param name="claims">"all" (the active claims) or a comma-separated list of claim ids.</param>
    /// <param name="mutants">"all" or a comma-separated list of mutant ids.</param>
    /// <param name="trials">At most this many trials per (claim, mutant).</param>
    /// <param name="seed">The campaign seed of the trials.</param>
    /// <param name="outputDirectory">Where the files go (created when missing).</param>
    /// <param name="trialTimeoutSeconds">A trial running longer is abandoned and counted inconclusive.</param>
    /// <param name="progress">Told after every (claim, mutant) run; may be <c>null</c>.</param>
    /// <returns>Every (claim, mutant) outcome, baseline first.</returns>
    /// <exception cref="TvReluInputException">An unknown claim or mutant, a non-positive number of trials, a bad output
    /// directory, or another mutation audit writing there.</exception>
    public static IReadOnlyList<AuditMutantOutcome> Mutants(
        string claims, string mutants, int trials, long seed, string outputDirectory, double trialTimeoutSeconds = 600, IProgress<AuditMutantOutcome>? progress = null)
    {
        if (trials < 1)
        {
            throw new TvReluInputException($"the number of trials must be positive (got {trials})", nameof(trials));
        }
        var selected = Engine(claims);
        var directory = OutputDirectory(outputDirectory, nameof(outputDirectory));
        var specs = Guarded(() => Mutation.select(mutants), nameof(mutants));
        var report = progress is null ? null : new Action<MutantOutcome>(o => progress.Report(ToMutantOutcome(o)));
        var outcomes = Guarded(() => Mutation.run(selected, specs, trials, seed, trialTimeoutSeconds, directory, report!), nameof(outputDirectory));
        return ReadOnly.Map(outcomes, ToMutantOutcome);
    }

    private static AuditMutantOutcome ToMutantOutcome(MutantOutcome o) =>
        new(o.Claim, o.Mutant, o.Killed, o.Trials, o.Targeted, o.Refuted, o.Inconclusive, o.NotApplicable, o.Crashed, o.Evidence, o.Seconds);

    private static Claim[] Engine(string selection)
    {
        try
        {
            return ProofsChecks.Catalogue.select(selection);
        }
        catch (ArgumentException e)
        {
            throw new TvReluInputException(AuditShard.Undecorated(e), "claims", e);
        }
    }

    private static string OutputDirectory(string? path, string paramName)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new TvReluInputException("the output directory is empty: name a directory", paramName);
        }
        if (File.Exists(path))
        {
            throw new TvReluInputException($"the output directory '{path}' is a file", paramName);
        }
        return path;
    }

    /// <summary>The engine's refusals (locks, existing files, mixed campaigns, bad arguments) as input errors.</summary>
    private static T Guarded<T>(Func<T> call, string paramName)
    {
        try
        {
            return call();
        }
        catch (CampaignFileException e)
        {
            throw new TvReluInputException(e.Message, paramName, e);
        }
        catch (ArgumentException e)
        {
            throw new TvReluInputException(AuditShard.Undecorated(e), paramName, e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TvReluInputException(e.Message, paramName, e);
        }
    }

    private static AuditClaim ToClaim(Claim c) =>
        new(c.Id, c.Statement, c.Source, c.Oracle, c.IsPending ? c.PendingReason : null);

    private static AuditCampaignParameters ToParameters(CampaignParameters p) =>
        new(p.Version, p.Seed, p.Trials, ReadOnly.Copy(p.Claims), p.Shard);

    private static AuditTrial ToTrial(TrialRecord r) => new(
        r.Claim,
        r.Trial,
        r.Seed,
        !r.Applicable ? AuditVerdict.NotApplicable : r.Passed ? AuditVerdict.Passed : r.Inconclusive ? AuditVerdict.Inconclusive : AuditVerdict.Refuted,
        r.Kind,
        r.Message,
        r.Quantities.ToDictionary(q => q.Key, q => q.Value).AsReadOnly(),
        r.Series.ToDictionary(s => s.Key, s => (IReadOnlyList<double>)Array.AsReadOnly(s.Value)).AsReadOnly(),
        r.Counterexample,
        r.OriginalRows,
        r.ShrunkRows,
        r.ElapsedMs);
}
