using System;
using TvRelu;
using TvRelu.ProofsChecks;

namespace TvRelu.Tests.Examples;

/// <summary>
/// The C# worked example of proofs-checks/README.md ("Adding a claim"): a claim of one's own, written
/// against the C# façade and audited by the same campaign runner as the catalogue. Compiled and run by
/// <see cref="UserClaimTests"/>, so the documented code cannot rot.
/// </summary>
/// <remarks>
/// The statement: the certified minimiser never has more atoms than twice the number of cells (each
/// closed cell holds at most one maximiser of η and one minimiser, THEORY.md §3).
/// </remarks>
public sealed class AtomsAtMostTwiceCells : ProblemClaim
{
    public override string Id => "user-atoms-at-most-twice-cells";

    public override string Statement => "The certified minimiser has at most 2 * #cells atoms.";

    public override string Source => "derived from THEORY.md §3 (one +1 and one -1 point per closed cell)";

    public override string Oracle => "the exact solver, through the C# façade";

    /// <summary>Every generator family of the catalogue, with its default weights.</summary>
    public override Problem Generate(Rng rng) =>
        TvRelu.ProofsChecks.Generate.dataset(TvRelu.ProofsChecks.Generate.defaultSpec, rng);

    public override Outcome Check(Problem problem)
    {
        var data = TvReluProblem.FromRows(problem.Inputs, problem.Labels);
        var lambda = problem.LambdaFraction * Math.Max(data.LambdaMax, 1e-300);
        var solution = data.Solve(lambda);
        if (!solution.Certification.Certified)
            return Outcome.Inconclusive($"not certified (gap {solution.Certification.Gap})");
        var atoms = solution.Measure.Atoms.Count;
        return Outcome.Pass()
            .Require(atoms <= 2 * solution.Cells, $"{atoms} atoms > 2 * {solution.Cells} cells")
            .With("tightness.atomsOverTwiceCells", atoms / (2.0 * solution.Cells));
    }
}
