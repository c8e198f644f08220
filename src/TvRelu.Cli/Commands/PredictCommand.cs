using System.CommandLine;
using System.Globalization;
using System.Text;

namespace TvRelu.Cli.Commands;

/// <summary>
/// `tvrelu predict`: the network of a result file evaluated at the rows of a CSV file,
/// f(x) = Σ_j c_j max(⟨w_j, x⟩ + b_j, 0) (THEORY.md §1), written as CSV.
/// </summary>
internal static class PredictCommand
{
    internal static Command Create(CliContext context)
    {
        var model = new ModelInput();
        var data = new Option<string>("--data")
        {
            Description = "CSV file of inputs: d columns x1..xd, or d + 1 columns x1..xd, y (comma-, tab- or semicolon-separated, optional header)",
            Required = true,
        };
        var delimiter = CliOptions.Delimiter();
        var output = new Option<string?>("--out")
        {
            Description = "write the predictions to this CSV file instead of the standard output",
        };
        var command = new Command("predict", "Evaluate the network of a solve, train, certify or path result at new inputs: CSV columns x1..xd[, y], f (and f − y when y is given).")
        {
            model.Model, model.Entry, model.Lambda, data, delimiter, output,
        };
        command.SetAction(Cli.Guarded(context, parsed =>
        {
            var network = model.Read(parsed);
            var path = parsed.GetValue(data)!;
            var rows = CsvTable.ReadRows(path, parsed.GetValue(delimiter));
            var columns = rows[0].Count;
            var d = network.Dimension;
            if (columns != d && columns != d + 1)
            {
                throw new TvReluInputException(
                    $"data file '{path}' has {columns} column{(columns == 1 ? "" : "s")}, but the model takes d = {d} inputs: give {d} columns (x) or {d + 1} (x and y)");
            }
            var hasLabels = columns == d + 1;
            var csv = new StringBuilder();
            csv.Append(string.Join(",", Enumerable.Range(1, d).Select(k => $"x{k}")));
            csv.Append(hasLabels ? ",y,f,residual\n" : ",f\n");
            foreach (var row in rows)
            {
                var x = row.Take(d).ToArray();
                var f = network.Network.Evaluate(x);
                var fields = x.Select(Round).ToList();
                fields.AddRange(hasLabels ? [Round(row[d]), Round(f), Round(f - row[d])] : [Round(f)]);
                csv.Append(string.Join(",", fields)).Append('\n');
            }
            if (parsed.GetValue(output) is { } outPath)
            {
                var full = Plotting.Plots.WritablePath(outPath);
                File.WriteAllText(full, csv.ToString());
                context.Output.WriteLine($"wrote {outPath}: {Output.Tables.Count(rows.Count, "prediction")} of {network.Source}");
            }
            else
            {
                context.Output.Write(csv.ToString());
            }
            return Cli.Success;
        }));
        return command;
    }

    /// <summary>Round-trip precision: the CSV holds the very doubles computed.</summary>
    private static string Round(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}
