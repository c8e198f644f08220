namespace TvRelu.Core.Data

open System

/// Why a data set was refused. Every case names the place of the problem so that a user
/// can fix the file rather than guess.
type DataError =
    | EmptyDataset
    | ZeroDimension
    | RaggedRow of row: int * expected: int * actual: int
    | LabelCountMismatch of rows: int * labels: int
    | NonFiniteInput of row: int * column: int * value: float
    | NonFiniteLabel of row: int * value: float
    /// A CSV problem at a 1-based line (0 when it concerns the whole file, such as a missing file).
    | Malformed of line: int * message: string

    /// A one-line explanation for people (1-based rows and columns, as in a spreadsheet).
    member e.Message =
        match e with
        | EmptyDataset -> "the data set is empty: at least one row is needed"
        | ZeroDimension -> "the inputs have no coordinates (d = 0): at least one x column is needed besides y"
        | RaggedRow(r, e, a) -> sprintf "row %d has %d input columns but row 1 has %d" (r + 1) a e
        | LabelCountMismatch(r, l) -> sprintf "%d input rows but %d labels" r l
        | NonFiniteInput(r, c, v) -> sprintf "row %d, column x%d is %g: inputs must be finite numbers" (r + 1) (c + 1) v
        | NonFiniteLabel(r, v) -> sprintf "row %d, label y is %g: labels must be finite numbers" (r + 1) v
        | Malformed(0, m) -> m
        | Malformed(l, m) -> sprintf "line %d: %s" l m

/// Raised by the throwing constructors; carries the structured error.
exception DataException of DataError with
    override this.Message = this.Data0.Message

/// Validated training data: inputs x_i ∈ R^d, labels y_i, and the augmented inputs
/// x̃_i = (x_i, 1) ∈ R^{d+1} that put the bias inside the neuron (THEORY.md §1).
/// Immutable: the constructor copies its arguments and the accessors copy out.
[<Sealed>]
type Dataset private (x: float[][], y: float[]) =
    let d = x.[0].Length
    let augmented = x |> Array.map (fun r -> Array.append r [| 1.0 |])

    /// Number of data points N.
    member _.Count = x.Length
    /// Input dimension d (neurons live on S^d ⊂ R^{d+1}).
    member _.Dimension = d
    /// The input x_i (a copy).
    member _.Input(i: int) = Array.copy x.[i]
    /// The label y_i.
    member _.Label(i: int) = y.[i]
    /// All labels (a copy).
    member _.Labels = Array.copy y
    /// All inputs (copies).
    member _.Inputs = x |> Array.map Array.copy
    member internal _.InputsRaw = x
    member internal _.LabelsRaw = y
    /// x̃_i = (x_i, 1), shared read-only storage for the numerical kernels.
    member internal _.AugmentedRaw = augmented

    /// Validates and builds a data set. Duplicates, collinear points and N < d + 1 are valid.
    static member Create(inputs: float[][], labels: float[]) : Result<Dataset, DataError> =
        if isNull inputs || inputs.Length = 0 then
            Error EmptyDataset
        elif isNull labels || labels.Length <> inputs.Length then
            Error(LabelCountMismatch(inputs.Length, (if isNull labels then 0 else labels.Length)))
        else
            let d = if isNull inputs.[0] then 0 else inputs.[0].Length

            if d = 0 then
                Error ZeroDimension
            else
                let problem =
                    seq {
                        for r in 0 .. inputs.Length - 1 do
                            let row = inputs.[r]
                            let len = if isNull row then 0 else row.Length

                            if len <> d then
                                yield RaggedRow(r, d, len)
                            else
                                for c in 0 .. d - 1 do
                                    if not (Double.IsFinite row.[c]) then
                                        yield NonFiniteInput(r, c, row.[c])

                            if not (Double.IsFinite labels.[r]) then
                                yield NonFiniteLabel(r, labels.[r])
                    }
                    |> Seq.tryHead

                match problem with
                | Some e -> Error e
                | None -> Ok(Dataset(inputs |> Array.map Array.copy, Array.copy labels))

    /// Like Create, but raises DataException.
    static member CreateOrRaise(inputs: float[][], labels: float[]) =
        match Dataset.Create(inputs, labels) with
        | Ok ds -> ds
        | Error e -> raise (DataException e)

    /// The same inputs with other labels (used when a residual or a noisy copy is needed).
    member this.WithLabels(labels: float[]) = Dataset.CreateOrRaise(x, labels)
