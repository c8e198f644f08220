using TvRelu.ProofsChecks;

namespace TvRelu.Audit;

/// <summary>
/// Shard <see cref="Index"/> of <see cref="Count"/> of a campaign: the trials t with t mod Count = Index.
/// k shards, merged, give exactly the records of the whole campaign.
/// </summary>
/// <param name="Index">i, in [0, k).</param>
/// <param name="Count">k ≥ 1.</param>
public sealed record AuditShard(int Index, int Count)
{
    /// <summary>The whole campaign: shard 0 of 1.</summary>
    public static AuditShard Whole { get; } = new(0, 1);

    /// <summary>"i/k", as written on the command line and in the files.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => $"{Index}/{Count}";

    /// <summary>Parses "i/k" (0-based i &lt; k).</summary>
    /// <param name="text">The text.</param>
    /// <returns>The shard.</returns>
    /// <exception cref="TvReluInputException">The text is not i/k with 0 ≤ i &lt; k.</exception>
    public static AuditShard Parse(string text)
    {
        try
        {
            return Of(ShardModule.parse(text ?? ""));
        }
        catch (FormatException e)
        {
            throw new TvReluInputException(e.Message, "shard", e);
        }
    }

    /// <summary>
    /// The shard of this process: <paramref name="text"/> when given ("i/k"), else the batch scheduler's
    /// (Slurm: SLURM_ARRAY_TASK_ID − SLURM_ARRAY_TASK_MIN of SLURM_ARRAY_TASK_COUNT; Kubernetes indexed
    /// Jobs: JOB_COMPLETION_INDEX of TVRELU_SHARD_COUNT), else the whole campaign.
    /// </summary>
    /// <param name="text">An explicit "i/k", or <c>null</c> or empty.</param>
    /// <returns>The shard.</returns>
    /// <exception cref="TvReluInputException">Bad text, or inconsistent scheduler variables.</exception>
    public static AuditShard Resolve(string? text)
    {
        try
        {
            return Of(ShardModule.resolve(text ?? ""));
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            throw new TvReluInputException(e is ArgumentException a ? Undecorated(a) : e.Message, "shard", e);
        }
    }

    internal static AuditShard Of(Shard shard) => new(shard.Index, shard.Count);

    internal Shard ToEngine()
    {
        try
        {
            return ShardModule.create(Index, Count);
        }
        catch (ArgumentException e)
        {
            throw new TvReluInputException(Undecorated(e), "shard", e);
        }
    }

    /// <summary>An ArgumentException's message without .NET's " (Parameter 'x')" suffix.</summary>
    internal static string Undecorated(ArgumentException e) =>
        e.ParamName is { } name ? e.Message.Replace($" (Parameter '{name}')", "", StringComparison.Ordinal) : e.Message;
}
