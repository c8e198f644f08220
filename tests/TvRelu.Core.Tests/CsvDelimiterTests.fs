/// CSV separators: comma, tab and semicolon, detected from the first line or given; anything else, and
/// decimal commas, refused with a message that names the accepted formats.
module TvRelu.Core.Tests.CsvDelimiterTests

open System
open Xunit
open FsCheck.Xunit
open TvRelu.Core.Data
open TvRelu.Core.Tests.Generators

let private fmt (v: float) =
    v.ToString("R", Globalization.CultureInfo.InvariantCulture)

let private text (separator: string) (header: bool) (case: LatticeData) =
    let lines =
        Array.map2
            (fun (r: float[]) (l: float) -> String.Join(separator, Array.append (Array.map fmt r) [| fmt l |]))
            case.Inputs
            case.Labels

    let head =
        String.Join(separator, [ for k in 1 .. case.D -> sprintf "x%d" k ] @ [ "y" ])

    String.Join("\n", (if header then Array.append [| head |] lines else lines))

let private message result =
    match result with
    | Ok(_: Dataset) -> failwith "expected the data to be refused, but it was accepted"
    | Error(e: DataError) -> e.Message

/// The same data written with each separator reads back to the same numbers, detected or named.
[<Property(Arbitrary = [| typeof<HardData> |], MaxTest = 100)>]
let ``tab and semicolon files read like comma files, detected or given`` (case: LatticeData) (header: bool) =
    for separator in [ ','; '\t'; ';' ] do
        let content = text (string separator) header case

        for given in [ None; Some separator ] do
            match Csv.parseWith given content with
            | Error e -> failwithf "separator %A (%A) refused: %s" separator given e.Message
            | Ok d ->
                Assert.Equal<float[]>(case.Inputs, d.Inputs)
                Assert.Equal<float>(case.Labels, d.Labels)

[<Fact>]
let ``detection: a tab wins over a semicolon, a semicolon over a comma`` () =
    Assert.Equal('\t', Csv.detectDelimiter "x1\tx2;y")
    Assert.Equal(';', Csv.detectDelimiter "x1;x2,5;y")
    Assert.Equal(',', Csv.detectDelimiter "x1,x2,y")
    Assert.Equal(',', Csv.detectDelimiter "1 2 3")

[<Fact>]
let ``decimal commas are refused by name with any separator`` () =
    for content in [ "x;y\n1,5;2\n"; "x\ty\n1\t2,25\n" ] do
        let m = message (Csv.parse content)
        Assert.Contains("decimal comma", m)
        Assert.Contains("'.'", m)

[<Fact>]
let ``other separators are refused naming the accepted formats`` () =
    for content in [ "x|y\n1|2\n3|4\n"; "x y\n1 2\n3 4\n"; "1:2\n3:4\n" ] do
        let m = message (Csv.parse content)
        Assert.Contains("comma-, tab- or semicolon-separated", m)

[<Fact>]
let ``a separator that is not accepted is refused before reading`` () =
    let m = message (Csv.parseWith (Some '|') "1|2\n")
    Assert.Contains("'|' is not a field separator", m)

[<Fact>]
let ``a given separator is used even where detection would choose another`` () =
    // Read as comma-separated, "1;2" is one field that is not a number.
    let m = message (Csv.parseWith (Some ',') "x,y\n1;2,3\n")
    Assert.Contains("'1;2'", m)

    match Csv.parseWith (Some ';') "a,b;c\n1;2\n" with
    | Ok d -> Assert.Equal<float>([| 2.0 |], d.Labels)
    | Error e -> failwith e.Message

[<Fact>]
let ``parseTable keeps one-column tables and their file lines`` () =
    match Csv.parseTable None "x\n# comment\n1.5\n\n-2\n" with
    | Error e -> failwith e.Message
    | Ok(rows, separator) ->
        Assert.Equal(',', separator)
        Assert.Equal<(int * float[])[]>([| 3, [| 1.5 |]; 5, [| -2.0 |] |], rows)
