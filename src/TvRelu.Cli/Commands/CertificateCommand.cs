using System.CommandLine;
using TvRelu.Cli.Json;
using TvRelu.Cli.Output;

namespace TvRelu.Cli.Commands;

/// <summary>`tvrelu certificate`: the exact extremes of the certificate of a given dual vector (THEORY.md §2–§3).</summary>
internal static class CertificateCommand
{
    internal static Command Create(CliContext context)
    {
        var input = new ProblemInput();
        var residual = new Option<string>("--residual")
        {
            Description = "JSON file with the dual vector q (one entry per data row): {\"residual\": [...]} or a bare array",
            Required = true,
        };
        var output = CliOptions.Out("the extremes and the saturation set");
        var command = new Command("certificate", "Exact sup and inf of the certificate η = ⟨q, φ(θ)⟩/λ over the whole sphere, and its saturation set.")
        {
            input.Data, input.Lambda, residual, output,
        };
        command.SetAction(Cli.Guarded(context, parsed =>
        {
            var (problem, lambda) = input.Read(parsed);
            var q = JsonFiles.ReadResidual(parsed.GetValue(residual)!);
            var certificate = problem.CertificateOf(q, lambda);
            var saturation = certificate.Saturation();
            var document = new CertificateJson(
                TvReluProblem.Convention, problem.DataPoints, problem.Dimension, lambda,
                ExtremumJson.Of(certificate.Supremum), ExtremumJson.Of(certificate.Infimum),
                certificate.SupremumAbs, certificate.IsFeasible, SaturationJson.Of(saturation));
            context.Emit(parsed.GetValue(output), document, console =>
            {
                console.Write(Tables.KeyValues(Tables.Heading("certificate", problem, lambda),
                [
                    ("sup η (exact)", Tables.Num(certificate.Supremum.Value)),
                    ("  attained at", Tables.Vec(certificate.Supremum.Argument)),
                    ("inf η (exact)", Tables.Num(certificate.Infimum.Value)),
                    ("  attained at", Tables.Vec(certificate.Infimum.Argument)),
                    ("sup |η|", Tables.Num(certificate.SupremumAbs)),
                    ("dual feasible (sup |η| ≤ 1)", Tables.YesNo(certificate.IsFeasible)),
                ]));
                console.Write(Tables.Saturation(saturation));
            });
            return Cli.Success;
        }));
        StreamingCommands.ExtendCertificate(command, context, input, residual, output);
        return command;
    }
}
