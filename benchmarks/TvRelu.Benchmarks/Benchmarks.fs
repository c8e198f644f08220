/// BenchmarkDotNet suites for cell enumeration and the certified solver.
module TvRelu.Benchmarks.Suites

open BenchmarkDotNet.Attributes
open TvRelu.Core.Arrangements
open TvRelu.Core.Certificates
open TvRelu.Core.Solver
open TvRelu.Core.Training

/// Exact cell enumeration (issue 2): the 5-cube (94,572 cells) and random planar data.
[<MemoryDiagnoser; SimpleJob(launchCount = 1, warmupCount = 1, iterationCount = 3)>]
type EnumerationBench() =
    let cube5 = Workloads.cube 5
    let random2 = Workloads.teacher 7 2 1000

    /// All cells of the 5-cube's vertices.
    [<Benchmark>]
    member _.Cube5() = (Arrangement.ofDataset cube5).CellCount

    /// All ~10^6 cells of 1,000 random points in d = 2.
    [<Benchmark>]
    member _.Random1000InPlane() =
        (Arrangement.ofDataset random2).CellCount

/// The certified solver end to end (issue 3), at λ = 1% of λ_max.
[<MemoryDiagnoser; SimpleJob(launchCount = 1, warmupCount = 1, iterationCount = 3)>]
type SolverBench() =
    let case d n =
        let data = Workloads.teacher 11 d n
        data, Workloads.lambdaFor data

    let d1 = case 1 1000
    let d2 = case 2 200
    let d3 = case 3 50

    let run (data, lambda) =
        let s = Solve.solve data lambda SolverOptions.Default

        if not s.Assessment.Certified then
            failwith "benchmark solve was not certified"

        s.Assessment.Gap

    /// 1,000 points, d = 1.
    [<Benchmark>]
    member _.Solve1000InLine() = run d1

    /// 200 points, d = 2.
    [<Benchmark>]
    member _.Solve200InPlane() = run d2

    /// 50 points, d = 3.
    [<Benchmark>]
    member _.Solve50InSpace() = run d3

/// The one merge of atoms (issue 10; issue 12 found `train --width 100000 --epochs 1` spending 263 s in a
/// quadratic merge): a width-10^5 network's measure and its clusters.
[<MemoryDiagnoser; SimpleJob(launchCount = 1, warmupCount = 1, iterationCount = 3)>]
type MergeBench() =
    let wide = Network.initialise (Standard 0.1) 0 100_000 2

    /// The canonical measure of 10^5 neurons (every direction distinct).
    [<Benchmark>]
    member _.MeasureOfWidth100000() = (Network.toMeasure wide).Count

    /// The clusters of 10^5 neurons at the default angle.
    [<Benchmark>]
    member _.ClustersOfWidth100000() =
        (Network.cluster ClusterOptions.Default wide).Length
