using System.Text.Json;

namespace TvRelu.Cli.Json;

/// <summary>A network read from a result file, with where it came from.</summary>
/// <param name="Network">The neurons x ↦ c · max(⟨w, x⟩ + b, 0).</param>
/// <param name="Dimension">d, the input dimension.</param>
/// <param name="Source">What was read, for messages: "the trained network (network.neurons)", "measure.atoms of entry 3 (λ = 0.01)", ….</param>
internal sealed record NetworkModel(TrainedNetwork Network, int Dimension, string Source);

// Reading the network of any result file: what `predict` and `export` take.
internal static partial class JsonFiles
{
    /// <summary>
    /// The network of a result file. `train` output: its raw weights `network.neurons` (exactly the trained
    /// network). `solve`, `solve --weighted` and `certify` output, or `{"atoms": [...]}`: the atoms
    /// a·δ_θ, θ = (w, b), are the neurons (w, b, a), since f_μ(x) = Σ a max(⟨θ, (x, 1)⟩, 0). A regularisation
    /// path (a JSON array of `solve` records, an object holding one such array, or JSON Lines) needs
    /// <paramref name="entry"/> (1-based) or <paramref name="lambda"/> to pick one record, unless it has one.
    /// </summary>
    internal static NetworkModel ReadNetwork(string path, int? entry, double? lambda)
    {
        var records = ReadRecords(path);
        var (record, where) = Pick(records, path, entry, lambda);
        if (record.TryGetProperty("network", out var network) && network.ValueKind == JsonValueKind.Object
            && network.TryGetProperty("neurons", out var neurons) && neurons.ValueKind == JsonValueKind.Array)
        {
            return FromNeurons(neurons, path, where);
        }
        JsonElement atoms = default;
        var found = (record.TryGetProperty("measure", out var measure) && measure.ValueKind == JsonValueKind.Object && measure.TryGetProperty("atoms", out atoms))
            || record.TryGetProperty("atoms", out atoms);
        if (!found || atoms.ValueKind != JsonValueKind.Array)
        {
            throw new TvReluInputException($"model file '{path}'{where} has no network: expected 'network.neurons' (train), 'measure.atoms' (solve, certify, path) or 'atoms'");
        }
        return FromAtoms(atoms, path, where);
    }

    private static NetworkModel FromNeurons(JsonElement neurons, string path, string where)
    {
        var list = new List<Neuron>();
        foreach (var n in neurons.EnumerateArray())
        {
            var what = $"neuron {list.Count + 1} of model file '{path}'{where}";
            if (n.ValueKind != JsonValueKind.Object || !n.TryGetProperty("inputWeights", out var w) || !n.TryGetProperty("bias", out var b) || !n.TryGetProperty("outputWeight", out var c))
            {
                throw new TvReluInputException($"{what} is not an object with 'inputWeights', 'bias' and 'outputWeight'");
            }
            list.Add(new Neuron(Finite(Numbers(w, $"the input weights of {what}"), what), Finite(Number(b, $"the bias of {what}"), what), Finite(Number(c, $"the output weight of {what}"), what)));
        }
        return Model(list, path, where, "the trained network (network.neurons)");
    }

    private static NetworkModel FromAtoms(JsonElement atoms, string path, string where)
    {
        var list = new List<Neuron>();
        foreach (var atom in atoms.EnumerateArray())
        {
            var what = $"atom {list.Count + 1} of model file '{path}'{where}";
            if (atom.ValueKind != JsonValueKind.Object || !atom.TryGetProperty("direction", out var direction) || !atom.TryGetProperty("amplitude", out var amplitude))
            {
                throw new TvReluInputException($"{what} is not an object with 'direction' and 'amplitude'");
            }
            var theta = Finite(Numbers(direction, $"the direction of {what}"), what);
            if (theta.Count < 2)
            {
                throw new TvReluInputException($"the direction of {what} has {theta.Count} numbers: a neuron θ = (w, b) needs d + 1 ≥ 2");
            }
            list.Add(new Neuron(theta.Take(theta.Count - 1).ToArray(), theta[^1], Finite(Number(amplitude, $"the amplitude of {what}"), what)));
        }
        return Model(list, path, where, "the measure's atoms (θ = (w, b), amplitude a)");
    }

    private static NetworkModel Model(List<Neuron> neurons, string path, string where, string source)
    {
        if (neurons.Count == 0)
        {
            throw new TvReluInputException($"model file '{path}'{where} has no neurons: the zero network predicts 0 everywhere, and its input dimension is unknown");
        }
        var d = neurons[0].InputWeights.Count;
        if (neurons.FindIndex(n => n.InputWeights.Count != d) is var bad and >= 0)
        {
            throw new TvReluInputException($"model file '{path}'{where}: neuron {bad + 1} has {neurons[bad].InputWeights.Count} input weights but neuron 1 has {d}");
        }
        return new NetworkModel(new TrainedNetwork(neurons), d, source + where);
    }

    /// <summary>The records of a file: a JSON object, a JSON array of objects (or an object holding one array of result records), or JSON Lines.</summary>
    private static IReadOnlyList<JsonElement> ReadRecords(string path)
    {
        if (!File.Exists(path))
        {
            throw new TvReluInputException($"model file '{path}' does not exist");
        }
        var text = File.ReadAllText(path);
        try
        {
            using var document = JsonDocument.Parse(text);
            var root = document.RootElement.Clone();
            if (root.ValueKind == JsonValueKind.Array)
            {
                return root.EnumerateArray().ToArray();
            }
            if (root.ValueKind == JsonValueKind.Object && !IsResult(root))
            {
                var arrays = root.EnumerateObject()
                    .Where(p => p.Value.ValueKind == JsonValueKind.Array && p.Value.GetArrayLength() > 0 && p.Value.EnumerateArray().All(IsResult))
                    .ToArray();
                if (arrays.Length == 1)
                {
                    return arrays[0].Value.EnumerateArray().ToArray();
                }
            }
            return [root];
        }
        catch (JsonException first)
        {
            // JSON Lines: one record per non-empty line.
            var lines = text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();
            if (lines.Length < 2)
            {
                throw new TvReluInputException($"model file '{path}' is not valid JSON: {first.Message}");
            }
            var records = new List<JsonElement>();
            foreach (var line in lines)
            {
                try
                {
                    using var document = JsonDocument.Parse(line);
                    records.Add(document.RootElement.Clone());
                }
                catch (JsonException e)
                {
                    throw new TvReluInputException($"model file '{path}' is neither JSON nor JSON Lines: record {records.Count + 1}: {e.Message}");
                }
            }
            return records;
        }
    }

    private static bool IsResult(JsonElement e) =>
        e.ValueKind == JsonValueKind.Object && (e.TryGetProperty("measure", out _) || e.TryGetProperty("network", out _) || e.TryGetProperty("atoms", out _));

    /// <summary>One record: the only one, the <paramref name="entry"/>-th (1-based), or the one at <paramref name="lambda"/>.</summary>
    private static (JsonElement Record, string Where) Pick(IReadOnlyList<JsonElement> records, string path, int? entry, double? lambda)
    {
        if (entry is not null && lambda is not null)
        {
            throw new TvReluInputException("give either --entry or --lambda to choose a record of the path, not both");
        }
        if (records.Count == 0)
        {
            throw new TvReluInputException($"model file '{path}' holds no record");
        }
        if (entry is { } k)
        {
            if (k < 1 || k > records.Count)
            {
                throw new TvReluInputException($"--entry {k} is out of range: model file '{path}' holds {records.Count} record{(records.Count == 1 ? "" : "s")}");
            }
            return (records[k - 1], records.Count == 1 ? "" : $" (entry {k} of {records.Count})");
        }
        var lambdas = records.Select(r => r.ValueKind == JsonValueKind.Object && r.TryGetProperty("lambda", out var l) && l.TryGetDouble(out var v) ? v : double.NaN).ToArray();
        if (lambda is { } target)
        {
            var i = Array.FindIndex(lambdas, l => Math.Abs(l - target) <= 1e-9 * Math.Abs(target));
            if (i < 0)
            {
                throw new TvReluInputException($"model file '{path}' has no record at λ = {Output.Tables.Num(target)}; its λ: {LambdaList(lambdas)}");
            }
            return (records[i], records.Count == 1 ? "" : $" (entry {i + 1} of {records.Count}, λ = {Output.Tables.Num(lambdas[i])})");
        }
        if (records.Count > 1)
        {
            throw new TvReluInputException($"model file '{path}' holds {records.Count} records (a path?): choose one with --entry K or --lambda L; its λ: {LambdaList(lambdas)}");
        }
        return (records[0], "");
    }

    private static string LambdaList(double[] lambdas) =>
        string.Join(", ", lambdas.Take(8).Select(l => Output.Tables.Num(l, 6))) + (lambdas.Length > 8 ? $", … ({lambdas.Length} in all)" : "");

    private static double Finite(double v, string what) =>
        double.IsFinite(v) ? v : throw new TvReluInputException($"{what} has a non-finite number");

    private static IReadOnlyList<double> Finite(IReadOnlyList<double> v, string what) =>
        v.All(double.IsFinite) ? v : throw new TvReluInputException($"{what} has a non-finite number");
}
