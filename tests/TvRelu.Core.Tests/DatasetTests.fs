/// Bad input: every kind is refused with the right DataError case and a message that names the
/// place (1-based rows and columns for Dataset.Create, file lines for CSV syntax).
module TvRelu.Core.Tests.DatasetTests

open System
open System.IO
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open TvRelu.Core.Tests.Generators
open TvRelu.Core.Data

let private errorOf result =
    match result with
    | Ok(_: Dataset) -> failwith "expected the data to be refused, but it was accepted"
    | Error(e: DataError) -> e

let private contains (needle: string) (e: DataError) =
    Assert.True(e.Message.Contains needle, sprintf "message %A should contain %A" e.Message needle)

let private create (x: float[][]) (y: float[]) = errorOf (Dataset.Create(x, y))

[<Fact>]
let ``empty inputs are refused as EmptyDataset`` () =
    Assert.Equal(EmptyDataset, create [||] [||])
    Assert.Equal(EmptyDataset, create null [||])
    contains "empty" EmptyDataset

[<Fact>]
let ``inputs without coordinates are refused as ZeroDimension`` () =
    let e = create [| [||]; [||] |] [| 1.0; 2.0 |]
    Assert.Equal(ZeroDimension, e)
    contains "d = 0" e

[<Fact>]
let ``a ragged row is named with its 1-based number and both widths`` () =
    let e = create [| [| 1.0; 2.0 |]; [| 3.0; 4.0 |]; [| 5.0 |] |] [| 0.0; 0.0; 0.0 |]
    Assert.Equal(RaggedRow(2, 2, 1), e)
    contains "row 3" e
    contains "1 input columns" e
    let e = create [| [| 1.0 |]; null |] [| 0.0; 0.0 |]
    Assert.Equal(RaggedRow(1, 1, 0), e)

[<Fact>]
let ``a label count that differs from the row count is refused`` () =
    let e = create [| [| 1.0 |]; [| 2.0 |]; [| 3.0 |] |] [| 1.0; 2.0 |]
    Assert.Equal(LabelCountMismatch(3, 2), e)
    contains "3 input rows but 2 labels" e
    Assert.Equal(LabelCountMismatch(1, 0), create [| [| 1.0 |] |] null)

/// Replaces one entry of a valid matrix (or one label) by NaN or ±∞: the error names exactly
/// that row and column, whatever the size and place.
[<Property(Arbitrary = [| typeof<GaussianInputs> |], MaxTest = 100)>]
let ``a non-finite input or label is named by row and column``
    (case: GaussianData)
    (pick: NonNegativeInt)
    (which: NonNegativeInt)
    (inLabel: bool)
    =
    let bad = [| nan; infinity; -infinity |].[which.Get % 3]
    let n = case.X.Length
    let r = pick.Get % n
    let c = (pick.Get / n) % case.D
    let x = case.X |> Array.map Array.copy
    let y = Array.copy case.Labels
    if inLabel then y.[r] <- bad else x.[r].[c] <- bad
    let e = create x y

    match e with
    | NonFiniteLabel(row, v) when inLabel ->
        Assert.Equal(r, row)
        Assert.True(v.Equals bad)
        contains (sprintf "row %d, label y" (r + 1)) e
    | NonFiniteInput(row, col, v) when not inLabel ->
        Assert.Equal((r, c), (row, col))
        Assert.True(v.Equals bad)
        contains (sprintf "row %d, column x%d" (r + 1) (c + 1)) e
    | other -> failwithf "wrong error %A for a %g at row %d column %d (label: %b)" other bad r c inLabel

[<Property(Arbitrary = [| typeof<HardData> |], MaxTest = 100)>]
let ``duplicates, collinear points and N < d + 1 are valid and copied in`` (case: LatticeData) =
    let x = case.Inputs
    let y = Array.copy case.Labels
    let data = Dataset.CreateOrRaise(x, y)
    // Mutating the caller's arrays afterwards must not change the data set.
    x.[0].[0] <- 12345.0
    y.[0] <- -12345.0
    Assert.Equal(case.Points.Length, data.Count)
    Assert.Equal(case.D, data.Dimension)
    Assert.Equal<float[]>(case.Inputs, data.Inputs)
    Assert.Equal<float[]>(case.Labels, data.Labels)

[<Fact>]
let ``CreateOrRaise raises DataException carrying the error`` () =
    let ex =
        Assert.Throws<DataException>(fun () -> Dataset.CreateOrRaise([| [| nan |] |], [| 0.0 |]) |> ignore)

    Assert.Contains("row 1, column x1", ex.Message)

// ---------------------------------------------------------------------------------------------
// CSV

let private parse text = Csv.parse text

[<Fact>]
let ``CSV with and without header, comments, blank lines and CRLF`` () =
    for text in
        [
            "x1,x2,y\n1,2,3\n4,5,6\n"
            "1,2,3\r\n\r\n# a comment\n4,5,6"
            " 1 , 2 , 3 \n4,5,6\n\n"
        ] do
        match parse text with
        | Error e -> failwithf "%A refused: %s" text e.Message
        | Ok d ->
            Assert.Equal<float[]>([| [| 1.0; 2.0 |]; [| 4.0; 5.0 |] |], d.Inputs)
            Assert.Equal<float>([| 3.0; 6.0 |], d.Labels)

[<Fact>]
let ``CSV without data rows is EmptyDataset`` () =
    for text in [ ""; "\n\n"; "# only a comment\n"; "x1,y\n" ] do
        Assert.Equal(EmptyDataset, errorOf (parse text))

[<Fact>]
let ``a CSV field that is not a number is named by file line and field`` () =
    let e = errorOf (parse "x1,x2,y\n1,2,3\n\n4,abc,6\n")

    match e with
    | Malformed(4, m) ->
        Assert.Contains("field 2", m)
        Assert.Contains("abc", m)
        contains "line 4" e
    | other -> failwithf "wrong error %A" other

[<Fact>]
let ``a CSV line with a different number of fields is named by file line`` () =
    let e = errorOf (parse "x1,x2,y\n1,2,3\n4,5\n")

    match e with
    | Malformed(3, m) -> Assert.Contains("2 fields", m)
    | other -> failwithf "wrong error %A" other

    match errorOf (parse "1,2,3\n4,5,6,7\n") with
    | Malformed(2, m) -> Assert.Contains("4 fields", m)
    | other -> failwithf "wrong error %A" other

[<Fact>]
let ``a CSV with one column has no inputs`` () =
    match errorOf (parse "y\n1\n2\n") with
    | Malformed(2, m) -> Assert.Contains("one column", m)
    | other -> failwithf "wrong error %A" other

/// A first line that mixes numbers and text is a broken data row, not a header: reading it as a
/// header would silently drop a row of the user's data.
[<Fact>]
let ``a malformed first data row is not mistaken for a header`` () =
    match errorOf (parse "1.5,abc\n2,3\n4,5\n") with
    | Malformed(1, m) -> Assert.Contains("abc", m)
    | other -> failwithf "wrong error %A" other

[<Fact>]
let ``NaN and infinities in a CSV are refused with their data row and column`` () =
    match errorOf (parse "x1,x2,y\n1,2,3\n4,nan,6\n") with
    | NonFiniteInput(1, 1, v) as e ->
        Assert.True(Double.IsNaN v)
        contains "row 2, column x2" e
    | other -> failwithf "wrong error %A" other

    match errorOf (parse "1,2,3\n4,5,-inf\n") with
    | NonFiniteLabel(1, v) -> Assert.Equal(-infinity, v)
    | other -> failwithf "wrong error %A" other

    match errorOf (parse "1e400,2\n") with
    | NonFiniteInput(0, 0, v) -> Assert.Equal(infinity, v)
    | other -> failwithf "wrong error %A" other

[<Fact>]
let ``a missing CSV file is an error naming the file, not an exception`` () =
    let path = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N") + ".csv")

    match Csv.load path with
    | Error(Malformed(_, m)) -> Assert.Contains(path, m)
    | other -> failwithf "wrong result %A" other

/// Writing any valid data set as CSV (round-trip format) and reading it back gives the same numbers.
[<Property(Arbitrary = [| typeof<HardData> |], MaxTest = 100)>]
let ``CSV round trip is exact`` (case: LatticeData) (header: bool) (jitter: float) =
    let x =
        case.Inputs
        |> Array.map (Array.map (fun v -> if Double.IsFinite jitter then v + jitter * 1e-3 else v))

    let fmt (v: float) =
        v.ToString("R", Globalization.CultureInfo.InvariantCulture)

    let lines =
        Array.map2 (fun (r: float[]) (l: float) -> String.Join(",", Array.append (Array.map fmt r) [| fmt l |])) x case.Labels

    let head = String.Join(",", [ for k in 1 .. case.D -> sprintf "x%d" k ] @ [ "y" ])

    let text =
        String.Join("\n", (if header then Array.append [| head |] lines else lines))

    match parse text with
    | Error e -> failwithf "refused: %s" e.Message
    | Ok d ->
        Assert.Equal<float[]>(x, d.Inputs)
        Assert.Equal<float>(case.Labels, d.Labels)
