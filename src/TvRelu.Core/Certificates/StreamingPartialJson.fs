namespace TvRelu.Core.Certificates

open System
open System.IO
open System.Text
open System.Text.Json
open TvRelu.Core.Numerics
open TvRelu.Core.Data
open TvRelu.Core.Arrangements
open TvRelu.Core.Cones

/// The JSON form of a shard's partial (issue 13): written by one shard, read by the merge. Numbers
/// are written shortest-round-trip, so a partial read back is the partial written, bit for bit.
module StreamingPartialJson =

    /// The format tag every partial carries; a file without it is not a partial.
    [<Literal>]
    let Format = "tvrelu-streaming-partial/1"

    let private floats (w: Utf8JsonWriter) (name: string) (xs: float[]) =
        w.WriteStartArray name

        for x in xs do
            w.WriteNumberValue x

        w.WriteEndArray()

    let private ints (w: Utf8JsonWriter) (name: string) (xs: int[]) =
        w.WriteStartArray name

        for x in xs do
            w.WriteNumberValue x

        w.WriteEndArray()

    let private witness (w: Utf8JsonWriter) (c: CellWitness) =
        w.WriteStartObject()
        floats w "edge" c.Edge
        floats w "inward" c.Inward
        ints w "zero" c.Zero
        w.WriteString("key", c.Key)
        w.WriteEndObject()

    let private best (w: Utf8JsonWriter) (name: string) (b: ArcBest) =
        w.WriteStartObject name
        w.WriteNumber("item", b.Item)
        w.WriteNumber("value", b.Value)
        floats w "argument" b.Argument

        match b.Witness with
        | Some c ->
            w.WritePropertyName "witness"
            witness w c
        | None -> w.WriteNull "witness"

        w.WriteEndObject()

    let private optional (w: Utf8JsonWriter) (name: string) (x: float option) =
        match x with
        | Some v -> w.WriteNumber(name, v)
        | None -> w.WriteNull name

    let private options (w: Utf8JsonWriter) (o: StreamingOptions) =
        w.WriteStartObject "options"
        optional w "saturationTolerance" o.SaturationTolerance
        w.WriteNumber("boundaryTolerance", o.BoundaryTolerance)
        optional w "violationThreshold" o.ViolationThreshold
        w.WriteNumber("maxViolations", o.MaxViolations)
        w.WriteBoolean("crossCheckCount", o.CrossCheckCount)
        w.WriteEndObject()

    /// The partial as JSON text.
    let write (p: StreamingPartial) =
        use stream = new MemoryStream()

        (use w = new Utf8JsonWriter(stream, JsonWriterOptions(Indented = true))
         w.WriteStartObject()
         w.WriteString("format", Format)
         w.WriteString("kind", p.Kind)
         w.WriteString("fingerprint", p.Fingerprint)
         w.WriteNumber("rows", p.Rows)
         w.WriteNumber("lambda", p.Lambda)
         w.WriteNumber("ambient", p.Ambient)
         w.WriteNumber("rank", p.Rank)
         w.WriteNumber("hyperplanes", p.Hyperplanes)
         w.WriteNumber("shardIndex", p.ShardIndex)
         w.WriteNumber("shardCount", p.ShardCount)
         w.WriteNumber("itemCount", p.ItemCount)
         ints w "items" p.Items
         options w p.Options
         best w "plus" p.Plus
         best w "minus" p.Minus
         w.WriteNumber("maxPiece", p.MaxPiece)
         w.WriteNumber("arcs", p.Arcs)
         w.WriteNumber("vertices", p.Vertices)
         w.WriteNumber("vertexZero", p.VertexZero)
         w.WriteNumber("edgeZero", p.EdgeZero)
         w.WriteNumber("splitCells", p.SplitCells)
         w.WriteStartArray "saturation"

         for f in p.Saturation do
             w.WriteStartObject()
             w.WriteNumber("item", f.Item)
             w.WriteNumber("order", f.Order)
             floats w "direction" f.Point.Direction
             w.WriteNumber("sign", f.Point.Sign)
             w.WriteNumber("value", f.Point.Value)
             w.WriteBoolean("interior", f.Point.Interior)
             w.WriteStartArray "cells"

             for c in f.Point.Cells do
                 witness w c

             w.WriteEndArray()
             w.WriteEndObject()

         w.WriteEndArray()
         w.WriteStartArray "violations"

         for f in p.Violations do
             w.WriteStartObject()
             w.WriteNumber("item", f.Item)
             w.WriteNumber("order", f.Order)
             w.WritePropertyName "cell"
             witness w f.Violation.Cell
             w.WriteNumber("sign", f.Violation.Sign)
             floats w "point" f.Violation.Projection.Point
             w.WriteNumber("norm", f.Violation.Projection.Norm)
             floats w "multipliers" f.Violation.Projection.Multipliers
             w.WriteEndObject()

         w.WriteEndArray()
         w.WriteBoolean("overflow", p.Overflow)
         w.WriteEndObject())

        Encoding.UTF8.GetString(stream.ToArray())

    /// A malformed partial: the message names the field.
    exception private Malformed of string

    let private field (e: JsonElement) (name: string) =
        match e.TryGetProperty name with
        | true, v -> v
        | _ -> raise (Malformed(sprintf "the field '%s' is missing" name))

    let private number (e: JsonElement) (name: string) =
        let v = field e name

        match v.ValueKind with
        | JsonValueKind.Number -> v
        | _ -> raise (Malformed(sprintf "the field '%s' is not a number" name))

    let private float' e name = (number e name).GetDouble()
    let private int' e name = (number e name).GetInt32()
    let private long' e name = (number e name).GetInt64()

    let private array (e: JsonElement) (name: string) =
        let v = field e name

        if v.ValueKind <> JsonValueKind.Array then
            raise (Malformed(sprintf "the field '%s' is not an array" name))

        [| for x in v.EnumerateArray() -> x |]

    let private floatArray e name =
        array e name |> Array.map (fun x -> x.GetDouble())

    let private intArray e name =
        array e name |> Array.map (fun x -> x.GetInt32())

    let private optionalFloat (e: JsonElement) (name: string) =
        match (field e name).ValueKind with
        | JsonValueKind.Null -> None
        | _ -> Some(float' e name)

    let private readWitness (e: JsonElement) =
        {
            Edge = floatArray e "edge"
            Inward = floatArray e "inward"
            Zero = intArray e "zero"
            Key = (field e "key").GetString()
        }

    let private readBest (e: JsonElement) =
        let w = field e "witness"

        {
            Item = int' e "item"
            Value = float' e "value"
            Argument = floatArray e "argument"
            Witness =
                (if w.ValueKind = JsonValueKind.Null then
                     None
                 else
                     Some(readWitness w))
        }

    let private readPartial (root: JsonElement) =
        let o = field root "options"

        {
            Kind = (field root "kind").GetString()
            Fingerprint = (field root "fingerprint").GetString()
            Rows = int' root "rows"
            Lambda = float' root "lambda"
            Ambient = int' root "ambient"
            Rank = int' root "rank"
            Hyperplanes = int' root "hyperplanes"
            ShardIndex = int' root "shardIndex"
            ShardCount = int' root "shardCount"
            ItemCount = int' root "itemCount"
            Items = intArray root "items"
            Options =
                { StreamingOptions.Default with
                    SaturationTolerance = optionalFloat o "saturationTolerance"
                    BoundaryTolerance = float' o "boundaryTolerance"
                    ViolationThreshold = optionalFloat o "violationThreshold"
                    MaxViolations = int' o "maxViolations"
                    CrossCheckCount = (field o "crossCheckCount").GetBoolean()
                }
            Plus = readBest (field root "plus")
            Minus = readBest (field root "minus")
            MaxPiece = float' root "maxPiece"
            Arcs = long' root "arcs"
            Vertices = long' root "vertices"
            VertexZero = long' root "vertexZero"
            EdgeZero = long' root "edgeZero"
            SplitCells = long' root "splitCells"
            Saturation =
                array root "saturation"
                |> Array.map (fun f ->
                    {
                        Item = int' f "item"
                        Order = int' f "order"
                        Point =
                            {
                                Direction = floatArray f "direction"
                                Sign = int' f "sign"
                                Value = float' f "value"
                                Interior = (field f "interior").GetBoolean()
                                Cells = array f "cells" |> Array.map readWitness
                            }
                    })
            Violations =
                array root "violations"
                |> Array.map (fun f ->
                    {
                        Item = int' f "item"
                        Order = int' f "order"
                        Violation =
                            {
                                Cell = readWitness (field f "cell")
                                Sign = int' f "sign"
                                Projection =
                                    {
                                        Point = floatArray f "point"
                                        Norm = float' f "norm"
                                        Multipliers = floatArray f "multipliers"
                                    }
                            }
                    })
            Overflow = (field root "overflow").GetBoolean()
        }

    /// The partial in JSON text, or why it is not one.
    let parse (text: string) : Result<StreamingPartial, string> =
        try
            use doc = JsonDocument.Parse text
            let root = doc.RootElement

            if root.ValueKind <> JsonValueKind.Object then
                Error "not a streaming partial: the JSON is not an object"
            else
                match root.TryGetProperty "format" with
                | true, f when f.ValueKind = JsonValueKind.String && f.GetString() = Format -> Ok(readPartial root)
                | true, f when f.ValueKind = JsonValueKind.String ->
                    Error(sprintf "unknown partial format '%s' (this tvrelu reads '%s')" (f.GetString()) Format)
                | _ -> Error(sprintf "not a streaming partial: no \"format\": \"%s\"" Format)
        with
        | :? JsonException as e -> Error(sprintf "not valid JSON: %s" e.Message)
        | Malformed m -> Error(sprintf "malformed partial: %s" m)
        | :? InvalidOperationException as e -> Error(sprintf "malformed partial: %s" e.Message)
        | :? FormatException as e -> Error(sprintf "malformed partial: %s" e.Message)
