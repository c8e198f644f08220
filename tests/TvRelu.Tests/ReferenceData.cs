using System.Text.Json;
using TvRelu.TestSupport;

namespace TvRelu.Tests;

/// <summary>
/// The reference data in ../shared/reference (next to the repository), with values from a separate
/// solver and a published table: an oracle independent of this code.
/// </summary>
public static class ReferenceData
{
    /// <summary>The reference directory (<see cref="SharedData"/>, the one locator of the tests).</summary>
    public static string Directory => SharedData.ReferenceDirectory;

    /// <summary>The path of a reference file.</summary>
    public static string PathOf(string file) => SharedData.ReferencePath(file);

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
}
