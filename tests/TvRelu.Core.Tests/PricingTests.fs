/// The one pricing interface (issues 13 and 16): the sign-vector column generation driven by the streaming
/// oracle (the arrangement never stored) and by the stored enumeration's oracle, against the stored
/// column generation (`Solve.solve`, its own loop and pricing by cell index). Independent oracles: the
/// objectives of two certified solutions differ by at most the sum of their gaps (§2), and the streaming
/// solve's sup |η| is the stored scan's exact supremum at the same residual.
module TvRelu.Core.Tests.PricingTests

open System
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open TvRelu.Core.Data
open TvRelu.Core.Numerics
open TvRelu.Core.Arrangements
open TvRelu.Core.Certificates
open TvRelu.Core.Solver
open TvRelu.Core.Tests.Oracles
open TvRelu.Core.Tests.Generators

/// Teacher labels (a random small network) plus noise from the case's own labels, on hard lattice data of
/// every kind (grid, wide, few, duplicates, affine) and every scale, λ a fraction of λ_max.
let private problems =
    gen {
        let! case = networks (latticeData [ 1, 8; 2, 6; 3, 5 ] allScales)
        let! noise = Gen.elements [ 0.0; 0.1; 1.0 ]
        return case, noise
    }

let private datasetOf (case: NetworkCase, noise: float) =
    let x = case.Data.Inputs
    let scale = x |> Array.fold (fun m r -> max m (norm (augment r))) 0.0

    let y =
        Array.map2 (fun r e -> network case.Neurons r + noise * scale * e) x case.Data.Labels

    Dataset.CreateOrRaise(x, y)

/// Both certified, and J within the sum of the gaps.
let private agree (a: Assessment) (r: Assessment) =
    a.Certified
    && r.Certified
    && abs (a.Objective - r.Objective) <= a.Gap + r.Gap + 1e-12 * abs r.Objective

[<Property(MaxTest = 100)>]
let ``streaming column generation agrees with the stored column generation within the certified gaps`` () =
    Prop.forAll (Arb.fromGen problems) (fun problem ->
        let data = datasetOf problem
        let arr = Arrangement.ofDataset data
        let lambdaMax = Solve.lambdaMax arr data

        if lambdaMax <= 1e-9 * (data.LabelsRaw |> Array.sumBy abs) then
            Prop.ofTestable true
        else
            let case, _ = problem
            let lambda = case.LambdaFraction * lambdaMax
            let reference = Solve.solve data lambda SolverOptions.Default

            let streamed =
                SignVectorColumns.solveStreaming 1 data lambda SignVectorColumnsOptions.Default

            let stored =
                SignVectorColumns.solveWith
                    (Pricing.enumeration arr data lambda Tolerances.boundary)
                    data
                    lambda
                    SignVectorColumnsOptions.Default

            // The streaming pass's sup |η| at the returned residual, against the stored scan's.
            let exactSup, _, _ =
                Certificate.supremumAbs (Certificate.ofDual arr data lambda streamed.Assessment.Residual)

            let supTol = 1e-9 * max 1.0 exactSup

            (agree streamed.Assessment reference.Assessment
             && agree stored.Assessment reference.Assessment
             && abs (streamed.SupremumLower - exactSup) <= supTol
             && streamed.Method = "column-generation+streaming"
             && stored.Method = "column-generation+enumeration")
            |> Prop.label (
                sprintf
                    "%s scale %g λ = %g: streaming J = %.17g gap %g certified %b (rounds %d, sup %.17g vs exact %.17g %s); stored-oracle J = %.17g gap %g certified %b; enumeration J = %.17g gap %g certified %b"
                    case.Data.Kind
                    case.Data.Scale
                    lambda
                    streamed.Assessment.Objective
                    streamed.Assessment.Gap
                    streamed.Assessment.Certified
                    streamed.Rounds
                    streamed.SupremumLower
                    exactSup
                    (defaultArg streamed.Assessment.OutOfRange "")
                    stored.Assessment.Objective
                    stored.Assessment.Gap
                    stored.Assessment.Certified
                    reference.Assessment.Objective
                    reference.Assessment.Gap
                    reference.Assessment.Certified
            ))
