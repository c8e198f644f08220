using System.CommandLine;
using System.Diagnostics;
using TvRelu.Cli.Json;
using TvRelu.Cli.Output;
using TvRelu.Cli.Plotting;

namespace TvRelu.Cli.Commands;

/// <summary>
/// `tvrelu solve`: the certified global minimiser of P_λ (THEORY.md §1–§5), or with `--weighted` of the
/// label-noise problem min ½‖Kν − y‖² + λ ∫ ω d|ν| (§7).
/// </summary>
internal static class SolveCommand
{
    internal static Command Create(CliContext context)
    {
        var input = new ProblemInput();
        var output = CliOptions.Out("the solution");
        var plot = new Option<string?>("--plot")
        {
            Description = "write a PNG: for d = 1 the fit with its kinks and η over the circle of neurons; for d = 2 the fit as a heatmap with each atom's kink line and η on the sphere S² (equal-area); for d ≥ 3 data against fit",
        };
        var tolerance = CliOptions.Tolerance();
        var faces = CliOptions.Faces("for the face bound on the saturation set");
        var exact = CliOptions.Exact();
        var weighted = new Option<bool>("--weighted")
        {
            Description = "solve the label-noise (weighted-TV) problem min ½‖Kν − y‖² + λ ∫ ω d|ν|, ω(θ) = (2/N)√(A(θ)B(θ)) (THEORY.md §7), by sliding Frank–Wolfe with an exact weighted oracle",
        };
        var command = new Command("solve", "Solve P_λ exactly: a sparse measure with a certified optimality gap, its saturation set, bounds and uniqueness. Exit code 0 certified, 3 not certified.")
        {
            input.Data, input.Lambda, output, plot, tolerance, faces, exact, weighted,
        };
        command.SetAction(Cli.Guarded(context, parsed =>
        {
            var isWeighted = parsed.GetValue(weighted);
            if (isWeighted && (parsed.GetValue(faces) || parsed.GetValue(exact)))
            {
                throw new TvReluInputException("--faces and --exact are for P_λ; the weighted problem (--weighted) has neither a face bound nor an exact mode");
            }
            var choice = input.Read(parsed, context, isWeighted);
            if (isWeighted)
            {
                return RunWeighted(context, choice, parsed.GetValue(tolerance), parsed.GetValue(output), parsed.GetValue(plot));
            }
            var options = new SolveOptions { Tolerance = parsed.GetValue(tolerance), CountFaces = parsed.GetValue(faces), Exact = parsed.GetValue(exact) };
            var solution = Run(context, choice, options, parsed.GetValue(output), parsed.GetValue(plot));
            return ExitCode(solution);
        }));
        return command;
    }

    /// <summary>0 when certified (and, in exact mode, verified), else 3: finished but not certified.</summary>
    internal static int ExitCode(Solution solution) =>
        solution.Certified && solution.Exact is null or { Verdict: "verified" } ? Cli.Success : Cli.NotCertified;

    /// <summary>Solves, reports (JSON or tables), and plots when asked. Shared with `demo`.</summary>
    internal static Solution Run(CliContext context, LambdaChoice choice, SolveOptions options, string? outPath, string? plotPath)
    {
        var problem = choice.Problem;
        var clock = Stopwatch.StartNew();
        var solution = LiveProgress.Run(context, $"solving P_λ at λ = {Tables.Num(choice.Lambda)}: column generation, then the exact certificate", () => problem.Solve(choice.Lambda, options));
        var seconds = clock.Elapsed.TotalSeconds;
        if (solution.Certification.NotDecided is { } reason)
        {
            context.Error.WriteLine($"warning: the result is NOT certified optimal (exit code 3): double precision cannot decide it here: {reason}");
        }
        else if (!solution.Certified)
        {
            context.Error.WriteLine(
                $"warning: the solver stopped after {solution.Rounds} rounds with gap {Tables.Num(solution.Gap)} above the tolerance {Tables.Num(solution.Certification.Tolerance)}: the result is NOT certified optimal (exit code 3)");
        }
        if (solution.Exact is { Verdict: not "verified" } exact)
        {
            context.Error.WriteLine($"warning: exact mode did not verify the solution (verdict {exact.Verdict}, exit code 3): {string.Join("; ", exact.Failures)}");
        }
        context.Emit(outPath, SolveJson.Of(solution, seconds, choice.LambdaMax), console => Tables.WriteSolution(console, choice, solution, seconds));
        if (plotPath is not null)
        {
            var written = LiveProgress.Run(context, "plotting", () => Plots.Write(problem, solution, plotPath));
            context.Output.WriteLine(problem.Dimension <= 2
                ? $"plot: {written}"
                : $"plot: {written} (data against fit; the pictures of the fit and of η are for d ≤ 2)");
        }
        return solution;
    }

    /// <summary>The weighted (label-noise) problem: solve, report, plot the fit; exit code as for P_λ.</summary>
    private static int RunWeighted(CliContext context, LambdaChoice choice, double? tolerance, string? outPath, string? plotPath)
    {
        var problem = choice.Problem;
        var clock = Stopwatch.StartNew();
        var solution = LiveProgress.Run(context, $"solving the weighted problem at λ = {Tables.Num(choice.Lambda)} (sliding Frank–Wolfe, exact weighted oracle)",
            () => problem.SolveWeighted(choice.Lambda, new FrankWolfeOptions { Tolerance = tolerance }));
        var seconds = clock.Elapsed.TotalSeconds;
        if (!solution.Certified)
        {
            context.Error.WriteLine(
                $"warning: sliding Frank–Wolfe stopped after {solution.Rounds} rounds with gap {Tables.Num(solution.Gap)} above the tolerance {Tables.Num(solution.Certification.Tolerance)}: the result is NOT certified optimal (exit code 3)");
        }
        var weightedTv = problem.WeightedTotalVariation(solution.Measure);
        context.Emit(outPath, WeightedSolveJson.Of(choice, solution, weightedTv, seconds), console =>
        {
            console.Write(Tables.KeyValues(Tables.Heading("solve --weighted", problem, choice.Lambda),
            [
                ("convention", WeightedSolveJson.WeightedConvention),
                .. Tables.LambdaRows(choice),
                ("objective J_ω(ν)", Tables.Num(solution.Objective)),
                ("dual objective (lower bound)", Tables.Num(solution.Certification.DualObjective)),
                ("certified gap", Tables.Num(solution.Gap)),
                ("tolerance", Tables.Num(solution.Certification.Tolerance)),
                ("certified", solution.Certified ? "yes" : "NO"),
                ("exact sup |η_ω|", Tables.Num(solution.Certification.CertificateSup)),
                ("∫ ω d|ν| (weighted TV)", Tables.Num(weightedTv)),
                ("Frank–Wolfe rounds", solution.Rounds.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                ("seconds", Tables.Num(seconds, 3)),
            ]));
            console.Write(Tables.Atoms(solution.Measure, "measure ν"));
        });
        if (plotPath is not null)
        {
            var written = LiveProgress.Run(context, "plotting", () => Plots.WriteFit(problem, solution.Measure, choice.Lambda, solution.Certified, solution.Gap, plotPath, "weighted-TV (label-noise) problem"));
            context.Output.WriteLine($"plot: {written}");
        }
        return solution.Certified ? Cli.Success : Cli.NotCertified;
    }
}
