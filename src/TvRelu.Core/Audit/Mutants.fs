namespace TvRelu.Core.Audit

/// A deliberately broken variant of the library, switched on only by the mutation audit (`tvrelu audit mutants`,
/// proofs-checks/README.md): each names one defect a claim of the catalogue should be able to see. None is ever
/// committed as code; each is a branch at one mutation point that is dead while `Mutants.active` is `None`.
type internal Mutant =
    /// The library as it is.
    | None = 0
    /// sup |η| taken over 10⁴ sampled directions instead of the exact per-cell maxima of THEORY.md §3.
    | SampledSupremum = 1
    /// One facet dropped from the cone of every cell with two or more (the projection of §3 onto a larger cone).
    | DroppedFacet = 2
    /// The radii that merge atoms (the canonical measure, §1) and saturation points (§3) multiplied by 100.
    | MergeRadius = 3
    /// λ scaled by 1.001 inside the gap: q / max(1, s / 1.001) taken as dual feasible (§2).
    | GapLambda = 4
    /// The residual of the first data row enters the pieces v_C of §3 with the wrong sign.
    | ResidualSign = 5
    /// Cover's count (§3, Counting) off by one.
    | CoverOffByOne = 6
    /// The noise of the low-noise sweep (§6) grows like the square root of its nominal level.
    | NoiseExponent = 7
    /// The λ of the low-noise sweep (§6) is the square root of its nominal level.
    | LambdaExponent = 8
    /// The saturation set Σ (§3) read at |η| ≥ 1/2, as when tiny atoms widened its tolerance to its cap.
    | WideSaturation = 9
    /// A flat limit certificate (p*_H = 0, §6) reported as a ridge: the pre-certificate's view of boundary atoms.
    | FlatAsRidge = 10
    /// The solver's minimiser left as found, not reduced to a vertex of the polytope of §5.
    | NoVertex = 11
    /// The exact uniqueness test of §5 without Stiemke's strictly positive y: the cone {t : M t ≥ 0} of directions
    /// into the polytope taken as {0} whenever M has full column rank, so a rank-deficient Φ_Σ at a vertex is "unique".
    | StiemkeSkipped = 12

/// The one switch of the mutation audit. Process-wide (trials run on several threads of one campaign), read at
/// each mutation point with one comparison, so the library pays nothing measurable while it is off.
module internal Mutants =

    let mutable private current = Mutant.None

    /// The mutant switched on (`Mutant.None` normally).
    let active () = current

    /// Whether this mutant is on.
    let isOn (m: Mutant) = current = m

    /// Runs `f` with the mutant switched on, and switches it off again whatever happens. Mutation runs do not
    /// overlap: the audit runs one mutant's campaign at a time.
    let using (m: Mutant) (f: unit -> 'T) : 'T =
        current <- m

        try
            f ()
        finally
            current <- Mutant.None
