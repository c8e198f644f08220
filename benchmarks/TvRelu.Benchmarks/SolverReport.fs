/// `report solver`: the in-process rows of issue 16's targets table (certified, time, peak memory). The
/// whole-process rows (spawning the CLI), d = 1 N = 10^4, `compare` and the CVXOPT row are not measured here yet.
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

let private row (name: string) (sol: Solution) (seconds: float) =
    printfn
        "| %s | %b | %.1e | %d | %d | %.2f | %.2f | %.2f | %.0f |"
        name
        sol.Assessment.Certified
        sol.Assessment.Gap
        sol.Measure.Count
        sol.Rounds
        sol.Timings.Solve.TotalSeconds
        sol.Timings.Certification.TotalSeconds
        seconds
        (peakMb ())

/// Prints the table, with the machine's load average before and after.
let report () =
    let load () =
        try
            IO.File.ReadAllText("/proc/loadavg").Trim()
        with _ ->
            "n/a"

    printfn "load average before: %s" (load ())
    printfn ""
    printfn "| job | certified | gap | atoms | rounds | solve s | certification s | in-process s | peak MB |"
    printfn "|---|---|---:|---:|---:|---:|---:|---:|---:|"
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
        "| path d=1 N=1000 sine, 50 λ to 1e-4 λ_max | %d/50 | max %.1e | — | %d | %.2f | %.2f | %.2f (slowest point %.2f s at %.1e λ_max) | %.0f |"
        (path |> Array.filter (fun s -> s.Assessment.Certified) |> Array.length)
        (path |> Array.map (fun s -> s.Assessment.Gap) |> Array.max)
        (path |> Array.sumBy (fun s -> s.Rounds))
        (path |> Array.sumBy (fun s -> s.Timings.Solve.TotalSeconds))
        (path |> Array.sumBy (fun s -> s.Timings.Certification.TotalSeconds))
        total
        (slowest.Timings.Solve + slowest.Timings.Certification).TotalSeconds
        (slowest.Lambda / lmax)
        (peakMb ())

    for d, n in [ 2, 200; 3, 50 ] do
        let data = Workloads.teacher 11 d n
        let sw = Stopwatch.StartNew()
        let arr = Arrangement.ofDataset data
        let lambda = 1e-3 * Solve.lambdaMax arr data
        let sol = CertifiedSolve.onArrangement arr data lambda SolverOptions.Default
        row (sprintf "d=%d N=%d teacher, λ = 1e-3 λ_max (with enumeration)" d n) sol sw.Elapsed.TotalSeconds

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
