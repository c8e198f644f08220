namespace TvRelu.Core.Arrangements

open System
open System.Collections.Generic
open System.Numerics
open TvRelu.Core.Numerics
open TvRelu.Core.Exact

/// A face decided in exact arithmetic: its sign vector, its dimension on the sphere, and an integer point
/// of its relative interior (up to a positive scale).
type internal ExactFace =
    {
        Signs: int[]
        Dimension: int
        Point: BigInteger[]
    }

/// The faces of a central arrangement decided over the integers (THEORY.md §3, §8): every double is a
/// dyadic rational, so the normals scale to one integer matrix and every incidence (which hyperplanes
/// contain a flat, which side a point is on) is an exact sign. The faces are the covectors of the oriented
/// matroid of the normals: the compositions X ∘ Y (X_i where X_i ≠ 0, else Y_i) of its cocircuits, the sign
/// vectors of the rays of the arrangement taken modulo its lineality space. Used where the floating face
/// enumeration meets a near-tie that double precision cannot decide.
module internal Covectors =

    /// Subsets of the given size of 0 … m−1, in lexicographic order, lazily.
    let rec private subsets (size: int) (first: int) (m: int) : seq<int list> =
        seq {
            if size = 0 then
                yield []
            else
                for i in first .. m - size do
                    for rest in subsets (size - 1) (i + 1) m do
                        yield i :: rest
        }

    /// C(m, k) as a float (only compared with a budget).
    let private choose (m: int) (k: int) =
        Seq.fold (fun acc i -> acc * float (m - i) / float (i + 1)) 1.0 (seq { 0 .. k - 1 })

    /// The exact sign of ⟨a, v⟩ for every normal a.
    let private signsOf (normals: BigInteger[][]) (v: BigInteger[]) =
        normals |> Array.map (fun a -> (IntegerLinear.dot a v).Sign)

    /// The integer normals of doubles: one common power of two scales every entry to an integer, which
    /// changes no sign.
    let ofFloats (normals: float[][]) =
        let n = normals.[0].Length
        let flat, _ = Rational.scaleToIntegers (Array.concat normals)
        Array.init normals.Length (fun i -> Array.sub flat (i * n) n)

    /// The rays modulo the lineality space L: for every rank − 1 of the normals that are independent, the
    /// one-dimensional null space of them together with a basis of L, both orientations, once per sign
    /// vector. None when more than `maxSubsets` subsets would be tried.
    let private cocircuits (normals: BigInteger[][]) (n: int) (rank: int) (maxSubsets: float) =
        if choose normals.Length (rank - 1) > maxSubsets then
            None
        else
            let lineality = if rank = n then [||] else IntegerLinear.nullSpace n normals
            let found = Dictionary<SignVector, BigInteger[]>()

            for t in subsets (rank - 1) 0 normals.Length do
                let rows =
                    Array.append (t |> List.map (fun h -> normals.[h]) |> Array.ofList) lineality

                let kernel = IntegerLinear.nullSpace n rows

                if kernel.Length = 1 then
                    for v in [ kernel.[0]; Array.map BigInteger.Negate kernel.[0] ] do
                        found.TryAdd(SignVector.OfArray(signsOf normals v), v) |> ignore

            Some(Array.ofSeq found.Values)

    /// X ∘ Y: X where it is non-zero, Y elsewhere.
    let private compose (x: int[]) (y: int[]) =
        Array.init x.Length (fun i -> if x.[i] <> 0 then x.[i] else y.[i])

    /// Every non-zero covector, as the closure of the cocircuits under composition: each covector of rank
    /// k + 1 is X ∘ C for a covector X of rank k and a cocircuit C. None past `maxFaces`.
    let private closure (rays: int[][]) (maxFaces: int) =
        let all = HashSet<SignVector>(rays |> Seq.map SignVector.OfArray)
        let result = ResizeArray<int[]>(rays)
        let mutable frontier = List.ofArray rays

        while not frontier.IsEmpty && result.Count <= maxFaces do
            let next = ResizeArray<int[]>()

            for x in frontier do
                if result.Count <= maxFaces then
                    for c in rays do
                        let y = compose x c

                        if all.Add(SignVector.OfArray y) then
                            next.Add y
                            result.Add y

            frontier <- List.ofSeq next

        if result.Count > maxFaces then
            None
        else
            Some(result.ToArray())

    /// A point of the relative interior of the face X: the sum of the rays in its closure (those conformal to
    /// X: zero or of X's sign on every hyperplane). Each hyperplane not containing X is strict on one of them
    /// and never of the wrong sign, and the lineality space is in every face, so the sum has sign vector X.
    let private interior (n: int) (rays: (int[] * BigInteger[])[]) (x: int[]) =
        let sum = Array.create n BigInteger.Zero

        for (c, v) in rays do
            if Array.forall2 (fun ci xi -> ci = 0 || ci = xi) c x then
                for k in 0 .. n - 1 do
                    sum.[k] <- sum.[k] + v.[k]

        sum

    /// Every face with some non-zero sign of the central arrangement of the integer normals in R^n, each with
    /// its exact dimension on S^{n−1} (n − rank of its zero set − 1) and an interior point whose exact sign
    /// vector is checked. None when the work would pass the budgets (rank − 1 subsets, faces).
    let enumerate (normals: BigInteger[][]) (n: int) (maxSubsets: float) (maxFaces: int) : ExactFace[] option =
        let rank = IntegerLinear.rank n normals

        match cocircuits normals n rank maxSubsets with
        | None -> None
        | Some vectors ->
            let rays = vectors |> Array.map (fun v -> signsOf normals v, v)

            closure (Array.map fst rays) maxFaces
            |> Option.map (
                Array.map (fun x ->
                    let p = interior n rays x

                    if signsOf normals p <> x then
                        invalidOp "exact faces: the sum of a face's rays does not have its sign vector"

                    let zeros =
                        [|
                            for h in 0 .. x.Length - 1 do
                                if x.[h] = 0 then
                                    yield normals.[h]
                        |]

                    {
                        Signs = x
                        Dimension = n - IntegerLinear.rank n zeros - 1
                        Point = p
                    })
            )

    /// The unit double vector nearest in direction to an integer vector (entries shifted to 60 bits first so
    /// that no conversion overflows).
    let toUnit (v: BigInteger[]) =
        let top = v |> Array.map Rational.bitLength |> Array.max
        let shift = max 0 (top - 60)
        let f = v |> Array.map (fun x -> float (x >>> shift))
        let norm = sqrt (Array.sumBy (fun x -> x * x) f)
        Array.map (fun x -> x / norm) f
