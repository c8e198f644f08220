using System.CommandLine;
using System.Diagnostics;
using TvRelu.Cli.Json;
using TvRelu.Cli.Output;
using TvRelu.Cli.Plotting;

namespace TvRelu.Cli.Commands;

/// <summary>`tvrelu solve`: the certified global minimiser of P_λ (THEORY.md §1–§5).</summary>
internal static class SolveCommand
{
    internal static Command Create(CliContext context)
    {
        var input = new ProblemInput();
        var output = CliOptions.Out("the solution");
        var plot = new Option<string?>("--plot")
        {
            Description = "write a PNG: for d = 1 the data with the fit and its kinks, and η over the circle of neurons; for d ≥ 2 data against fit",
        };
        var tolerance = CliOptions.Tolerance();
        var faces = CliOptions.Faces("for the face bound on the saturation set");
        var command = new Command("solve", "Solve P_λ exactly: a sparse measure with a certified optimality gap, its saturation set, bounds and uniqueness.")
        {
            input.Data, input.Lambda, output, plot, tolerance, faces,
        };
        command.SetAction(Cli.Guarded(context, parsed =>
        {
            var (problem, lambda) = input.Read(parsed);
            var options = new SolveOptions { Tolerance = parsed.GetValue(tolerance), CountFaces = parsed.GetValue(faces) };
            Run(context, problem, lambda, options, parsed.GetValue(output), parsed.GetValue(plot));
            return Cli.Success;
        }));
        return command;
    }

    /// <summary>Solves, reports (JSON or tables), and plots when asked. Shared with `demo`.</summary>
    internal static Solution Run(CliContext context, TvReluProblem problem, double lambda, SolveOptions options, string? outPath, string? plotPath)
    {
        var clock = Stopwatch.StartNew();
        var solution = problem.Solve(lambda, options);
        var seconds = clock.Elapsed.TotalSeconds;
        if (!solution.Certified)
        {
            context.Error.WriteLine(
                $"warning: the solver stopped after {solution.Rounds} rounds with gap {Tables.Num(solution.Gap)} above the tolerance {Tables.Num(solution.Certification.Tolerance)}: the result is NOT certified optimal");
        }
        context.Emit(outPath, SolveJson.Of(solution, seconds), console => Tables.WriteSolution(console, problem, solution, seconds));
        if (plotPath is not null)
        {
            var written = Plots.Write(problem, solution, plotPath);
            context.Output.WriteLine(problem.Dimension == 1
                ? $"plot: {written}"
                : $"plot: {written} (data against fit; the plot of η over the circle of neurons is for d = 1 only)");
        }
        return solution;
    }
}
