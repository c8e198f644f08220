/// The arrangement-free solver (THEORY.md §4, §9) against the enumerating one: both certified, so their
/// objectives differ by at most the sum of their certified gaps; and a case with no enumeration at all.
module TvRelu.Core.Tests.SignVectorColumnsTests

open System
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open TvRelu.Core.Data
open TvRelu.Core.Arrangements
open TvRelu.Core.Numerics
open TvRelu.Core.Certificates
open TvRelu.Core.Solver
open TvRelu.Core.Uniqueness
open TvRelu.Core.Tests.Oracles
open TvRelu.Core.Tests.Generators

/// Labels of random small networks on small lattice data at scale 1, λ a fraction of λ_max.
let private problems =
    gen {
        let! case = networks (latticeData [ 1, 8; 2, 6; 3, 5 ] [ 1, 1.0 ])
        let! seed = Gen.choose (0, 1000)
        return case, seed
    }

/// Both solvers certified, objectives within the sum of their gaps, λ_max by branch and bound equal to the
/// enumeration's.
let private agreesWithEnumeration () =
    Prop.forAll (Arb.fromGen problems) (fun (case, seed) ->
        let x = case.Data.Inputs
        let y = x |> Array.map (network case.Neurons)
        let data = Dataset.CreateOrRaise(x, y)
        let lambdaMax = Solve.lambdaMax (Arrangement.ofDataset data) data

        if lambdaMax <= 1e-9 then
            Prop.ofTestable true
        else
            let lambda = case.LambdaFraction * lambdaMax
            let reference = Solve.solve data lambda SolverOptions.Default

            let cg =
                SignVectorColumns.solve
                    data
                    lambda
                    { SignVectorColumnsOptions.Default with
                        Seed = seed
                    }

            let bb = SignVectorColumns.lambdaMax data BranchAndBoundOptions.Default
            let a, r = cg.Assessment, reference.Assessment

            (a.Certified
             && r.Certified
             && abs (a.Objective - r.Objective) <= a.Gap + r.Gap + 1e-12 * abs r.Objective
             && abs (bb.Value - lambdaMax) <= 1e-12 * lambdaMax + 1e-300
             && cg.Method = "column-generation+branch-and-bound")
            |> Prop.label (
                sprintf
                    "λ = %g: column generation J = %.17g gap %g certified %b (rounds %d, calls %d); enumeration J = %.17g gap %g; λ_max %.17g vs %.17g"
                    lambda
                    a.Objective
                    a.Gap
                    a.Certified
                    cg.Rounds
                    cg.BranchAndBoundCalls
                    r.Objective
                    r.Gap
                    bb.Value
                    lambdaMax
            ))

/// One input repeated in d = 8 (no enumeration needed), in closed form: every φ(θ) is σ(⟨θ, x̃⟩) 1, so
/// Kμ = t 1 and the cheapest measure with output t is one atom at ±x̂ of mass |t| / ‖x̃‖; P_λ is the 1-D
/// lasso min_t ½‖t 1 − y‖² + λ |t| / ‖x̃‖, so t* = ȳ − λ / (N ‖x̃‖) for ȳ above that threshold.
[<Property(MaxTest = 25)>]
let ``column generation reaches the enumerating solver's optimum, certified`` () = agreesWithEnumeration ()

/// The case CI found on 2026-11-29: one input three times, so three hyperplanes tie at once where a column
/// is built; the ties' enumeration indexed past its keys until they were deduplicated.
[<Property(MaxTest = 17, Replay = "(8206701901471732053,17431436333133177529)")>]
let ``column generation builds columns where repeated inputs tie`` () = agreesWithEnumeration ()

[<Fact>]
let ``one repeated input in d = 8 has the closed-form optimum`` () =
    let x = Array.init 8 (fun k -> 0.1 * float (k + 1))
    let y = [| 1.0; 2.0; 4.0 |]
    let data = Dataset.CreateOrRaise(Array.replicate 3 x, y)
    let length = norm (augment x)
    let lambda = 1.5
    let t = max 0.0 (Array.average y - lambda / (3.0 * length))

    let expected =
        0.5 * (y |> Array.sumBy (fun v -> (t - v) ** 2.0)) + lambda * t / length

    let s = SignVectorColumns.solve data lambda SignVectorColumnsOptions.Default
    Assert.True(s.Assessment.Certified, sprintf "gap %g" s.Assessment.Gap)
    Assert.Equal(expected, s.Assessment.Objective, 9)
    Assert.Equal(1, s.Measure.Count)

[<Fact>]
let ``bad λ is refused by name`` () =
    let data = Dataset.CreateOrRaise([| [| 0.0 |]; [| 1.0 |] |], [| 1.0; -1.0 |])

    let e =
        Assert.ThrowsAny<ArgumentException>(fun () -> SignVectorColumns.solve data -1.0 SignVectorColumnsOptions.Default |> ignore)

    Assert.Contains("λ", e.Message)
