/// Shard resolution from batch-scheduler environments.
module TvRelu.ProofsChecks.Tests.ShardEnvironmentTests

open System
open Xunit
open TvRelu.ProofsChecks

let private vars (pairs: (string * string) list) =
    Func<string, string>(fun k -> pairs |> List.tryFind (fst >> (=) k) |> Option.map snd |> Option.toObj)

[<Fact>]
let ``Slurm array variables give the shard, offset by the array's first index`` () =
    Assert.Equal(Some { Index = 3; Count = 8 }, Shard.fromVariables (vars [ "SLURM_ARRAY_TASK_ID", "3"; "SLURM_ARRAY_TASK_COUNT", "8" ]) 0)
    // --array=1-8: ids 1..8, shards 0..7.
    Assert.Equal(
        Some { Index = 0; Count = 8 },
        Shard.fromVariables
            (vars
                [
                    "SLURM_ARRAY_TASK_ID", "1"
                    "SLURM_ARRAY_TASK_COUNT", "8"
                    "SLURM_ARRAY_TASK_MIN", "1"
                ])
            0
    )

    Assert.Throws<FormatException>(fun () -> Shard.fromVariables (vars [ "SLURM_ARRAY_TASK_ID", "1" ]) 0 |> ignore)
    |> ignore

    Assert.ThrowsAny<Exception>(fun () ->
        Shard.fromVariables (vars [ "SLURM_ARRAY_TASK_ID", "9"; "SLURM_ARRAY_TASK_COUNT", "8" ]) 0
        |> ignore)
    |> ignore

[<Fact>]
let ``Kubernetes indexed jobs give the index, the count comes from the argument or TVRELU_SHARD_COUNT`` () =
    Assert.Equal(Some { Index = 2; Count = 4 }, Shard.fromVariables (vars [ "JOB_COMPLETION_INDEX", "2"; "TVRELU_SHARD_COUNT", "4" ]) 0)
    Assert.Equal(Some { Index = 2; Count = 6 }, Shard.fromVariables (vars [ "JOB_COMPLETION_INDEX", "2"; "TVRELU_SHARD_COUNT", "4" ]) 6)

    Assert.Throws<FormatException>(fun () -> Shard.fromVariables (vars [ "JOB_COMPLETION_INDEX", "2" ]) 0 |> ignore)
    |> ignore

    Assert.Throws<FormatException>(fun () ->
        Shard.fromVariables (vars [ "JOB_COMPLETION_INDEX", "two"; "TVRELU_SHARD_COUNT", "4" ]) 0
        |> ignore)
    |> ignore

[<Fact>]
let ``no scheduler variables: no shard; Slurm wins over Kubernetes`` () =
    Assert.Equal(None, Shard.fromVariables (vars []) 0)

    Assert.Equal(
        Some { Index = 1; Count = 2 },
        Shard.fromVariables
            (vars
                [
                    "SLURM_ARRAY_TASK_ID", "1"
                    "SLURM_ARRAY_TASK_COUNT", "2"
                    "JOB_COMPLETION_INDEX", "0"
                    "TVRELU_SHARD_COUNT", "5"
                ])
            0
    )

[<Fact>]
let ``an explicit shard wins over the environment`` () =
    // The real environment of the test process: set a Kubernetes index, then resolve with and without an explicit shard.
    let old =
        Environment.GetEnvironmentVariable "JOB_COMPLETION_INDEX", Environment.GetEnvironmentVariable "TVRELU_SHARD_COUNT"

    let slurm = Environment.GetEnvironmentVariable "SLURM_ARRAY_TASK_ID"

    if isNull slurm then
        try
            Environment.SetEnvironmentVariable("JOB_COMPLETION_INDEX", "1")
            Environment.SetEnvironmentVariable("TVRELU_SHARD_COUNT", "3")
            Assert.Equal({ Index = 1; Count = 3 }, Shard.resolve null)
            Assert.Equal({ Index = 0; Count = 2 }, Shard.resolve "0/2")
        finally
            Environment.SetEnvironmentVariable("JOB_COMPLETION_INDEX", fst old)
            Environment.SetEnvironmentVariable("TVRELU_SHARD_COUNT", snd old)
