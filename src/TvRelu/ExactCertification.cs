namespace TvRelu;

/// <summary>Sizes, in bits, of the largest integers exact mode met (THEORY.md §8): they show how the rationals grow.</summary>
/// <param name="Data">The data rows x̃_i scaled to integers.</param>
/// <param name="Dual">The dual vector (the rationalised residual) scaled to integers.</param>
/// <param name="Pieces">The integer linear pieces of the certificate, one per cell.</param>
/// <param name="Projections">The exact cone projections and their determinants.</param>
/// <param name="Bounds">The bounds on J* and the supremum bound.</param>
public sealed record ExactBitLengths(int Data, int Dual, int Pieces, int Projections, int Bounds);

/// <summary>
/// The exact rational verification of a measure (THEORY.md §8): floating point proposes, rational
/// arithmetic decides. The optimum J* is enclosed in [<see cref="Lower"/>, <see cref="Upper"/>],
/// both exact rationals written "p/q".
/// </summary>
public sealed record ExactCertification
{
    /// <summary>"verified" (every exact check passed and J(μ) − J* ≤ tolerance is proven), "refuted"
    /// (J(μ) − J* &gt; tolerance is proven) or "undecided" (see <see cref="Failures"/>).</summary>
    public required string Verdict { get; init; }

    /// <summary>An exact lower bound D ≤ J*, as "p/q".</summary>
    public required string Lower { get; init; }

    /// <summary>An exact upper bound U ≥ J*, as "p/q".</summary>
    public required string Upper { get; init; }

    /// <summary><see cref="Lower"/> as a decimal rounded down (still a lower bound).</summary>
    public required string LowerDecimal { get; init; }

    /// <summary><see cref="Upper"/> as a decimal rounded up (still an upper bound).</summary>
    public required string UpperDecimal { get; init; }

    /// <summary>An exact upper bound on J(μ) − J*, as "p/q".</summary>
    public required string GapBound { get; init; }

    /// <summary><see cref="GapBound"/> as a decimal rounded up.</summary>
    public required string GapBoundDecimal { get; init; }

    /// <summary>What failed when the verdict is not "verified"; empty when verified.</summary>
    public required IReadOnlyList<string> Failures { get; init; }

    /// <summary>The exact rank of Φ_Σ at the exact saturation points; null when a projection was not found exactly.</summary>
    public required int? Rank { get; init; }

    /// <summary>The number of distinct exact saturation points that entered <see cref="Rank"/>; null with it.</summary>
    public required int? RankPoints { get; init; }

    /// <summary>The bit lengths of the largest integers met.</summary>
    public required ExactBitLengths Bits { get; init; }

    /// <summary>Wall-clock seconds spent in exact mode.</summary>
    public required double Seconds { get; init; }
}
