using CoreOptions = TvRelu.Core.Solver.SolverOptions;

namespace TvRelu;

/// <summary>
/// Settings of the exact solver. The defaults are the library's promise: the solver stops only on a
/// certified optimality gap of at most max(1e-9 · J, 1e-13 · ½‖y‖²) (THEORY.md §2).
/// </summary>
public sealed record SolveOptions
{
    private static readonly CoreOptions CoreDefault = CoreOptions.Default;

    /// <summary>The default settings.</summary>
    public static SolveOptions Default { get; } = new();

    /// <summary>Certified-gap tolerance; <c>null</c> for the default max(1e-9 · J, 1e-13 · ½‖y‖²).</summary>
    public double? Tolerance { get; init; }

    /// <summary>
    /// Column-generation rounds before giving up. A solve that runs out of rounds is returned with
    /// <see cref="CertificationReport.Certified"/> false, never silently called optimal.
    /// </summary>
    public int MaxRounds { get; init; } = CoreDefault.MaxRounds;

    /// <summary>Points with |η| ≥ 1 − SaturationTolerance form the saturation set Σ.</summary>
    public double SaturationTolerance { get; init; } = CoreDefault.SaturationTolerance;

    /// <summary>A saturation point closer than this to a hyperplane (unit normals) is on a region boundary.</summary>
    public double BoundaryTolerance { get; init; } = CoreDefault.BoundaryTolerance;

    /// <summary>The most violating (cell, sign) columns added per column-generation round.</summary>
    public int ColumnsPerRound { get; init; } = CoreDefault.ColumnsPerRound;

    /// <summary>Also enumerate the faces of every dimension, for the face bound on |Σ| (THEORY.md §3).</summary>
    public bool CountFaces { get; init; } = CoreDefault.CountFaces;

    /// <summary>
    /// Also verify the returned measure in exact rational arithmetic (THEORY.md §8), attached as
    /// <see cref="Solution.Exact"/>. Costs roughly five to ten times the floating certificate (the face check
    /// dominates), plus a fresh solve when the measure is not verified.
    /// </summary>
    public bool Exact { get; init; }

    internal CoreOptions ToCore()
    {
        Guard.Tolerance(Tolerance, nameof(Tolerance));
        Positive(MaxRounds, nameof(MaxRounds));
        Positive(ColumnsPerRound, nameof(ColumnsPerRound));
        InUnitInterval(SaturationTolerance, nameof(SaturationTolerance));
        InUnitInterval(BoundaryTolerance, nameof(BoundaryTolerance));
        return CoreOptions.Default
            .WithTolerance(Tolerance)
            .WithMaxRounds(MaxRounds)
            .WithSaturationTolerance(SaturationTolerance)
            .WithBoundaryTolerance(BoundaryTolerance)
            .WithColumnsPerRound(ColumnsPerRound)
            .WithCountFaces(CountFaces);
    }

    private static void Positive(int value, string name)
    {
        if (value < 1)
        {
            throw new TvReluInputException($"{name} must be at least 1 (got {value})", name);
        }
    }

    private static void InUnitInterval(double value, string name)
    {
        if (!(value >= 0.0 && value < 1.0))
        {
            throw new TvReluInputException($"{name} must be in [0, 1) (got {Guard.Format(value)})", name);
        }
    }
}
