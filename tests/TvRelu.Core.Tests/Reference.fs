/// The shared reference material (`<repo>/../shared/reference`): data sets and values computed by a
/// separate solver and from a published table, an oracle independent of this code.
module TvRelu.Core.Tests.Reference

open System
open System.IO
open System.Text.Json
open TvRelu.Core.Data
open TvRelu.TestSupport

/// A file of the shared reference data (`TvRelu.TestSupport.SharedData`, the one locator of the tests).
let referencePath (file: string) = SharedData.ReferencePath file

/// A reference data set, which must load.
let load (file: string) =
    match Csv.load (referencePath file) with
    | Ok d -> d
    | Error e -> failwithf "reference data %s does not load: %s" file e.Message

type SolveCase =
    {
        Data: string
        Lambda: float
        Note: string
        CellsWithActiveNeurons: int
        ObjectiveLower: float
        ObjectiveUpper: float
    }

    override c.ToString() =
        sprintf "%s (λ = %g, %s)" c.Data c.Lambda c.Note

type CountCase = { Data: string; Cells: int }

let private expected =
    lazy (JsonDocument.Parse(File.ReadAllText(referencePath "expected.json")).RootElement)

/// The `solve` cases of expected.json.
let solveCases () =
    [
        for e in expected.Value.GetProperty("solve").EnumerateArray() ->
            {
                Data = e.GetProperty("data").GetString()
                Lambda = e.GetProperty("lambda").GetDouble()
                Note = e.GetProperty("note").GetString()
                CellsWithActiveNeurons = e.GetProperty("cellsWithActiveNeurons").GetInt32()
                ObjectiveLower = e.GetProperty("objectiveLower").GetDouble()
                ObjectiveUpper = e.GetProperty("objectiveUpper").GetDouble()
            }
    ]

/// The `cellCounts` cases of expected.json (the cube table).
let countCases () =
    [
        for e in expected.Value.GetProperty("cellCounts").EnumerateArray() ->
            {
                Data = e.GetProperty("data").GetString()
                Cells = e.GetProperty("cells").GetInt32()
            }
    ]
