namespace TvRelu.ProofsChecks

open System
open System.Collections.Generic
open System.IO
open System.Text
open System.Text.Json

/// What makes two result files parts of one campaign: the same code version, campaign seed, number
/// of trials and set of claims. Recorded on the first line of every result file, so that `resume`
/// and `merge` refuse to mix records of different campaigns (issue 12).
type CampaignParameters =
    {
        /// The informational version of the audit engine that wrote the records (trial outcomes
        /// depend on the code, so records of two versions are two campaigns).
        Version: string
        /// The campaign seed.
        Seed: int64
        /// Trials per claim over all shards.
        Trials: int
        /// The ids of the claims the campaign runs, sorted.
        Claims: string[]
        /// The shard that wrote the file ("i/k"), or "merged" for the output of a merge. Informative:
        /// shards of one campaign differ here and nowhere else.
        Shard: string
    }

    /// The parameters of a campaign run by this code.
    static member Of(seed: int64, trials: int, claims: seq<string>, shard: string) =
        {
            Version = CampaignParameters.CurrentVersion
            Seed = seed
            Trials = trials
            Claims = claims |> Seq.sort |> Seq.toArray
            Shard = shard
        }

    /// This engine's informational version (with the commit it was built from, when known).
    static member CurrentVersion =
        let assembly = typeof<TrialRecord>.Assembly

        match Reflection.CustomAttributeExtensions.GetCustomAttribute<Reflection.AssemblyInformationalVersionAttribute>(assembly) with
        | null -> string (assembly.GetName().Version)
        | a -> a.InformationalVersion

    /// The parameters that differ between two campaigns (the shard is not one), for people; empty
    /// when they are one campaign.
    member p.DifferencesFrom(other: CampaignParameters) =
        [
            if p.Version <> other.Version then
                yield sprintf "version %s here, %s there" p.Version other.Version
            if p.Seed <> other.Seed then
                yield sprintf "seed %d here, %d there" p.Seed other.Seed
            if p.Trials <> other.Trials then
                yield sprintf "%d trials here, %d there" p.Trials other.Trials
            if p.Claims <> other.Claims then
                yield sprintf "claims {%s} here, {%s} there" (String.Join(", ", p.Claims)) (String.Join(", ", other.Claims))
        ]

/// A result file as read back: its campaign header, its complete records, and how it ends.
type ResultFile =
    {
        /// The header line's parameters; None when the first line is not a header (a file cut
        /// before its header was complete, or written before headers existed).
        Parameters: CampaignParameters option
        /// The lines that parse as complete records, in file order.
        Records: TrialRecord[]
        /// Non-empty lines that are neither the header nor a complete record (cut by a kill or a
        /// torn write, wherever they are), detected by parsing.
        BadLines: int
        /// The file is empty or ends with '\n' after a complete line: appending to it is safe.
        /// False after a torn write, even one that only lost the final newline, since the next
        /// record would be glued onto the last line.
        EndsCleanly: bool
    }

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

    /// The header line of a result file: `{"campaign": {version, seed, trials, claims, shard}}`.
    let headerJson (p: CampaignParameters) =
        use ms = new MemoryStream()

        (use w = new Utf8JsonWriter(ms, JsonWriterOptions(Indented = false))
         w.WriteStartObject()
         w.WriteStartObject("campaign")
         w.WriteString("version", p.Version)
         w.WriteNumber("seed", p.Seed)
         w.WriteNumber("trials", p.Trials)
         w.WriteStartArray("claims")

         for c in p.Claims do
             w.WriteStringValue c

         w.WriteEndArray()
         w.WriteString("shard", p.Shard)
         w.WriteEndObject()
         w.WriteEndObject())

        Encoding.UTF8.GetString(ms.ToArray())

    /// The parameters of a header line, or None when the line is not a complete header.
    let tryHeader (line: string) : CampaignParameters option =
        try
            use doc = JsonDocument.Parse line
            let c = doc.RootElement.GetProperty "campaign"

            Some
                {
                    Version = c.GetProperty("version").GetString()
                    Seed = c.GetProperty("seed").GetInt64()
                    Trials = c.GetProperty("trials").GetInt32()
                    Claims = [| for e in c.GetProperty("claims").EnumerateArray() -> e.GetString() |]
                    Shard = c.GetProperty("shard").GetString()
                }
        with _ ->
            None

    /// Reads a result file. Every line is parsed: a line cut anywhere, with or without its newline,
    /// is counted in `BadLines` and left out; a complete last line without its newline is kept, and
    /// `EndsCleanly` says that the file needs repair before anything is appended.
    let readFile (path: string) : ResultFile =
        let text = File.ReadAllText path
        let lines = text.Split '\n'
        let records = ResizeArray<TrialRecord>()
        let mutable bad = 0

        let header = if lines.Length > 0 then tryHeader lines.[0] else None

        for i in (if header.IsSome then 1 else 0) .. lines.Length - 1 do
            let line = lines.[i]

            if not (String.IsNullOrWhiteSpace line) then
                match tryOfJson line with
                | Some r -> records.Add r
                | None -> bad <- bad + 1

        {
            Parameters = header
            Records = records.ToArray()
            BadLines = bad
            EndsCleanly = bad = 0 && (text.Length = 0 || text.EndsWith '\n')
        }

    /// The records of a file, and the number of lines that were neither its header nor complete records.
    let read (path: string) =
        let file = readFile path
        file.Records, file.BadLines

    /// A record's identity without its timing field: two runs of the same trial give equal strings.
    let identity (r: TrialRecord) = toJson { r with ElapsedMs = 0.0 }
