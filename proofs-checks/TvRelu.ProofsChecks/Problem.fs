namespace TvRelu.ProofsChecks

open System
open System.Globalization
open System.Text
open TvRelu.Core.Data

/// A generated problem, in the representation that shrinking works on: rows (x_i, y_i[, q_i]),
/// λ as a fraction of λ_max (so that it stays meaningful when rows are removed), and an optional
/// teacher measure.
[<StructuredFormatDisplay("{Display}")>]
type Problem =
    {
        /// The seed it was generated from (the replay seed).
        Seed: int64
        /// Generator family ("gaussian", "duplicates", …).
        Kind: string
        /// Inputs x_i ∈ R^d.
        Inputs: float[][]
        /// Labels y_i.
        Labels: float[]
        /// An extra per-row vector (an arbitrary dual vector q for claims on certificates); empty when unused.
        Duals: float[]
        /// λ / λ_max, in (0, 1].
        LambdaFraction: float
        /// Teacher atoms (direction on S^d, amplitude); empty when none.
        Teacher: (float[] * float)[]
    }

    /// N.
    member p.Count = p.Inputs.Length
    /// d.
    member p.Dimension = if p.Inputs.Length = 0 then 0 else p.Inputs.[0].Length
    /// The validated data set (raises on invalid rows, which generators never produce).
    member p.Dataset = Dataset.CreateOrRaise(p.Inputs, p.Labels)

    /// The problem without the given rows.
    member p.WithoutRows(rows: Set<int>) =
        let keep (a: 'T[]) =
            if a.Length = 0 then
                a
            else
                a
                |> Array.indexed
                |> Array.filter (fun (i, _) -> not (rows.Contains i))
                |> Array.map snd

        { p with
            Inputs = keep p.Inputs
            Labels = keep p.Labels
            Duals = keep p.Duals
        }

    /// The rows as CSV with a header (x1..xd, y, and q when present), numbers round-trippable.
    member p.ToCsv() =
        let sb = StringBuilder()
        let d = p.Dimension
        // Comment lines (Csv.parse skips them) keep what the rows alone do not say.
        sb.AppendLine(
            sprintf
                "# seed %d, kind %s, lambda/lambda_max = %s"
                p.Seed
                p.Kind
                (p.LambdaFraction.ToString("R", CultureInfo.InvariantCulture))
        )
        |> ignore

        for (th, a) in p.Teacher do
            sb.AppendLine(
                sprintf
                    "# teacher atom: amplitude %s, direction %s"
                    (a.ToString("R", CultureInfo.InvariantCulture))
                    (String.Join(" ", th |> Array.map (fun v -> v.ToString("R", CultureInfo.InvariantCulture))))
            )
            |> ignore

        let header =
            [ for k in 1..d -> sprintf "x%d" k ]
            @ [ "y" ]
            @ (if p.Duals.Length > 0 then [ "q" ] else [])

        sb.AppendLine(String.Join(",", header)) |> ignore

        let num (x: float) =
            x.ToString("R", CultureInfo.InvariantCulture)

        for i in 0 .. p.Count - 1 do
            let fields =
                [ for x in p.Inputs.[i] -> num x ]
                @ [ num p.Labels.[i] ]
                @ (if p.Duals.Length > 0 then [ num p.Duals.[i] ] else [])

            sb.AppendLine(String.Join(",", fields)) |> ignore

        sb.ToString()

    /// The text FsCheck prints for a counterexample.
    member p.Display = p.ToString()

    override p.ToString() =
        sprintf
            "%s problem, N=%d, d=%d, lambda/lambda_max=%g, teacher atoms=%d, seed %d\n%s"
            p.Kind
            p.Count
            p.Dimension
            p.LambdaFraction
            p.Teacher.Length
            p.Seed
            (p.ToCsv())

/// The families of inputs the generators produce (issue 4: "Generators").
type DataKind =
    /// Independent standard normal coordinates.
    | Gaussian
    /// Independent uniform coordinates on [−1, 1].
    | Uniform
    /// Some rows repeated, with equal or conflicting labels.
    | Duplicates
    /// Points on one line (d ≥ 2), with or without extra generic points.
    | Collinear
    /// Points on one sphere (d ≥ 2).
    | Cospherical
    /// Copies and collinear triples perturbed by 1e-12: ties just inside the hyperplane tolerance.
    | NearTies
    /// Coordinates of order 10^4 … 10^8.
    | LargeScale
    /// Coordinates of order 10^−8 … 10^−4.
    | SmallScale
    /// Fewer points than d + 1.
    | Underdetermined

    /// The lower-case name used in records.
    member k.Name =
        match k with
        | Gaussian -> "gaussian"
        | Uniform -> "uniform"
        | Duplicates -> "duplicates"
        | Collinear -> "collinear"
        | Cospherical -> "cospherical"
        | NearTies -> "near-ties"
        | LargeScale -> "large-scale"
        | SmallScale -> "small-scale"
        | Underdetermined -> "underdetermined"

    /// Every family.
    static member All =
        [|
            Gaussian
            Uniform
            Duplicates
            Collinear
            Cospherical
            NearTies
            LargeScale
            SmallScale
            Underdetermined
        |]

/// The generators: every one a function of an `Rng`, so a seed determines the problem.
module Generate =

    /// Inputs of the given family: `n` points in R^d (a family may raise d to 2 where d = 1 means
    /// nothing, as for collinear or cospherical points, and lower n for N < d + 1).
    let inputs (rng: Rng) (kind: DataKind) (d: int) (n: int) : float[][] =
        let gaussianRows n d = Array.init n (fun _ -> rng.Gaussians d)

        match kind with
        | Gaussian -> gaussianRows n d
        | Uniform -> Array.init n (fun _ -> Array.init d (fun _ -> rng.Uniform(-1.0, 1.0)))
        | Duplicates ->
            let distinct = max 1 (rng.Int(max 1 (n / 2), max 1 (n - 1)))
            let rows = gaussianRows distinct d

            Array.init n (fun i ->
                if i < distinct then
                    rows.[i]
                else
                    Array.copy rows.[rng.Int distinct])
        | Collinear ->
            let d = max d 2
            let p0 = rng.Gaussians d
            let u = rng.UnitVector d
            let onLine = if rng.Bernoulli 0.5 then n else min n (rng.Int(3, max 3 n))

            Array.init n (fun i ->
                if i < onLine then
                    let t = rng.Gaussian()
                    Array.init d (fun k -> p0.[k] + t * u.[k])
                else
                    rng.Gaussians d)
        | Cospherical ->
            let d = max d 2
            let r = rng.Uniform(0.5, 2.0)

            let c =
                if rng.Bernoulli 0.5 then
                    Array.zeroCreate d
                else
                    rng.Gaussians d

            Array.init n (fun _ -> rng.UnitVector d |> Array.mapi (fun k x -> c.[k] + r * x))
        | NearTies ->
            let rows = gaussianRows n d

            for i in 1 .. n - 1 do
                if rng.Bernoulli 0.4 then
                    let a = rows.[rng.Int i]

                    if i >= 2 && d >= 2 && rng.Bernoulli 0.5 then
                        let b = rows.[rng.Int i]
                        let t = rng.Gaussian()
                        rows.[i] <- Array.init d (fun k -> a.[k] + t * (b.[k] - a.[k]) + 1e-12 * rng.Gaussian())
                    else
                        rows.[i] <- Array.init d (fun k -> a.[k] + 1e-12 * rng.Gaussian())

            rows
        | LargeScale ->
            let s = 10.0 ** rng.Uniform(4.0, 8.0)
            Array.init n (fun _ -> rng.Gaussians d |> Array.map (fun x -> s * x))
        | SmallScale ->
            let s = 10.0 ** -rng.Uniform(4.0, 8.0)
            Array.init n (fun _ -> rng.Gaussians d |> Array.map (fun x -> s * x))
        | Underdetermined ->
            let d = max d 2
            gaussianRows (rng.Int(1, d)) d

    /// A random finite network as a list of atoms (direction on S^d, amplitude).
    let teacher (rng: Rng) (d: int) (atoms: int) =
        Array.init atoms (fun _ ->
            let a = rng.Uniform(0.5, 2.0) * (if rng.Bernoulli 0.5 then 1.0 else -1.0)
            rng.UnitVector(d + 1), a)

    /// f(x) = Σ_j a_j σ(⟨θ_j, (x, 1)⟩) for atoms (θ_j, a_j).
    let network (atoms: (float[] * float)[]) (x: float[]) =
        atoms
        |> Array.sumBy (fun (th, a) ->
            let mutable z = th.[th.Length - 1]

            for k in 0 .. x.Length - 1 do
                z <- z + th.[k] * x.[k]

            a * max z 0.0)

    /// Labels for the inputs: independent normals, or a random teacher network plus noise. Repeated
    /// inputs keep the label of their first copy or get a conflicting one, at random.
    let labels (rng: Rng) (inputs: float[][]) =
        let d = inputs.[0].Length

        let y =
            if rng.Bernoulli 0.5 then
                Array.init inputs.Length (fun _ -> rng.Gaussian())
            else
                let t = teacher rng d (rng.Int(1, 3))
                let noise = rng.Uniform(0.0, 0.3)
                inputs |> Array.map (fun x -> network t x + noise * rng.Gaussian())

        let conflicting = rng.Bernoulli 0.5

        for i in 1 .. inputs.Length - 1 do
            match Array.tryFindIndex (fun (r: float[]) -> r = inputs.[i]) inputs.[.. i - 1] with
            | Some j when not conflicting -> y.[i] <- y.[j]
            | _ -> ()

        y

    /// Settings of `dataset`: which families and dimensions, and how many rows per dimension.
    type Spec =
        {
            /// Families with their weights.
            Kinds: (DataKind * float)[]
            /// Dimensions with their weights.
            Dimensions: (int * float)[]
            /// The largest N for d = 1, 2, 3, … (index d − 1; the last entry serves larger d).
            MaxRows: int[]
            /// λ / λ_max is log-uniform on [LambdaLow, 1].
            LambdaLow: float
        }

    /// Every family, d = 1..3, up to 12/9/7 rows, λ from 1e-6 · λ_max.
    let defaultSpec =
        {
            Kinds =
                DataKind.All
                |> Array.map (fun k ->
                    k,
                    (match k with
                     | Gaussian
                     | Uniform -> 2.0
                     | _ -> 1.0))
            Dimensions = [| 1, 3.0; 2, 3.0; 3, 1.0 |]
            MaxRows = [| 12; 9; 7 |]
            LambdaLow = 1e-6
        }

    /// A data set (inputs and labels) with λ / λ_max, drawn by the spec.
    let dataset (spec: Spec) (rng: Rng) : Problem =
        let seed = rng.Seed
        let kind = rng.PickWeighted spec.Kinds
        let d = rng.PickWeighted spec.Dimensions
        let maxRows = spec.MaxRows.[min (d - 1) (spec.MaxRows.Length - 1)]
        let n = rng.Int(1, maxRows)
        let x = inputs rng kind d n
        let y = labels rng x

        {
            Seed = seed
            Kind = kind.Name
            Inputs = x
            Labels = y
            Duals = [||]
            LambdaFraction = rng.LogUniform(spec.LambdaLow, 1.0)
            Teacher = [||]
        }

/// Shrinking a failing problem to a smallest failing data set by removing rows (delta debugging,
/// Zeller and Hildebrandt 2002): chunks of halving size are removed while the failure persists,
/// down to single rows, so the result is 1-minimal (removing any one row makes it pass).
module Shrink =

    /// The problems with one chunk of rows removed, largest chunks first (FsCheck's shrinker too).
    let candidates (p: Problem) : seq<Problem> =
        seq {
            let n = p.Count
            let mutable size = n / 2

            while size >= 1 do
                for start in 0..size .. n - 1 do
                    let rows = Set.ofSeq (seq { start .. min (n - 1) (start + size - 1) })

                    if rows.Count < n then
                        yield p.WithoutRows rows

                size <- if size = 1 then 0 else (size + 1) / 2
        }

    /// Greedily removes rows while `fails` stays true, within a budget of calls to `fails`. Returns
    /// the smallest failing problem found and the number of accepted reductions. The budget counts
    /// calls, never seconds: the result is a function of the problem and `fails` alone, so a seed
    /// gives the same counterexample on an idle machine and a loaded one (issue 12, item 13).
    let minimise (budget: int) (fails: Problem -> bool) (p: Problem) =
        let mutable current = p
        let mutable steps = 0
        let mutable calls = 0
        let mutable progress = true

        while progress && calls < budget do
            progress <- false
            use e = (candidates current).GetEnumerator()

            while not progress && calls < budget && e.MoveNext() do
                calls <- calls + 1

                if fails e.Current then
                    current <- e.Current
                    steps <- steps + 1
                    progress <- true

        current, steps
