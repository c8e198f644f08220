/// Exact rational mode (THEORY.md §8, issue 6). The oracles are independent of the code under test:
/// exact decimal expansions printed by .NET, determinants by the Leibniz formula, the certificate
/// η evaluated from its definition over the rationals, a brute-force supremum on the circle, the
/// separate solver's enclosures in `../shared/reference/expected.json`, and the floating certified
/// gap of perturbed optima.
module TvRelu.Core.Tests.ExactTests

open System
open System.Globalization
open System.IO
open System.Numerics
open System.Text.Json
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open Fractions
open TvRelu.Core.Data
open TvRelu.Core.Arrangements
open TvRelu.Core.Cones
open TvRelu.Core.Certificates
open TvRelu.Core.Solver
open TvRelu.Core.Exact
open TvRelu.Core.Numerics

// ---------------------------------------------------------------------------------------------
// Reference material and small exact helpers

type private ReferenceCase =
    {
        File: string
        Lambda: float
        Lower: float
        Upper: float
    }

let private referenceCases =
    lazy
        (use doc =
            JsonDocument.Parse(File.ReadAllText(Reference.referencePath "expected.json"))

         [
             for e in doc.RootElement.GetProperty("solve").EnumerateArray() ->
                 {
                     File = e.GetProperty("data").GetString()
                     Lambda = e.GetProperty("lambda").GetDouble()
                     Lower = e.GetProperty("objectiveLower").GetDouble()
                     Upper = e.GetProperty("objectiveUpper").GetDouble()
                 }
         ])

let private loadReference (file: string) =
    match Csv.load (Reference.referencePath file) with
    | Ok d -> d
    | Error e -> failwithf "%s: %s" file e.Message

/// Solutions of the reference cases, computed once.
let private solutions =
    lazy
        (referenceCases.Value
         |> List.map (fun c ->
             let data = loadReference c.File
             c, data, Solve.solve data c.Lambda SolverOptions.Default))

let private frac (k: int) = Fraction(BigInteger k)

/// The exact value of a double from its exact decimal expansion, as printed by .NET (which formats
/// doubles exactly at any precision): an oracle for Rational.ofFloat that shares none of its code.
let private decimalValue (x: float) =
    let s = x.ToString("F1100", CultureInfo.InvariantCulture)
    let neg = s.StartsWith "-"
    let s = s.TrimStart('-')
    let dot = s.IndexOf '.'
    let digits = s.Remove(dot, 1)
    let v = Fraction(BigInteger.Parse digits, BigInteger.Pow(10I, s.Length - dot - 1))
    if neg then -v else v

/// Parses the scientific decimals printed by Rational.toDecimal.
let private parseDecimal (s: string) =
    if s = "0" then
        Fraction.Zero
    else
        let e = s.IndexOf 'e'
        let mantissa = s.Substring(0, e)
        let exponent = Int32.Parse(s.Substring(e + 1), CultureInfo.InvariantCulture)
        let neg = mantissa.StartsWith "-"
        let m = mantissa.TrimStart('-')
        let dot = m.IndexOf '.'
        let decimals = if dot < 0 then 0 else m.Length - dot - 1

        let v =
            Fraction(BigInteger.Parse(m.Replace(".", "")), BigInteger.Pow(10I, decimals))

        let v =
            if exponent >= 0 then
                v * Fraction(BigInteger.Pow(10I, exponent))
            else
                v / Fraction(BigInteger.Pow(10I, -exponent))

        if neg then -v else v

/// η(θ) = (1/λ) Σ_i p_i σ(⟨θ, x̃_i⟩) from its definition (THEORY.md §2), over the rationals.
let private eta (rows: Fraction[][]) (p: Fraction[]) (lambda: Fraction) (theta: Fraction[]) =
    let mutable s = Fraction.Zero

    for i in 0 .. rows.Length - 1 do
        let mutable z = Fraction.Zero

        for k in 0 .. theta.Length - 1 do
            z <- z + theta.[k] * rows.[i].[k]

        if z.IsPositive then
            s <- s + p.[i] * z

    s / lambda

let private normSq (v: Fraction[]) =
    v |> Array.fold (fun acc x -> acc + x * x) Fraction.Zero

/// η(θ)² / ‖θ‖²: the squared value of |η| at the direction of θ ≠ 0.
let private etaSquaredAt rows p lambda (theta: Fraction[]) =
    let e = eta rows p lambda theta
    e * e / normSq theta

let private augmentedExact (data: Dataset) =
    Array.init data.Count (fun i -> Array.append (data.Input i |> Array.map Rational.ofFloat) [| Fraction.One |])

/// The exact supremum machinery on a dual vector, through the internal modules.
let private exactSupremum (data: Dataset) (lambda: float) (p: float[]) =
    let arr = Arrangement.ofDataset data
    let ctx, failures = ExactCells.ofArrangement data arr
    Assert.Empty failures
    let cert = Certificate.ofDual arr data lambda p
    let pieces = ExactSupremum.pieces ctx arr (Rational.ofFloat lambda) p
    let arg, computed, stats = ExactSupremum.supremum ctx arr cert pieces 100000
    arr, ctx, stats.SupremumSquared, arg, computed, stats

// ---------------------------------------------------------------------------------------------
// Rationals

[<Fact>]
let ``Exact ofFloat is exact at the edges of the format, where Fractions' FromDouble is not`` () =
    Assert.Equal(Fraction.Zero, Rational.ofFloat -0.0)
    Assert.Equal(Fraction(BigInteger.One, BigInteger.One <<< 1074), Rational.ofFloat Double.Epsilon)
    Assert.Equal(Fraction(BigInteger 3602879701896397L, BigInteger.One <<< 55), Rational.ofFloat 0.1)
    Assert.Equal(Fraction(((BigInteger.One <<< 53) - BigInteger.One) <<< 971), Rational.ofFloat Double.MaxValue)
    Assert.Equal(Fraction(BigInteger -3, BigInteger 2), Rational.ofFloat -1.5)

    for x in [ 0.1; -0.0; Double.Epsilon; 2.0 ** -1022.0; -Double.MaxValue; 1.0 / 3.0 ] do
        Assert.Equal(decimalValue x, Rational.ofFloat x)

/// Finite doubles drawn uniformly over their bit patterns: every exponent (subnormals included),
/// random mantissas, both signs.
let private finiteDoubles =
    gen {
        let! negative = Gen.elements [ true; false ]
        let! exponent = Gen.choose (0, 2046)
        let! high = Gen.choose (0, (1 <<< 20) - 1)
        let! low = Gen.choose (Int32.MinValue, Int32.MaxValue)
        let mantissa = (int64 high <<< 32) ||| int64 (uint32 low)

        let bits =
            (if negative then Int64.MinValue else 0L)
            ||| (int64 exponent <<< 52)
            ||| mantissa

        return BitConverter.Int64BitsToDouble bits
    }
    |> Arb.fromGen

[<Property(MaxTest = 300)>]
let ``Exact ofFloat equals the exact decimal expansion of every finite double`` () =
    Prop.forAll finiteDoubles (fun x -> Rational.ofFloat x = decimalValue x)

[<Property(MaxTest = 200)>]
let ``Exact scaleToIntegers keeps every value: x_k = M_k 2^e`` (xs: NormalFloat[]) =
    let xs = xs |> Array.map (fun (NormalFloat x) -> x)
    let m, e = Rational.scaleToIntegers xs
    Array.forall2 (fun (mk: BigInteger) x -> Fraction mk * Rational.pow2 e = Rational.ofFloat x) m xs

[<Property(MaxTest = 200)>]
let ``Exact square-root brackets hold and are tight`` (PositiveInt a) (PositiveInt b) (square: bool) =
    let x =
        if square then
            Fraction(BigInteger a * BigInteger a, BigInteger b * BigInteger b)
        else
            Fraction(BigInteger a, BigInteger b)

    let lo, hi = Rational.sqrtBounds x
    let exactOk = not square || (lo = hi && lo = Fraction(BigInteger a, BigInteger b))
    lo * lo <= x && x <= hi * hi && hi - lo <= hi * Rational.pow2 -120 && exactOk

[<Property(MaxTest = 200)>]
let ``Exact decimals are rounded outwards`` (a: int) (PositiveInt b) (PositiveInt digits) =
    let x = Fraction(BigInteger a, BigInteger b)
    let digits = 1 + digits % 25
    let lo = parseDecimal (Rational.toDecimal digits false x)
    let hi = parseDecimal (Rational.toDecimal digits true x)

    lo <= x
    && x <= hi
    && (lo = hi
        || hi - lo
           <= Fraction.Abs x * Fraction(BigInteger 10, BigInteger.Pow(10I, digits - 1)))

// ---------------------------------------------------------------------------------------------
// Exact linear algebra (oracle: the Leibniz formula)

let rec private permutations (items: int list) : int list list =
    match items with
    | [] -> [ [] ]
    | _ ->
        [
            for x in items do
                for rest in permutations (List.filter ((<>) x) items) -> x :: rest
        ]

let private leibniz (m: BigInteger[][]) =
    let n = m.Length

    permutations [ 0 .. n - 1 ]
    |> List.sumBy (fun perm ->
        let p = Array.ofList perm

        let inversions =
            Seq.sum (
                seq {
                    for i in 0 .. n - 1 do
                        for j in i + 1 .. n - 1 do
                            if p.[i] > p.[j] then
                                yield 1
                }
            )

        let prod =
            Seq.fold (fun acc i -> acc * m.[i].[p.[i]]) BigInteger.One (seq { 0 .. n - 1 })

        if inversions % 2 = 0 then prod else -prod)

/// Rank as the order of the largest non-zero minor (Leibniz determinants of all square submatrices).
let private rankByMinors (rows: BigInteger[][]) (cols: int) =
    let rec choose k (xs: int list) =
        if k = 0 then
            [ [] ]
        else
            match xs with
            | [] -> []
            | x :: rest -> (choose (k - 1) rest |> List.map (fun c -> x :: c)) @ choose k rest

    let r = rows.Length

    [ min r cols .. -1 .. 1 ]
    |> List.tryFind (fun k ->
        choose k [ 0 .. r - 1 ]
        |> List.exists (fun ri ->
            choose k [ 0 .. cols - 1 ]
            |> List.exists (fun ci -> not (leibniz [| for i in ri -> [| for j in ci -> rows.[i].[j] |] |]).IsZero)))
    |> Option.defaultValue 0

/// Small integer matrices with dependent rows on purpose (a row that is a sum of two others).
let private matrices =
    gen {
        let! r = Gen.choose (1, 4)
        let! c = Gen.choose (1, 4)
        let! rows = Gen.arrayOfLength r (Gen.arrayOfLength c (Gen.choose (-3, 3)))
        let! dependent = Gen.elements [ true; false ]

        let rows =
            if dependent && r >= 2 then
                Array.append rows [| Array.map2 (+) rows.[0] rows.[1] |]
            else
                rows

        return rows |> Array.map (Array.map BigInteger), c
    }
    |> Arb.fromGen

[<Property(MaxTest = 200)>]
let ``Exact Bareiss rank and determinant match the Leibniz formula`` () =
    Prop.forAll matrices (fun (rows, cols) ->
        let square =
            rows |> Array.truncate cols |> Array.map (Array.truncate (min rows.Length cols))

        let sq = square.Length = (if square.Length > 0 then square.[0].Length else 0)

        IntegerLinear.rank cols rows = rankByMinors rows cols
        && (not sq || IntegerLinear.determinant square = leibniz square))

[<Property(MaxTest = 200)>]
let ``Exact null space and subspace projection are exact`` () =
    Prop.forAll matrices (fun (rows, cols) ->
        let basis = IntegerLinear.nullSpace cols rows
        let r = IntegerLinear.rank cols rows

        let orthogonal =
            basis
            |> Array.forall (fun b -> rows |> Array.forall (fun a -> (IntegerLinear.dot a b).IsZero))

        let independent = IntegerLinear.rank cols basis = basis.Length
        let ind = IntegerLinear.independentSubset cols rows |> Array.map (fun i -> rows.[i])
        let w = Array.init cols (fun k -> BigInteger(k * k - 2))
        let det, _, pi = IntegerLinear.projectOut ind w
        let removed = Array.map2 (fun (x: BigInteger) y -> det * x - y) w pi

        orthogonal
        && independent
        && basis.Length = cols - r
        && ind.Length = r
        && det.Sign > 0
        && ind |> Array.forall (fun a -> (IntegerLinear.dot a pi).IsZero)
        && IntegerLinear.rank cols (Array.append ind [| removed |]) = r)

/// Integers of every size around the 64-bit limb boundaries, both signs.
let private bigIntegers =
    gen {
        let! bits = Gen.choose (0, 400)
        let! offset = Gen.choose (-2, 2)
        let! negative = Gen.elements [ true; false ]
        let! seed = Gen.choose (0, Int32.MaxValue)
        // Little-endian bytes with a zero sign byte last: a non-negative number of about `bits` bits.
        let bytes =
            Array.append (Array.init (bits / 8 + 1) (fun i -> byte ((seed >>> (i % 24)) + 37 * i))) [| 0uy |]

        let random = BigInteger bytes
        let! kind = Gen.choose (0, 2)

        let magnitude =
            match kind with
            | 0 -> (BigInteger.One <<< (64 * (bits / 64))) + BigInteger offset
            | 1 -> random
            | _ -> BigInteger offset

        return if negative then -magnitude else magnitude
    }

[<Property(MaxTest = 300)>]
let ``Exact packed sign test agrees with BigInteger arithmetic, zero sums included`` () =
    let rows =
        Gen.arrayOfLength 3 (Gen.choose (-1000000, 1000000) |> Gen.map (fun k -> int64 k * 36028797018L + 7L))

    Prop.forAll (Gen.zip (Gen.arrayOfLength 3 bigIntegers) rows |> Arb.fromGen) (fun (a, b) ->
        let bb = b |> Array.map BigInteger
        // A second vector orthogonal to b: its sign must be exactly 0.
        let k = a.[0]
        let orthogonal = [| k * bb.[1]; -k * bb.[0]; BigInteger.Zero |]

        IntegerLinear.signOfDotPacked (IntegerLinear.pack a) b = (IntegerLinear.dot a bb).Sign
        && IntegerLinear.signOfDotPacked (IntegerLinear.pack orthogonal) b = 0)

// ---------------------------------------------------------------------------------------------
// Cells, faces and the exact supremum on data with ties (integer grids: duplicates, collinear points)

type private Grid =
    {
        Points: int[][]
        Dual: int[]
    }

    member g.Dataset =
        Dataset.CreateOrRaise(g.Points |> Array.map (Array.map (fun k -> float k / 2.0)), Array.zeroCreate g.Points.Length)

    member g.DualVector = g.Dual |> Array.map float

    override g.ToString() =
        sprintf "points=%s dual=%A" (String.Join(" ", g.Points |> Array.map (fun p -> "(" + String.Join(",", p) + ")"))) g.Dual

let private grids (d: int) =
    gen {
        let! n = Gen.choose (2, 7)
        let! points = Gen.arrayOfLength n (Gen.arrayOfLength d (Gen.choose (-2, 2)))
        let! dual = Gen.arrayOfLength n (Gen.choose (-3, 3))
        return { Points = points; Dual = dual }
    }
    |> Arb.fromGen

[<Property(MaxTest = 40)>]
let ``Exact cell and face checks pass on degenerate grids in d = 1, 2, 3`` () =
    Prop.forAll (Gen.choose (1, 3) |> Arb.fromGen) (fun d ->
        Prop.forAll (grids d) (fun g ->
            let data = g.Dataset
            let arr = Arrangement.ofDataset data
            let ctx, dataFailures = ExactCells.ofArrangement data arr
            let counts, failures = ExactCells.check ctx arr true 100000

            dataFailures.IsEmpty
            && failures.IsEmpty
            && counts.CellsWithRationalPoint = arr.CellCount
            && counts.EulerCharacteristic = Some counts.ExpectedEulerCharacteristic))

[<Property(MaxTest = 40)>]
let ``Exact interior points are found by the extreme-ray fallback when the floating hint is wrong`` () =
    Prop.forAll (Gen.choose (1, 3) |> Arb.fromGen) (fun d ->
        Prop.forAll (grids d) (fun g ->
            let data = g.Dataset
            let arr = Arrangement.ofDataset data
            let ctx, _ = ExactCells.ofArrangement data arr
            let all = Array.init arr.HyperplaneCount id
            let faces = Faces.enumerate arr
            // The hint of each face is the interior point of another face (the next one in the list),
            // so the floating suggestion fails and the exact fallback must find the point.
            let results =
                faces
                |> Array.mapi (fun k face ->
                    let signs = face.Signs.ToArray()
                    let wrong = faces.[(k + 1) % faces.Length].Interior

                    match ExactCells.interiorPoint ctx signs wrong all 100000 with
                    | Some(theta, fallback) -> ExactCells.realises ctx signs theta, fallback
                    | None -> false, true)

            Array.forall fst results && (faces.Length < 2 || Array.exists snd results)))

[<Property(MaxTest = 40)>]
let ``Exact interior points refuse sign vectors that are not faces`` () =
    Prop.forAll (grids 2) (fun g ->
        let data = g.Dataset
        let arr = Arrangement.ofDataset data
        let ctx, _ = ExactCells.ofArrangement data arr
        // Flipping a non-facet sign of a cell gives a sign vector no point has.
        [
            for c in 0 .. arr.CellCount - 1 do
                let facets = arr.Facets c
                let cell = arr.Cell c

                for h in 0 .. arr.HyperplaneCount - 1 do
                    if not (Array.contains h facets) then
                        let signs = cell.Signs.ToArray()
                        signs.[h] <- -signs.[h]
                        let isCell = arr.Cells |> Seq.exists (fun e -> e.Signs.ToArray() = signs)

                        yield
                            isCell
                            || (ExactCells.interiorPoint ctx signs cell.Interior (Array.init arr.HyperplaneCount id) 100000).IsNone
        ]
        |> List.forall id)

/// The supremum of |η| on the circle by brute force over the rationals: η is linear on each arc
/// between consecutive rays ±(1, −x_i), so its maximum is at a ray or at the piece's direction v
/// when v lies strictly inside the arc (THEORY.md §3).
let private circleSupremumSquared (data: Dataset) (p: Fraction[]) (lambda: Fraction) =
    let rows = augmentedExact data
    let xs = rows |> Array.map (fun r -> r.[0]) |> Array.distinct

    let rays =
        xs
        |> Array.collect (fun x -> [| [| Fraction.One; -x |]; [| Fraction.MinusOne; x |] |])

    let rays =
        rays |> Array.sortBy (fun r -> Math.Atan2(r.[1].ToDouble(), r.[0].ToDouble()))

    let cross (a: Fraction[]) (b: Fraction[]) = a.[0] * b.[1] - a.[1] * b.[0]
    let atRays = rays |> Array.map (etaSquaredAt rows p lambda)

    let inArcs =
        [|
            for k in 0 .. rays.Length - 1 do
                let a = rays.[k]
                let b = rays.[(k + 1) % rays.Length]
                let det = cross a b

                let mid =
                    if det.IsPositive then
                        [| a.[0] + b.[0]; a.[1] + b.[1] |]
                    else
                        [| -a.[1]; a.[0] |]

                let v = Array.create 2 Fraction.Zero

                for i in 0 .. rows.Length - 1 do
                    if (mid.[0] * rows.[i].[0] + mid.[1] * rows.[i].[1]).IsPositive then
                        v.[0] <- v.[0] + p.[i] * rows.[i].[0] / lambda
                        v.[1] <- v.[1] + p.[i] * rows.[i].[1] / lambda

                for u in [ v; Array.map (fun (x: Fraction) -> -x) v ] do
                    let inside =
                        if det.IsPositive then
                            (cross u b / det).IsPositive && (cross a u / det).IsPositive
                        else
                            (cross a u).IsPositive

                    if inside then
                        yield normSq u
        |]

    Array.append atRays inArcs |> Array.max

[<Property(MaxTest = 100)>]
let ``Exact supremum equals a brute-force supremum over the rationals on the circle`` () =
    Prop.forAll (grids 1) (fun g ->
        let data = g.Dataset
        let lambda = 0.5
        let _, _, best, _, computed, _ = exactSupremum data lambda g.DualVector

        let oracle =
            circleSupremumSquared data (g.Dual |> Array.map frac) (Rational.ofFloat lambda)

        let expected = if oracle > Fraction.One then oracle else Fraction.One

        (best = expected
         && computed |> Array.forall (fun pr -> pr.Status <> BoundedByNorm))
        |> Prop.label (sprintf "exact %O, brute force %O" best expected))

[<Property(MaxTest = 60)>]
let ``Exact supremum in d = 2 is attained exactly and never exceeded at rational directions, ties included`` () =
    Prop.forAll (grids 2) (fun g ->
        let data = g.Dataset
        let lambda = 0.25
        let _, _, best, arg, computed, _ = exactSupremum data lambda g.DualVector
        let rows = augmentedExact data
        let p = g.Dual |> Array.map frac
        let lam = Rational.ofFloat lambda
        // Directions from a small integer grid: many lie exactly on hyperplanes or their intersections.
        let samples =
            [|
                for a in -3 .. 3 do
                    for b in -3 .. 3 do
                        for c in -3 .. 3 do
                            if (a, b, c) <> (0, 0, 0) then
                                yield [| frac a; frac b; frac c |]
            |]

        let neverExceeded =
            samples |> Array.forall (fun th -> etaSquaredAt rows p lam th <= best)

        let attained =
            match arg with
            | None -> true
            | Some a -> etaSquaredAt rows p lam (a.Point |> Array.map (fun (x: BigInteger) -> Fraction x)) = best

        neverExceeded
        && attained
        && computed |> Array.forall (fun pr -> pr.Status <> BoundedByNorm))

[<Property(MaxTest = 40)>]
let ``Exact active-set search finds the projection when the floating active set is wrong`` () =
    Prop.forAll (grids 2) (fun g ->
        let data = g.Dataset
        let lambda = 0.25
        let arr, ctx, _, _, _, _ = exactSupremum data lambda g.DualVector
        let cert = Certificate.ofDual arr data lambda g.DualVector
        let pieces = ExactSupremum.pieces ctx arr (Rational.ofFloat lambda) g.DualVector
        let n = arr.AmbientDimension

        [
            for c in 0 .. arr.CellCount - 1 do
                for sign in [ 1; -1 ] do
                    let right = ExactSupremum.project ctx arr cert pieces 100000 c sign
                    // A hint claiming every facet active: wrong whenever the projection is not the vertex.
                    let facets = arr.Facets c

                    let wrongHint: Projection =
                        {
                            Point = Array.zeroCreate n
                            Norm = 0.0
                            Multipliers = Array.create facets.Length 1.0
                        }

                    let searched = ExactSupremum.projectWith ctx arr cert pieces 100000 c sign wrongHint

                    yield
                        searched.Status <> BoundedByNorm
                        && ExactSupremum.valueSquared pieces searched = ExactSupremum.valueSquared pieces right
        ]
        |> List.forall id)

[<Fact>]
let ``Exact supremum decides a maximiser lying exactly on a hyperplane`` () =
    // x = 0 and 1, p = (−1, 1), λ = 1/2: the piece of the cell {b > 0, w + b > 0} is v = 2 (1, 0),
    // which lies on the hyperplane b = 0 of x = 0 (a zero sign at the maximiser, with multiplier 0).
    // Brute force on the circle gives sup|η|² = 4 exactly, attained only there.
    let data = Dataset.CreateOrRaise([| [| 0.0 |]; [| 1.0 |] |], [| 0.0; 0.0 |])
    let _, ctx, best, arg, _, _ = exactSupremum data 0.5 [| -1.0; 1.0 |]
    Assert.Equal(frac 4, best)
    let a = arg.Value
    Assert.True((IntegerLinear.dot ctx.Normals.[0] a.Point).IsZero, "the maximiser is exactly on the hyperplane of x = 0")
    Assert.Equal(circleSupremumSquared data [| frac -1; frac 1 |] (Rational.ofFloat 0.5), best)

// ---------------------------------------------------------------------------------------------
// Certification of the reference solutions

[<Fact>]
let ``Exact verifies every reference case within the separate solver's enclosure`` () =
    for (c, data, sol) in solutions.Value do
        let r = Exact.certify data c.Lambda sol.Measure None

        let what =
            sprintf "%s: %s [%s, %s] %A" c.File r.Verdict.Name r.LowerDecimal r.UpperDecimal r.Failures

        Assert.True((r.Verdict = Verified), what)
        Assert.True(r.Lower <= r.Upper && r.Upper - r.Lower <= r.Tolerance, what)
        Assert.True(r.Lower <= Rational.ofFloat c.Upper + Rational.ofFloat 1e-9, what)
        Assert.True(r.Upper >= Rational.ofFloat c.Lower - Rational.ofFloat 1e-9, what)
        Assert.Equal(r.CellCheck.ExpectedEulerCharacteristic, r.CellCheck.EulerCharacteristic.Value)
        Assert.Equal(r.CellCheck.Cells, r.CellCheck.CellsWithRationalPoint)
        Assert.True(r.Rank.IsSome, what)
        // The printed forms are the same numbers.
        Assert.Equal(r.Lower, Fraction.FromString(r.LowerText, CultureInfo.InvariantCulture))
        Assert.True(parseDecimal r.LowerDecimal <= r.Lower && r.Upper <= parseDecimal r.UpperDecimal, what)

[<Fact>]
let ``Exact and floating verdicts agree on every reference case`` () =
    for (c, data, sol) in solutions.Value do
        let r = Exact.certify data c.Lambda sol.Measure None

        Assert.True(
            sol.Assessment.Certified = (r.Verdict = Verified),
            sprintf "%s: floating %b, exact %s" c.File sol.Assessment.Certified r.Verdict.Name
        )

// ---------------------------------------------------------------------------------------------
// Mutations, sized by the true gap

let private rotate (angle: float) (u: float[]) =
    let n = u.Length
    let k = [| 0 .. n - 1 |] |> Array.minBy (fun i -> abs u.[i])
    let e = Array.init n (fun i -> if i = k then 1.0 else 0.0)
    let c = Array.fold2 (fun acc a b -> acc + a * b) 0.0 e u
    let e = Array.map2 (fun a b -> a - c * b) e u
    let ne = sqrt (Array.sumBy (fun x -> x * x) e)
    Array.map2 (fun a b -> cos angle * a + sin angle * b / ne) u e

let private mutations (mu: Measure) =
    let atoms = mu.Atoms
    let n = mu.AmbientDimension

    let rebuild f =
        Measure.ofAtoms n (atoms |> Array.mapi f |> Array.choose id)

    let biggest =
        atoms |> Array.mapi (fun j a -> j, abs a.Amplitude) |> Array.maxBy snd |> fst

    [
        "atom dropped", rebuild (fun j a -> if j = biggest then None else Some(a.Direction, a.Amplitude))
        "amplitude x 1.001", rebuild (fun j a -> Some(a.Direction, if j = biggest then 1.001 * a.Amplitude else a.Amplitude))
        "direction rotated 1e-3 rad", rebuild (fun j a -> Some((if j = biggest then rotate 1e-3 a.Direction else a.Direction), a.Amplitude))
        "amplitude x (1 + 1e-9)",
        rebuild (fun j a ->
            Some(
                a.Direction,
                if j = biggest then
                    (1.0 + 1e-9) * a.Amplitude
                else
                    a.Amplitude
            ))
    ]

/// The verdict is sound against the true gap J(μ') − J* (J* from the certified floating optimum):
/// refuted only when the true gap exceeds the tolerance, verified only when it does not, and
/// refuted whenever the true gap is ten times the tolerance.
let private checkMutation (label: string) (data: Dataset) (lambda: float) (jStar: float) (starGap: float) (mu: Measure) =
    let r = Exact.certify data lambda mu None
    let tol = r.Tolerance.ToDouble()
    let trueGap = Measure.objective lambda data mu - jStar

    let what =
        sprintf "%s: true gap %g (± %g), tolerance %g, exact %s %A" label trueGap starGap tol r.Verdict.Name r.Failures

    if r.Verdict = Refuted then
        Assert.True(trueGap + starGap > tol, what)

    if r.Verdict = Verified then
        Assert.True(trueGap - 1e-15 <= tol, what)

    if trueGap > 10.0 * tol then
        Assert.True((r.Verdict = Refuted), what)

    r, trueGap, tol

[<Fact>]
let ``Exact refutes mutated optima whose true gap exceeds the tolerance and never refutes tiny ones`` () =
    let mutable refuted = 0

    for (c, data, sol) in solutions.Value do
        for (label, mu) in mutations sol.Measure do
            let r, trueGap, tol =
                checkMutation (c.File + ", " + label) data c.Lambda sol.Assessment.Objective sol.Assessment.Gap mu

            if label.StartsWith "amplitude x (1 + 1e-9)" then
                Assert.True(trueGap < tol, sprintf "%s: the tiny perturbation has true gap %g" c.File trueGap)
                Assert.NotEqual(Refuted, r.Verdict)

            if r.Verdict = Refuted then
                refuted <- refuted + 1
    // Every case has at least the dropped atom refuted.
    Assert.True(refuted >= solutions.Value.Length)

// ---------------------------------------------------------------------------------------------
// Adversarial near-ties: a sign ⟨θ, x̃_i⟩ exactly zero at a saturation point

let private adversarial =
    [ // 1-D bump at the data point 0: the fit has kinks exactly at the data points −1, 0, 1.
        "bump 1-D", [| [| -2.0 |]; [| -1.0 |]; [| 0.0 |]; [| 1.0 |]; [| 2.0 |] |], [| 0.0; 0.0; 1.0; 0.0; 0.0 |], 0.01
        // 2-D ridge |x1| over points on the line x1 = 0: the saturation points (±1, 0, 0) lie on three
        // hyperplanes at once (data not in general position, dependent active normals).
        "ridge 2-D",
        [|
            [| 1.0; 0.0 |]
            [| -1.0; 0.0 |]
            [| 0.0; 1.0 |]
            [| 0.0; -1.0 |]
            [| 0.0; 0.0 |]
        |],
        [| 1.0; 1.0; 0.0; 0.0; 0.0 |],
        0.01
        // The same with two more points, symmetric about x1 = 0.
        "ridge 2-D, 7 points",
        [|
            [| 1.0; 0.0 |]
            [| -1.0; 0.0 |]
            [| 0.0; 1.0 |]
            [| 0.0; -1.0 |]
            [| 0.0; 0.0 |]
            [| 1.0; 1.0 |]
            [| -1.0; 1.0 |]
        |],
        [| 1.0; 1.0; 0.0; 0.0; 0.0; 1.0; 1.0 |],
        0.01
    ]

[<Fact>]
let ``Exact decides optima whose saturation points lie exactly on data hyperplanes`` () =
    for (name, x, y, lambda) in adversarial do
        let data = Dataset.CreateOrRaise(x, y)
        let sol = Solve.solve data lambda SolverOptions.Default
        Assert.True(sol.Assessment.Certified, name)
        let r = Exact.certify data lambda sol.Measure None
        Assert.True((r.Verdict = Verified), sprintf "%s: %s %A" name r.Verdict.Name r.Failures)
        // The exact projections of the boundary saturation points have an exactly zero sign.
        let arr, ctx, _, _, _, _ = exactSupremum data lambda sol.Assessment.Residual
        let cert = Certificate.ofDual arr data lambda sol.Assessment.Residual

        let pieces =
            ExactSupremum.pieces ctx arr (Rational.ofFloat lambda) sol.Assessment.Residual

        let boundary = sol.Saturation |> Array.filter (fun s -> not s.Interior)
        Assert.NotEmpty boundary

        for s in boundary do
            let pr = ExactSupremum.project ctx arr cert pieces 100000 s.Cells.[0] s.Sign

            let zeros =
                ctx.Normals |> Array.filter (fun nh -> (IntegerLinear.dot nh pr.Point).IsZero)

            Assert.True(zeros.Length >= 1, sprintf "%s: the saturation point %A is exactly on a hyperplane" name s.Direction)

        for (label, mu) in mutations sol.Measure do
            checkMutation (name + ", " + label) data lambda sol.Assessment.Objective sol.Assessment.Gap mu
            |> ignore

[<Fact>]
let ``Exact refuses rows that the floating tolerance merged but that differ exactly`` () =
    // 0.5 and 0.5 + 1e-12 are one hyperplane for the 1e-10 parallel tolerance, not exactly.
    let data =
        Dataset.CreateOrRaise([| [| 0.5 |]; [| 0.5 + 1e-12 |]; [| -1.0 |]; [| 2.0 |] |], [| 1.0; 0.0; 0.5; -1.0 |])

    let sol = Solve.solve data 0.05 SolverOptions.Default
    let r = Exact.certify data 0.05 sol.Measure None
    Assert.NotEqual(Verified, r.Verdict)
    Assert.Contains(r.Failures, fun f -> f.Contains "differ exactly")

[<Fact>]
let ``Exact certifies the zero measure above lambda max, needs the face check to verify, and rejects bad arguments`` () =
    let data = loadReference "r1_kink_1d.csv"
    let arr = Arrangement.ofDataset data
    let lmax = Solve.lambdaMax arr data
    let zero = Measure.zero 2
    let r = Exact.certify data (2.0 * lmax) zero None
    Assert.True((r.Verdict = Verified), sprintf "%A" r.Failures)
    Assert.True(r.Supremum.WithinOne)
    Assert.Equal(r.ObjectiveLower, r.ObjectiveUpper)
    // Below λ_max the zero measure is far from optimal.
    let r2 = Exact.certify data (0.5 * lmax) zero None
    Assert.Equal(Refuted, r2.Verdict)
    // Without the face check, completeness is not proven, so nothing is verified.
    let r3 =
        Exact.certifyOn
            { ExactOptions.Default with
                CheckFaces = false
            }
            arr
            data
            (2.0 * lmax)
            zero

    Assert.Equal(Undecided, r3.Verdict)
    Assert.Contains(r3.Failures, fun f -> f.Contains "completeness")
    Assert.Equal(r.Lower, r3.Lower)

    Assert.Throws<ArgumentException>(fun () ->
        Exact.certifyOn
            ExactOptions.Default
            (Arrangement.ofDataset (Dataset.CreateOrRaise([| [| 0.0 |]; [| 1.0 |] |], [| 0.0; 1.0 |])))
            data
            0.1
            zero
        |> ignore)
    |> ignore

    Assert.Throws<ArgumentException>(fun () -> Exact.certify data -1.0 zero None |> ignore)
    |> ignore

    Assert.Throws<ArgumentException>(fun () -> Exact.certify data 0.1 (Measure.zero 3) None |> ignore)
    |> ignore
