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

            // The streaming oracle alone (no ascent in front): every round's columns come from the pass.
            let passOnly =
                SignVectorColumns.solveWith
                    (Pricing.streaming data lambda 1 Tolerances.boundary)
                    data
                    lambda
                    SignVectorColumnsOptions.Default

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
             && agree passOnly.Assessment reference.Assessment
             && abs (streamed.SupremumLower - exactSup) <= supTol
             && streamed.Method = "column-generation+streaming"
             && stored.Method = "column-generation+enumeration")
            |> Prop.label (
                sprintf
                    "%s scale %g λ = %g: pure streaming J = %.17g gap %g certified %b; streaming J = %.17g gap %g certified %b (rounds %d, sup %.17g vs exact %.17g %s); stored-oracle J = %.17g gap %g certified %b; enumeration J = %.17g gap %g certified %b"
                    case.Data.Kind
                    case.Data.Scale
                    lambda
                    passOnly.Assessment.Objective
                    passOnly.Assessment.Gap
                    passOnly.Assessment.Certified
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

/// The streaming oracle's columns (issue 13) as the solver uses them: each sign vector is a cell of the stored
/// arrangement, the column's value is that cell's maximum of sign · η by the stored scan (Lemma 1), its interior point
/// lies strictly inside the cell (every row on its side: the barrier starts there), and its sup |η| interval holds the
/// stored exact supremum. The enumeration oracle's columns are the stored top k by construction and must agree on the
/// largest value.
[<Property(Arbitrary = [| typeof<DualVectors> |], MaxTest = 100)>]
let ``streaming oracle columns are stored cells with their values and strictly interior points`` (case: DualCase) =
    match CertificateTests.setup case with
    | None -> ()
    | Some s ->
        let data = case.Data.Dataset

        let query =
            {
                Dual = case.Q
                Support = [||]
                Excess = -0.5
                Count = 5
                Elapsed = fun () -> TimeSpan.Zero
                TimeLimit = None
            }

        let streamed = (Pricing.streaming data s.Lambda 1 Tolerances.boundary).Price query

        let stored =
            (Pricing.enumeration s.Arr data s.Lambda Tolerances.boundary).Price query

        let exactSup, _, _ = Certificate.supremumAbs s.Cert
        let sup = streamed.Supremum.Value

        Assert.True(
            sup.Lower - s.ProjTol <= exactSup && exactSup <= sup.Upper + s.ProjTol,
            sprintf "exact %.17g not in [%.17g, %.17g]" exactSup sup.Lower sup.Upper
        )

        Assert.Equal(stored.Columns.Length, streamed.Columns.Length)

        let cellOf =
            dict
                [
                    for c in 0 .. s.Arr.CellCount - 1 -> String.Join(",", CertificateTests.rowSignsOf s.Arr c), c
                ]

        for col in streamed.Columns do
            let key = String.Join(",", col.RowSigns)
            Assert.True(cellOf.ContainsKey key, sprintf "the column's sign vector %s is no stored cell" key)
            let cone = Certificate.top s.Arr.CellCount 0.0 s.Cert

            match cone |> Array.tryFind (fun (c, sign, _) -> c = cellOf.[key] && sign = col.Sign) with
            | Some(_, _, p) -> Assert.True(abs (p.Norm - col.Value) <= s.ProjTol, sprintf "stored %.17g, streamed %.17g" p.Norm col.Value)
            | None -> Assert.Fail(sprintf "cell %d has no positive maximum of %d · η in the stored scan" cellOf.[key] col.Sign)

            Array.iteri2
                (fun i (x: float[]) sign ->
                    Assert.True(
                        float sign * dot col.Interior x > 0.0,
                        sprintf "row %d: the interior point is not strictly on side %d" i sign
                    ))
                s.Xt
                col.RowSigns

        if stored.Columns.Length > 0 then
            Assert.True(abs (stored.Columns.[0].Value - streamed.Columns.[0].Value) <= s.ProjTol)

/// The same on Gaussian inputs (general position, d = 1..3, N up to 30 in the plane), labels the case's own
/// Gaussian noise, λ = 0.05 λ_max: the streaming-priced solve and the stored solve, both certified, within their gaps.
[<Property(MaxTest = 30)>]
let ``streaming column generation agrees with the stored one on Gaussian inputs`` () =
    Prop.forAll (Arb.fromGen (gaussianData [ 1, 40; 2, 30; 3, 12 ])) (fun case ->
        let data = Dataset.CreateOrRaise(case.X, case.Labels)
        let lambdaMax = Solve.lambdaMax (Arrangement.ofDataset data) data

        if lambdaMax <= 0.0 then
            Prop.ofTestable true
        else
            let lambda = 0.05 * lambdaMax
            let reference = Solve.solve data lambda SolverOptions.Default

            let streamed =
                SignVectorColumns.solveStreaming 1 data lambda SignVectorColumnsOptions.Default

            agree streamed.Assessment reference.Assessment
            |> Prop.label (
                sprintf
                    "d = %d N = %d: streaming J = %.17g gap %g certified %b; stored J = %.17g gap %g certified %b"
                    case.D
                    case.X.Length
                    streamed.Assessment.Objective
                    streamed.Assessment.Gap
                    streamed.Assessment.Certified
                    reference.Assessment.Objective
                    reference.Assessment.Gap
                    reference.Assessment.Certified
            ))
