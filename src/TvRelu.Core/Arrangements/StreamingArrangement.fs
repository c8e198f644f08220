namespace TvRelu.Core.Arrangements

open System
open System.Collections.Generic
open TvRelu.Core.Numerics
open TvRelu.Core.Data

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
        // Buckets of representatives by key: the first in a dictionary, the others chained.
        let heads = Dictionary<int64, int>()
        let next = ResizeArray<int>()

        if vectors.Length > 0 then
            let w = probe vectors.[0].Length
            let bucketOf (key: float) = int64 (Math.Floor(key / tol))
            let v = Array.zeroCreate vectors.[0].Length

            for idx in 0 .. vectors.Length - 1 do
                let nv = Dense.norm vectors.[idx]

                if nv <> 0.0 then
                    let inv = 1.0 / nv

                    for i in 0 .. v.Length - 1 do
                        v.[i] <- inv * vectors.[idx].[i]

                    let key = Dense.dot v w
                    let mutable g = -1
                    let mutable o = 0
                    let kb = bucketOf key
                    let mb = bucketOf -key

                    for t in 0..5 do
                        // Buckets kb − 1 … kb + 1 and mb − 1 … mb + 1 (v's key and −v's).
                        let b = (if t < 3 then kb else mb) + int64 (t % 3) - 1L
                        let mutable r = -1

                        if
                            (t < 3 || mb < kb - 2L || mb > kb + 2L || b < kb - 1L || b > kb + 1L)
                            && heads.TryGetValue(b, &r)
                        then
                            while r >= 0 do
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

                                r <- next.[r]

                    if g < 0 then
                        kept.Add(Array.copy v)
                        g <- kept.Count - 1
                        o <- 1
                        let b = bucketOf key
                        let mutable head = -1
                        next.Add(if heads.TryGetValue(b, &head) then head else -1)
                        heads.[b] <- g

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

    // T⁺ = R⁻¹Qᵀ from T = QR (Gram–Schmidt, twice), r × (d + 1) row-major: the coordinates y of a
    // point θ of W. Not by the normal equations: the conditioning's powers of two make TᵀT's
    // condition number the square of T's, 2^96 at the 1e6 scale, past double precision.
    let pseudoInverse =
        let q = Array.init rank (fun j -> Array.init ambient (fun i -> lift.[i * rank + j]))
        let rr = Array2D.zeroCreate rank rank

        for j in 0 .. rank - 1 do
            for _ in 1..2 do
                for k in 0 .. j - 1 do
                    let c = Dense.dot q.[k] q.[j]
                    rr.[k, j] <- rr.[k, j] + c

                    for i in 0 .. ambient - 1 do
                        q.[j].[i] <- q.[j].[i] - c * q.[k].[i]

            let nj = Dense.norm q.[j]
            rr.[j, j] <- nj

            for i in 0 .. ambient - 1 do
                q.[j].[i] <- q.[j].[i] / nj

        let p = Array.zeroCreate (rank * ambient)

        for i in 0 .. ambient - 1 do
            // Solve R x = Qᵀ e_i by back substitution.
            let x = Array.init rank (fun j -> q.[j].[i])

            for j in rank - 1 .. -1 .. 0 do
                for k in j + 1 .. rank - 1 do
                    x.[j] <- x.[j] - rr.[j, k] * x.[k]

                x.[j] <- x.[j] / rr.[j, j]

            for j in 0 .. rank - 1 do
                p.[j * ambient + i] <- x.[j]

        p

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

    /// Writes the coordinates y = T⁺θ of a point θ of W (for θ ∈ W, T y = θ).
    member internal _.CoordinatesInto(theta: float[], y: float[]) =
        for a in 0 .. rank - 1 do
            let mutable s = 0.0

            for i in 0 .. ambient - 1 do
                s <- s + pseudoInverse.[a * ambient + i] * theta.[i]

            y.[a] <- s

    /// The coordinates y = T⁺θ of a point θ of W.
    member internal this.Coordinates(theta: float[]) =
        let y = Array.zeroCreate rank
        this.CoordinatesInto(theta, y)
        y

    /// T y, not normalised.
    member internal _.Lifted(y: float[]) =
        Array.init ambient (fun i ->
            let mutable s = 0.0

            for j in 0 .. rank - 1 do
                s <- s + lift.[i * rank + j] * y.[j]

            s)

/// Preparing the streaming view of an arrangement.
module StreamingArrangement =

    /// An orthonormal basis of the span of vectors, at most `most` of them, by Gram–Schmidt with
    /// the largest residual first (twice, for orthogonality to rounding), stopping when no residual
    /// is above `tol`.
    let internal spanBasis (most: int) (tol: float) (vectors: float[][]) =
        let basis = ResizeArray<float[]>()

        let residual (v: float[]) =
            let r = Array.copy v

            for _ in 1..2 do
                for b in basis do
                    let c = Dense.dot r b

                    for i in 0 .. r.Length - 1 do
                        r.[i] <- r.[i] - c * b.[i]

            r

        let mutable fin = vectors.Length = 0

        while not fin && basis.Count < most do
            let r = vectors |> Array.map residual |> Array.maxBy Dense.norm

            if Dense.norm r <= tol then
                fin <- true
            else
                basis.Add(Dense.scale (1.0 / Dense.norm r) r)

        basis.ToArray()

    /// `Dense.rank` without its m × m work space (MathNet's SVD allocates one; 10^6 hyperplanes do not
    /// fit): the singular values of A are those of R in a thin QR of A, and the rule is the same,
    /// those above max(m, n) · 1e-13 · σ_max count.
    let private rankOf (n: int) (rows: float[][]) =
        if rows.Length <= 4096 then
            Dense.rank n rows
        else
            let r =
                (Dense.ofRows n rows).QR(MathNet.Numerics.LinearAlgebra.Factorization.QRMethod.Thin).R

            let s = r.Svd(false).S
            let tol = float (max rows.Length n) * Tolerances.svdRank * max s.[0] Tolerances.tiny
            s |> Seq.filter (fun x -> x > tol) |> Seq.length

    /// The streaming view of the central arrangement of arbitrary non-zero normals in R^n, with
    /// the distinct hyperplanes numbered as `Arrangement.ofNormals` numbers them.
    let ofNormals (normals: float[][]) =
        let n = Arrangement.checkNormals normals
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

        let rank = max 1 (rankOf n conditioned)

        let reduced, lift =
            if rank = n then
                let lift =
                    Array.init (n * n) (fun k -> if k / n = k % n then conditioning.[k / n] else 0.0)

                Array.concat conditioned, lift
            else
                // U′ spans W′ (conditioned coordinates); V spans W = D⁻¹W′ (original ones).
                let u = spanBasis rank 0.0 conditioned

                let v =
                    spanBasis rank 0.0 (u |> Array.map (fun b -> Dense.normalize(Array.map2 (/) b conditioning).Value))

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
