namespace TvRelu;

/// <summary>The field separator of a CSV data file. '.' is always the decimal point.</summary>
public enum CsvDelimiter
{
    /// <summary>
    /// From the first content line: tab if it has a tab, else semicolon if it has a semicolon, else comma.
    /// A comma inside a tab- or semicolon-separated field is then a decimal comma, refused by name.
    /// </summary>
    Detect,

    /// <summary>Comma-separated values.</summary>
    Comma,

    /// <summary>Tab-separated values.</summary>
    Tab,

    /// <summary>Semicolon-separated values.</summary>
    Semicolon,
}
