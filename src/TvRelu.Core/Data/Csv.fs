namespace TvRelu.Core.Data

open System
open System.Globalization
open System.IO

/// Reading data sets from CSV: an optional header row, the columns x1..xd, and the label y last.
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

    /// Parses CSV text. The first non-empty line is a header when none of its fields is a number; a
    /// first line that mixes numbers and text is a broken data row and is reported, not dropped.
    /// NaN and infinities are parsed so that validation can name them (they are then refused).
    let parse (text: string) : Result<Dataset, DataError> =
        let lines =
            text.Split('\n')
            |> Array.mapi (fun i l -> i + 1, l.TrimEnd('\r'))
            |> Array.filter (fun (_, l) -> l.Trim() <> "" && not (l.TrimStart().StartsWith "#"))

        if lines.Length = 0 then
            Error EmptyDataset
        else
            let split (l: string) = l.Split(',')
            let _, first = lines.[0]
            let isHeader = split first |> Array.forall (fun f -> (parseNumber f).IsNone)
            let body = if isHeader then lines.[1..] else lines

            if body.Length = 0 then
                Error EmptyDataset
            else
                let width = (split (snd body.[0])).Length

                if width < 2 then
                    Error(Malformed(fst body.[0], "a row needs at least one input column and the label y (found one column)"))
                else
                    let rows = ResizeArray()
                    let labels = ResizeArray()
                    let mutable err = None

                    for (ln, l) in body do
                        if err.IsNone then
                            let fields = split l

                            if fields.Length <> width then
                                err <- Some(Malformed(ln, sprintf "%d fields, but the first data row has %d" fields.Length width))
                            else
                                let parsed = fields |> Array.map parseNumber

                                match parsed |> Array.tryFindIndex Option.isNone with
                                | Some c ->
                                    err <- Some(Malformed(ln, sprintf "field %d ('%s') is not a number" (c + 1) (fields.[c].Trim())))
                                | None ->
                                    let v = parsed |> Array.map Option.get
                                    rows.Add(v.[0 .. width - 2])
                                    labels.Add(v.[width - 1])

                    match err with
                    | Some e -> Error e
                    | None -> Dataset.Create(rows.ToArray(), labels.ToArray())

    /// Reads and parses a CSV file; a missing file is reported as an error, not an exception.
    let load (path: string) : Result<Dataset, DataError> =
        if not (File.Exists path) then
            Error(Malformed(0, sprintf "file '%s' does not exist" path))
        else
            parse (File.ReadAllText path)
