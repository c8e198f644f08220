using System.CommandLine;

namespace TvRelu.Cli.Commands;

/// <summary>`--model` with `--entry` / `--lambda`: the network `predict` and `export` read from a result file.</summary>
internal sealed class ModelInput
{
    internal Option<string> Model { get; } = new("--model")
    {
        Description = "JSON written by solve, solve --weighted, train or certify (or a path: then choose a record with --entry or --lambda)",
        Required = true,
    };

    internal Option<int?> Entry { get; } = new("--entry")
    {
        Description = "the record K (1-based) of a file holding several (a regularisation path)",
    };

    internal Option<double?> Lambda { get; } = new("--lambda")
    {
        Description = "the record at this λ of a file holding several (a regularisation path)",
    };

    internal Option[] All => [Model, Entry, Lambda];

    internal Json.NetworkModel Read(ParseResult parsed) =>
        Json.JsonFiles.ReadNetwork(parsed.GetValue(Model)!, parsed.GetValue(Entry), parsed.GetValue(Lambda));
}
