/// The branch-and-bound supremum (THEORY.md §9) against the stored enumeration (§3), against an
/// independent mixed-integer oracle (SCIP), and its bounded least squares against brute force over
/// active sets. Budgets must give honest intervals; bad input must be refused by name.
module TvRelu.Core.Tests.BranchAndBoundTests

open System
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open MathNet.Numerics.LinearAlgebra
open TvRelu.Core.Data
open TvRelu.Core.Arrangements
open TvRelu.Core.Numerics
open TvRelu.Core.Certificates
open TvRelu.Core.Numerics
open TvRelu.Core.Tests.Oracles
open TvRelu.Core.Tests.Generators

/// S = Σ_i |q_i| ‖x̃_i‖ / λ, the scale of η on the unit ball: agreement is measured against it.
let private etaScale (xt: float[][]) (q: float[]) (lambda: float) =
    Array.fold2 (fun acc (x: float[]) qi -> acc + abs qi * norm x) 0.0 xt q / lambda

/// The enumeration's sup η, −inf η and sup|η|, with the arguments it reports.
let private enumerated (data: Dataset) (lambda: float) (q: float[]) =
    let cert = Certificate.ofDual (Arrangement.ofDataset data) data lambda q
    let s, a, sign = Certificate.supremumAbs cert
    let sup, inf = Certificate.supremum cert, Certificate.infimum cert

    [
        "sup", sup.Value, sup.Argument, 1.0
        "inf", inf.Value, inf.Argument, -1.0
        "abs", s, a.Argument, float sign
    ]

/// How often the enumeration's own value was rounding rather than attained (see `agrees`).
let mutable private enumerationNoise = 0

/// The three searches are exact and agree with the enumeration within 1e-12 S, or, where they do not,
/// the enumeration is the one off: its value is not attained at its own argument (its pieces are sums of
/// jumps along a spanning tree and carry their rounding: at inputs of 1e6 and residuals of 1e5 that
/// is 4e-12 S), or branch and bound attains more than it reports.
let private agrees (data: Dataset) (xt: float[][]) (lambda: float) (q: float[]) =
    let scale = etaScale xt q lambda
    let tol = 1e-12 * max scale 1e-300
    let o = BranchAndBoundOptions.Default

    enumerated data lambda q
    |> List.map (fun (name, expected, argument, sign) ->
        let b =
            match name with
            | "sup" -> BranchAndBound.supremum data lambda q o
            | "inf" -> BranchAndBound.infimum data lambda q o
            | _ -> BranchAndBound.supremumAbs data lambda q o

        let attainedByEnumeration = sign * eta xt q lambda argument
        let attainedByBnb = float b.Sign * eta xt q lambda b.Argument

        let same =
            abs (b.Value - expected) <= tol
            || (expected > b.Value && attainedByEnumeration <= b.Upper + tol)
            || (b.Value > expected && attainedByBnb > expected + tol)

        if same && abs (b.Value - expected) > tol then
            enumerationNoise <- enumerationNoise + 1

        let ok =
            b.Exact
            && same
            && b.Lower <= b.Value
            && b.Value <= b.Upper
            && attainedByEnumeration <= b.Upper + tol
            && (b.RationalChecks = 0 || b.RationalExcess <= tol)
            && abs (attainedByBnb - b.Lower) <= tol

        ok
        |> Prop.label (
            sprintf
                "%s: enumeration %.17g (attained %.17g), bnb %.17g in [%.17g, %.17g] exact=%b nodes=%d S=%g excess=%g"
                name
                expected
                attainedByEnumeration
                b.Value
                b.Lower
                b.Upper
                b.Exact
                b.Nodes
                scale
                b.RationalExcess
        ))
    |> List.reduce (.&.)

/// Lattice data of every kind (grid, wide, few, duplicates, affine) and scale, d = 1..4, with a
/// random or planted dual vector.
let private latticeDuals = duals (latticeData [ 1, 9; 2, 8; 3, 7; 4, 7 ] allScales)

/// Residuals of random small networks (the dual vectors a solver produces), d = 1..4.
let private networkResiduals =
    gen {
        let! case = networks (latticeData [ 1, 9; 2, 8; 3, 7; 4, 6 ] allScales)
        let x = case.Data.Inputs
        let y = case.Data.Labels

        let q =
            Array.init x.Length (fun i -> y.[i] - network case.Neurons case.Data.Inputs.[i])

        return case.Data, q
    }

/// Gaussian inputs with Gaussian duals, d = 1..4.
let private gaussianDuals =
    gen {
        let! g = gaussianData [ 1, 40; 2, 25; 3, 14; 4, 11 ]
        let! q = normalVector g.X.Length
        let! lambda = Gen.elements [ 1e-3; 1.0; 1e3 ]
        return g, q, lambda
    }

[<Property(MaxTest = 150)>]
let ``branch and bound equals the enumeration on lattice data of every kind, d ≤ 4`` () =
    Prop.forAll (Arb.fromGen latticeDuals) (fun c -> agrees c.Data.Dataset c.Data.Augmented 0.7 c.Q)

[<Property(MaxTest = 100)>]
let ``branch and bound equals the enumeration on network residuals, d ≤ 4`` () =
    Prop.forAll (Arb.fromGen networkResiduals) (fun (data, q) -> agrees data.Dataset data.Augmented 0.05 q)

[<Property(MaxTest = 100)>]
let ``branch and bound equals the enumeration on Gaussian inputs, d ≤ 4`` () =
    Prop.forAll (Arb.fromGen gaussianDuals) (fun (g, q, lambda) -> agrees g.Dataset (g.X |> Array.map augment) lambda q)

/// The issue's 10^4-trial agreement run: TVRELU_BNB_TRIALS=10000 dotnet test … --filter
/// "FullyQualifiedName~many trials" (CI runs the default, 60 per family).
[<Fact>]
let ``branch and bound equals the enumeration over many trials (count from TVRELU_BNB_TRIALS)`` () =
    let trials =
        match Environment.GetEnvironmentVariable "TVRELU_BNB_TRIALS" with
        | null
        | "" -> 60
        | s -> int s

    let config = Config.QuickThrowOnFailure.WithMaxTest(trials)
    Check.One(config, Prop.forAll (Arb.fromGen latticeDuals) (fun c -> agrees c.Data.Dataset c.Data.Augmented 0.7 c.Q))
    Check.One(config, Prop.forAll (Arb.fromGen networkResiduals) (fun (data, q) -> agrees data.Dataset data.Augmented 0.05 q))
    Check.One(config, Prop.forAll (Arb.fromGen gaussianDuals) (fun (g, q, l) -> agrees g.Dataset (g.X |> Array.map augment) l q))
    printfn "agreement: %d trials per family, %d searches where the enumeration's value was rounding" trials enumerationNoise

/// SCIP against branch and bound and the enumeration. SCIP stops at a relative gap of 1e-8 and meets
/// the ball to 1e-9 (a zero gap never closes), so: its polished value (the exact maximum of the cells
/// around its θ) is attained, hence never above branch and bound's Upper; it is within 1e-7 S of the
/// supremum; and when SCIP lands in a maximising cell it equals branch and bound within 1e-12 S (counted:
/// near-ties closer than 1e-8 are beyond SCIP). Scale 1 only: 1e-9 feasibility cannot separate the
/// needle-thin cells of inputs at 1e6 or 1e-6.
let mutable private mipExact = 0
let mutable private mipTotal = 0
/// SCIP ended without an answer (UNKNOWN_STATUS, objective 0): the second oracle abstains on that case, which
/// then checks branch and bound against the enumeration alone; counted, and bounded by the count test below.
let mutable private mipAbstained = 0

let private mipAgrees (data: Dataset) (xt: float[][]) (lambda: float) (q: float[]) =
    let scale = etaScale xt q lambda
    let tol = 1e-12 * max scale 1e-300

    enumerated data lambda q
    |> List.take 2
    |> List.map (fun (_, expected, _, sign) ->
        let mip = MixedInteger.supremum xt q lambda sign

        let b =
            if sign > 0.0 then
                BranchAndBound.supremum data lambda q BranchAndBoundOptions.Default
            else
                BranchAndBound.infimum data lambda q BranchAndBoundOptions.Default

        mipTotal <- mipTotal + 1
        let abstained = mip.Status.StartsWith "UNKNOWN"

        if abstained then
            mipAbstained <- mipAbstained + 1

        if abs (mip.Polished - b.Value) <= tol then
            mipExact <- mipExact + 1

        (abs (b.Value - expected) <= 1e-7 * scale
         && (abstained
             || (mip.Polished <= b.Upper + tol
                 && mip.Polished >= b.Value - 1e-7 * scale
                 && abs (mip.Objective - b.Value) <= 1e-6 * max scale 1e-300)))
        |> Prop.label (
            sprintf
                "sign %g: SCIP %s objective %.17g polished %.17g, bnb %.17g, enumeration %.17g, rows %A q %A"
                sign
                mip.Status
                mip.Objective
                mip.Polished
                b.Value
                expected
                xt
                q
        ))
    |> List.reduce (.&.)

[<Property(MaxTest = 40)>]
let ``SCIP, branch and bound and the enumeration agree on lattice data, d ≤ 4`` () =
    let atScaleOne = duals (latticeData [ 1, 8; 2, 7; 3, 6; 4, 6 ] [ 1, 1.0 ])

    Prop.forAll (Arb.fromGen atScaleOne) (fun c -> mipAgrees c.Data.Dataset c.Data.Augmented 0.7 c.Q)

[<Property(MaxTest = 30)>]
let ``SCIP, branch and bound and the enumeration agree on Gaussian inputs, d ≤ 4`` () =
    Prop.forAll (Arb.fromGen gaussianDuals) (fun (g, q, lambda) -> mipAgrees g.Dataset (g.X |> Array.map augment) lambda q)

/// Regression: the fourth case of this seed has λ = 1e-3 and weights w_i ‖x̃_i‖ in the thousands, where
/// SCIP ended with UNKNOWN_STATUS and no solution until the oracle scaled its objective to max |w_i| = 1.
[<Property(MaxTest = 4, Replay = "(3796486085685875182,1048649674567975759)")>]
let ``SCIP solves a model whose weights are in the thousands`` () =
    Prop.forAll (Arb.fromGen gaussianDuals) (fun (g, q, lambda) -> mipAgrees g.Dataset (g.X |> Array.map augment) lambda q)

/// The MIP run of the report: TVRELU_MIP_TRIALS (default 20) trials, and how many agreed within 1e-12 S.
[<Fact>]
let ``SCIP agreement count (count from TVRELU_MIP_TRIALS)`` () =
    let trials =
        match Environment.GetEnvironmentVariable "TVRELU_MIP_TRIALS" with
        | null
        | "" -> 20
        | s -> int s

    mipExact <- 0
    mipTotal <- 0
    mipAbstained <- 0
    let atScaleOne = duals (latticeData [ 1, 8; 2, 7; 3, 6; 4, 6 ] [ 1, 1.0 ])
    let config = Config.QuickThrowOnFailure.WithMaxTest(trials)
    Check.One(config, Prop.forAll (Arb.fromGen atScaleOne) (fun c -> mipAgrees c.Data.Dataset c.Data.Augmented 0.7 c.Q))
    Check.One(config, Prop.forAll (Arb.fromGen gaussianDuals) (fun (g, q, l) -> mipAgrees g.Dataset (g.X |> Array.map augment) l q))
    printfn "SCIP: %d of %d searches within 1e-12 S of branch and bound" mipExact mipTotal
    Assert.True(mipExact * 2 >= mipTotal, sprintf "SCIP agreed within 1e-12 S in only %d of %d searches" mipExact mipTotal)
    Assert.True(mipAbstained * 10 <= mipTotal, sprintf "SCIP gave no answer in %d of %d searches" mipAbstained mipTotal)

[<Property(MaxTest = 100)>]
let ``a node budget gives an honest interval around the supremum`` () =
    Prop.forAll (Arb.fromGen (Gen.zip latticeDuals (Gen.choose (1, 6)))) (fun (c, limit) ->
        let data = c.Data.Dataset
        let tol = 1e-12 * etaScale c.Data.Augmented c.Q 0.7
        let expected = enumerated data 0.7 c.Q |> List.last |> fun (_, v, _, _) -> v

        let b =
            BranchAndBound.supremumAbs data 0.7 c.Q (BranchAndBoundOptions.Default.WithNodeLimit(int64 limit))

        (b.Lower <= expected + tol
         && b.Upper >= expected - tol
         && (b.Status = "complete" || not b.Exact || b.Upper - b.Lower <= b.Tolerance))
        |> Prop.label (sprintf "enumeration %.17g, interval [%.17g, %.17g] %s" expected b.Lower b.Upper b.Status))

/// Planted duals scaled so that sup|η| = 1: every local maximum branch and bound reports is a
/// saturation point of the enumeration, and every global maximiser the enumeration finds is reported.
[<Property(MaxTest = 100)>]
let ``the saturation set from the leaves matches the enumeration's`` () =
    Prop.forAll (Arb.fromGen (duals (latticeData [ 1, 7; 2, 6; 3, 5 ] [ 1, 1.0 ]))) (fun c ->
        let data = c.Data.Dataset
        let s = enumerated data 1.0 c.Q |> List.last |> fun (_, v, _, _) -> v

        if s <= 1e-9 then
            Prop.ofTestable true
        else
            let lambda = s
            let cert = Certificate.ofDual (Arrangement.ofDataset data) data lambda c.Q
            let enumSigma = Certificate.saturation 1e-6 1e-9 cert

            let b =
                BranchAndBound.supremumAbs data lambda c.Q (BranchAndBoundOptions.Default.WithSaturationLevel(1.0 - 1e-6))

            let near (p: SaturationPoint) (set: SaturationPoint[]) =
                set
                |> Array.exists (fun e -> e.Sign = p.Sign && distance e.Direction p.Direction <= 1e-7)

            let global' = enumSigma |> Array.filter (fun p -> abs p.Value >= 1.0 - 1e-10)

            (b.Saturation |> Array.forall (fun p -> near p enumSigma)
             && global' |> Array.forall (fun p -> near p b.Saturation))
            |> Prop.label (sprintf "bnb Σ %A\nenumeration Σ %A" b.Saturation enumSigma))

/// The bounded least squares against brute force: every assignment of each variable to its lower
/// bound, its upper bound or free (least squares on the free ones), the best feasible one.
let private bruteForceBvls (cols: float[][]) (upper: float[]) (c: float[]) =
    let m = cols.Length
    let n = c.Length
    let mutable best = norm c

    let rec go (j: int) (assign: int list) =
        if j = m then
            let assign = List.rev assign |> Array.ofList
            let fixedPart = Array.copy c

            for k in 0 .. m - 1 do
                if assign.[k] = 1 then
                    for i in 0 .. n - 1 do
                        fixedPart.[i] <- fixedPart.[i] + upper.[k] * cols.[k].[i]

            let freeIdx =
                [|
                    for k in 0 .. m - 1 do
                        if assign.[k] = 2 then
                            yield k
                |]

            let z =
                if freeIdx.Length = 0 then
                    None
                else
                    let a =
                        Matrix<float>.Build.DenseOfColumnArrays(freeIdx |> Array.map (fun k -> cols.[k]))

                    Some((a.PseudoInverse() * Vector<float>.Build.DenseOfArray(scale -1.0 fixedPart)).ToArray())

            match z with
            | Some z when
                z
                |> Array.mapi (fun t v -> v >= -1e-9 && v <= upper.[freeIdx.[t]] + 1e-9)
                |> Array.forall id
                ->
                let r = Array.copy fixedPart

                freeIdx
                |> Array.iteri (fun t k ->
                    let v = min upper.[k] (max 0.0 z.[t])

                    for i in 0 .. n - 1 do
                        r.[i] <- r.[i] + v * cols.[k].[i])

                best <- min best (norm r)
            | None when freeIdx.Length = 0 -> best <- min best (norm fixedPart)
            | _ -> ()
        else
            for a in 0..2 do
                if a <> 1 || not (Double.IsPositiveInfinity upper.[j]) then
                    go (j + 1) (a :: assign)

    go 0 []
    best

[<Property(MaxTest = 300)>]
let ``bounded least squares reaches the brute-force minimum and stays feasible`` () =
    let cases =
        gen {
            let! n = Gen.choose (1, 4)
            let! m = Gen.choose (0, 5)
            let! cols = Gen.arrayOfLength m (normalVector n)
            let! repeat = Gen.elements [ false; true ]

            let cols =
                if repeat && m >= 2 then
                    Array.append cols.[.. m - 2] [| scale 2.0 cols.[0] |]
                else
                    cols

            let! finite = Gen.arrayOfLength cols.Length (Gen.elements [ true; false ])
            let upper = finite |> Array.map (fun f -> if f then 1.0 else infinity)
            let! c = normalVector n
            let! size = Gen.elements [ 1.0; 3.0; 1e-3 ]
            let! warm = Gen.arrayOfLength cols.Length (Gen.elements [ 0.0; 0.5; 1.0; 2.0 ])
            return cols, upper, scale size c, warm
        }

    Prop.forAll (Arb.fromGen cases) (fun (cols, upper, c, warm) ->
        let x = BoundedLeastSquares.solve cols upper c warm
        let value = norm (BoundedLeastSquares.residual cols c x)
        let expected = bruteForceBvls cols upper c
        let feasible = Array.forall2 (fun v u -> v >= 0.0 && v <= u) x upper
        let scaleOf = norm c + (cols |> Array.sumBy norm)

        (feasible
         && value <= expected + 1e-9 * scaleOf
         && value >= expected - 1e-9 * scaleOf)
        |> Prop.label (sprintf "x %A value %.17g brute force %.17g" x value expected))

[<Fact>]
let ``bad input is refused with a message that names the problem`` () =
    let data = Dataset.CreateOrRaise([| [| 0.0 |]; [| 1.0 |] |], [| 1.0; -1.0 |])
    let o = BranchAndBoundOptions.Default

    let message (f: unit -> obj) =
        (Assert.ThrowsAny<ArgumentException>(fun () -> f () |> ignore)).Message

    Assert.Contains("λ", message (fun () -> box (BranchAndBound.supremum data 0.0 [| 1.0; 1.0 |] o)))
    Assert.Contains("λ", message (fun () -> box (BranchAndBound.supremum data nan [| 1.0; 1.0 |] o)))
    Assert.Contains("2 rows", message (fun () -> box (BranchAndBound.supremum data 1.0 [| 1.0 |] o)))
    Assert.Contains("non-finite", message (fun () -> box (BranchAndBound.supremum data 1.0 [| 1.0; infinity |] o)))
    Assert.Contains("node limit", message (fun () -> box (o.WithNodeLimit 0L)))
    Assert.Contains("time limit", message (fun () -> box (o.WithTimeLimit TimeSpan.Zero)))

/// A closed form: with every x̃_i equal (one hyperplane), η = (Σq/λ) σ(⟨θ, x̃⟩), so sup η =
/// max(0, Σq) ‖x̃‖ / λ and −inf η = max(0, −Σq) ‖x̃‖ / λ, in any dimension (here d = 9: no enumeration).
[<Fact>]
let ``one repeated input in d = 9 has the closed-form supremum`` () =
    let x = Array.init 9 (fun k -> float (k - 4) * 0.25)
    let q = [| 0.5; -2.0; 0.25 |]
    let data = Dataset.CreateOrRaise(Array.replicate 3 x, [| 0.0; 0.0; 0.0 |])
    let length = norm (augment x)
    let sup = BranchAndBound.supremum data 0.5 q BranchAndBoundOptions.Default
    let inf = BranchAndBound.infimum data 0.5 q BranchAndBoundOptions.Default
    Assert.True(sup.Value <= 1e-15 && sup.Upper <= 1e-12)
    Assert.Equal(1.25 * length / 0.5, inf.Value, 12)
    Assert.True(inf.Exact)
    Assert.Equal(1, inf.Rank)
