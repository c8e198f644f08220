/// The targets of issue 14: certified solves in d = 6, 10 and 13 without the arrangement, by column
/// generation with branch-and-bound certification (THEORY.md §9). `dotnet run -c Release --project
/// benchmarks/TvRelu.Benchmarks -- bnb [d6|d10|d13|all] [all-hyperplanes] [limit=S]` prints one row per job. Wall-clock times are
/// printed with the process CPU time and the load average, because this machine is shared.
module TvRelu.Benchmarks.HighDimension

open System
open System.Diagnostics
open System.IO
open TvRelu.Core.Data
open TvRelu.Core.Certificates
open TvRelu.Core.Solver

let private gaussian (rnd: Random) =
    sqrt (-2.0 * log (1.0 - rnd.NextDouble()))
    * cos (2.0 * Math.PI * rnd.NextDouble())

/// N standard Gaussian inputs in R^d, labels from a teacher network with `width` ReLU neurons (unit
/// Gaussian weights, output weights ±1 alternating) plus Gaussian noise of the given level.
let teacher (seed: int) (d: int) (n: int) (width: int) (noise: float) =
    let rnd = Random(seed)
    let x = Array.init n (fun _ -> Array.init d (fun _ -> gaussian rnd))
    let neurons = Array.init width (fun _ -> Array.init (d + 1) (fun _ -> gaussian rnd))

    let y =
        x
        |> Array.map (fun xi ->
            let clean =
                neurons
                |> Array.mapi (fun j (t: float[]) ->
                    let mutable z = t.[d]

                    for k in 0 .. d - 1 do
                        z <- z + t.[k] * xi.[k]

                    (if j % 2 = 0 then 1.0 else -1.0) * max 0.0 z)
                |> Array.sum

            clean + noise * gaussian rnd)

    x, y

/// Each input column and the labels shifted to mean 0 and scaled to variance 1 ("standardised").
let standardise (x: float[][]) (y: float[]) =
    let z (v: float[]) =
        let m = Array.average v
        let s = sqrt (v |> Array.averageBy (fun a -> (a - m) * (a - m)))
        v |> Array.map (fun a -> (a - m) / (if s > 0.0 then s else 1.0))

    let d = x.[0].Length
    let columns = Array.init d (fun k -> z (x |> Array.map (fun r -> r.[k])))
    Array.init x.Length (fun i -> Array.init d (fun k -> columns.[k].[i])), z y

/// Cover's count 2 Σ_{k=0}^{d} C(N − 1, k): the cells enumeration would visit (general position).
let coverCount (n: int) (d: int) =
    let mutable c = 1.0
    let mutable s = 0.0

    for k in 0..d do
        if k > 0 then
            c <- c * float (n - k) / float k

        s <- s + c

    2.0 * s

let private load () =
    try
        (File.ReadAllText "/proc/loadavg").Split(' ').[0]
    with _ ->
        "?"

let private cpu () =
    Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds

type private Job =
    {
        Name: string
        D: int
        N: int
        Width: int
        Fraction: float
        Standardised: bool
        RelativeGap: float option
        Limit: TimeSpan
    }

let private jobs =
    [
        {
            Name = "d6"
            D = 6
            N = 100
            Width = 3
            Fraction = 0.05
            Standardised = false
            RelativeGap = None
            Limit = TimeSpan.FromMinutes 10.0
        }
        {
            Name = "d10"
            D = 10
            N = 200
            Width = 4
            Fraction = 0.05
            Standardised = false
            RelativeGap = None
            Limit = TimeSpan.FromMinutes 10.0
        }
        {
            Name = "d13"
            D = 13
            N = 500
            Width = 5
            Fraction = 0.1
            Standardised = true
            RelativeGap = Some 1e-6
            Limit = TimeSpan.FromMinutes 10.0
        }
    ]

let private run (allHyperplanes: bool) (job: Job) =
    let x, y = teacher 14 job.D job.N job.Width 0.1
    let x, y = if job.Standardised then standardise x y else x, y
    let data = Dataset.CreateOrRaise(x, y)

    printfn
        "## %s: d = %d, N = %d, teacher width %d, λ = %g λ_max%s, limit %.0f s, blocks %s (load %s at start)"
        job.Name
        job.D
        job.N
        job.Width
        job.Fraction
        (if job.Standardised then ", standardised" else "")
        job.Limit.TotalSeconds
        (if allHyperplanes then
             "with all N hyperplanes"
         else
             "with their facets only")
        (load ())

    let sw = Stopwatch.StartNew()
    let c0 = cpu ()

    let lm =
        // λ_max needs the sup itself (enumeration cannot reach these d); it gets a third of the job's
        // budget, and when it stops on it λ is set from the attained value (the interval is printed).
        SignVectorColumns.lambdaMax data (BranchAndBoundOptions.Default.WithTimeLimit(job.Limit / 3.0))

    printfn
        "λ_max = %.15g in [%.15g, %.15g] exact=%b, %d nodes, %.0f nodes/s, wall %.1f s, CPU %.1f s, load %s"
        lm.Value
        lm.Lower
        lm.Upper
        lm.Exact
        lm.Nodes
        lm.NodesPerSecond
        sw.Elapsed.TotalSeconds
        (cpu () - c0)
        (load ())

    let lambda = job.Fraction * lm.Value
    let sw = Stopwatch.StartNew()
    let c0 = cpu ()

    let options =
        let o = SignVectorColumnsOptions.Default.WithTimeLimit job.Limit
        let o = if allHyperplanes then o.WithAllHyperplanes() else o

        match job.RelativeGap with
        | Some r -> o.WithRelativeGap r
        | None -> o

    let s = SignVectorColumns.solve data lambda options
    let wall, used = sw.Elapsed.TotalSeconds, cpu () - c0
    let a = s.Assessment

    printfn
        "solve: J = %.15g, gap = %.3g (tolerance %.3g, %.2g J), certified=%b, atoms %d, rounds %d, B&B calls %d, nodes %d, sup|η| in [%.15g, %.15g] exact=%b, |Σ| = %d, unique=%A"
        a.Objective
        a.Gap
        a.Tolerance
        (a.Tolerance / a.Objective)
        a.Certified
        s.Measure.Count
        s.Rounds
        s.BranchAndBoundCalls
        s.Nodes
        s.SupremumLower
        s.SupremumUpper
        s.SupremumExact
        s.Saturation.Length
        (s.Uniqueness |> Option.map (fun u -> u.Unique))

    printfn
        "time: wall %.1f s (restricted solves %.1f s, pricing and certification %.1f s), CPU %.1f s, load %s"
        wall
        s.Solve.TotalSeconds
        s.Certification.TotalSeconds
        used
        (load ())
    // The exact sup|η| of the final residual (floor 0: the whole supremum, not only whether it is > 1),
    // for the node rate and the node count against the cells enumeration would need.
    let sw = Stopwatch.StartNew()
    let q = Measure.residual data s.Measure

    let b =
        BranchAndBound.supremumAbs data lambda q (BranchAndBoundOptions.Default.WithTimeLimit(TimeSpan.FromMinutes 3.0))

    printfn
        "exact sup|η| of the final residual: %.15g in [%.15g, %.15g] exact=%b (%s), %d nodes, %.0f nodes/s, wall %.1f s; Cover's count %.3g cells (nodes / cells = %.2g)"
        b.Value
        b.Lower
        b.Upper
        b.Exact
        b.Status
        b.Nodes
        b.NodesPerSecond
        sw.Elapsed.TotalSeconds
        (coverCount job.N job.D)
        (float b.Nodes / coverCount job.N job.D)

    printfn ""

/// Writes λ, the inputs, labels and a dual vector q, one row per line: "lambda <λ>", then "x_1 … x_d y q".
let private writeProblem (path: string) (lambda: float) (data: Dataset) (q: float[]) =
    let r (v: float) =
        v.ToString("R", Globalization.CultureInfo.InvariantCulture)

    let lines =
        [|
            yield sprintf "lambda %s" (r lambda)
            for i in 0 .. data.Count - 1 do
                yield String.Join(" ", Array.append (data.Input i |> Array.map r) [| r (data.Label i); r q.[i] |])
        |]

    File.WriteAllLines(path, lines)

/// Reads what `writeProblem` wrote.
let private readProblem (path: string) =
    let lines = File.ReadAllLines path

    let p (s: string) =
        Double.Parse(s, Globalization.CultureInfo.InvariantCulture)

    let lambda = p (lines.[0].Split(' ').[1])
    let rows = lines.[1..] |> Array.map (fun l -> l.Split(' ') |> Array.map p)
    let d = rows.[0].Length - 2

    let data =
        Dataset.CreateOrRaise(rows |> Array.map (fun r -> r.[0 .. d - 1]), rows |> Array.map (fun r -> r.[d]))

    data, lambda, rows |> Array.map (fun r -> r.[d + 1])

/// `bnb-dump <job> <file> [seconds]`: the job's λ_max and solve (within the job's limit or the given
/// seconds), then its final residual written for `bnb-probe`.
let dump (name: string) (path: string) (seconds: float option) =
    let job = jobs |> List.find (fun j -> j.Name = name)

    let job =
        match seconds with
        | Some s ->
            { job with
                Limit = TimeSpan.FromSeconds s
            }
        | None -> job

    let x, y = teacher 14 job.D job.N job.Width 0.1
    let x, y = if job.Standardised then standardise x y else x, y
    let data = Dataset.CreateOrRaise(x, y)
    let sw = Stopwatch.StartNew()

    let lm =
        SignVectorColumns.lambdaMax data (BranchAndBoundOptions.Default.WithTimeLimit(job.Limit / 3.0))

    printfn
        "λ_max %.15g in [%.15g, %.15g] exact=%b, %d nodes, %.1f s, load %s"
        lm.Value
        lm.Lower
        lm.Upper
        lm.Exact
        lm.Nodes
        sw.Elapsed.TotalSeconds
        (load ())

    let lambda = job.Fraction * lm.Value

    let s =
        SignVectorColumns.solve data lambda (SignVectorColumnsOptions.Default.WithTimeLimit(job.Limit).WithoutSaturation())

    let q = Measure.residual data s.Measure

    printfn
        "solve: certified=%b, sup|η| in [%.15g, %.15g], %d atoms, %.1f s, load %s"
        s.Assessment.Certified
        s.SupremumLower
        s.SupremumUpper
        s.Measure.Count
        sw.Elapsed.TotalSeconds
        (load ())

    writeProblem path lambda data q

/// `bnb-probe <file> [seconds]`: the certification search (floor 1) on a dumped residual, with its profile.
let probe (path: string) (seconds: float) (variant: string) =
    let data, lambda, q = readProblem path
    let sw = Stopwatch.StartNew()
    let c0 = cpu ()

    let o =
        BranchAndBoundOptions.Default.WithFloor(1.0).WithTimeLimit(TimeSpan.FromSeconds seconds)

    let o = if variant = "plain" then o.WithoutRangeReduction() else o
    let b = BranchAndBound.supremumAbs data lambda q o

    printfn
        "sup|η| %.15g in [%.15g, %.15g] exact=%b (%s), %d nodes, %d leaves, %.0f nodes/s, wall %.1f s, CPU %.1f s, load %s"
        b.Value
        b.Lower
        b.Upper
        b.Exact
        b.Status
        b.Nodes
        b.Leaves
        b.NodesPerSecond
        sw.Elapsed.TotalSeconds
        (cpu () - c0)
        (load ())

    let p = b.Profile
    printfn "closed by bound %d; nodes by depth %A" p.ClosedByBound p.NodesByDepth

    for t in p.Trace do
        printfn "  %10d nodes %8.1f s  upper %.6f  lower %.6f  open %d" t.Nodes t.Seconds t.Upper t.Lower t.Open

    printfn "open top (depth, chords, bound): %A" p.OpenTop

/// Runs the named jobs ("all" for every one).
let report (which: string[]) =
    printfn
        "machine: %s, %d cores, .NET %s"
        (Runtime.InteropServices.RuntimeInformation.OSDescription)
        Environment.ProcessorCount
        (string Environment.Version)

    // `all-hyperplanes` measures the blocks as they were before `Cone.facets`; `limit=S` shortens every job's budget.
    let allHyperplanes = Array.contains "all-hyperplanes" which

    let limit =
        which
        |> Array.tryPick (fun w ->
            if w.StartsWith "limit=" then
                Some(TimeSpan.FromSeconds(float w.[6..]))
            else
                None)

    let names =
        which
        |> Array.filter (fun w -> w <> "all-hyperplanes" && not (w.StartsWith "limit="))

    for job in jobs do
        if names.Length = 0 || Array.contains "all" names || Array.contains job.Name names then
            run
                allHyperplanes
                (match limit with
                 | Some l -> { job with Limit = l }
                 | None -> job)
