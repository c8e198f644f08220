namespace TvRelu.ProofsChecks

open System
open System.Collections.Generic
open System.IO
open System.Text
open System.Text.Json

/// The JSON-lines form of trial records (System.Text.Json, camelCase, one record per line):
/// `claim`, `trial`, `seed`, `passed`, `applicable`, `inconclusive`, `kind`, `message`, `quantities` (name → number),
/// `series` (name → array), `counterexample`, `originalRows`, `shrunkRows`, `elapsedMs`.
/// NaN is written as null and ±∞ as the strings "Infinity"/"-Infinity", so every line is valid JSON.
module JsonLines =

    let private writeNumber (w: Utf8JsonWriter) (x: float) =
        if Double.IsNaN x then
            w.WriteNullValue()
        elif Double.IsPositiveInfinity x then
            w.WriteStringValue "Infinity"
        elif Double.IsNegativeInfinity x then
            w.WriteStringValue "-Infinity"
        else
            w.WriteNumberValue x

    let private readNumber (e: JsonElement) =
        match e.ValueKind with
        | JsonValueKind.Number -> e.GetDouble()
        | JsonValueKind.String ->
            match e.GetString() with
            | "Infinity" -> infinity
            | "-Infinity" -> -infinity
            | s -> Double.Parse(s, Globalization.CultureInfo.InvariantCulture)
        | _ -> nan

    /// One record as one line of JSON (no trailing newline).
    let toJson (r: TrialRecord) =
        use ms = new MemoryStream()

        (use w = new Utf8JsonWriter(ms, JsonWriterOptions(Indented = false))
         w.WriteStartObject()
         w.WriteString("claim", r.Claim)
         w.WriteNumber("trial", r.Trial)
         w.WriteNumber("seed", r.Seed)
         w.WriteBoolean("passed", r.Passed)
         w.WriteBoolean("applicable", r.Applicable)
         w.WriteBoolean("inconclusive", r.Inconclusive)
         w.WriteString("kind", r.Kind)
         w.WriteString("message", r.Message)
         w.WriteStartObject("quantities")

         for kv in r.Quantities |> Seq.sortBy (fun kv -> kv.Key) do
             w.WritePropertyName kv.Key
             writeNumber w kv.Value

         w.WriteEndObject()
         w.WriteStartObject("series")

         for kv in r.Series |> Seq.sortBy (fun kv -> kv.Key) do
             w.WriteStartArray kv.Key

             for x in kv.Value do
                 writeNumber w x

             w.WriteEndArray()

         w.WriteEndObject()
         w.WriteString("counterexample", r.Counterexample)
         w.WriteNumber("originalRows", r.OriginalRows)
         w.WriteNumber("shrunkRows", r.ShrunkRows)
         w.WriteNumber("elapsedMs", r.ElapsedMs)
         w.WriteEndObject())

        Encoding.UTF8.GetString(ms.ToArray())

    /// Parses one line; raises on malformed JSON or a missing required field.
    let ofJson (line: string) : TrialRecord =
        use doc = JsonDocument.Parse line
        let root = doc.RootElement

        let str (name: string) =
            match root.TryGetProperty name with
            | true, e when e.ValueKind = JsonValueKind.String -> e.GetString()
            | _ -> ""

        let int32 (name: string) =
            match root.TryGetProperty name with
            | true, e when e.ValueKind = JsonValueKind.Number -> e.GetInt32()
            | _ -> 0

        let quantities = Dictionary<string, float>()

        match root.TryGetProperty "quantities" with
        | true, e when e.ValueKind = JsonValueKind.Object ->
            for p in e.EnumerateObject() do
                quantities.[p.Name] <- readNumber p.Value
        | _ -> ()

        let series = Dictionary<string, float[]>()

        match root.TryGetProperty "series" with
        | true, e when e.ValueKind = JsonValueKind.Object ->
            for p in e.EnumerateObject() do
                series.[p.Name] <- [| for x in p.Value.EnumerateArray() -> readNumber x |]
        | _ -> ()

        {
            Claim = root.GetProperty("claim").GetString()
            Trial = root.GetProperty("trial").GetInt32()
            Seed = root.GetProperty("seed").GetInt64()
            Passed = root.GetProperty("passed").GetBoolean()
            Applicable =
                (match root.TryGetProperty "applicable" with
                 | true, e -> e.GetBoolean()
                 | _ -> true)
            Inconclusive =
                (match root.TryGetProperty "inconclusive" with
                 | true, e -> e.GetBoolean()
                 | _ -> false)
            Kind = str "kind"
            Message = str "message"
            Quantities = quantities
            Series = series
            Counterexample = str "counterexample"
            OriginalRows = int32 "originalRows"
            ShrunkRows = int32 "shrunkRows"
            ElapsedMs =
                (match root.TryGetProperty "elapsedMs" with
                 | true, e -> readNumber e
                 | _ -> 0.0)
        }

    /// Parses one line, or None when it is not a complete record (a line cut by a kill).
    let tryOfJson (line: string) =
        if String.IsNullOrWhiteSpace line then
            None
        else
            try
                Some(ofJson line)
            with _ ->
                None

    /// The records of a file, and the number of lines that were not complete records.
    let read (path: string) =
        let records = ResizeArray<TrialRecord>()
        let mutable bad = 0

        for line in File.ReadAllLines path do
            if not (String.IsNullOrWhiteSpace line) then
                match tryOfJson line with
                | Some r -> records.Add r
                | None -> bad <- bad + 1

        records.ToArray(), bad

    /// A record's identity without its timing field: two runs of the same trial give equal strings.
    let identity (r: TrialRecord) = toJson { r with ElapsedMs = 0.0 }
