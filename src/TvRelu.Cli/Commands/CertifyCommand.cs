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
            Description = "JSON file with the atoms {\"direction\": [d+1 numbers], \"amplitude\": a}, under 'measure.atoms' (as solve, train and certify write) or 'atoms'",
            Required = true,
        };
        var tolerance = CliOptions.Tolerance();
        var output = CliOptions.Out("the audit");
        var exact = CliOptions.Exact();
        var command = new Command("certify", "Objective, exact certificate supremum and certified optimality gap of a given measure (from solve, train, certify, path, or any other tool). Exit code 0 certified, 3 not certified.")
        {
            input.Data, input.Lambda, measure, tolerance, output, exact,
        };
        command.SetAction(Cli.Guarded(context, parsed =>
        {
            var atoms = JsonFiles.ReadAtoms(parsed.GetValue(measure)!);
            var choice = input.Read(parsed, context);
            var (problem, lambda) = choice;
            // The dimension is taken from the file, so that a mismatch with the data is reported as such.
            var mu = Measure.FromAtoms(atoms.Count > 0 ? atoms[0].Direction.Count : problem.Dimension + 1, atoms);
            var report = LiveProgress.Run(context, "certifying: the exact supremum of the certificate over every region",
                () => problem.Certify(mu, lambda, parsed.GetValue(tolerance), parsed.GetValue(exact)));
            var document = new CertifyJson(
                TvReluProblem.Convention, problem.DataPoints, problem.Dimension, lambda, choice.LambdaMax, choice.Ratio,
                report.Objective, report.DualObjective, report.Gap, report.Tolerance, report.Certified, report.CertificateSup,
                MeasureJson.Of(mu), ExactJson.Of(report.Exact), report.Method, SupremumBoundsJson.Of(report.SupremumBounds));
            context.Emit(parsed.GetValue(output), document, console =>
            {
                console.Write(Tables.KeyValues(Tables.Heading("certify", problem, lambda),
                [
                    ("convention", TvReluProblem.Convention),
                    .. Tables.LambdaRows(choice),
                    ("objective J(μ)", Tables.Num(report.Objective)),
                    ("dual objective (lower bound on J*)", Tables.Num(report.DualObjective)),
                    ("certified gap J(μ) − J* ≤", Tables.Num(report.Gap)),
                    ("tolerance", Tables.Num(report.Tolerance)),
                    ("certified", report.Certified ? "yes" : "NO"),
                    .. MethodCliOptions.SupremumRows(report),
                ]));
                Tables.WriteExact(console, report.Exact);
                console.Write(Tables.Atoms(mu));
            });
            var verified = report.Certified && report.Exact is null or { Verdict: "verified" };
            if (report.NotDecided is { } reason)
            {
                context.Error.WriteLine($"note: the measure is NOT certified (exit code 3): double precision cannot decide it here: {reason}");
            }
            else if (!verified)
            {
                context.Error.WriteLine("note: the measure is NOT certified optimal at this tolerance (exit code 3)");
            }
            return verified ? Cli.Success : Cli.NotCertified;
        }));
        return command;
    }
}
