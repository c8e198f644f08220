using System.CommandLine;
using System.Globalization;
using TvRelu.Cli.Json;
using TvRelu.Cli.Output;

namespace TvRelu.Cli.Commands;

/// <summary>`tvrelu regions`: the exact cell count of the data's hyperplane arrangement (THEORY.md §3).</summary>
internal static class RegionsCommand
{
    internal static Command Create(CliContext context)
    {
        var data = new DataInput();
        var faces = CliOptions.Faces("the f-vector and the Euler-characteristic check");
        var output = CliOptions.Out("the counts");
        var command = new Command("regions", "Enumerate the dual regions (cells of the data's hyperplane arrangement) exactly.")
        {
            data.Data, faces, output,
        };
        command.SetAction(Cli.Guarded(context, parsed =>
        {
            var problem = data.Load(parsed);
            var report = Output.LiveProgress.Run(context, "enumerating the dual regions", () => problem.Regions(parsed.GetValue(faces)));
            context.Emit(parsed.GetValue(output), RegionsJson.Of(report), console =>
            {
                var rows = new List<(string, string)>
                {
                    ("cells (dual regions)", Count(report.Cells)),
                    ("cells with an active neuron", Count(report.CellsWithActiveNeurons)),
                    ("distinct hyperplanes", Count(report.Hyperplanes)),
                    ("Cover's count (general position)", report.CoverCount.ToString(CultureInfo.InvariantCulture)),
                    ("general position", report.GeneralPosition is { } g ? Tables.YesNo(g) : "not checked (too many subsets)"),
                };
                if (report.FVector is { } f)
                {
                    rows.Add(("f-vector [f0..fd]", "[" + string.Join(", ", f) + "]"));
                    rows.Add(("Euler characteristic", $"{report.EulerCharacteristic} (expected {report.ExpectedEulerCharacteristic})"));
                }
                console.Write(Tables.KeyValues(Tables.Heading("regions", problem), rows));
            });
            return Cli.Success;
        }));
        StreamingCommands.ExtendRegions(command, context, data, output);
        return command;
    }

    private static string Count(int n) => n.ToString(CultureInfo.InvariantCulture);
}
