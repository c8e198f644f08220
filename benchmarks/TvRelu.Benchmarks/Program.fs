module TvRelu.Benchmarks.Program

open BenchmarkDotNet.Attributes
open BenchmarkDotNet.Running

/// Placeholder benchmark; replace with real ones.
[<MemoryDiagnoser>]
type PlaceholderBench() =
    [<Benchmark>]
    member _.Sum() = Array.sum [| 1 .. 1000 |]

[<EntryPoint>]
let main argv =
    BenchmarkSwitcher.FromAssembly(typeof<PlaceholderBench>.Assembly).Run(argv) |> ignore
    0
