using System.Text.Json;

namespace TvRelu.Tests;

/// <summary>
/// The reference data in ../shared/reference (next to the repository), with values from a separate
/// solver and a published table: an oracle independent of this code.
/// </summary>
public static class ReferenceData
{
    private static readonly Lazy<string> Root = new(Locate);

    /// <summary>The reference directory: walk up from the test binaries to the repository X with X/../shared/reference/expected.json.</summary>
    public static string Directory => Root.Value;

    public static string PathOf(string file) => Path.Combine(Directory, file);

    public static TvReluProblem Problem(string file) => TvReluProblem.FromCsv(PathOf(file));

    /// <summary>The `solve` cases: data file, λ, cells with an active neuron, objective bounds.</summary>
    public static TheoryData<string, double, int, double, double> SolveCases()
    {
        var cases = new TheoryData<string, double, int, double, double>();
        foreach (var c in Expected().GetProperty("solve").EnumerateArray())
        {
            cases.Add(
                c.GetProperty("data").GetString()!,
                c.GetProperty("lambda").GetDouble(),
                c.GetProperty("cellsWithActiveNeurons").GetInt32(),
                c.GetProperty("objectiveLower").GetDouble(),
                c.GetProperty("objectiveUpper").GetDouble());
        }
        return cases;
    }

    /// <summary>The cube cases: data file and the published number of cells.</summary>
    public static TheoryData<string, int> CellCountCases()
    {
        var cases = new TheoryData<string, int>();
        foreach (var c in Expected().GetProperty("cellCounts").EnumerateArray())
        {
            cases.Add(c.GetProperty("data").GetString()!, c.GetProperty("cells").GetInt32());
        }
        return cases;
    }

    private static JsonElement Expected()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(PathOf("expected.json")));
        return document.RootElement.Clone();
    }

    private static string Locate()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "reference"));
            if (File.Exists(Path.Combine(candidate, "expected.json")))
            {
                return candidate;
            }
        }
        throw new InvalidOperationException(
            $"no ../shared/reference/expected.json next to any parent of {AppContext.BaseDirectory}: the reference data are missing");
    }
}
