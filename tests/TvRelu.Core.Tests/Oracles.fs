/// Independent oracles: the mathematics the tests compare the core against, written here from
/// THEORY.md and textbook results, without calling the code under test. Vector maths is
/// re-implemented on purpose (a bug in TvRelu.Core.Numerics must not cancel out), and the
/// combinatorial oracles work in exact integer arithmetic on integer inputs.
module TvRelu.Core.Tests.Oracles

open System
open System.Collections.Generic
open TvRelu.TestSupport

// ---------------------------------------------------------------------------------------------
// Plain floating-point vectors.

let dot (a: float[]) (b: float[]) =
    let mutable s = 0.0

    for i in 0 .. a.Length - 1 do
        s <- s + a.[i] * b.[i]

    s

let norm (a: float[]) = sqrt (dot a a)
let scale (s: float) (a: float[]) = Array.map (fun x -> s * x) a
let add (a: float[]) (b: float[]) = Array.map2 (+) a b
let sub (a: float[]) (b: float[]) = Array.map2 (-) a b
let unit (a: float[]) = scale (1.0 / norm a) a
let distance a b = norm (sub a b)
let relu (t: float) = max t 0.0

/// x̃ = (x, 1): the bias inside the neuron (THEORY.md §1).
let augment (x: float[]) = Array.append x [| 1.0 |]

/// η(θ) = (1/λ) Σ_i q_i σ(⟨θ, x̃_i⟩), straight from the definition (§2), on augmented inputs.
let eta (xt: float[][]) (q: float[]) (lambda: float) (theta: float[]) =
    let mutable s = 0.0

    for i in 0 .. xt.Length - 1 do
        s <- s + q.[i] * relu (dot theta xt.[i])

    s / lambda

/// A bound on the rounding error of evaluating η: (1/λ) Σ |q_i| ‖x̃_i‖ (for unit θ) times a few ulps.
let etaConditioning (xt: float[][]) (q: float[]) (lambda: float) =
    (Array.fold2 (fun s (x: float[]) qi -> s + abs qi * norm x) 0.0 xt q) / lambda

/// A finite ReLU network Σ_j c_j σ(⟨w_j, x⟩ + b_j) evaluated at x.
let network (neurons: (float * float[] * float)[]) (x: float[]) =
    neurons |> Array.sumBy (fun (c, w, b) -> c * relu (dot w x + b))

/// Sign of ⟨θ, x⟩ with a dead band: 0 when |⟨θ, x̂⟩| ≤ tol on unit vectors.
let signWithin (tol: float) (theta: float[]) (x: float[]) =
    let s = dot theta x / (norm theta * norm x)

    if abs s <= tol then 0
    elif s > 0.0 then 1
    else -1

/// An orthonormal basis of the span of the vectors by Gram–Schmidt applied twice (once more for the rounding of the
/// first pass): a vector adds a direction when its orthogonalised part exceeds `relTol` · (1 + its norm).
let orthonormalBasis (relTol: float) (vectors: float[][]) =
    let basis = ResizeArray<float[]>()

    for col in vectors do
        let mutable v = Array.copy col

        for _ in 1..2 do
            for b in basis do
                v <- sub v (scale (dot v b) b)

        if norm v > Accuracy.Of(relTol, norm col) then
            basis.Add(unit v)

    basis.ToArray()

// ---------------------------------------------------------------------------------------------
// Random numbers for brute force, seeded from the FsCheck case so that a replay reproduces them.

let gaussian (rng: Random) =
    let u = 1.0 - rng.NextDouble()
    let v = rng.NextDouble()
    sqrt (-2.0 * log u) * cos (2.0 * Math.PI * v)

let gaussianVector (rng: Random) n = Array.init n (fun _ -> gaussian rng)

/// A uniformly distributed point of the unit sphere S^{n−1}.
let randomUnit (rng: Random) n =
    let mutable v = gaussianVector rng n

    while norm v < 1e-12 do
        v <- gaussianVector rng n

    unit v

// ---------------------------------------------------------------------------------------------
// Exact integer linear algebra (fraction-free Gaussian elimination of Bareiss; checked int64,
// so an overflow raises instead of giving a wrong rank).

/// The rank of integer rows, exactly.
let rankExact (rows: int64[][]) =
    let m = rows.Length

    if m = 0 then
        0
    else
        let n = rows.[0].Length
        let a = rows |> Array.map Array.copy
        let mutable r = 0
        let mutable prev = 1L

        for c in 0 .. n - 1 do
            if r < m then
                match seq { r .. m - 1 } |> Seq.tryFind (fun p -> a.[p].[c] <> 0L) with
                | None -> ()
                | Some p ->
                    let t = a.[r]
                    a.[r] <- a.[p]
                    a.[p] <- t

                    for i in r + 1 .. m - 1 do
                        for j in c + 1 .. n - 1 do
                            a.[i].[j] <-
                                Checked.(-) (Checked.(*) a.[r].[c] a.[i].[j]) (Checked.(*) a.[i].[c] a.[r].[j])
                                / prev

                        a.[i].[c] <- 0L

                    prev <- a.[r].[c]
                    r <- r + 1

        r

/// The augmented integer inputs (x, 1).
let augmentInt (x: int[]) =
    Array.append (Array.map int64 x) [| 1L |]

/// Distinct augmented integer inputs (two distinct x̃ = (x, 1) are never parallel, so these are
/// the distinct hyperplanes), in order of first appearance, and for each row its hyperplane.
let distinctRows (points: int[][]) =
    let index = Dictionary<string, int>()
    let reps = ResizeArray<int[]>()

    let map =
        points
        |> Array.map (fun p ->
            let key = String.Join(",", p)

            match index.TryGetValue key with
            | true, h -> h
            | _ ->
                reps.Add p
                index.[key] <- reps.Count - 1
                reps.Count - 1)

    reps.ToArray(), map

let private subsets k m =
    let rec go start k =
        if k = 0 then
            [ [] ]
        else
            [
                for i in start .. m - k do
                    for rest in go (i + 1) (k - 1) -> i :: rest
            ]

    go 0 k

/// General position of distinct integer normals in R^n, by exact minors: every min(m, n) of them
/// are linearly independent.
let generalPositionExact (normals: int64[][]) =
    let m = normals.Length
    let n = if m = 0 then 0 else normals.[0].Length
    let k = min m n

    subsets k m
    |> List.forall (fun s -> rankExact [| for i in s -> normals.[i] |] = k)

/// The intersection lattice of a central arrangement of distinct integer normals: each flat as the
/// bit mask of the hyperplanes that contain it, with its rank (codimension). Built from the whole
/// space (mask 0) by adding one hyperplane at a time and closing.
let flats (normals: int64[][]) =
    let m = normals.Length

    if m > 30 then
        invalidArg "normals" "too many hyperplanes for the lattice oracle"

    let rows mask =
        [|
            for j in 0 .. m - 1 do
                if (mask >>> j) &&& 1 = 1 then
                    yield normals.[j]
        |]

    let rankOf mask = rankExact (rows mask)

    let closure mask =
        let r = rankOf mask
        let mutable c = mask

        for j in 0 .. m - 1 do
            if (mask >>> j) &&& 1 = 0 && rankOf (mask ||| (1 <<< j)) = r then
                c <- c ||| (1 <<< j)

        c, r

    let found = Dictionary<int, int>()
    found.[0] <- 0
    let queue = Queue<int>([ 0 ])

    while queue.Count > 0 do
        let f = queue.Dequeue()

        for j in 0 .. m - 1 do
            if (f >>> j) &&& 1 = 0 then
                let g, r = closure (f ||| (1 <<< j))

                if found.TryAdd(g, r) then
                    queue.Enqueue g

    found |> Seq.map (fun kv -> kv.Key, kv.Value) |> Seq.sortBy snd |> Seq.toArray

/// Σ_Y |μ(X, Y)| over the flats Y inside the flat X (as hyperplane sets, Y ⊇ X): by Zaslavsky's
/// theorem the number of regions of the restriction of the arrangement to X.
let private regionsAbove (lattice: (int * int)[]) (x: int) =
    let above = lattice |> Array.filter (fun (y, _) -> y &&& x = x)
    let mu = Dictionary<int, int64>()

    for (y, _) in above do
        if y = x then
            mu.[y] <- 1L
        else
            let mutable s = 0L

            for (z, _) in above do
                if z <> y && z &&& y = z && mu.ContainsKey z then
                    s <- s + mu.[z]

            mu.[y] <- -s

    mu.Values |> Seq.sumBy abs

/// The number of cells of a central arrangement of distinct integer normals, by Zaslavsky's
/// theorem r(A) = Σ_{X ∈ L(A)} |μ(0̂, X)|: exact, and unrelated to any enumeration.
let zaslavskyCells (normals: int64[][]) = regionsAbove (flats normals) 0

/// The f-vector [f_0, …, f_d] on S^d of the faces with some nonzero sign: the faces of dimension
/// k are the regions of the restrictions to the flats X of dimension k + 1, other than the
/// intersection of all hyperplanes (whose points have every sign zero).
let zaslavskyFaces (n: int) (normals: int64[][]) =
    let lattice = flats normals
    let top = lattice |> Array.maxBy snd |> fst
    let f = Array.zeroCreate<int64> n

    for (x, r) in lattice do
        let dim = n - r

        if x <> top && dim >= 1 then
            f.[dim - 1] <- f.[dim - 1] + regionsAbove lattice x

    f

/// Binomial coefficient, exactly.
let binomial (n: int) (k: int) =
    if k < 0 || k > n then
        0I
    else
        Seq.fold (fun acc i -> acc * bigint (n - i) / bigint (i + 1)) 1I (seq { 0 .. k - 1 })

// ---------------------------------------------------------------------------------------------
// Small dense solves for the tests' own constructions.

/// The least-norm solution of Σ_j c_j cols_j = target (normal equations on the Gram matrix,
/// solved by Gaussian elimination with partial pivoting); None when the target is not reached.
let leastNorm (cols: float[][]) (target: float[]) =
    let k = cols.Length

    if k = 0 then
        None
    else
        let g = Array2D.init k k (fun i j -> dot cols.[i] cols.[j])
        let b = Array.init k (fun i -> dot cols.[i] target)
        // Regularised slightly so that dependent columns do not break the elimination.
        let tr = Seq.sum (seq { for i in 0 .. k - 1 -> g.[i, i] })

        for i in 0 .. k - 1 do
            g.[i, i] <- g.[i, i] + 1e-12 * tr

        let a = Array2D.init k (k + 1) (fun i j -> if j < k then g.[i, j] else b.[i])

        for c in 0 .. k - 1 do
            let p = seq { c .. k - 1 } |> Seq.maxBy (fun r -> abs a.[r, c])

            for j in 0..k do
                let t = a.[c, j]
                a.[c, j] <- a.[p, j]
                a.[p, j] <- t

            for r in c + 1 .. k - 1 do
                let f = a.[r, c] / a.[c, c]

                for j in c..k do
                    a.[r, j] <- a.[r, j] - f * a.[c, j]

        let z = Array.zeroCreate k

        for r in k - 1 .. -1 .. 0 do
            let mutable s = a.[r, k]

            for j in r + 1 .. k - 1 do
                s <- s - a.[r, j] * z.[j]

            z.[r] <- s / a.[r, r]

        let reached =
            Array.init target.Length (fun i -> Seq.sum (seq { for j in 0 .. k - 1 -> z.[j] * cols.[j].[i] }))

        if distance reached target <= Accuracy.Of(1e-8, norm target) then
            Some z
        else
            None
