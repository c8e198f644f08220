/// `report solver`: issue 16's targets table (certified, time, peak memory, load), in-process and as whole
/// processes spawned under /usr/bin/time -v (the Release CLI must be built: `dotnet build -c Release src/TvRelu.Cli`).
module TvRelu.Benchmarks.SolverReport

open System
open System.Diagnostics
open TvRelu.Core.Data
open TvRelu.Core.Arrangements
open TvRelu.Core.Solver

let private peakMb () =
    Process.GetCurrentProcess().Refresh()
    float (Process.GetCurrentProcess().PeakWorkingSet64) / 1e6

/// sin1000 of issue 16: N points x ~ U(−3, 3), y = sin(2x) + 0.1·(standard normal), fixed seed.
let sine (seed: int) (n: int) =
    let rnd = Random(seed)

    let gaussian () =
        sqrt (-2.0 * log (1.0 - rnd.NextDouble()))
        * cos (2.0 * Math.PI * rnd.NextDouble())

    let x = Array.init n (fun _ -> [| 6.0 * rnd.NextDouble() - 3.0 |])
    let y = x |> Array.map (fun v -> sin (2.0 * v.[0]) + 0.1 * gaussian ())
    Dataset.CreateOrRaise(x, y)

let private load () =
    try
        IO.File.ReadAllText("/proc/loadavg").Trim()
    with _ ->
        "n/a"

/// The 1-minute load average, for each row.
let private load1 () = (load ()).Split(' ').[0]

/// Writes the data set as the CLI's CSV (header x1..xd, y).
let private writeCsv (path: string) (data: Dataset) =
    let d = data.Dimension

    let header =
        String.Join(",", Array.append (Array.init d (fun k -> sprintf "x%d" (k + 1))) [| "y" |])

    let lines =
        Array.init data.Count (fun i ->
            String.Join(",", Array.append (data.Input i |> Array.map (fun v -> v.ToString("R"))) [| data.Label(i).ToString("R") |]))

    IO.File.WriteAllLines(path, Array.append [| header |] lines)
    path

/// The first `k` rows of a data set.
let private firstRows (k: int) (data: Dataset) =
    Dataset.CreateOrRaise(Array.init k data.Input, Array.init k data.Label)

/// The Release CLI next to this repository's benchmarks (`dotnet build -c Release src/TvRelu.Cli` first).
let private cliDll () =
    let rec up (dir: IO.DirectoryInfo) =
        if isNull dir then
            failwith "report solver: the repository root (TvReluVerified.sln) was not found above the benchmark"
        elif IO.File.Exists(IO.Path.Combine(dir.FullName, "TvReluVerified.sln")) then
            dir.FullName
        else
            up dir.Parent

    let dll =
        IO.Path.Combine(up (IO.DirectoryInfo AppContext.BaseDirectory), "src", "TvRelu.Cli", "bin", "Release", "net10.0", "TvRelu.Cli.dll")

    if not (IO.File.Exists dll) then
        failwithf "report solver: %s is missing; run 'dotnet build -c Release src/TvRelu.Cli' first" dll

    dll

/// One CLI run under /usr/bin/time -v: (exit code, wall seconds, peak MB = max RSS, stdout).
let private wholeProcess (args: string list) =
    let psi = ProcessStartInfo("/usr/bin/time")
    psi.ArgumentList.Add "-v"
    psi.ArgumentList.Add "dotnet"
    psi.ArgumentList.Add(cliDll ())

    for a in args do
        psi.ArgumentList.Add a

    psi.RedirectStandardOutput <- true
    psi.RedirectStandardError <- true
    use p = Process.Start psi
    let out = p.StandardOutput.ReadToEndAsync()
    let err = p.StandardError.ReadToEnd()
    p.WaitForExit()

    let field (name: string) =
        err.Split('\n')
        |> Array.tryFind (fun l -> l.Trim().StartsWith name)
        |> Option.map (fun l -> l.Substring(l.LastIndexOf(": ") + 2).Trim())

    let wall =
        match field "Elapsed (wall clock) time" with
        | Some t ->
            t.Split(':')
            |> Array.rev
            |> Array.mapi (fun i v -> float v * (pown 60.0 i))
            |> Array.sum
        | None -> nan

    let peak =
        match field "Maximum resident set size" with
        | Some kb -> float kb / 1e3
        | None -> nan

    p.ExitCode, wall, peak, out.Result

/// The in-process table (Release): certified, gap, atoms, rounds, solve/certification split, time, peak working
/// set of this process so far, 1-minute load when the row finished.
let private inProcess () =
    printfn "In process (peak MB: this process's peak working set so far, so it only grows down the table):"
    printfn ""

    printfn "| job | certified | gap | atoms | rounds | solve s | certification s | in-process s | peak MB | load |"

    printfn "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"

    let row (name: string) (sol: Solution) (seconds: float) =
        printfn
            "| %s | %b | %.1e | %d | %d | %.2f | %.2f | %.2f | %.0f | %s |"
            name
            sol.Assessment.Certified
            sol.Assessment.Gap
            sol.Measure.Count
            sol.Rounds
            sol.Timings.Solve.TotalSeconds
            sol.Timings.Certification.TotalSeconds
            seconds
            (peakMb ())
            (load1 ())

    let data = sine 16 1000
    let arr = Arrangement.ofDataset data
    let lmax = Solve.lambdaMax arr data

    for ratio in [ 1.0; 1e-1; 1e-2; 3.6e-3; 1e-3; 3.6e-4; 1e-4 ] do
        let sw = Stopwatch.StartNew()
        let sol = CertifiedSolve.onArrangement arr data (ratio * lmax) SolverOptions.Default
        row (sprintf "d=1 N=1000 sine, λ = %.1e λ_max" ratio) sol sw.Elapsed.TotalSeconds

    let lambdas = Array.init 50 (fun i -> lmax * exp (log 1e-4 * float i / 49.0))
    let sw = Stopwatch.StartNew()
    let path = CertifiedSolve.pathOnArrangement arr data lambdas SolverOptions.Default
    let total = sw.Elapsed.TotalSeconds

    let slowest =
        path |> Array.maxBy (fun s -> s.Timings.Solve + s.Timings.Certification)

    printfn
        "| path d=1 N=1000 sine, 50 λ to 1e-4 λ_max | %d/50 | max %.1e | — | %d | %.2f | %.2f | %.2f (slowest point %.2f s at %.1e λ_max) | %.0f | %s |"
        (path |> Array.filter (fun s -> s.Assessment.Certified) |> Array.length)
        (path |> Array.map (fun s -> s.Assessment.Gap) |> Array.max)
        (path |> Array.sumBy (fun s -> s.Rounds))
        (path |> Array.sumBy (fun s -> s.Timings.Solve.TotalSeconds))
        (path |> Array.sumBy (fun s -> s.Timings.Certification.TotalSeconds))
        total
        (slowest.Timings.Solve + slowest.Timings.Certification).TotalSeconds
        (slowest.Lambda / lmax)
        (peakMb ())
        (load1 ())

    for d, n in [ 2, 200; 3, 50 ] do
        let data = Workloads.teacher 11 d n
        let sw = Stopwatch.StartNew()
        let arr = Arrangement.ofDataset data
        let lambda = 1e-3 * Solve.lambdaMax arr data
        let sol = CertifiedSolve.onArrangement arr data lambda SolverOptions.Default
        row (sprintf "d=%d N=%d teacher, λ = 1e-3 λ_max (with enumeration)" d n) sol sw.Elapsed.TotalSeconds

    // The CVXOPT row of issue 16: 1-D, N = 60, λ = 0.05, target gap ≤ 1e-9 J (CVXOPT: 97 s, gap 3.5e-5).
    let sixty = firstRows 60 data
    let sw = Stopwatch.StartNew()
    let sol = CertifiedSolve.solve sixty 0.05 SolverOptions.Default

    row
        (sprintf "CVXOPT row: first 60 sine rows, λ = 0.05 (gap/J = %.1e; with enumeration)" (sol.Assessment.Gap / sol.Assessment.Objective))
        sol
        sw.Elapsed.TotalSeconds

    // compare on 15 points with the default settings (2,000 grid directions), through the façade as the CLI does.
    let fifteen = firstRows 15 data

    let problem =
        TvRelu.TvReluProblem.FromRows(
            Array.init 15 (fun i -> fifteen.Input i :> Collections.Generic.IReadOnlyList<float>),
            Array.init 15 fifteen.Label
        )

    let sw = Stopwatch.StartNew()
    let cmp = problem.Compare(1e-2 * problem.LambdaMax)
    let seconds = sw.Elapsed.TotalSeconds
    let exact = cmp.Rows.[0]

    printfn
        "| compare, first 15 sine rows, λ = 1e-2 λ_max, defaults (%d rows; %d certified) | %b | %.1e | %d | — | — | — | %.2f | %.0f | %s |"
        cmp.Rows.Count
        (cmp.Rows |> Seq.filter (fun r -> r.Certified) |> Seq.length)
        exact.Certified
        exact.Gap
        exact.Atoms
        seconds
        (peakMb ())
        (load1 ())

    // d = 1, N = 10^4 (issue 16; not certified before the compensated enclosure of the certificate).
    let big = sine 16 10000
    let sw = Stopwatch.StartNew()
    let arr = Arrangement.ofDataset big

    let sol =
        CertifiedSolve.onArrangement arr big (1e-3 * Solve.lambdaMax arr big) SolverOptions.Default

    row "d=1 N=10^4 sine, λ = 1e-3 λ_max (with enumeration)" sol sw.Elapsed.TotalSeconds
    data

/// The whole-process table: each job a fresh `dotnet TvRelu.Cli.dll` under /usr/bin/time -v (wall clock and max
/// RSS); certified = exit code 0 (3 = not certified), for `compare` the exact row of its JSON.
let private wholeProcessRows (data: Dataset) =
    let dir =
        IO.Path.Combine(IO.Path.GetTempPath(), sprintf "tvrelu-report-%d" (Process.GetCurrentProcess().Id))

    IO.Directory.CreateDirectory dir |> ignore

    let csv name data =
        writeCsv (IO.Path.Combine(dir, name)) data

    let sin1000 = csv "sin1000.csv" data
    let sin10k = csv "sin10000.csv" (sine 16 10000)
    let first15 = csv "sin15.csv" (firstRows 15 data)
    let first60 = csv "sin60.csv" (firstRows 60 data)
    let d2 = csv "teacher-d2-n200.csv" (Workloads.teacher 11 2 200)
    let d3 = csv "teacher-d3-n50.csv" (Workloads.teacher 11 3 50)
    let compareJson = IO.Path.Combine(dir, "compare.json")
    let pathJson = IO.Path.Combine(dir, "path.json")

    printfn ""
    printfn "Whole process (`/usr/bin/time -v dotnet TvRelu.Cli.dll …`, Release; peak MB = max RSS):"
    printfn ""
    printfn "| job | command | certified | wall s | peak MB | load |"
    printfn "|---|---|---|---:|---:|---:|"

    let run (name: string) (args: string list) (certified: int -> bool) =
        let code, wall, peak, _ = wholeProcess args

        let shown =
            args
            |> List.map (fun a -> if a.StartsWith dir then IO.Path.GetFileName a else a)

        printfn
            "| %s | `tvrelu %s` | %b (exit %d) | %.2f | %.0f | %s |"
            name
            (String.Join(" ", shown))
            (certified code)
            code
            wall
            peak
            (load1 ())

    let solved code = code = 0

    for ratio in [ "1"; "1e-1"; "1e-2"; "3.6e-3"; "1e-3"; "3.6e-4"; "1e-4" ] do
        run (sprintf "d=1 N=1000 sine, λ = %s λ_max" ratio) [ "solve"; "--data"; sin1000; "--lambda-ratio"; ratio ] solved

    run "path d=1 N=1000 sine, 50 λ to 1e-4 λ_max" [ "path"; "--data"; sin1000; "--out"; pathJson ] solved

    for name, file in [ "d=2 N=200 teacher", d2; "d=3 N=50 teacher", d3 ] do
        run (name + ", λ = 1e-3 λ_max") [ "solve"; "--data"; file; "--lambda-ratio"; "1e-3" ] solved

    run "CVXOPT row: first 60 sine rows, λ = 0.05" [ "solve"; "--data"; first60; "--lambda"; "0.05" ] solved

    let exactRowCertified _ =
        try
            use doc = Text.Json.JsonDocument.Parse(IO.File.ReadAllText compareJson)

            doc.RootElement.EnumerateObject()
            |> Seq.tryFind (fun p -> p.Name.Equals("rows", StringComparison.OrdinalIgnoreCase))
            |> Option.map (fun rows ->
                let first = rows.Value.[0]

                first.EnumerateObject()
                |> Seq.exists (fun p ->
                    p.Name.Equals("certified", StringComparison.OrdinalIgnoreCase)
                    && p.Value.ValueKind = Text.Json.JsonValueKind.True))
            |> Option.defaultValue false
        with _ ->
            false

    run
        "compare, first 15 sine rows, λ = 1e-2 λ_max, defaults"
        [ "compare"; "--data"; first15; "--lambda-ratio"; "1e-2"; "--out"; compareJson ]
        exactRowCertified

    run "d=1 N=10^4 sine, λ = 1e-3 λ_max" [ "solve"; "--data"; sin10k; "--lambda-ratio"; "1e-3" ] solved
    IO.Directory.Delete(dir, true)

/// Prints the in-process and whole-process tables of issue 16's targets, with the machine's load average
/// before, per row and after.
let report () =
    printfn "load average before: %s" (load ())
    printfn ""
    let data = inProcess ()
    wholeProcessRows data
    printfn ""
    printfn "load average after: %s" (load ())

/// `report enclosure [N] [ratio]`: the enclosure of sup|η| at a column-generation solution (no rescue) on the
/// sine data, term by term (issue 16: which rounding term keeps d = 1 N = 10^4 at 1e-3 λ_max uncertified).
let enclosure (n: int) (ratio: float) =
    let data = sine 16 n
    let arr = Arrangement.ofDataset data
    let lmax = Solve.lambdaMax arr data
    let sw = Stopwatch.StartNew()
    let sol = Solve.onArrangement arr data (ratio * lmax) SolverOptions.Default
    let a = sol.Assessment

    printfn
        "N = %d, λ = %g λ_max = %g, solve %.1f s, load %s"
        n
        ratio
        (ratio * lmax)
        sw.Elapsed.TotalSeconds
        (IO.File.ReadAllText("/proc/loadavg").Trim())

    printfn "J = %.17g, gap = %.3e, tolerance = %.3e, certified = %b, reason = %A" a.Objective a.Gap a.Tolerance a.Certified a.OutOfRange

    let cert =
        TvRelu.Core.Certificates.Certificate.ofMeasure arr data (ratio * lmax) sol.Measure

    let s, e, sign, enc = TvRelu.Core.Certificates.Certificate.supremumAbsEnclosed cert
    printfn "sup|η| = %.17g (sign %d, cell %d), scale = %.6g" s sign e.Cell cert.Scale
    printfn "enclosure: lower = %.17g (s − %.3e), upper = %.17g (s + %.3e)" enc.Lower (s - enc.Lower) enc.Upper (enc.Upper - s)
    let d1 = float arr.AmbientDimension

    printfn
        "old piece term 2(2N+d+3)√(d+1) u scale = %.3e; old lower term 2(N+d+1) u scale = %.3e"
        (2.0 * (2.0 * float n + d1 + 2.0) * sqrt d1 * 1.1102230246251565e-16 * cert.Scale)
        (2.0 * (float n + d1) * 1.1102230246251565e-16 * cert.Scale)

    printfn "λ‖μ‖ = %.6g (d gap / d s at s = 1)" (ratio * lmax * TvRelu.Core.Data.Measure.totalVariation sol.Measure)
    printfn "λ = %s" ((lmax * ratio).ToString("R"))

    for a in sol.Measure.Atoms do
        printfn "atom %s %s" (String.Join(" ", a.Direction |> Array.map (fun v -> v.ToString("R")))) (a.Amplitude.ToString("R"))
