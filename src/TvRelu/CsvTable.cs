using System.Globalization;
using Microsoft.FSharp.Core;
using TvRelu.Core.Data;

namespace TvRelu;

/// <summary>
/// Numeric tables from CSV files in the format of <see cref="TvReluProblem.FromCsv(string)"/> (optional header,
/// comment lines, comma, tab or semicolon separators, '.' as the decimal point), without the split into
/// inputs and labels: for example the inputs at which to evaluate a trained network, with or without labels.
/// </summary>
public static class CsvTable
{
    /// <summary>The rows of a CSV file, all of one width (at least one column), every entry finite.</summary>
    /// <param name="path">The file.</param>
    /// <param name="delimiter">The field separator, or <see cref="CsvDelimiter.Detect"/>.</param>
    /// <returns>The rows, in file order.</returns>
    /// <exception cref="TvReluInputException">The file is missing or unreadable, ragged, has a field that is not a number, or a NaN or infinity.</exception>
    public static IReadOnlyList<IReadOnlyList<double>> ReadRows(string path, CsvDelimiter delimiter = CsvDelimiter.Detect)
    {
        var source = $"data file '{path}'";
        var result = Csv.parseTable(Separator(delimiter), ReadText(path));
        if (result.IsError)
        {
            throw new TvReluInputException($"{source}: {result.ErrorValue.Message}", nameof(path));
        }
        var rows = result.ResultValue.Item1;
        foreach (var (line, values) in rows.Select(r => (r.Item1, r.Item2)))
        {
            var bad = Array.FindIndex(values, v => !double.IsFinite(v));
            if (bad >= 0)
            {
                throw new TvReluInputException(
                    $"{source}: line {line}, field {bad + 1} is {values[bad].ToString(CultureInfo.InvariantCulture)}: entries must be finite numbers", nameof(path));
            }
        }
        return ReadOnly.Map(rows, r => (IReadOnlyList<double>)Array.AsReadOnly(r.Item2));
    }

    /// <summary>The text of a data file; a missing, directory or unreadable path is bad input.</summary>
    internal static string ReadText(string path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new TvReluInputException("no data file was given", nameof(path));
        }
        if (Directory.Exists(path))
        {
            throw new TvReluInputException($"data file '{path}' is a directory, not a CSV file", nameof(path));
        }
        if (!File.Exists(path))
        {
            throw new TvReluInputException($"data file '{path}' does not exist", nameof(path));
        }
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TvReluInputException($"data file '{path}' cannot be read: {e.Message}", nameof(path), e);
        }
    }

    /// <summary>The core's separator: None to detect.</summary>
    internal static FSharpOption<char> Separator(CsvDelimiter delimiter) => delimiter switch
    {
        CsvDelimiter.Detect => FSharpOption<char>.None,
        CsvDelimiter.Comma => FSharpOption<char>.Some(','),
        CsvDelimiter.Tab => FSharpOption<char>.Some('\t'),
        CsvDelimiter.Semicolon => FSharpOption<char>.Some(';'),
        _ => throw new TvReluInputException($"unknown CSV delimiter {delimiter}", nameof(delimiter)),
    };
}
