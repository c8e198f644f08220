using TvRelu.Core.Data;
using CoreBoundedSupremum = TvRelu.Core.Certificates.BoundedSupremum;
using CoreBranchAndBound = TvRelu.Core.Certificates.BranchAndBound;
using CoreBranchAndBoundOptions = TvRelu.Core.Certificates.BranchAndBoundOptions;

namespace TvRelu;

// The certificate of a problem certified by branch and bound (issue 14, THEORY.md §9): no regions, the extremes by two
// searches, each exact when it completes and an honest interval under the problem's budget.
public sealed partial class DualCertificate
{
    private readonly Dataset? _data;
    private readonly CoreBranchAndBoundOptions? _options;
    private readonly Lazy<CoreBoundedSupremum>? _supremumSearch;
    private readonly Lazy<CoreBoundedSupremum>? _infimumSearch;

    internal DualCertificate(Dataset data, double lambda, double[] dual, CoreBranchAndBoundOptions options)
    {
        _data = data;
        _options = options;
        Lambda = lambda;
        Dual = Array.AsReadOnly(dual);
        Method = TvReluProblem.BranchAndBoundName;
        _supremumSearch = new Lazy<CoreBoundedSupremum>(() => CoreBranchAndBound.supremum(data, lambda, dual, options));
        _infimumSearch = new Lazy<CoreBoundedSupremum>(() => CoreBranchAndBound.infimum(data, lambda, dual, options));
        _supremum = new Lazy<Extremum>(() => ToExtremum(_supremumSearch.Value, 1));
        _infimum = new Lazy<Extremum>(() => ToExtremum(_infimumSearch.Value, -1));
    }

    /// <summary>"enumeration" or "branch-and-bound": how the extremes are computed.</summary>
    public string Method { get; } = TvReluProblem.EnumerationName;

    /// <summary>Branch and bound's interval for sup η (null for the enumeration, whose extremes are exact).</summary>
    public SupremumBounds? SupremumInterval => _supremumSearch is null ? null : Bounds(_supremumSearch.Value, 1);

    /// <summary>Branch and bound's interval for inf η, as [lower, upper] of inf η itself (null for the enumeration).</summary>
    public SupremumBounds? InfimumInterval => _infimumSearch is null ? null : Bounds(_infimumSearch.Value, -1);

    /// <summary>An upper bound on sup|η|: exact for the enumeration, the intervals' upper ends for branch and bound.</summary>
    private double UpperAbs => _supremumSearch is null || _infimumSearch is null
        ? SupremumAbs
        : Math.Max(_supremumSearch.Value.Upper, _infimumSearch.Value.Upper);

    /// <summary>The core reports inf η as sup(−η) ≥ 0; sign −1 turns it back. No regions: the cell is −1.</summary>
    private static Extremum ToExtremum(CoreBoundedSupremum b, int sign) =>
        new(sign * b.Value, ReadOnly.Copy(b.Argument), -1);

    private static SupremumBounds Bounds(CoreBoundedSupremum b, int sign) => sign > 0
        ? new SupremumBounds(b.Lower, b.Upper, b.Exact, b.Nodes, b.Status)
        : new SupremumBounds(-b.Upper, -b.Lower, b.Exact, b.Nodes, b.Status);

    /// <summary>η(θ) = (1/λ) Σ_i q_i σ(⟨θ, (x_i, 1)⟩) straight from the data.</summary>
    private double EvaluateDirectly(IReadOnlyList<double> theta)
    {
        var x = _data!.Inputs;
        var sum = 0.0;
        for (var i = 0; i < x.Length; i++)
        {
            var t = theta[x[i].Length];
            for (var j = 0; j < x[i].Length; j++)
            {
                t += theta[j] * x[i][j];
            }
            sum += Dual[i] * Math.Max(t, 0.0);
        }
        return sum / Lambda;
    }

    // One search for Σ per tolerance, kept: `Saturation` and `SaturationComplete` read the same search.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<double, Lazy<CoreBoundedSupremum>> _saturationSearches = new();

    /// <summary>The search for the local maxima of |η| at or above 1 − tolerance (the same Σ semantics); under the
    /// problem's budget it can stop before every leaf is reached.</summary>
    private CoreBoundedSupremum SaturationSearch(double tolerance) =>
        _saturationSearches.GetOrAdd(tolerance, t => new Lazy<CoreBoundedSupremum>(() =>
            CoreBranchAndBound.supremumAbs(_data!, Lambda, [.. Dual], _options!.WithSaturationLevel(1.0 - t).WithFloor(1.0 - t)))).Value;

    /// <summary>The local maxima of |η| at or above 1 − tolerance, from the leaves of one search.</summary>
    private IReadOnlyList<SaturationPoint> SaturationByBranchAndBound(double tolerance) =>
        SaturationSearch(tolerance).Saturation.ToFacade();
}
