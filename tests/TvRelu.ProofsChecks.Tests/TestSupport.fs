/// Helpers shared by the tests.
module TvRelu.ProofsChecks.Tests.TestSupport

open System
open System.IO
open TvRelu.ProofsChecks
open TvRelu.Core.Data
open TvRelu.Core.Arrangements
open TvRelu.Core.Certificates
open TvRelu.Core.Solver

/// A fresh temporary directory, deleted on dispose.
type TempDir() =
    let path =
        Path.Combine(Path.GetTempPath(), "tvrelu-audit-tests-" + Guid.NewGuid().ToString("N"))

    do Directory.CreateDirectory path |> ignore
    member _.Path = path
    member _.Sub(name: string) = Path.Combine(path, name)

    interface IDisposable with
        member _.Dispose() =
            try
                Directory.Delete(path, true)
            with _ ->
                ()

/// Records of a directory keyed by (claim, trial), as identity strings (timing ignored).
let identities (records: TrialRecord[]) =
    records
    |> Array.map (fun r -> (r.Claim, r.Trial), JsonLines.identity r)
    |> Map.ofArray

/// Raised by `killedAfter` to stop a campaign the way a kill would, between two records.
exception Killed

/// Runs a campaign and stops it, as a kill would, once `records` records are written: the file then
/// holds exactly those records (each written and flushed whole) and the lock is released.
let killedAfter (records: int) (claims: Claim[]) (trials: int) (seed: int64) (dir: string) =
    try
        Campaign.run
            claims
            trials
            seed
            Shard.single
            dir
            false
            (Action<CampaignProgress>(fun p ->
                if p.Completed >= records then
                    raise Killed))
        |> ignore

        failwith "the campaign was expected to stop"
    with Killed ->
        ()

/// A deliberately false claim: "|Σ| ≤ 1" (the saturation set has at most one point). Small d = 1
/// data and λ not too small keep its solves fast.
type SigmaAtMostOne() =
    inherit ProblemClaim()
    override _.Id = "false-sigma-at-most-one"
    override _.Statement = "|Sigma| <= 1 (false on purpose)"
    override _.Source = "made up for the tests"
    override _.Oracle = "the exact solver's saturation set"

    override _.Generate(rng) =
        Generate.dataset
            { Generate.defaultSpec with
                Kinds = [| Gaussian, 1.0; Uniform, 1.0 |]
                Dimensions = [| 1, 1.0 |]
                MaxRows = [| 8 |]
                LambdaLow = 1e-2
            }
            rng

    override _.Check(p) =
        let sol =
            Solve.solve
                p.Dataset
                (let arr = Arrangement.ofDataset p.Dataset in max 1e-300 (p.LambdaFraction * Solve.lambdaMax arr p.Dataset))
                SolverOptions.Default

        if not sol.Assessment.Certified then
            Outcome.Inconclusive "not certified"
        else
            Outcome
                .Pass()
                .Require(sol.Saturation.Length <= 1, sprintf "|Sigma| = %d" sol.Saturation.Length)
                .With("sigma", float sol.Saturation.Length)
