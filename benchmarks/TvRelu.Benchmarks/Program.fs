/// `dotnet run -c Release --project benchmarks/TvRelu.Benchmarks -- report` prints the numbers the
/// issues ask for (time split, cells per second, peak memory) in one pass (`-- report solver`: issue 16's
/// solver targets, `SolverReport`); `-- estimates` measures the
/// enumerations behind the façade's cost model against its estimates (one process per run); `-- bnb
/// [d6|d10|d13|all]` runs the high-dimensional targets of issue 14 (`HighDimension`); `-- streaming` those of
/// issue 13 (`Streaming`; `-- streaming-shards` only its shard speed-up, `-- streaming-solve` only its certified
/// solve); any other
/// arguments go to BenchmarkDotNet (for example `--filter '*'`).
module TvRelu.Benchmarks.Program

open System
open System.Diagnostics
open BenchmarkDotNet.Running
open TvRelu.Core.Data
open TvRelu.Core.Arrangements
open TvRelu.Core.Certificates
open TvRelu.Core.Solver
open TvRelu.Core.Training

let private peakMb () =
    Process.GetCurrentProcess().Refresh()
    float (Process.GetCurrentProcess().PeakWorkingSet64) / 1e6

let private report () =
    printfn
        "machine: %s, %d cores, .NET %s"
        (Runtime.InteropServices.RuntimeInformation.OSDescription)
        Environment.ProcessorCount
        (string Environment.Version)

    printfn ""
    printfn "| enumeration | cells | seconds | cells/s | peak MB |"
    printfn "|---|---:|---:|---:|---:|"

    for name, data in
        [
            "cube D=4", Workloads.cube 4
            "cube D=5", Workloads.cube 5
            "d=2 N=250", Workloads.teacher 7 2 250
            "d=2 N=500", Workloads.teacher 7 2 500
            "d=2 N=1000", Workloads.teacher 7 2 1000
            "d=3 N=100", Workloads.teacher 7 3 100
            "d=4 N=40", Workloads.teacher 7 4 40
        ] do
        let sw = Stopwatch.StartNew()
        let arr = Arrangement.ofDataset data
        let s = sw.Elapsed.TotalSeconds
        printfn "| %s | %d | %.2f | %.0f | %.0f |" name arr.CellCount s (float arr.CellCount / s) (peakMb ())

    printfn ""
    printfn "| solve (λ = 1%% λ_max) | cells | atoms | rounds | gap | certified | enumeration s | solve s | certification s | total s |"
    printfn "|---|---:|---:|---:|---:|---|---:|---:|---:|---:|"

    for d, n in [ 1, 250; 1, 500; 1, 1000; 2, 50; 2, 100; 2, 200; 3, 25; 3, 50 ] do
        let data = Workloads.teacher 11 d n
        let lambda = Workloads.lambdaFor data
        let sw = Stopwatch.StartNew()
        let s = Solve.solve data lambda SolverOptions.Default
        let t = s.Timings

        printfn
            "| d=%d N=%d | %d | %d | %d | %.1e | %b | %.2f | %.2f | %.2f | %.2f |"
            d
            n
            s.Cells
            s.Measure.Count
            s.Rounds
            s.Assessment.Gap
            s.Assessment.Certified
            t.Enumeration.TotalSeconds
            t.Solve.TotalSeconds
            t.Certification.TotalSeconds
            sw.Elapsed.TotalSeconds

    printfn ""
    printfn "| merge (width 10^5, d = 2) | atoms | measure s | clusters | clusters s |"
    printfn "|---|---:|---:|---:|---:|"
    let wide = Network.initialise (Standard 0.1) 0 100_000 2
    let sw = Stopwatch.StartNew()
    let mu = Network.toMeasure wide
    let tMeasure = sw.Elapsed.TotalSeconds
    sw.Restart()
    let clusters = Network.cluster ClusterOptions.Default wide
    printfn "| 10^5 neurons | %d | %.2f | %d | %.2f |" mu.Count tMeasure clusters.Length sw.Elapsed.TotalSeconds

    printfn ""
    printfn "peak working set: %.0f MB" (peakMb ())
    printfn ""
    // Issue 13's certified solve at N = 2000, in a fresh process (its peak memory is its own).
    Streaming.solve ()

[<EntryPoint>]
let main argv =
    match argv with
    | [| "report" |] -> report ()
    | [| "report"; "solver" |] -> SolverReport.report ()
    | [| "report"; "enclosure"; n; ratio |] -> SolverReport.enclosure (int n) (float ratio)
    | [| "estimates" |] -> Estimates.all ()
    | [| "streaming" |] -> Streaming.report ()
    | [| "streaming-shards" |] -> Streaming.shards ()
    | [| "streaming-solve" |] -> Streaming.solve ()
    | _ when argv.Length > 0 && argv.[0] = "streaming-job" -> Streaming.job argv.[1..]
    | [| "estimate"; d; n |] -> Estimates.one (int d) (int n)
    | _ when argv.Length > 0 && argv.[0] = "bnb" -> HighDimension.report argv.[1..]
    | [| "bnb-dump"; job; path |] -> HighDimension.dump job path None
    | [| "bnb-dump"; job; path; seconds |] -> HighDimension.dump job path (Some(float seconds))
    | [| "bnb-probe"; path; seconds |] -> HighDimension.probe path (float seconds) "reduce"
    | [| "bnb-probe"; path; seconds; variant |] -> HighDimension.probe path (float seconds) variant
    | _ ->
        BenchmarkSwitcher.FromAssembly(typeof<Suites.EnumerationBench>.Assembly).Run(argv)
        |> ignore

    0
