using System.CommandLine;
using TvRelu.Cli.Json;
using TvRelu.Cli.Output;

namespace TvRelu.Cli.Commands;

/// <summary>`tvrelu certificate`: the exact extremes of the certificate of a given dual vector (THEORY.md §2–§3).</summary>
internal static class CertificateCommand
{
    /// <summary>|η| within this of 1 is saturated: the library's saturation tolerance (<see cref="DualCertificate.Saturation"/>).</summary>
    private const double SaturationTolerance = 1e-6;

    internal static Command Create(CliContext context)
    {
        var input = new ProblemInput();
        var residual = new Option<string>("--residual")
        {
            Description = "JSON file with the dual vector q (one entry per data row): {\"residual\": [...]} or a bare array",
            Required = true,
        };
        var output = CliOptions.Out("the extremes and the saturation set");
        var command = new Command("certificate", "Exact sup and inf of the certificate η = ⟨q, φ(θ)⟩/λ over the whole sphere, and its saturation set (for an infeasible q: the regions' extremes above 1, which are no saturation set).")
        {
            input.Data, input.Lambda, residual, output,
        };
        command.SetAction(Cli.Guarded(context, parsed =>
        {
            var q = JsonFiles.ReadResidual(parsed.GetValue(residual)!);
            var choice = input.Read(parsed, context);
            var (problem, lambda) = choice;
            var certificate = problem.CertificateOf(q, lambda);
            // Every region's extreme with |η| ≥ 1 − tolerance, split into the points at ±1 (within the
            // tolerance) and those above 1: only the former form a saturation set, and only if none is above.
            var extremes = LiveProgress.Run(context, "the exact extremes of η over every region", () => certificate.Saturation(SaturationTolerance));
            var violations = extremes.Where(p => Math.Abs(p.Value) > 1 + SaturationTolerance).ToArray();
            IReadOnlyList<SaturationPoint> saturation = violations.Length > 0 ? [] : extremes;
            // Under a budget, branch and bound can stop before it reaches every leaf: the list is then a part of the set.
            var complete = certificate.SaturationComplete(SaturationTolerance);
            var document = new CertificateJson(
                TvReluProblem.Convention, problem.DataPoints, problem.Dimension, lambda,
                ExtremumJson.Of(certificate.Supremum), ExtremumJson.Of(certificate.Infimum),
                certificate.SupremumAbs, certificate.IsFeasible, SaturationJson.Of(saturation), complete,
                violations.Select(p => new ViolationJson(p.Direction, p.Sign, p.Value, p.Interior)).ToArray(),
                certificate.Method, SupremumBoundsJson.Of(certificate.SupremumInterval), SupremumBoundsJson.Of(certificate.InfimumInterval));
            context.Emit(parsed.GetValue(output), document, console =>
            {
                console.Write(Tables.KeyValues(Tables.Heading("certificate", problem, lambda),
                [
                    .. Tables.LambdaRows(choice),
                    (certificate.SupremumInterval is { Exact: false } ? "sup η (within the interval below)" : "sup η (exact)", Tables.Num(certificate.Supremum.Value)),
                    ("  attained at", Tables.Vec(certificate.Supremum.Argument)),
                    (certificate.InfimumInterval is { Exact: false } ? "inf η (within the interval below)" : "inf η (exact)", Tables.Num(certificate.Infimum.Value)),
                    ("  attained at", Tables.Vec(certificate.Infimum.Argument)),
                    ("sup |η|", Tables.Num(certificate.SupremumAbs)),
                    ("dual feasible (sup |η| ≤ 1)", Tables.YesNo(certificate.IsFeasible)),
                    .. MethodCliOptions.IntervalRows(certificate),
                    .. (complete ? [] : new[] { ("saturation set", "partial: the branch-and-bound search stopped at its budget before every leaf") }),
                ]));
                console.Write(violations.Length > 0 ? Tables.Violations(violations, certificate.SupremumAbs) : Tables.Saturation(saturation));
            });
            return Cli.Success;
        }));
        StreamingCommands.ExtendCertificate(command, context, input, residual, output);
        return command;
    }
}
