namespace TvRelu.Audit;

/// <summary>
/// A campaign to run with <see cref="ClaimsAudit.Run"/>: trial t of claim c runs on a seed derived from
/// (<see cref="Seed"/>, c, t), so a campaign is fixed by its claims, trials and seed, and any shard of it
/// can run anywhere, be resumed after a kill, and be merged with the others.
/// </summary>
public sealed record AuditCampaign
{
    /// <summary>The ids of the claims to audit (see <see cref="ClaimsAudit.Select"/> for "all" and lists).</summary>
    public required IReadOnlyList<string> Claims { get; init; }

    /// <summary>The directory of the JSON-lines results (created when missing).</summary>
    public required string OutputDirectory { get; init; }

    /// <summary>Trials per claim over all shards, at least 1.</summary>
    public int Trials { get; init; } = 100;

    /// <summary>The campaign seed.</summary>
    public long Seed { get; init; } = 1;

    /// <summary>The part this process runs.</summary>
    public AuditShard Shard { get; init; } = AuditShard.Whole;

    /// <summary>Skip the trials already recorded (after repairing lines cut by a kill); without it an existing result file is an error.</summary>
    public bool Resume { get; init; }

    /// <summary>Trials run at once (1: in order).</summary>
    public int Parallelism { get; init; } = 1;

    /// <summary>Also fsync the file after every record (survives a power cut, not only a killed process).</summary>
    public bool Durable { get; init; }

    /// <summary>A trial still running after this many seconds is abandoned and recorded as inconclusive (≤ 0: no limit).</summary>
    public double TrialTimeoutSeconds { get; init; } = 600;
}
