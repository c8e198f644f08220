using System.Diagnostics;

namespace TvRelu;

/// <summary>
/// Settings of <see cref="TvReluProblem.Compare"/>: the widths of the gradient-descent runs, their epoch budget
/// and seed, and the size of the fixed grid.
/// </summary>
public sealed record CompareOptions
{
    /// <summary>The default settings: widths 10, 100 and 1000, the training default's epoch budget, seed 0, 2000 grid directions.</summary>
    public static CompareOptions Default { get; } = new();

    /// <summary>The widths m of the gradient-descent runs, each trained and certified.</summary>
    public IReadOnlyList<int> Widths { get; init; } = [10, 100, 1000];

    /// <summary>The epoch budget of each gradient-descent run.</summary>
    public int Epochs { get; init; } = TrainOptions.Default.MaxEpochs;

    /// <summary>The seed of the gradient-descent initialisations.</summary>
    public int Seed { get; init; }

    /// <summary>The number of directions of the fixed-grid LASSO.</summary>
    public int GridSize { get; init; } = 2000;
}

/// <summary>One method of <see cref="TvReluProblem.Compare"/>, audited by the exact certificate (THEORY.md §2).</summary>
/// <param name="Method">"exact", "sliding Frank–Wolfe", "GD, m = …" or "grid LASSO, M".</param>
/// <param name="Objective">J of the method's measure.</param>
/// <param name="Gap">Its certified gap (exact supremum).</param>
/// <param name="Certified">Whether the gap is below the tolerance.</param>
/// <param name="Excess">J − J* (0 for the exact solver itself).</param>
/// <param name="Neurons">The width m of a trained network; 0 for the solvers.</param>
/// <param name="Atoms">The measure's atoms (a network's clusters).</param>
/// <param name="Seconds">Wall time in seconds.</param>
public sealed record ComparisonRow(string Method, double Objective, double Gap, bool Certified, double Excess, int Neurons, int Atoms, double Seconds);

/// <summary>The result of <see cref="TvReluProblem.Compare"/>.</summary>
/// <param name="Lambda">λ.</param>
/// <param name="OptimalObjective">J* from the exact solver.</param>
/// <param name="Rows">The methods, the exact solver first.</param>
public sealed record Comparison(double Lambda, double OptimalObjective, IReadOnlyList<ComparisonRow> Rows);

// The comparison protocol (which solvers, widths, grid) lives here so that the CLI only prints it.
public sealed partial class TvReluProblem
{
    /// <summary>
    /// The exact solver, sliding Frank–Wolfe, gradient descent at the given widths and a fixed-grid LASSO on one
    /// problem, every answer audited by the same exact certificate (THEORY.md §2).
    /// </summary>
    /// <param name="lambda">λ &gt; 0.</param>
    /// <param name="options">Settings; <c>null</c> for <see cref="CompareOptions.Default"/>.</param>
    /// <returns>One row per method, the exact solver first.</returns>
    /// <exception cref="TvReluInputException">λ ≤ 0, bad options, or a problem too large to enumerate.</exception>
    public Comparison Compare(double lambda, CompareOptions? options = null)
    {
        options ??= CompareOptions.Default;
        RefuseBranchAndBound("compare", "two of its methods, sliding Frank–Wolfe and the grid LASSO, maximise |η| over every region of the arrangement");
        var rows = new List<ComparisonRow>();
        var clock = Stopwatch.StartNew();
        var exact = Solve(lambda);
        var optimum = exact.Objective;
        rows.Add(new("exact", exact.Objective, exact.Gap, exact.Certified, 0.0, 0, exact.Measure.Atoms.Count, clock.Elapsed.TotalSeconds));
        clock.Restart();
        var fw = SlidingFrankWolfe(lambda);
        rows.Add(new("sliding Frank–Wolfe", fw.Objective, fw.Gap, fw.Certified, fw.Objective - optimum, 0, fw.Measure.Atoms.Count, clock.Elapsed.TotalSeconds));
        foreach (var width in options.Widths)
        {
            var gd = Train(lambda, width, new TrainOptions { MaxEpochs = options.Epochs, Seed = options.Seed, CertifyEvery = 0 });
            rows.Add(new($"GD, m = {width}", gd.Objective, gd.Gap, gd.Certification.Certified, gd.Excess, width, gd.Clusters.Count, gd.Seconds));
        }
        clock.Restart();
        var lasso = GridLasso(lambda, options.GridSize);
        rows.Add(new($"grid LASSO, {options.GridSize}", lasso.Objective, lasso.Gap, lasso.Certified, lasso.Objective - optimum, 0, lasso.Measure.Atoms.Count, clock.Elapsed.TotalSeconds));
        return new Comparison(lambda, optimum, rows);
    }
}
