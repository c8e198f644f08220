using System.Numerics;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace TvRelu.Cli.Json;

/// <summary>Reading and writing the JSON files of the CLI (camelCase, indented).</summary>
internal static partial class JsonFiles
{
    internal static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        Converters = { new BigIntegerAsNumber() },
    };

    internal static void Write<T>(string path, T value)
    {
        var full = Path.GetFullPath(path);
        if (Path.GetDirectoryName(full) is { Length: > 0 } dir && !Directory.Exists(dir))
        {
            throw new TvReluInputException($"cannot write '{path}': the directory '{dir}' does not exist");
        }
        File.WriteAllText(full, JsonSerializer.Serialize(value, Options) + Environment.NewLine);
    }

    /// <summary>
    /// The atoms of a measure file from any source: `measure.atoms` (what `tvrelu solve` writes) or a
    /// top-level `atoms`, each `{"direction": [...], "amplitude": a}`. Directions need not be unit vectors.
    /// </summary>
    internal static IReadOnlyList<Atom> ReadAtoms(string path)
    {
        using var document = Parse(path, "measure file");
        var root = document.RootElement;
        JsonElement atoms = default;
        var found = root.ValueKind == JsonValueKind.Object
            && ((root.TryGetProperty("measure", out var measure) && measure.ValueKind == JsonValueKind.Object && measure.TryGetProperty("atoms", out atoms))
                || root.TryGetProperty("atoms", out atoms));
        if (!found || atoms.ValueKind != JsonValueKind.Array)
        {
            throw new TvReluInputException($"measure file '{path}' has no array 'measure.atoms' or 'atoms'");
        }
        var result = new List<Atom>();
        foreach (var atom in atoms.EnumerateArray())
        {
            var where = $"atom {result.Count + 1} of measure file '{path}'";
            if (atom.ValueKind != JsonValueKind.Object
                || !atom.TryGetProperty("direction", out var direction)
                || !atom.TryGetProperty("amplitude", out var amplitude))
            {
                throw new TvReluInputException($"{where} is not an object with 'direction' and 'amplitude'");
            }
            result.Add(new Atom(Numbers(direction, $"the direction of {where}"), Number(amplitude, $"the amplitude of {where}")));
        }
        return result;
    }

    /// <summary>A dual vector: `{"residual": [...]}` or a bare array of numbers.</summary>
    internal static double[] ReadResidual(string path)
    {
        using var document = Parse(path, "residual file");
        var root = document.RootElement;
        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("residual", out var residual))
        {
            root = residual;
        }
        if (root.ValueKind != JsonValueKind.Array)
        {
            throw new TvReluInputException($"residual file '{path}' holds neither {{\"residual\": [...]}} nor an array of numbers");
        }
        return Numbers(root, $"the residual in '{path}'").ToArray();
    }

    private static JsonDocument Parse(string path, string what)
    {
        if (!File.Exists(path))
        {
            throw new TvReluInputException($"{what} '{path}' does not exist");
        }
        try
        {
            return JsonDocument.Parse(File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            throw new TvReluInputException($"{what} '{path}' is not valid JSON: {e.Message}");
        }
    }

    private static double Number(JsonElement element, string what) =>
        element.ValueKind == JsonValueKind.Number && element.TryGetDouble(out var v)
            ? v
            : throw new TvReluInputException($"{what} is not a number");

    private static IReadOnlyList<double> Numbers(JsonElement element, string what)
    {
        if (element.ValueKind != JsonValueKind.Array)
        {
            throw new TvReluInputException($"{what} is not an array of numbers");
        }
        var index = 0;
        return element.EnumerateArray().Select(e => Number(e, $"entry {++index} of {what}")).ToArray();
    }

    /// <summary>Cover's count can exceed 64 bits: written as an exact JSON number.</summary>
    private sealed class BigIntegerAsNumber : JsonConverter<BigInteger>
    {
        public override BigInteger Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            BigInteger.Parse(System.Text.Encoding.UTF8.GetString(reader.ValueSpan), System.Globalization.CultureInfo.InvariantCulture);

        public override void Write(Utf8JsonWriter writer, BigInteger value, JsonSerializerOptions options) =>
            writer.WriteRawValue(value.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}
