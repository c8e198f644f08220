using System.CommandLine;
using TvRelu.Cli.Json;
using TvRelu.Cli.Output;

namespace TvRelu.Cli.Commands;

/// <summary>`tvrelu certify`: audits a measure from any source with the exact certificate (THEORY.md §2).</summary>
internal static class CertifyCommand
{
    internal static Command Create(CliContext context)
    {
        var input = new ProblemInput();
        var measure = new Option<string>("--measure")
        {
            Description = "JSON file with the atoms {\"direction\": [d+1 numbers], \"amplitude\": a}, under 'measure.atoms' (as `solve` writes) or 'atoms'",
            Required = true,
        };
        var tolerance = CliOptions.Tolerance();
        var output = CliOptions.Out("the audit");
        var command = new Command("certify", "Objective, exact certificate supremum and certified optimality gap of a given measure.")
        {
            input.Data, input.Lambda, measure, tolerance, output,
        };
        command.SetAction(Cli.Guarded(context, parsed =>
        {
            var (problem, lambda) = input.Read(parsed);
            var atoms = JsonFiles.ReadAtoms(parsed.GetValue(measure)!);
            // The dimension is taken from the file, so that a mismatch with the data is reported as such.
            var mu = Measure.FromAtoms(atoms.Count > 0 ? atoms[0].Direction.Count : problem.Dimension + 1, atoms);
            var report = problem.Certify(mu, lambda, parsed.GetValue(tolerance));
            var document = new CertifyJson(
                TvReluProblem.Convention, problem.DataPoints, problem.Dimension, lambda,
                report.Objective, report.DualObjective, report.Gap, report.Tolerance, report.Certified, report.CertificateSup,
                MeasureJson.Of(mu));
            context.Emit(parsed.GetValue(output), document, console =>
            {
                console.Write(Tables.KeyValues(Tables.Heading("certify", problem, lambda),
                [
                    ("convention", TvReluProblem.Convention),
                    ("objective J(μ)", Tables.Num(report.Objective)),
                    ("dual objective (lower bound on J*)", Tables.Num(report.DualObjective)),
                    ("certified gap J(μ) − J* ≤", Tables.Num(report.Gap)),
                    ("tolerance", Tables.Num(report.Tolerance)),
                    ("certified", report.Certified ? "yes" : "NO"),
                    ("exact sup |η|", Tables.Num(report.CertificateSup)),
                ]));
                console.Write(Tables.Atoms(mu));
            });
            return Cli.Success;
        }));
        return command;
    }
}
