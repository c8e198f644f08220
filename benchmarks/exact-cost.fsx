// Cost of exact rational certification against the floating certificate (issue 6).
//
//   dotnet build -c Release benchmarks/TvRelu.Benchmarks
//   dotnet fsi benchmarks/exact-cost.fsx
//
// For N = 10, 50, 200 in d = 1 and 2: random inputs in [-1, 1]^d, labels from a two-neuron
// teacher plus noise, λ = 0.005 N. The measure is the solver's certified optimum. Times are
// wall-clock on the current machine (one run after a warm-up), allocation is the managed bytes
// allocated during the call, bits are the largest integers met (ExactReport.Bits). "exact, cells"
// is Exact.certifyOn without the face check (cells, supremum, bounds, rank); "exact + faces" adds
// the face complex, most of whose time is the floating Faces.enumerate (shown apart).
#r "TvRelu.Benchmarks/bin/Release/net10.0/Fractions.dll"
#r "TvRelu.Benchmarks/bin/Release/net10.0/MathNet.Numerics.dll"
#r "TvRelu.Benchmarks/bin/Release/net10.0/TvRelu.Core.dll"

open System
open System.Diagnostics
open TvRelu.Core

let dataset (seed: int) (n: int) (d: int) =
    let rng = Random seed

    let normal () =
        sqrt (-2.0 * log (1.0 - rng.NextDouble()))
        * cos (2.0 * Math.PI * rng.NextDouble())

    let x = Array.init n (fun _ -> Array.init d (fun _ -> 2.0 * rng.NextDouble() - 1.0))
    let relu t = max t 0.0

    let teacher (p: float[]) =
        let s = Array.sum p
        relu (s + 0.2) - 0.5 * relu (p.[0] - 0.3)

    let y = x |> Array.map (fun p -> teacher p + 0.05 * normal ())
    Dataset.CreateOrRaise(x, y)

let measure (f: unit -> 'a) =
    GC.Collect()
    let before = GC.GetTotalAllocatedBytes true
    let sw = Stopwatch.StartNew()
    let r = f ()
    sw.Stop()
    r, sw.Elapsed.TotalSeconds, float (GC.GetTotalAllocatedBytes true - before) / 1048576.0

let run (n: int) (d: int) (print: bool) =
    let data = dataset (1000 * d + n) n d
    let lambda = 0.005 * float n
    let sol = Solve.solve data lambda SolverOptions.Default
    let arr, tEnum, _ = measure (fun () -> Arrangement.ofDataset data)

    let a, tFloat, mFloat =
        measure (fun () -> Gap.assess arr data lambda None sol.Measure)

    let cellsOnly =
        { ExactOptions.Default with
            CheckFaces = false
            Refute = false
        }

    let r1, tExact, mExact =
        measure (fun () -> Exact.certifyOn cellsOnly arr data lambda sol.Measure)

    let r2, tFaces, mFaces =
        measure (fun () -> Exact.certifyOn { cellsOnly with CheckFaces = true } arr data lambda sol.Measure)

    let _, tFloatFaces, _ = measure (fun () -> Faces.enumerate arr)

    if print then
        printfn
            "| %d | %3d | %6d | %6.3f | %7.4f (%5.1f MB) | %7.3f (%6.1f MB) | %3.0fx | %7.3f (%6.1f MB) | %6.2f | %d | %d/%d/%d/%d/%d/%d | %d/%d/%d/%d/%d | %s |"
            d
            n
            arr.CellCount
            tEnum
            tFloat
            mFloat
            tExact
            mExact
            (tExact / tFloat)
            tFaces
            mFaces
            tFloatFaces
            r2.CellCheck.Faces.Value
            (2 * r1.Supremum.Screened)
            (r1.Supremum.ScreenedByMultipliers)
            r1.Supremum.Projected
            r1.Supremum.FromFloatingActiveSet
            r1.Supremum.FromSearch
            r1.Supremum.BoundedByNorm
            r1.Bits.Data
            r1.Bits.Dual
            r1.Bits.Pieces
            r1.Bits.Projections
            r1.Bits.Bounds
            (if a.Certified = (r2.Verdict = Verified) then
                 r2.Verdict.Name
             else
                 sprintf "%s (floating %b)" r2.Verdict.Name a.Certified)

run 10 1 false
run 10 2 false

printfn
    "| d | N | cells | enumeration s | floating certificate s (alloc) | exact, cells s (alloc) | exact / floating | exact + faces s (alloc) | of which floating Faces.enumerate s | faces | (cell, sign): by norm / by multipliers / KKT (float active set / search / bounded) | bits data/dual/pieces/projections/bounds | verdict |"

printfn "|---|---|---|---|---|---|---|---|---|---|---|---|---|"

for d in [ 1; 2 ] do
    for n in [ 10; 50; 200 ] do
        run n d true

printfn "peak working set %.0f MB" (float (Process.GetCurrentProcess().PeakWorkingSet64) / 1048576.0)
