/// The issue 13 benchmarks: the streaming count, exact supremum and certified solve at sizes the
/// stored enumeration cannot hold, each job in a fresh process so that its peak memory (VmHWM) is its own, each result
/// cross-checked (Cover's count, the deletion–restriction count, η evaluated at the argument, random
/// directions never above the supremum, and the stored enumeration on a smaller instance).
/// `dotnet run -c Release --project benchmarks/TvRelu.Benchmarks -- streaming`
module TvRelu.Benchmarks.Streaming

open System
open System.Diagnostics
open System.IO
open TvRelu.Core.Data
open TvRelu.Core.Arrangements
open TvRelu.Core.Certificates
open TvRelu.Core.Solver

let private loadAverage () =
    try
        File.ReadAllText("/proc/loadavg").Split(' ').[0]
    with _ ->
        "?"

let private peakMb () =
    use p = Process.GetCurrentProcess()
    p.Refresh()
    float p.PeakWorkingSet64 / 1e6

let private cpuSeconds () =
    use p = Process.GetCurrentProcess()
    p.TotalProcessorTime.TotalSeconds

/// η(θ) = Σ_i q_i σ(⟨θ, x̃_i⟩) / λ straight from the inputs: the oracle the supremum is checked with.
let private eta (x: float[][]) (q: float[]) (lambda: float) (theta: float[]) =
    let mutable s = 0.0

    for i in 0 .. x.Length - 1 do
        let xi = x.[i]
        let mutable z = theta.[xi.Length]

        for k in 0 .. xi.Length - 1 do
            z <- z + theta.[k] * xi.[k]

        if z > 0.0 then
            s <- s + q.[i] * z

    s / lambda

/// The largest |η| over random directions (seeded, 2·10^8 / N of them): a lower bound the exact
/// supremum must meet.
let private sampledMax (x: float[][]) (q: float[]) =
    let rnd = Random 5
    let n = x.[0].Length + 1
    let mutable best = 0.0

    for _ in 1 .. max 10 (min 20000 (200_000_000 / x.Length)) do
        let t = Array.init n (fun _ -> rnd.NextDouble() * 2.0 - 1.0)
        let nt = sqrt (Array.sumBy (fun x -> x * x) t)
        best <- max best (abs (eta x q 1.0 (Array.map (fun x -> x / nt) t)))

    best

let private options threads =
    { StreamingOptions.Default with
        SaturationTolerance = None
        MaxDegreeOfParallelism = threads
    }

/// One job in this process; prints one line `RESULT key=value …`.
let job (args: string[]) =
    let kind, d, n, threads = args.[0], int args.[1], int args.[2], int args.[3]
    let data = Workloads.teacher 13 d n
    let q = data.Labels
    let wall = Stopwatch.StartNew()
    let cpu0 = cpuSeconds ()

    let fields =
        match kind with
        | "count" ->
            let c =
                StreamingSupremum.countCells
                    { options threads with
                        CrossCheckCount = true
                    }
                    data

            let cover = Arrangement.coverCount n d

            [
                "cells", string c.Cells
                "cover", string cover
                "deletionRestriction", (c.CellsByDeletionRestriction |> Option.map string |> Option.defaultValue "-")
                "euler", (c.EulerCharacteristic |> Option.map string |> Option.defaultValue "-")
                "check",
                (if bigint c.Cells = cover && c.CellsByDeletionRestriction = Some c.Cells then
                     "ok"
                 else
                     "FAIL")
            ]
        | "sup" ->
            let s = StreamingSupremum.certify (options threads) data 1.0 q
            let seconds = wall.Elapsed.TotalSeconds
            let passCpu = cpuSeconds () - cpu0
            let x = data.Inputs

            let at =
                abs (
                    eta
                        x
                        q
                        1.0
                        (if s.Supremum.Value >= s.Infimum.Value then
                             s.Supremum.Argument
                         else
                             s.Infimum.Argument)
                )

            let sampled = sampledMax x q

            let ok =
                abs (at - s.SupremumAbs) <= 1e-9 * (1.0 + s.SupremumAbs)
                && sampled <= s.SupremumAbs * (1.0 + 1e-12)

            [
                "seconds", sprintf "%.2f" seconds
                "passCpu", sprintf "%.2f" passCpu
                "cells", string s.Counts.Cells
                "supAbs", sprintf "%.15g" s.SupremumAbs
                "etaAtArgument", sprintf "%.15g" at
                "sampledMax", sprintf "%.15g" sampled
                "check", (if ok then "ok" else "FAIL")
            ]
        | "stored" ->
            // The stored enumeration on the same problem: the independent answer.
            let arr = Arrangement.ofDataset data
            let s, _, _ = Certificate.supremumAbs (Certificate.ofDual arr data 1.0 q)
            let st = StreamingSupremum.certify (options threads) data 1.0 q

            [
                "cells", string arr.CellCount
                "storedSupAbs", sprintf "%.15g" s
                "streamingSupAbs", sprintf "%.15g" st.SupremumAbs
                "check",
                (if
                     abs (s - st.SupremumAbs) <= 1e-12 * (1.0 + s)
                     && int64 arr.CellCount = st.Counts.Cells
                 then
                     "ok"
                 else
                     "FAIL")
            ]
        | "solve" ->
            // Issue 13's certified solve: λ = 1e-2 λ_max (λ_max by a streaming pass too), column generation
            // priced by the streaming oracle; the arrangement is never stored.
            let lambdaMax = (StreamingSupremum.certify (options threads) data 1.0 q).SupremumAbs

            let lambda = 0.01 * lambdaMax

            let s =
                SignVectorColumns.solveStreaming threads data lambda SignVectorColumnsOptions.Default

            let seconds = wall.Elapsed.TotalSeconds
            let sampled = sampledMax data.Inputs s.Assessment.Residual / lambda

            [
                "seconds", sprintf "%.2f" seconds
                "lambdaMax", sprintf "%.6g" lambdaMax
                "atoms", string s.Measure.Count
                "rounds", string s.Rounds
                "passes", string s.BranchAndBoundCalls
                "gap", sprintf "%.2e" s.Assessment.Gap
                "tolerance", sprintf "%.2e" s.Assessment.Tolerance
                "certified", string s.Assessment.Certified
                "solveS", sprintf "%.2f" s.Solve.TotalSeconds
                "pricingS", sprintf "%.2f" s.Certification.TotalSeconds
                "supAbs", sprintf "%.15g" s.SupremumLower
                "sampledMax", sprintf "%.15g" sampled
                "check",
                (if s.Assessment.Certified && sampled <= s.SupremumUpper * (1.0 + 1e-12) then
                     "ok"
                 else
                     "FAIL")
            ]
        | "shard" ->
            let index, count = int args.[4], int args.[5]
            let p = StreamingSupremum.regionsPartial (options threads) data index count
            File.WriteAllText(args.[6], StreamingPartialJson.write p)
            [ "items", string p.Items.Length ]
        | other -> failwithf "unknown streaming job %s" other

    let seconds = wall.Elapsed.TotalSeconds

    printfn
        "RESULT %s"
        (String.Join(
            " ",
            [
                yield sprintf "wall=%.2f" seconds
                yield sprintf "cpu=%.2f" (cpuSeconds () - cpu0)
                yield sprintf "peakMB=%.0f" (peakMb ())
                for k, v in fields -> sprintf "%s=%s" k v
            ]
        ))

/// Runs jobs as child processes of this executable and returns their RESULT fields.
let private spawn (jobs: string list list) =
    let self = Process.GetCurrentProcess().MainModule.FileName
    let dll = Reflection.Assembly.GetExecutingAssembly().Location

    let start (args: string list) =
        let info =
            ProcessStartInfo(self, RedirectStandardOutput = true, UseShellExecute = false)

        if not (self.EndsWith(".dll")) && Path.GetFileNameWithoutExtension(self) = "dotnet" then
            info.ArgumentList.Add dll

        info.ArgumentList.Add "streaming-job"

        for a in args do
            info.ArgumentList.Add a

        Process.Start info

    let procs = jobs |> List.map start

    procs
    |> List.map (fun p ->
        let out = p.StandardOutput.ReadToEnd()
        p.WaitForExit()

        out.Split('\n')
        |> Array.tryFind (fun l -> l.StartsWith "RESULT ")
        |> Option.map (fun l ->
            l.Substring(7).Trim().Split(' ')
            |> Array.map (fun kv -> let i = kv.IndexOf '=' in kv.Substring(0, i), kv.Substring(i + 1))
            |> Map.ofArray)
        |> Option.defaultWith (fun () -> failwithf "a job printed no RESULT:\n%s" out))

/// The issue 13 table.
/// The machine, the load and the table's header.
let private header () =
    printfn
        "machine: %s, %d cores, .NET %s"
        Runtime.InteropServices.RuntimeInformation.OSDescription
        Environment.ProcessorCount
        (string Environment.Version)

    printfn "load average (1 min) at start: %s" (loadAverage ())
    printfn ""
    printfn "| job | threads | result | wall s (the pass) | cpu s | peak MB (process) | cross-check | load |"
    printfn "|---|---:|---|---:|---:|---:|---|---:|"

/// A row of the table: the pass's own time where the job also generates data or cross-checks (sup),
/// else the job's.
let private row name threads (r: Map<string, string>) (result: string) =
    printfn
        "| %s | %d | %s | %s | %s | %s | %s | %s |"
        name
        threads
        result
        (r.TryFind "seconds" |> Option.defaultValue r.["wall"])
        (r.TryFind "passCpu" |> Option.defaultValue r.["cpu"])
        r.["peakMB"]
        (r.TryFind "check" |> Option.defaultValue "-")
        (loadAverage ())


/// Two shards at once against one process doing every item (d = 2, N = 5000 count), and their merge.
let private shardsRows () =
    let tmp = Path.GetTempPath()

    let shardJob i k =
        [
            "shard"
            "2"
            "5000"
            "1"
            string i
            string k
            Path.Combine(tmp, sprintf "tvrelu-shard-%d-of-%d.json" i k)
        ]

    let one = Stopwatch.StartNew()
    let single = (spawn [ shardJob 0 1 ]).Head
    let oneSeconds = one.Elapsed.TotalSeconds
    let two = Stopwatch.StartNew()
    let pair = spawn [ shardJob 0 2; shardJob 1 2 ]
    let twoSeconds = two.Elapsed.TotalSeconds
    row "d=2 N=5000 count, 1 shard" 1 single (sprintf "%s items" single.["items"])

    row
        "d=2 N=5000 count, 2 shards at once"
        1
        pair.Head
        (sprintf "speed-up %.2f× (%.1f s vs %.1f s wall)" (oneSeconds / twoSeconds) oneSeconds twoSeconds)

    let parts =
        [ for i in 0..1 -> Path.Combine(tmp, sprintf "tvrelu-shard-%d-of-2.json" i) ]
        |> List.map (fun f ->
            match StreamingPartialJson.parse (File.ReadAllText f) with
            | Ok p -> p
            | Error e -> failwith e)

    match StreamingSupremum.mergeRegions parts with
    | Ok c -> printfn "\ntwo shards merged: %d cells (Cover %O)" c.Cells (Arrangement.coverCount 5000 2)
    | Error e -> printfn "\nmerge failed: %s" e

/// The whole issue 13 report (`-- streaming`).
let report () =
    header ()

    for d, n, threads in [ 2, 5000, 2; 2, 5000, 1 ] do
        let r = (spawn [ [ "count"; string d; string n; string threads ] ]).Head

        row
            (sprintf "d=%d N=%d cells (Cover %s)" d n r.["cover"])
            threads
            r
            (sprintf "%s cells, deletion–restriction %s" r.["cells"] r.["deletionRestriction"])

    for d, n, threads in [ 1, 1000000, 1; 3, 300, 2 ] do
        let r = (spawn [ [ "sup"; string d; string n; string threads ] ]).Head

        row
            (sprintf "d=%d N=%d exact sup abs η" d n)
            threads
            r
            (sprintf "%s (η at arg %s, sampled ≤ %s), %s cells" r.["supAbs"] r.["etaAtArgument"] r.["sampledMax"] r.["cells"])

    // Issue 13's certified solve (< 120 s, < 2 GB): column generation priced by the streaming oracle.
    let solved = (spawn [ [ "solve"; "2"; "2000"; "2" ] ]).Head

    row
        "d=2 N=2000 certified solve, λ = 1e-2 λ_max"
        2
        solved
        (sprintf
            "certified %s, gap %s (tolerance %s), %s atoms, %s rounds, %s streaming passes; restricted solve %s s, pricing %s s"
            solved.["certified"]
            solved.["gap"]
            solved.["tolerance"]
            solved.["atoms"]
            solved.["rounds"]
            solved.["passes"]
            solved.["solveS"]
            solved.["pricingS"])

    for d, n in [ 1, 2000; 3, 100 ] do
        let r = (spawn [ [ "stored"; string d; string n; "1" ] ]).Head

        row
            (sprintf "d=%d N=%d stored vs streaming" d n)
            1
            r
            (sprintf "%s / %s, %s cells" r.["storedSupAbs"] r.["streamingSupAbs"] r.["cells"])

    shardsRows ()

    printfn "load average (1 min) at end: %s" (loadAverage ())

/// Only the certified solve (`-- streaming-solve`).
let solve () =
    header ()
    let r = (spawn [ [ "solve"; "2"; "2000"; "2" ] ]).Head

    row
        "d=2 N=2000 certified solve, λ = 1e-2 λ_max"
        2
        r
        (sprintf "certified %s, gap %s, %s atoms, %s rounds, %s passes" r.["certified"] r.["gap"] r.["atoms"] r.["rounds"] r.["passes"])

    printfn "load average (1 min) at end: %s" (loadAverage ())

/// Only the shard speed-up (`-- streaming-shards`), to rerun it when the machine is quiet.
let shards () =
    header ()
    shardsRows ()
    printfn "load average (1 min) at end: %s" (loadAverage ())
