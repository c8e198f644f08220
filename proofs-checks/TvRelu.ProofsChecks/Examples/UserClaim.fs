/// A worked example of a user-defined claim in F# (proofs-checks/README.md shows the C# one).
/// It subclasses ProblemClaim, so it gets seeded generation, shrinking, a replay seed in every
/// failure, and an FsCheck property for free; `Campaign.run [ claim ]` audits it like any other.
module TvRelu.ProofsChecks.Examples.UserClaim

open TvRelu.ProofsChecks
open TvRelu.Core.Data
open TvRelu.Core.Arrangements
open TvRelu.Core.Certificates
open TvRelu.Core.Solver

/// "λ_max is exactly the threshold of the zero solution": for λ ≥ λ_max the zero measure is
/// optimal (its certificate η_0 = ⟨y, φ⟩/λ has sup|η_0| ≤ 1), and for λ = 0.9 λ_max it is not.
type ZeroAboveLambdaMax() =
    inherit ProblemClaim()
    override _.Id = "example-zero-above-lambda-max"

    override _.Statement =
        "For lambda >= lambda_max the zero measure has a certified gap of 0; for lambda = 0.9 lambda_max (when lambda_max > 0) its gap is positive."

    override _.Source =
        "derived in THEORY.md §2 (the certificate of mu = 0 is <y, phi>/lambda)"

    override _.Oracle = "the certified gap of the zero measure (exact supremum)"

    // Any generator of the library, or your own; use only the Rng you are given.
    override _.Generate(rng) =
        Generate.dataset Generate.defaultSpec rng

    override _.Check(p) =
        let data = p.Dataset
        let arr = Arrangement.ofDataset data
        let lmax = Solve.lambdaMax arr data
        let zero = Measure.zero arr.AmbientDimension
        let above = Gap.assess arr data (max lmax 1e-300 * (1.0 + 1e-12)) None zero
        let below = Gap.assess arr data (0.9 * max lmax 1e-300) None zero

        Outcome
            .Pass()
            .Require(above.Certified, sprintf "at lambda_max the zero measure has gap %g" above.Gap)
            .Require(lmax = 0.0 || below.Gap > 0.0, "at 0.9 lambda_max the zero measure still has gap 0")
            .With("lambdaMax", lmax)
            .With("gapBelow", below.Gap)

/// The instance to hand to `Campaign.run`.
let claim = ZeroAboveLambdaMax()
