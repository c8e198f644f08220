using CoreCertificate = TvRelu.Core.Certificates.Certificate;
using CoreCertificateOps = TvRelu.Core.Certificates.CertificateModule;
using CoreEnclosure = TvRelu.Core.Certificates.Enclosure;
using CoreExtremum = TvRelu.Core.Certificates.Extremum;

namespace TvRelu;

/// <summary>
/// The dual certificate η(θ) = (1/λ) Σ_i q_i max(⟨θ, (x_i, 1)⟩, 0) of a dual vector q (THEORY.md §2),
/// with its exact supremum and infimum over the whole sphere and its saturation set (§3).
/// The extremes are computed once, on first use.
/// </summary>
public sealed partial class DualCertificate
{
    private readonly CoreCertificate? _core;
    private readonly Lazy<Extremum> _supremum;
    private readonly Lazy<Extremum> _infimum;

    internal DualCertificate(CoreCertificate core, double lambda, double[] dual)
    {
        _core = core;
        Lambda = lambda;
        Dual = Array.AsReadOnly(dual);
        _supremum = new Lazy<Extremum>(() => Decided(CoreCertificateOps.supremumEnclosed(core), "sup η").ToFacade(1));
        _infimum = new Lazy<Extremum>(() => Decided(CoreCertificateOps.infimumEnclosed(core), "inf η").ToFacade(-1));
    }

    /// <summary>
    /// The extremum when the scan's enclosure decides it (README, "Where doubles can decide"); otherwise a refusal:
    /// with inputs whose columns differ in scale by ~1e16 the cells are too thin for doubles, and the scan once reported
    /// sup η = 177 at a point where η is 0 (issue 12, defect 10).
    /// </summary>
    private static CoreExtremum Decided(Tuple<CoreExtremum, CoreEnclosure> enclosed, string what)
    {
        var (extremum, enclosure) = enclosed;
        if (!enclosure.Decides(extremum.Value))
        {
            throw new TvReluInputException(
                $"{what} cannot be decided in double precision: the exact scan reports {Guard.Format(extremum.Value)} in absolute value, "
                + $"but encloses it only between {Guard.Format(enclosure.Lower)} and {Guard.Format(enclosure.Upper)} "
                + "(the dual regions are too thin for doubles, as when input columns differ in scale by many orders of magnitude); "
                + "rescale the input columns");
        }
        return extremum;
    }

    /// <summary>λ.</summary>
    public double Lambda { get; }

    /// <summary>The dual vector q, one entry per data point.</summary>
    public IReadOnlyList<double> Dual { get; }

    /// <summary>sup_θ η(θ) ≥ 0 over the whole sphere, exact, with a point attaining it.</summary>
    /// <exception cref="TvReluInputException">The supremum cannot be decided in double precision (README, "Where doubles can decide").</exception>
    public Extremum Supremum => _supremum.Value;

    /// <summary>inf_θ η(θ) ≤ 0 over the whole sphere, exact, with a point attaining it.</summary>
    /// <exception cref="TvReluInputException">The infimum cannot be decided in double precision (README, "Where doubles can decide").</exception>
    public Extremum Infimum => _infimum.Value;

    /// <summary>sup_θ |η(θ)| = max(sup η, −inf η).</summary>
    public double SupremumAbs => Math.Max(Supremum.Value, -Infimum.Value);

    /// <summary>Whether q is dual feasible, i.e. |η| ≤ 1 on the whole sphere.</summary>
    public bool IsFeasible => UpperAbs <= 1.0;

    /// <summary>η(θ), straight from the data. θ need not be a unit vector (η is positively homogeneous).</summary>
    /// <param name="theta">A direction of d + 1 numbers.</param>
    /// <returns>η(θ).</returns>
    /// <exception cref="TvReluInputException">θ has the wrong length.</exception>
    public double Evaluate(IReadOnlyList<double> theta)
    {
        ArgumentNullException.ThrowIfNull(theta);
        var n = _core?.Arrangement.AmbientDimension ?? _data!.Dimension + 1;
        if (theta.Count != n)
        {
            throw new TvReluInputException($"θ has {theta.Count} numbers but directions here need d + 1 = {n}", nameof(theta));
        }
        return _core is null ? EvaluateDirectly(theta) : CoreCertificateOps.evaluate(_core, theta.ToArray());
    }

    /// <summary>
    /// The saturation set {|η| ≥ 1 − tolerance}: at most one point per sign on each closed region
    /// (THEORY.md §3, consequence 2), points shared by adjacent regions merged.
    /// </summary>
    /// <param name="tolerance">Points with |η| ≥ 1 − tolerance are saturated; <c>null</c> for the solver's default.</param>
    /// <param name="boundaryTolerance">A point closer than this to a hyperplane (unit normals) is on a boundary; <c>null</c> for the solver's default.</param>
    /// <returns>The saturation points, most saturated first.</returns>
    public IReadOnlyList<SaturationPoint> Saturation(double? tolerance = null, double? boundaryTolerance = null)
    {
        return SaturationAt(
            tolerance ?? TvRelu.Core.Solver.SolverOptions.Default.SaturationTolerance,
            boundaryTolerance ?? TvRelu.Core.Solver.SolverOptions.Default.BoundaryTolerance);
    }

    /// <summary>
    /// Whether <see cref="Saturation"/> at this tolerance lists every point: always for the enumeration and the streaming
    /// pass; for branch and bound only when its search reached every leaf within the problem's budget (else the list is a
    /// part of the set, issue 14).
    /// </summary>
    /// <param name="tolerance">As for <see cref="Saturation"/>.</param>
    /// <returns>Whether the saturation set is complete.</returns>
    public bool SaturationComplete(double? tolerance = null)
    {
        var t = tolerance ?? TvRelu.Core.Solver.SolverOptions.Default.SaturationTolerance;
        _ = SaturationAt(t, TvRelu.Core.Solver.SolverOptions.Default.BoundaryTolerance);
        return _core is not null || SaturationSearch(t).Exact;
    }

    private IReadOnlyList<SaturationPoint> SaturationAt(double tolerance, double boundaryTolerance)
    {
        if (!(tolerance >= 0.0 && tolerance < 1.0) || !(boundaryTolerance >= 0.0))
        {
            throw new TvReluInputException(
                $"the saturation tolerance must be in [0, 1) and the boundary tolerance non-negative (got {Guard.Format(tolerance)}, {Guard.Format(boundaryTolerance)})",
                nameof(tolerance));
        }
        return _core is null ? SaturationByBranchAndBound(tolerance) : CoreCertificateOps.saturation(tolerance, boundaryTolerance, _core).ToFacade();
    }
}
