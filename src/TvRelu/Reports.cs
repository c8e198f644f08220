using System.Numerics;

namespace TvRelu;

/// <summary>A point of the saturation set Σ = {|η| ≥ 1 − tol} of a dual certificate (THEORY.md §3).</summary>
/// <param name="Direction">The unit vector θ ∈ S^d.</param>
/// <param name="Sign">+1 where η ≈ 1, −1 where η ≈ −1.</param>
/// <param name="Value">η(θ) as computed.</param>
/// <param name="Interior">True when θ is strictly inside a region; false when it lies on a region boundary.</param>
/// <param name="Cells">The regions (cell indices) whose closures hold θ and whose linear piece attains the value.</param>
public sealed record SaturationPoint(IReadOnlyList<double> Direction, int Sign, double Value, bool Interior, IReadOnlyList<int> Cells);

/// <summary>An exact extreme value of a dual certificate over the whole sphere, with a point attaining it.</summary>
/// <param name="Value">sup η (≥ 0) or inf η (≤ 0), exact: computed region by region, never sampled (THEORY.md §3).</param>
/// <param name="Argument">A unit vector θ with η(θ) = Value.</param>
/// <param name="Cell">The region whose closure holds θ, or −1 when the value 0 is attained where every neuron is off.</param>
public sealed record Extremum(double Value, IReadOnlyList<double> Argument, int Cell);

/// <summary>The sparsity bounds of THEORY.md §3 next to the observed size of the saturation set.</summary>
/// <param name="SaturationPoints">|Σ|, which bounds the number of atoms of every minimiser.</param>
/// <param name="TwiceActiveCells">2 · #{regions with an active neuron}, an upper bound on |Σ|.</param>
/// <param name="Faces">#{faces with some nonzero sign}, an upper bound on |Σ|; null when faces were not enumerated.</param>
/// <param name="DataPoints">N.</param>
public sealed record Bounds(int SaturationPoints, int TwiceActiveCells, int? Faces, int DataPoints);

/// <summary>Whether the minimiser is unique (THEORY.md §5).</summary>
/// <param name="RankSufficient">The features of the saturation points are linearly independent: a sufficient condition.</param>
/// <param name="Unique">The exact test: the polytope of minimisers' amplitudes on Σ is a single point.</param>
/// <param name="Rank">The rank of the feature matrix Φ_Σ.</param>
/// <param name="SaturationPoints">The number of points k that entered the test.</param>
public sealed record UniquenessReport(bool RankSufficient, bool Unique, int Rank, int SaturationPoints)
{
    /// <summary>
    /// Whether uniqueness (and Σ) is known. When false the other fields are meaningless (false and 0) and
    /// <see cref="Reason"/> says why: Σ is a property of the optimal residual, so a solve that is not certified, or a
    /// branch-and-bound search for Σ cut short by its budget, cannot decide it.
    /// </summary>
    public bool Known { get; init; } = true;

    /// <summary>Why uniqueness is not known; null when <see cref="Known"/>.</summary>
    public string? Reason { get; init; }

    /// <summary>The report of a solve that cannot decide uniqueness, with the reason.</summary>
    internal static UniquenessReport Unknown(string reason) => new(false, false, 0, 0) { Known = false, Reason = reason };

    /// <summary>Unknown because the solve is not certified: Σ of a residual that need not be optimal decides nothing (§5),
    /// whichever method computed it.</summary>
    internal static UniquenessReport NotCertified { get; } =
        Unknown("the solve is not certified, so its residual need not be the optimal one whose saturation set Σ decides uniqueness");
}

/// <summary>Wall-clock split of a solve.</summary>
/// <param name="Enumeration">Enumerating the regions (and the faces, when asked for).</param>
/// <param name="Solve">The restricted convex problems of column generation.</param>
/// <param name="Certification">Exact suprema, gaps, the saturation set and the uniqueness test.</param>
public sealed record Timings(TimeSpan Enumeration, TimeSpan Solve, TimeSpan Certification)
{
    /// <summary>The sum of the three parts.</summary>
    public TimeSpan Total => Enumeration + Solve + Certification;
}

/// <summary>
/// The certified optimality gap of a measure μ at λ (THEORY.md §2): with q = y − Kμ and the exact
/// s = sup|η_μ|, q / max(1, s) is dual feasible, so 0 ≤ J(μ) − J* ≤ Gap.
/// </summary>
public sealed partial record CertificationReport
{
    /// <summary>λ.</summary>
    public required double Lambda { get; init; }

    /// <summary>J(μ) = ½‖Kμ − y‖² + λ‖μ‖_TV.</summary>
    public required double Objective { get; init; }

    /// <summary>The dual objective of the feasible rescaled residual: a lower bound on the optimum J*.</summary>
    public required double DualObjective { get; init; }

    /// <summary>Objective − DualObjective ≥ J(μ) − J* ≥ 0.</summary>
    public required double Gap { get; init; }

    /// <summary>s = sup_θ |η_μ(θ)| over the whole sphere, exact (THEORY.md §3).</summary>
    public required double CertificateSup { get; init; }

    /// <summary>The tolerance the gap was compared with.</summary>
    public required double Tolerance { get; init; }

    /// <summary>Gap ≤ Tolerance, with the exact supremum: the library's meaning of "certified".</summary>
    public required bool Certified { get; init; }

    /// <summary>‖μ‖_TV of the canonical measure.</summary>
    public required double TotalVariation { get; init; }

    /// <summary>The residual q = y − Kμ.</summary>
    public required IReadOnlyList<double> Residual { get; init; }

    /// <summary>The exact rational verification of the measure (THEORY.md §8); null unless exact mode was asked for.</summary>
    public ExactCertification? Exact { get; init; }

    /// <summary>
    /// Why double precision could not decide the verdict, for people (README, "Where doubles can decide"): a number
    /// out of range, or a supremum the exact scan could not enclose. Null when it could; <see cref="Certified"/> is
    /// false when it is set. Exact mode may still decide.
    /// </summary>
    public string? NotDecided { get; init; }
}

/// <summary>A certified solution of P_λ: the minimiser, its gap, saturation set, bounds and uniqueness.</summary>
public sealed record Solution
{
    /// <summary>The objective's convention, stated in every output.</summary>
    public required string Convention { get; init; }

    /// <summary>N, the number of data points.</summary>
    public required int DataPoints { get; init; }

    /// <summary>d, the input dimension.</summary>
    public required int Dimension { get; init; }

    /// <summary>λ.</summary>
    public required double Lambda { get; init; }

    /// <summary>The minimiser found, as a canonical sparse measure.</summary>
    public required Measure Measure { get; init; }

    /// <summary>Objective, dual bound, gap, exact certificate supremum and whether the result is certified.</summary>
    public required CertificationReport Certification { get; init; }

    /// <summary>J(μ), from <see cref="Certification"/>.</summary>
    public double Objective => Certification.Objective;

    /// <summary>The certified optimality gap, from <see cref="Certification"/>.</summary>
    public double Gap => Certification.Gap;

    /// <summary>Whether the gap is certified below the tolerance, from <see cref="Certification"/>.</summary>
    public bool Certified => Certification.Certified;

    /// <summary>The exact rational verification of <see cref="Measure"/>, from <see cref="Certification"/>;
    /// null unless <see cref="SolveOptions.Exact"/> was set.</summary>
    public ExactCertification? Exact => Certification.Exact;

    /// <summary>The residual y − Kμ, the (unique) optimal dual vector when certified.</summary>
    public IReadOnlyList<double> Residual => Certification.Residual;

    /// <summary>The saturation set Σ = {|η| = 1} of the certificate; every minimiser is supported in it. Empty or partial
    /// when <see cref="SaturationKnown"/> is false.</summary>
    public required IReadOnlyList<SaturationPoint> Saturation { get; init; }

    /// <summary>Whether <see cref="Saturation"/> is the whole Σ (and its count in <see cref="Bounds"/> is |Σ|). Always true for
    /// the enumeration; under branch and bound, only when the solve is certified and the search for Σ completed within its budget
    /// (<see cref="UniquenessReport.Reason"/> says otherwise why not).</summary>
    public bool SaturationKnown => Uniqueness.Known;

    /// <summary>The number of regions (cells of the arrangement) on the sphere; 0 when branch and bound certified the solution
    /// (nothing was enumerated: see <see cref="CertificationReport.Method"/>).</summary>
    public required int Cells { get; init; }

    /// <summary>The number of regions with at least one active neuron; 0 under branch and bound, as <see cref="Cells"/>.</summary>
    public required int CellsWithActiveNeurons { get; init; }

    /// <summary>The sparsity bounds of THEORY.md §3.</summary>
    public required Bounds Bounds { get; init; }

    /// <summary>The uniqueness status of THEORY.md §5.</summary>
    public required UniquenessReport Uniqueness { get; init; }

    /// <summary>Column-generation rounds used.</summary>
    public required int Rounds { get; init; }

    /// <summary>Time spent in enumeration, solving and certification.</summary>
    public required Timings Timings { get; init; }
}

/// <summary>The dual regions of a data set: the cells of its hyperplane arrangement (THEORY.md §3).</summary>
public sealed record RegionsReport
{
    /// <summary>N, the number of data points.</summary>
    public required int DataPoints { get; init; }

    /// <summary>d, the input dimension.</summary>
    public required int Dimension { get; init; }

    /// <summary>The number of distinct hyperplanes (duplicate inputs share one).</summary>
    public required int Hyperplanes { get; init; }

    /// <summary>The number of cells (dual regions) on the sphere S^d, enumerated exactly.</summary>
    public required int Cells { get; init; }

    /// <summary>The cells with a non-empty active set.</summary>
    public required int CellsWithActiveNeurons { get; init; }

    /// <summary>Cover's count 2 Σ_{k=0}^{d} C(m−1, k) for the m distinct hyperplanes: the cell count in general position.</summary>
    public required BigInteger CoverCount { get; init; }

    /// <summary>Whether every d + 1 of the hyperplanes' normals are independent; null when there were too many subsets to check.</summary>
    public required bool? GeneralPosition { get; init; }

    /// <summary>The f-vector [f_0, …, f_d] (faces of each dimension); null unless faces were asked for.</summary>
    public IReadOnlyList<int>? FVector { get; init; }

    /// <summary>Σ_k (−1)^k f_k; null unless faces were asked for.</summary>
    public int? EulerCharacteristic { get; init; }

    /// <summary>The value the Euler characteristic must take (1 + (−1)^d when the inputs span R^{d+1}); null unless faces were asked for.</summary>
    public int? ExpectedEulerCharacteristic { get; init; }

    /// <summary>The total number of faces with some nonzero sign (Σ_k f_k); null unless faces were asked for.</summary>
    public int? FaceCount => FVector?.Sum();
}
