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

    /// <summary>Writes the document as indented JSON (callers write to a staged path, see <see cref="CliContext.Stage"/>).</summary>
    internal static void Write<T>(string path, T value) =>
        File.WriteAllText(path, JsonSerializer.Serialize(value, Options) + Environment.NewLine);

    /// <summary>
    /// The full path of an output file, checked before any work is done: not empty, not a directory, in a directory
    /// that exists, with a file name the file system accepts.
    /// </summary>
    /// <param name="path">The path as given.</param>
    /// <param name="option">The option that gave it, for the message.</param>
    /// <exception cref="TvReluInputException">The file cannot be written there.</exception>
    internal static string OutputPath(string? path, string option = "the output file")
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new TvReluInputException($"{option} is empty: name a file to write");
        }
        string full;
        try
        {
            full = Path.GetFullPath(path);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new TvReluInputException($"{option} '{path}' is not a valid path: {e.Message}");
        }
        if (Directory.Exists(full) || full.EndsWith(Path.DirectorySeparatorChar))
        {
            throw new TvReluInputException($"{option} '{path}' is a directory, not a file");
        }
        if (Path.GetDirectoryName(full) is { Length: > 0 } dir && !Directory.Exists(dir))
        {
            throw new TvReluInputException($"cannot write '{path}' ({option}): the directory '{dir}' does not exist");
        }
        // Most file systems take names of at most 255 bytes; the staged name adds a prefix of 38.
        if (System.Text.Encoding.UTF8.GetByteCount(Path.GetFileName(full)) > 255 - 38)
        {
            throw new TvReluInputException($"{option} '{path}' has a file name too long for the file system");
        }
        return full;
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
            var theta = Numbers(direction, $"the direction of {where}");
            if (theta.Count > 0 && theta.All(v => v == 0))
            {
                throw new TvReluInputException($"{where} has the zero direction [{string.Join(", ", theta.Select(_ => "0"))}]: a neuron needs a non-zero θ = (w, b)");
            }
            result.Add(new Atom(theta, Number(amplitude, $"the amplitude of {where}")));
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

    /// <summary>A JSON number as a finite double: .NET reads 1e400 as Infinity, which is refused here with its text.</summary>
    private static double Number(JsonElement element, string what)
    {
        if (element.ValueKind != JsonValueKind.Number || !element.TryGetDouble(out var v))
        {
            throw new TvReluInputException($"{what} is not a number");
        }
        if (!double.IsFinite(v))
        {
            throw new TvReluInputException($"{what} is {element.GetRawText()}, beyond the range of double precision");
        }
        return v;
    }

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
