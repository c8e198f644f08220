using System.CommandLine;

namespace TvRelu.Cli.Commands;

/// <summary>`tvrelu demo`: the main job on an embedded 1-D data set, with no arguments.</summary>
internal static class DemoCommand
{
    /// <summary>λ for the demo: small enough to resolve both kinks, large enough to ignore the noise.</summary>
    internal const double Lambda = 0.02;

    internal const string PlotName = "tvrelu-demo.png";

    internal static Command Create(CliContext context)
    {
        var outDir = new Option<string?>("--out-dir")
        {
            Description = $"directory for {PlotName} (default: the current directory)",
        };
        var command = new Command("demo", $"Solve an embedded 1-D example (18 noisy points of a two-kink target) at λ = {Lambda}, print the certified result and write {PlotName}.")
        {
            outDir,
        };
        command.SetAction(Cli.Guarded(context, parsed =>
        {
            var dir = parsed.GetValue(outDir) ?? Directory.GetCurrentDirectory();
            if (!Directory.Exists(dir))
            {
                throw new TvReluInputException($"output directory '{dir}' does not exist");
            }
            var problem = TvReluProblem.FromCsvText(ReadEmbeddedData()).WithLimits(CliOptions.Limits(parsed)).WithMethod(MethodCliOptions.Read(parsed));
            context.Output.WriteLine(
                $"demo: {problem.DataPoints} noisy points of f(x) = 0.9 relu(x + 0.45) − 2 relu(x − 0.35), λ = {Lambda}");
            var solution = SolveCommand.Run(context, new LambdaChoice(problem, Lambda, problem.LambdaMax), SolveOptions.Default, null, Path.Combine(dir, PlotName));
            return SolveCommand.ExitCode(solution);
        }));
        return command;
    }

    private static string ReadEmbeddedData()
    {
        using var stream = typeof(DemoCommand).Assembly.GetManifestResourceStream("TvRelu.Cli.demo.csv")
            ?? throw new InvalidOperationException("the embedded demo data are missing from the assembly");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
