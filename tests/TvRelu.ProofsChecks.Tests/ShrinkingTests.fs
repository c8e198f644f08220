/// Shrinking is a function of the seed (issue 12, item 13): the same counterexample on an idle
/// machine and on a loaded one.
module TvRelu.ProofsChecks.Tests.ShrinkingTests

open System
open System.Threading
open System.Threading.Tasks
open Xunit
open TvRelu.ProofsChecks

/// Rows with x > 0 make this claim fail once there are three of them; each check also sleeps for a
/// time that varies from call to call, as a loaded machine makes it.
type private SlowAndFalse(delayMs: unit -> int) =
    inherit ProblemClaim()
    override _.Id = "slow-and-false"
    override _.Statement = "at most two positive inputs (false on purpose)"
    override _.Source = "made up for the tests"
    override _.Oracle = "counting"
    override _.ShrinkBudget = 400

    override _.Generate(rng) =
        let n = 120
        let x = Array.init n (fun _ -> [| rng.Gaussian() |])

        {
            Seed = 0L
            Kind = "gaussian"
            Inputs = x
            Labels = Array.init n (fun _ -> rng.Gaussian())
            Duals = [||]
            LambdaFraction = 1.0
            Teacher = [||]
        }

    override _.Check(p) =
        Thread.Sleep(delayMs ())
        let positive = p.Inputs |> Array.filter (fun r -> r.[0] > 0.0) |> Array.length
        Outcome.Pass().Require(positive <= 2, sprintf "%d positive inputs" positive)

[<Fact>]
let ``a shrunk counterexample depends on the seed only, not on how slow the machine is`` () =
    let fast = SlowAndFalse(fun () -> 0)
    let quick = fast.Trial 77L
    Assert.True(quick.Refuted)
    // The same seed on a machine made slow (random delays in every check, and busy cores).
    let jitter = Random()
    let slow = SlowAndFalse(fun () -> lock jitter (fun () -> jitter.Next(0, 10)))
    use stop = new CancellationTokenSource()

    let load =
        [|
            for _ in 1 .. Environment.ProcessorCount ->
                Task.Run(fun () ->
                    let mutable x = 0.0

                    while not stop.IsCancellationRequested do
                        x <- x + sqrt (x + 1.0))
        |]

    let loaded =
        try
            slow.Trial 77L
        finally
            stop.Cancel()
            Task.WaitAll load

    Assert.Equal(3, quick.ShrunkRows)
    Assert.Equal(quick.Counterexample, loaded.Counterexample)
    Assert.Equal(JsonLines.identity { quick with ElapsedMs = 0.0 }, JsonLines.identity { loaded with ElapsedMs = 0.0 })
