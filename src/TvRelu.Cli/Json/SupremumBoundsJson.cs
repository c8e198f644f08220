namespace TvRelu.Cli.Json;

/// <summary>Branch and bound's interval for sup|η| in the JSON of solve and certify (absent for the enumeration).</summary>
internal sealed record SupremumBoundsJson(double Lower, double Upper, bool Exact, long Nodes, string Status)
{
    internal static SupremumBoundsJson? Of(SupremumBounds? b) =>
        b is null ? null : new(b.Lower, b.Upper, b.Exact, b.Nodes, b.Status);
}
