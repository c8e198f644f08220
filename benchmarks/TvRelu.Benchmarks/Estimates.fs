/// The measurements behind the façade's cost model (src/TvRelu/CostModel.cs, issue 12 item 8): each
/// enumeration runs in a fresh process, so that its peak working set is its own, and is printed next to the
/// façade's estimate. `-- estimates` runs the series; `-- estimate d N` is one run of it.
module TvRelu.Benchmarks.Estimates

open System
open System.Diagnostics
open TvRelu.Core.Data
open TvRelu.Core.Arrangements

/// The series the constants were fitted on: Gaussian data, 10,000 to 1,000,000 cells, d = 1 … 6.
let series =
    [
        1, 5000
        1, 10000
        1, 20000
        1, 40000
        2, 200
        2, 400
        2, 700
        2, 1000
        3, 50
        3, 80
        3, 120
        4, 25
        4, 35
        4, 45
        5, 20
        5, 26
        5, 32
        6, 18
        6, 22
        6, 26
    ]

/// One enumeration in this process: "cells seconds peakMB baselineMB".
let one (d: int) (n: int) =
    let data = Workloads.teacher 13 d n
    let proc = Process.GetCurrentProcess()
    GC.Collect()
    proc.Refresh()
    let baseline = float proc.WorkingSet64 / 1e6
    let sw = Stopwatch.StartNew()
    let arr = Arrangement.ofDataset data
    let seconds = sw.Elapsed.TotalSeconds
    proc.Refresh()
    printfn "%d %.3f %.1f %.1f" arr.CellCount seconds (float proc.PeakWorkingSet64 / 1e6) baseline

/// Every run of the series in its own process, against the façade's estimate.
let all () =
    printfn "| d | N | cells | seconds | estimated s | peak MB above baseline | estimated MB | measured / estimated memory |"
    printfn "|---:|---:|---:|---:|---:|---:|---:|---:|"

    for d, n in series do
        let info =
            ProcessStartInfo(Environment.ProcessPath, RedirectStandardOutput = true, UseShellExecute = false)
        // Under `dotnet TvRelu.Benchmarks.dll` the host needs the assembly again; the apphost of `dotnet run` does not.
        if IO.Path.GetFileNameWithoutExtension(Environment.ProcessPath) = "dotnet" then
            info.ArgumentList.Add(Reflection.Assembly.GetEntryAssembly().Location)

        for a in [ "estimate"; string d; string n ] do
            info.ArgumentList.Add a

        use p = Process.Start info
        let line = p.StandardOutput.ReadToEnd().Trim()
        p.WaitForExit()

        match line.Split ' ' with
        | [| cells; seconds; peak; baseline |] ->
            let data = Workloads.teacher 13 d n

            let x =
                Array.init data.Count (fun i -> Array.copy data.Inputs.[i] :> Collections.Generic.IReadOnlyList<float>)

            let e = TvRelu.TvReluProblem.FromRows(x, data.Labels).EnumerationEstimates.[0]
            let measured = float peak - float baseline

            printfn
                "| %d | %d | %s | %s | %.2f | %.0f | %.0f | %.2f |"
                d
                n
                cells
                seconds
                e.Seconds
                measured
                (e.MemoryBytes / 1e6)
                (measured * 1e6 / e.MemoryBytes)
        | _ -> printfn "| %d | %d | failed: %s |" d n line
