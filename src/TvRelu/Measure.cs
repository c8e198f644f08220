using CoreMeasure = TvRelu.Core.Data.Measure;
using CoreMeasureOps = TvRelu.Core.Data.MeasureModule;

namespace TvRelu;

/// <summary>
/// One Dirac a · δ_θ of a network measure: the neuron x ↦ a · max(⟨θ, (x, 1)⟩, 0).
/// Two atoms are equal when their directions and amplitudes are equal element by element.
/// </summary>
/// <param name="Direction">θ = (w, b) ∈ R^{d+1}. Unit norm in the measures the library returns; any
/// non-zero vector u is accepted on input and read as the Dirac a‖u‖ δ_{u/‖u‖} (the zero vector has no
/// direction on the sphere and is refused).</param>
/// <param name="Amplitude">The signed mass a.</param>
public sealed record Atom(IReadOnlyList<double> Direction, double Amplitude)
{
    /// <summary>Value equality: same amplitude and the same direction element by element.</summary>
    /// <param name="other">The atom to compare with.</param>
    /// <returns>True when both atoms describe the same Dirac in the same words.</returns>
    public bool Equals(Atom? other) =>
        other is not null && Amplitude.Equals(other.Amplitude) && ReadOnly.SequenceEqual(Direction, other.Direction);

    /// <summary>A hash consistent with <see cref="Equals(Atom)"/>.</summary>
    /// <returns>The hash code.</returns>
    public override int GetHashCode() => HashCode.Combine(Amplitude, ReadOnly.SequenceHash(Direction));
}

/// <summary>
/// A network of unbounded width as a finite signed measure μ = Σ_j a_j δ_{θ_j} on the sphere S^d
/// (THEORY.md §1), always in canonical form: directions normalised, atoms closer than 1e-9 merged,
/// zero atoms dropped, atoms sorted by direction. Build one with <see cref="FromAtoms(int, IEnumerable{Atom})"/>.
/// </summary>
public sealed record Measure
{
    internal Measure(CoreMeasure core)
    {
        Core = core;
        AmbientDimension = core.AmbientDimension;
        Atoms = ReadOnly.Map(core.Atoms, a => new Atom(Array.AsReadOnly(a.Direction), a.Amplitude));
        TotalVariation = CoreMeasureOps.totalVariation(core);
    }

    internal CoreMeasure Core { get; }

    /// <summary>d + 1: the length of every direction (the measure lives on S^d ⊂ R^{d+1}).</summary>
    public int AmbientDimension { get; }

    /// <summary>The atoms, canonical: unit directions, pairwise distinct, non-zero amplitudes.</summary>
    public IReadOnlyList<Atom> Atoms { get; }

    /// <summary>‖μ‖_TV = Σ_j |a_j|.</summary>
    public double TotalVariation { get; }

    /// <summary>The zero measure on S^d.</summary>
    /// <param name="ambientDimension">d + 1, at least 2.</param>
    /// <returns>The measure with no atoms.</returns>
    public static Measure Zero(int ambientDimension) => FromAtoms(ambientDimension, []);

    /// <summary>
    /// The canonical measure of the given atoms. An atom with a non-unit direction u and amplitude a
    /// is the Dirac a‖u‖ δ_{u/‖u‖} (ReLU is positively homogeneous); atoms with a = 0 vanish. A zero
    /// direction u = 0 is refused: it is no point of the sphere, and reading it as nothing would hide a
    /// broken input (issue 12, item 11).
    /// </summary>
    /// <param name="ambientDimension">d + 1: the number of entries of every direction, at least 2.</param>
    /// <param name="atoms">The atoms, from any source.</param>
    /// <returns>The canonical measure.</returns>
    /// <exception cref="TvReluInputException">A direction has the wrong length, a non-finite entry, is zero, or is too
    /// small to normalise in double precision.</exception>
    public static Measure FromAtoms(int ambientDimension, IEnumerable<Atom> atoms)
    {
        ArgumentNullException.ThrowIfNull(atoms);
        if (ambientDimension < 2)
        {
            throw new TvReluInputException(
                $"a measure lives on S^d ⊂ R^(d+1) with d ≥ 1, so its directions need at least 2 numbers (got {ambientDimension})",
                nameof(ambientDimension));
        }
        var raw = new List<Tuple<double[], double>>();
        var index = 0;
        foreach (var atom in atoms)
        {
            index++;
            if (atom?.Direction is null)
            {
                throw new TvReluInputException($"atom {index} has no direction", nameof(atoms));
            }
            if (atom.Direction.Count != ambientDimension)
            {
                throw new TvReluInputException(
                    $"atom {index} has a direction of {atom.Direction.Count} numbers, but directions here need d + 1 = {ambientDimension}",
                    nameof(atoms));
            }
            if (!double.IsFinite(atom.Amplitude) || atom.Direction.Any(v => !double.IsFinite(v)))
            {
                throw new TvReluInputException($"atom {index} has a non-finite direction or amplitude", nameof(atoms));
            }
            var largest = atom.Direction.Max(Math.Abs);
            if (largest == 0)
            {
                throw new TvReluInputException($"atom {index} has the zero direction: θ = 0 is no point of the sphere S^d", nameof(atoms));
            }
            if (!double.IsFinite(1 / largest))
            {
                throw new TvReluInputException(
                    $"atom {index} has a direction of length {Guard.Format(largest)}, too small to normalise in double precision", nameof(atoms));
            }
            raw.Add(Tuple.Create(atom.Direction.ToArray(), atom.Amplitude));
        }
        return new Measure(CoreMeasureOps.ofAtoms(ambientDimension, raw));
    }

    /// <summary>The network function f_μ(x) = Σ_j a_j max(⟨θ_j, (x, 1)⟩, 0).</summary>
    /// <param name="x">An input of d = <see cref="AmbientDimension"/> − 1 numbers.</param>
    /// <returns>f_μ(x).</returns>
    /// <exception cref="TvReluInputException">x has the wrong length.</exception>
    public double Evaluate(IReadOnlyList<double> x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Count != AmbientDimension - 1)
        {
            throw new TvReluInputException($"the input has {x.Count} numbers but this measure takes d = {AmbientDimension - 1}", nameof(x));
        }
        return CoreMeasureOps.evaluate(Core, x.ToArray());
    }

    /// <summary>Value equality: same dimension and the same atoms in the same (canonical) order.</summary>
    /// <param name="other">The measure to compare with.</param>
    /// <returns>True when both are the same measure.</returns>
    public bool Equals(Measure? other) =>
        other is not null && AmbientDimension == other.AmbientDimension && ReadOnly.SequenceEqual(Atoms, other.Atoms);

    /// <summary>A hash consistent with <see cref="Equals(Measure)"/>.</summary>
    /// <returns>The hash code.</returns>
    public override int GetHashCode() => HashCode.Combine(AmbientDimension, ReadOnly.SequenceHash(Atoms));
}
