namespace TvRelu.Core.Data

open System
open System.Globalization
open System.IO

/// Reading data sets from CSV: an optional header row, the columns x1..xd, and the label y last,
/// separated by commas, tabs or semicolons.
module Csv =

    let private parseNumber (s: string) =
        let t = s.Trim()

        match Double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture) with
        | true, v -> Some v
        | _ ->
            match t.ToLowerInvariant() with
            | "nan" -> Some nan
            | "inf"
            | "+inf"
            | "infinity" -> Some infinity
            | "-inf"
            | "-infinity" -> Some(-infinity)
            | _ -> None

    /// The field separators accepted: comma, tab and semicolon. A decimal comma is refused (with any
    /// separator): only '.' is read as the decimal point, so that a number means the same everywhere.
    let delimiters = [| ','; '\t'; ';' |]

    /// Names a separator for messages ("comma", "tab", "semicolon").
    let delimiterName (c: char) =
        match c with
        | ',' -> "comma"
        | '\t' -> "tab"
        | ';' -> "semicolon"
        | c -> sprintf "'%c'" c

    let private accepted =
        "the accepted formats are comma-, tab- or semicolon-separated values with '.' as the decimal point"

    /// The separator of a file: tab if its first content line has one, else semicolon if it has one,
    /// else comma. A comma inside a tab- or semicolon-separated line is then a decimal comma, refused
    /// by name rather than read as a column break.
    let detectDelimiter (firstLine: string) =
        if firstLine.Contains '\t' then '\t'
        elif firstLine.Contains ';' then ';'
        else ','

    /// Why a field is not a number, with a hint when the field looks like another format.
    let private notANumber (delimiter: char) (column: int) (field: string) =
        let t = field.Trim()

        let decimalComma =
            t.Contains ',' && (parseNumber (t.Replace(',', '.'))).IsSome && delimiter <> ','

        if decimalComma then
            sprintf "field %d ('%s') has a decimal comma: write it with '.' (%s)" column t accepted
        elif
            t
            |> Seq.exists (fun c -> Char.IsWhiteSpace c || c = '|' || c = ':' || Array.contains c delimiters)
        then
            sprintf "field %d ('%s') is not a number (the file is read as %s-separated; %s)" column t (delimiterName delimiter) accepted
        else
            sprintf "field %d ('%s') is not a number" column t

    /// The numeric rows of CSV text, each with its 1-based file line, all of one width (at least one column),
    /// and the separator used: the given one (comma, tab or semicolon) or, when None, the one detected from
    /// the first content line. Empty lines and lines starting with '#' are skipped. The first content line is
    /// a header when none of its fields is a number; a first line that mixes numbers and text is a broken
    /// data row and is reported, not dropped. NaN and infinities are parsed so that callers can name them.
    let parseTable (delimiter: char option) (text: string) : Result<(int * float[])[] * char, DataError> =
        let lines =
            text.Split('\n')
            |> Array.mapi (fun i l -> i + 1, l.TrimEnd('\r'))
            |> Array.filter (fun (_, l) -> l.Trim() <> "" && not (l.TrimStart().StartsWith "#"))

        match delimiter with
        | Some c when not (Array.contains c delimiters) ->
            Error(Malformed(0, sprintf "%s is not a field separator: %s" (delimiterName c) accepted))
        | _ when lines.Length = 0 -> Error EmptyDataset
        | _ ->
            let sep =
                delimiter |> Option.defaultWith (fun () -> detectDelimiter (snd lines.[0]))

            let split (l: string) = l.Split(sep)
            let _, first = lines.[0]
            let isHeader = split first |> Array.forall (fun f -> (parseNumber f).IsNone)
            let body = if isHeader then lines.[1..] else lines

            if body.Length = 0 then
                Error EmptyDataset
            // A header that names more or fewer columns than the rows hold is a broken file (a row cut short, or
            // a header from another file), not data of a different dimension (issue 12, fuzz campaign).
            elif isHeader && (split first).Length <> (split (snd body.[0])).Length then
                Error(
                    Malformed(fst body.[0], sprintf "%d fields, but the header has %d" (split (snd body.[0])).Length (split first).Length)
                )
            else
                let width = (split (snd body.[0])).Length
                let rows = ResizeArray()
                let mutable err = None

                for (ln, l) in body do
                    if err.IsNone then
                        let fields = split l

                        if fields.Length <> width then
                            err <- Some(Malformed(ln, sprintf "%d fields, but the first data row has %d" fields.Length width))
                        else
                            let parsed = fields |> Array.map parseNumber

                            match parsed |> Array.tryFindIndex Option.isNone with
                            | Some c -> err <- Some(Malformed(ln, notANumber sep (c + 1) fields.[c]))
                            | None -> rows.Add(ln, parsed |> Array.map Option.get)

                match err with
                | Some e -> Error e
                | None -> Ok(rows.ToArray(), sep)

    /// Parses CSV text whose fields are separated by the given delimiter (comma, tab or semicolon), or by
    /// the one detected from the first content line when None (see parseTable): the columns x1..xd and the
    /// label y last. NaN and infinities are refused by the data set's validation, which names them.
    let parseWith (delimiter: char option) (text: string) : Result<Dataset, DataError> =
        match parseTable delimiter text with
        | Error e -> Error e
        | Ok(rows, sep) ->
            let line, firstRow = rows.[0]

            if firstRow.Length < 2 then
                Error(
                    Malformed(
                        line,
                        sprintf
                            "a row needs at least one input column and the label y (found one column when read as %s-separated; %s)"
                            (delimiterName sep)
                            accepted
                    )
                )
            else
                let width = firstRow.Length
                Dataset.Create(rows |> Array.map (fun (_, v) -> v.[0 .. width - 2]), rows |> Array.map (fun (_, v) -> v.[width - 1]))

    /// Parses CSV text with the separator detected from its first content line (see parseWith).
    let parse (text: string) : Result<Dataset, DataError> = parseWith None text

    /// Reads and parses a CSV file; a missing file is reported as an error, not an exception.
    let load (path: string) : Result<Dataset, DataError> =
        if not (File.Exists path) then
            Error(Malformed(0, sprintf "file '%s' does not exist" path))
        else
            parse (File.ReadAllText path)
