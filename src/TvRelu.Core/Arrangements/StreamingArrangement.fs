namespace TvRelu.Core.Arrangements

open System
open System.Collections.Generic
open TvRelu.Core
open TvRelu.Core.Numerics

/// Grouping of directions up to sign, as `Enumeration.groupDirectionsWithin` does it (the first
/// representative, in order of creation, within the tolerance), in expected linear time instead of
/// quadratic: the streaming methods meet 10^6 hyperplanes.
module internal DirectionGroups =

    /// A fixed direction with unequal, irrational-looking coordinates: ⟨v, w⟩ is 1-Lipschitz in v,
    /// so two unit vectors within `tol` have keys within `tol`, which is what the buckets use.
    let private probe (n: int) =
        let w =
            Array.init n (fun k -> 1.0 + 0.6180339887498949 * float k + 0.1 * Math.Sin(float (k + 1)))

        Dense.scale (1.0 / Dense.norm w) w

    /// Groups the vectors that are parallel (±) within `tol`: the unit representatives, each
    /// input's group (−1 for a zero vector, groups numbered in order of creation) and orientation
    /// (±1). Same outcome as `Enumeration.groupDirectionsWithin`: among the representatives within
    /// `tol` (of v or of −v), the earliest one is chosen, with + preferred, and the distances are
    /// computed by the same expressions. Only representatives whose key ⟨w, ·⟩ lies in a
    /// neighbouring bucket of width `tol` can be within `tol`, so only those are compared.
    let groupWithin (tol: float) (vectors: float[][]) =
        let kept = ResizeArray<float[]>()
        let group = Array.create vectors.Length -1
        let orient = Array.zeroCreate<int> vectors.Length
        let buckets = Dictionary<int64, ResizeArray<int>>()

        if vectors.Length > 0 then
            let w = probe vectors.[0].Length
            let bucketOf (key: float) = int64 (Math.Floor(key / tol))

            for idx in 0 .. vectors.Length - 1 do
                match Dense.normalize vectors.[idx] with
                | None -> ()
                | Some v ->
                    let key = Dense.dot v w
                    let mutable g = -1
                    let mutable o = 0

                    let consider (b: int64) =
                        match buckets.TryGetValue b with
                        | true, reps ->
                            for r in reps do
                                if g < 0 || r < g then
                                    let u = kept.[r]
                                    let mutable a = 0.0
                                    let mutable c = 0.0

                                    for i in 0 .. v.Length - 1 do
                                        a <- a + (v.[i] - u.[i]) * (v.[i] - u.[i])
                                        c <- c + (v.[i] + u.[i]) * (v.[i] + u.[i])

                                    if sqrt a <= tol then
                                        g <- r
                                        o <- 1
                                    elif sqrt c <= tol then
                                        g <- r
                                        o <- -1
                        | _ -> ()

                    for b in bucketOf key - 1L .. bucketOf key + 1L do
                        consider b

                    for b in bucketOf -key - 1L .. bucketOf -key + 1L do
                        consider b

                    if g < 0 then
                        kept.Add v
                        g <- kept.Count - 1
                        o <- 1
                        let b = bucketOf key

                        match buckets.TryGetValue b with
                        | true, reps -> reps.Add g
                        | _ -> buckets.[b] <- ResizeArray [ g ]

                    group.[idx] <- g
                    orient.[idx] <- o

        kept.ToArray(), group, orient

/// The arrangement as the streaming methods need it (THEORY.md §3): O(N·d) numbers and no cell.
///
/// The cells are computed on the distinct hyperplanes' normals after the stored enumeration's
/// power-of-two conditioning D (`Arrangement.conditioningOf`) and after reduction to their span W′,
/// of dimension r = rank: coordinates y ∈ R^r with unit normals a_h. The direction of the sphere
/// that y stands for is θ ∝ T y with T = Π_W D U′ (U′ an orthonormal basis of W′, W = D⁻¹W′ the span
/// of the x̃_i). The cells of an arrangement whose normals span only W are products of the cells in
/// W with W^⊥, and η, whose pieces v_C lie in W, is largest on a cell at a point of W; Π_W D maps
/// the cells of W′ onto those of W (⟨D y, x̃⟩ = ⟨Π_W D y, x̃⟩ for x̃ ∈ W), so nothing is lost.
[<Sealed>]
type StreamingArrangement
    internal (ambient: int, rank: int, normals: float[], lift: float[], units: float[][], rowMap: int[], representatives: int[]) =
    let m = units.Length
    let keyLo = Array.init m (fun h -> fst (Enumeration.keyOf h))
    let keyHi = Array.init m (fun h -> snd (Enumeration.keyOf h))

    /// d + 1.
    member _.AmbientDimension = ambient
    /// r, the rank of the augmented inputs: the dimension the cells live in.
    member _.Rank = rank
    /// The number m of distinct hyperplanes.
    member _.HyperplaneCount = m
    /// For each data row, the index of its hyperplane (numbered as in `Arrangement`).
    member _.RowToHyperplane = Array.copy rowMap
    /// a_h, the conditioned, reduced unit normals, m × r row-major.
    member internal _.Normals = normals
    /// T, d + 1 rows and r columns, row-major: y stands for θ ∝ T y.
    member internal _.Lift = lift
    /// The unit normals x̃_h / ‖x̃_h‖ in the original coordinates (the cones of Lemma 1).
    member internal _.Units = units
    member internal _.RowMap = rowMap
    /// The first data row of each hyperplane.
    member internal _.Representatives = representatives
    member internal _.KeyLo = keyLo
    member internal _.KeyHi = keyHi

    /// ⟨y, a_h⟩.
    member internal _.Side(y: float[], h: int) =
        let mutable s = 0.0

        for i in 0 .. rank - 1 do
            s <- s + y.[i] * normals.[h * rank + i]

        s

    /// The unit direction θ = T y / ‖T y‖ of the sphere.
    member internal _.Direction(y: float[]) =
        let t = Array.zeroCreate ambient

        for i in 0 .. ambient - 1 do
            let mutable s = 0.0

            for j in 0 .. rank - 1 do
                s <- s + lift.[i * rank + j] * y.[j]

            t.[i] <- s

        Dense.scale (1.0 / Dense.norm t) t

    /// T y, not normalised.
    member internal _.Lifted(y: float[]) =
        Array.init ambient (fun i ->
            let mutable s = 0.0

            for j in 0 .. rank - 1 do
                s <- s + lift.[i * rank + j] * y.[j]

            s)

/// Preparing the streaming view of an arrangement.
module StreamingArrangement =

    /// An orthonormal basis of the span of unit vectors, r of them, by Gram–Schmidt with the largest
    /// residual first (twice, for orthogonality to rounding).
    let private spanBasis (rank: int) (vectors: float[][]) =
        let basis = ResizeArray<float[]>()

        let residual (v: float[]) =
            let r = Array.copy v

            for _ in 1..2 do
                for b in basis do
                    let c = Dense.dot r b

                    for i in 0 .. r.Length - 1 do
                        r.[i] <- r.[i] - c * b.[i]

            r

        for _ in 1..rank do
            let best = vectors |> Array.maxBy (fun v -> Dense.norm (residual v))
            let r = residual best
            basis.Add(Dense.scale (1.0 / Dense.norm r) r)

        basis.ToArray()

    /// The streaming view of the central arrangement of arbitrary non-zero normals in R^n, with
    /// the distinct hyperplanes numbered as `Arrangement.ofNormals` numbers them.
    let ofNormals (normals: float[][]) =
        if normals.Length = 0 then
            invalidArg "normals" "an arrangement needs at least one hyperplane"

        let n = normals.[0].Length

        if
            normals
            |> Array.exists (fun u -> u.Length <> n || Dense.norm u = 0.0 || Array.exists (Double.IsFinite >> not) u)
        then
            invalidArg "normals" "normals must be finite, non-zero and of one length"

        let conditioning = Arrangement.conditioningOf n normals

        let _, group, _ =
            DirectionGroups.groupWithin Enumeration.hyperplaneTolerance (normals |> Array.map (Array.map2 (*) conditioning))

        let reps = Array.create (Array.max group + 1) -1

        group
        |> Array.iteri (fun i g ->
            if reps.[g] < 0 then
                reps.[g] <- i)

        let hyper = reps |> Array.map (fun i -> normals.[i])
        let units = hyper |> Array.map (fun u -> Dense.scale (1.0 / Dense.norm u) u)

        let conditioned =
            hyper
            |> Array.map (fun u -> let v = Array.map2 (*) conditioning u in Dense.scale (1.0 / Dense.norm v) v)

        let rank = max 1 (Dense.rank n conditioned)

        let reduced, lift =
            if rank = n then
                let lift =
                    Array.init (n * n) (fun k -> if k / n = k % n then conditioning.[k / n] else 0.0)

                Array.concat conditioned, lift
            else
                // U′ spans W′ (conditioned coordinates); V spans W = D⁻¹W′ (original ones).
                let u = spanBasis rank conditioned

                let v =
                    spanBasis rank (u |> Array.map (fun b -> Dense.normalize(Array.map2 (/) b conditioning).Value))

                let a =
                    conditioned
                    |> Array.collect (fun c -> let y = u |> Array.map (Dense.dot c) in Dense.scale (1.0 / Dense.norm y) y)
                // T = V Vᵀ D U′, column j = Π_W (D u_j).
                let lift = Array.zeroCreate (n * rank)

                for j in 0 .. rank - 1 do
                    let du = Array.map2 (*) conditioning u.[j]

                    for b in v do
                        let c = Dense.dot b du

                        for i in 0 .. n - 1 do
                            lift.[i * rank + j] <- lift.[i * rank + j] + c * b.[i]

                a, lift

        StreamingArrangement(n, rank, reduced, lift, units, group, reps)

    /// The streaming view of a data set's arrangement (x̃_i = (x_i, 1), THEORY.md §3).
    let ofDataset (data: Dataset) = ofNormals data.AugmentedRaw
