namespace TvRelu.Core.Arrangements

open System
open System.Collections.Generic
open TvRelu.Core.Numerics

/// Exact enumeration of the cells of a central hyperplane arrangement in R^n (THEORY.md §3).
///
/// The argument is deletion–restriction. Adding the hyperplane H_k to the arrangement
/// A_{k−1} = {H_0 … H_{k−1}} splits exactly the cells that H_k meets, and those cells are in
/// bijection with the cells of the restriction A_{k−1}^{H_k}, a central arrangement one
/// dimension lower. So each step enumerates the restriction recursively (down to the circle,
/// where sorting angles suffices), finds the split cells by their sign vectors, and gives every
/// other cell the sign of its interior point. Nothing is sampled: every cell is found, with a
/// strictly interior point, and degenerate input (several hyperplanes through one subspace,
/// normals that do not span R^n) needs no special case, because the restriction merges the
/// hyperplanes that coincide on H_k and drops none that matter.
module internal Enumeration =

    /// Unit normals that agree to this tolerance, up to sign, define the same hyperplane of a
    /// restriction (`Tolerances.restrictionParallel`).
    [<Literal>]
    let parallelTolerance = Tolerances.restrictionParallel

    /// Deterministic 64-bit keys (splitmix64) for Zobrist hashing of sign vectors: the hash of a
    /// sign vector is the XOR of the keys of its + positions, so flipping one sign is one XOR.
    let zobrist (h: int) =
        let mutable z = uint64 h * 0x9E3779B97F4A7C15UL + 0x632BE59BD9B4E019UL
        z <- (z ^^^ (z >>> 30)) * 0xBF58476D1CE4E5B9UL
        z <- (z ^^^ (z >>> 27)) * 0x94D049BB133111EBUL
        z ^^^ (z >>> 31)

    /// Distinct input hyperplanes must differ by this much (unit normals, up to sign, after the
    /// arrangement's conditioning): a hundred times the parallel tolerance of the restrictions
    /// (`Tolerances.mergeInputs` says why).
    [<Literal>]
    let hyperplaneTolerance = Tolerances.mergeInputs

    /// Groups normals that are parallel (±) within `tol`: the kept unit representatives, and for
    /// each input its group (−1 for a zero vector) and orientation (±1) relative to it.
    let groupDirectionsWithin (tol: float) (normals: float[][]) =
        let kept = ResizeArray<float[]>()
        let group = Array.create normals.Length -1
        let orient = Array.zeroCreate<int> normals.Length

        normals
        |> Array.iteri (fun idx u ->
            match Dense.normalize u with
            | None -> ()
            | Some v ->
                let mutable g = -1
                let mutable o = 0
                let mutable r = 0

                while g < 0 && r < kept.Count do
                    let w = kept.[r]
                    let mutable a = 0.0
                    let mutable b = 0.0

                    for i in 0 .. v.Length - 1 do
                        a <- a + (v.[i] - w.[i]) * (v.[i] - w.[i])
                        b <- b + (v.[i] + w.[i]) * (v.[i] + w.[i])

                    if sqrt a <= tol then
                        g <- r
                        o <- 1
                    elif sqrt b <= tol then
                        g <- r
                        o <- -1

                    r <- r + 1

                if g < 0 then
                    kept.Add v
                    g <- kept.Count - 1
                    o <- 1

                group.[idx] <- g
                orient.[idx] <- o)

        kept.ToArray(), group, orient

    /// `groupDirectionsWithin` at the parallel tolerance of the restrictions.
    let groupDirections (normals: float[][]) =
        groupDirectionsWithin parallelTolerance normals

    /// The unit representatives of the distinct hyperplanes among the normals.
    let distinctDirections (normals: float[][]) =
        let reps, _, _ = groupDirections normals
        reps

    /// An orthonormal basis of the hyperplane {θ : ⟨θ, u⟩ = 0} for a unit vector u, as n − 1
    /// column vectors: Gram–Schmidt of the coordinate vectors, skipping the one most aligned with u.
    let hyperplaneBasis (u: float[]) =
        let n = u.Length
        let skip = [| 0 .. n - 1 |] |> Array.maxBy (fun i -> abs u.[i])
        let basis = ResizeArray<float[]>()

        for e in 0 .. n - 1 do
            if e <> skip then
                let v = Array.zeroCreate n
                v.[e] <- 1.0
                // Two passes of Gram–Schmidt against u and the basis so far, for orthogonality to rounding.
                for _ in 1..2 do
                    let c = Dense.dot v u

                    for i in 0 .. n - 1 do
                        v.[i] <- v.[i] - c * u.[i]

                    for b in basis do
                        let c = Dense.dot v b

                        for i in 0 .. n - 1 do
                            v.[i] <- v.[i] - c * b.[i]

                let nv = Dense.norm v
                basis.Add(Array.map (fun x -> x / nv) v)

        basis.ToArray()

    /// Coordinates of θ in a basis (Bᵀθ).
    let coordinates (basis: float[][]) (theta: float[]) =
        basis |> Array.map (fun b -> Dense.dot b theta)

    /// The vector B p of the coordinates p.
    let lift (basis: float[][]) (p: float[]) =
        let n = basis.[0].Length
        let r = Array.zeroCreate n

        for j in 0 .. basis.Length - 1 do
            for i in 0 .. n - 1 do
                r.[i] <- r.[i] + p.[j] * basis.[j].[i]

        r

    /// The 128-bit key of hyperplane h for Zobrist hashing (two independent 64-bit keys; at 10^6
    /// cells a collision has probability below 10^-24, so matches are not re-verified).
    let keyOf (h: int) = zobrist (2 * h), zobrist (2 * h + 1)

    /// Cells of a central arrangement: an interior point each, the 128-bit hash of its sign vector
    /// (XOR of the keys of its + positions) and a margin, a lower bound on |⟨p, û⟩| over the unit
    /// normals û of the hyperplanes.
    type CellSet =
        {
            Points: float[][]
            Lo: uint64[]
            Hi: uint64[]
            Margin: float[]
        }

    /// The distinct lines among the given normals of R², as their angles on [0, π), sorted, and the normals on
    /// each: directions within the parallel tolerance are one line, and a line just below π is the one at 0.
    let private distinctLines (normals: float[][]) =
        let lines =
            normals
            |> Array.mapi (fun j u ->
                let a = (Math.Atan2(u.[1], u.[0]) + Math.PI / 2.0) % Math.PI
                (if a < 0.0 then a + Math.PI else a), j)
            |> Array.sortBy fst

        let angles = ResizeArray<float>()
        let members = ResizeArray<ResizeArray<int>>()

        for (a, j) in lines do
            if angles.Count = 0 || a - angles.[angles.Count - 1] > parallelTolerance then
                angles.Add a
                members.Add(ResizeArray [ j ])
            else
                members.[members.Count - 1].Add j

        if
            angles.Count > 1
            && (angles.[0] + Math.PI) - angles.[angles.Count - 1] <= parallelTolerance
        then
            members.[0].AddRange(members.[members.Count - 1])
            angles.RemoveAt(angles.Count - 1)
            members.RemoveAt(members.Count - 1)

        angles.ToArray(), members.ToArray()

    /// Cells of lines through the origin of R²: sort the line directions on [0, π); the 2m rays
    /// cut the circle into 2m arcs, whose middles are central interior points. Walking round the
    /// circle, crossing a ray flips exactly the signs of the lines on it, so each hash is one XOR
    /// away from the previous one.
    let circleCells (normals: float[][]) (klo: uint64[]) (khi: uint64[]) : CellSet =
        let angles, members = distinctLines normals
        let m = angles.Length

        let hashOf (p: float[]) =
            let mutable lo = 0UL
            let mutable hi = 0UL

            for j in 0 .. normals.Length - 1 do
                if Dense.dot p normals.[j] > 0.0 then
                    lo <- lo ^^^ klo.[j]
                    hi <- hi ^^^ khi.[j]

            lo, hi

        if m = 0 then
            let p = [| 1.0; 0.0 |]
            let lo, hi = hashOf p

            {
                Points = [| p |]
                Lo = [| lo |]
                Hi = [| hi |]
                Margin = [| 1.0 |]
            }
        else
            let rays =
                Array.init (2 * m) (fun i -> if i < m then angles.[i] else angles.[i - m] + Math.PI)

            let toggle =
                members
                |> Array.map (Seq.fold (fun (lo, hi) j -> lo ^^^ klo.[j], hi ^^^ khi.[j]) (0UL, 0UL))
            // Arc i runs from ray i to ray i + 1 (the last one back round to the first).
            let ends i =
                rays.[i],
                (if i + 1 < 2 * m then
                     rays.[i + 1]
                 else
                     rays.[0] + 2.0 * Math.PI)

            let points =
                Array.init (2 * m) (fun i -> let a, b = ends i in [| Math.Cos(0.5 * (a + b)); Math.Sin(0.5 * (a + b)) |])

            let margins =
                Array.init (2 * m) (fun i -> let a, b = ends i in Math.Sin(0.5 * (b - a)))

            let los = Array.zeroCreate (2 * m)
            let his = Array.zeroCreate (2 * m)
            let lo0, hi0 = hashOf points.[0]
            los.[0] <- lo0
            his.[0] <- hi0

            for i in 1 .. 2 * m - 1 do
                let tlo, thi = toggle.[i % m]
                los.[i] <- los.[i - 1] ^^^ tlo
                his.[i] <- his.[i - 1] ^^^ thi

            {
                Points = points
                Lo = los
                Hi = his
                Margin = margins
            }

    /// A growing table of cells: sign bits (over the hyperplanes added so far), the 128-bit hash and
    /// a unit interior point, stored flat for the 10^6-cell arrangements of the benchmarks.
    type CellTable(n: int, words: int, klo: uint64[], khi: uint64[]) =
        let mutable count = 0
        let mutable bits: uint64[] = Array.zeroCreate (words * 64)
        let mutable points: float[] = Array.zeroCreate (n * 64)
        let mutable lo: uint64[] = Array.zeroCreate 64
        let mutable hi: uint64[] = Array.zeroCreate 64
        member _.Count = count
        member _.Words = words
        member _.Dim = n
        member _.Bits = bits
        member _.Points = points
        member _.Lo = lo
        member _.Hi = hi

        member _.Add(point: float[], src: int) =
            if count = lo.Length then
                let cap = 2 * lo.Length
                Array.Resize(&bits, cap * words)
                Array.Resize(&points, cap * n)
                Array.Resize(&lo, cap)
                Array.Resize(&hi, cap)

            let c = count

            if src >= 0 then
                Array.blit bits (src * words) bits (c * words) words
                lo.[c] <- lo.[src]
                hi.[c] <- hi.[src]

            Array.blit point 0 points (c * n) n
            count <- count + 1
            c

        member _.SetPoint(c: int, point: float[]) = Array.blit point 0 points (c * n) n
        member _.Point(c: int) = Array.sub points (c * n) n

        member _.SetBit(c: int, h: int) =
            let i = c * words + (h >>> 6)
            bits.[i] <- bits.[i] ||| (1UL <<< (h &&& 63))
            lo.[c] <- lo.[c] ^^^ klo.[h]
            hi.[c] <- hi.[c] ^^^ khi.[h]

        member _.Bit(c: int, h: int) =
            (bits.[c * words + (h >>> 6)] >>> (h &&& 63)) &&& 1UL = 1UL

    /// Moving a point of H_k by t along n_k keeps every sign j < k while t · |⟨n_k, n_j⟩| < |⟨q, n_j⟩| =
    /// ‖Bᵀn_j‖ · |⟨p, û_g⟩|, so the restricted margin times min_j ‖Bᵀn_j‖ / |⟨n_k, n_j⟩| bounds a safe step.
    let private safeStepRatio (normals: float[][]) (coords: float[][]) (k: int) =
        let nk = normals.[k]
        let mutable ratio = 1.0

        for j in 0 .. k - 1 do
            let c = abs (Dense.dot nk normals.[j])

            if c > 0.0 then
                ratio <- min ratio (Dense.norm coords.[j] / c)

        ratio

    /// The keys of the restriction to H_k: the hash of a full sign vector is a base ⊕ the restricted hash
    /// under the group keys (s_j = o_j s_g for hyperplane j in group g with orientation o_j).
    let private restrictionKeys (klo: uint64[]) (khi: uint64[]) (group: int[]) (orient: int[]) (groups: int) =
        let glo = Array.zeroCreate groups
        let ghi = Array.zeroCreate groups
        let mutable baseLo = 0UL
        let mutable baseHi = 0UL

        for j in 0 .. group.Length - 1 do
            let g = group.[j]
            glo.[g] <- glo.[g] ^^^ klo.[j]
            ghi.[g] <- ghi.[g] ^^^ khi.[j]

            if orient.[j] < 0 then
                baseLo <- baseLo ^^^ klo.[j]
                baseHi <- baseHi ^^^ khi.[j]

        glo, ghi, baseLo, baseHi

    /// Finds, by hash, the cell of the table that each restricted cell splits, and gives every other cell the
    /// sign of H_k at its interior point. Raises when the hashes do not match one to one: the data are then
    /// numerically degenerate beyond the parallel tolerance.
    let private matchSplitCells (table: CellTable) (restricted: CellSet) (baseLo: uint64) (baseHi: uint64) (k: int) (nk: float[]) =
        let n = table.Dim
        let count = restricted.Points.Length
        let byLo = Dictionary<uint64, int>(count)

        for r in 0 .. count - 1 do
            if not (byLo.TryAdd(baseLo ^^^ restricted.Lo.[r], r)) then
                raise (
                    InvalidOperationException
                        "cell enumeration: two restricted cells share a 64-bit hash; the data are numerically degenerate beyond the parallel tolerance"
                )

        let pending = Array.create count -1
        let mutable matched = 0
        let lo = table.Lo
        let hi = table.Hi
        let pts = table.Points

        for c in 0 .. table.Count - 1 do
            let mutable r = -1

            if
                byLo.TryGetValue(lo.[c], &r)
                && (baseHi ^^^ restricted.Hi.[r]) = hi.[c]
                && pending.[r] < 0
            then
                pending.[r] <- c
                matched <- matched + 1
            else
                let mutable s = 0.0

                for i in 0 .. n - 1 do
                    s <- s + pts.[c * n + i] * nk.[i]

                if s > 0.0 then
                    table.SetBit(c, k)

        if matched <> count then
            raise (
                InvalidOperationException(
                    sprintf
                        "cell enumeration lost track of %d of %d cells cut by hyperplane %d: the data are numerically degenerate beyond the parallel tolerance %g"
                        (count - matched)
                        count
                        k
                        parallelTolerance
                )
            )

        pending

    /// Splits each cell H_k cuts: it keeps its index on the + side and gains a sibling on the − side, both
    /// with interior points a safe step (half the restricted margin times the ratio) off the restricted
    /// cell's point.
    let private splitCells
        (table: CellTable)
        (restricted: CellSet)
        (pending: int[])
        (basis: float[][])
        (nk: float[])
        (ratio: float)
        (k: int)
        =
        for r in 0 .. pending.Length - 1 do
            let c = pending.[r]
            let q = lift basis restricted.Points.[r]
            let t = 0.5 * restricted.Margin.[r] * ratio
            let plus = Dense.axpy t nk q
            let minus = Dense.axpy -t nk q
            table.Add(Dense.scale (1.0 / Dense.norm minus) minus, c) |> ignore
            table.SetPoint(c, Dense.scale (1.0 / Dense.norm plus) plus)
            table.SetBit(c, k)

    /// The cells of the central arrangement of the given unit normals (pairwise non-parallel) in R^n,
    /// hashed with the given keys.
    let rec cellSet (normals: float[][]) (klo: uint64[]) (khi: uint64[]) (n: int) : CellSet =
        if normals.Length = 0 then
            {
                Points = [| Array.init n (fun i -> if i = 0 then 1.0 else 0.0) |]
                Lo = [| 0UL |]
                Hi = [| 0UL |]
                Margin = [| 1.0 |]
            }
        elif n = 1 then
            let side s =
                normals
                |> Array.mapi (fun j u -> j, u.[0] * s > 0.0)
                |> Array.filter snd
                |> Array.fold (fun (lo, hi) (j, _) -> lo ^^^ klo.[j], hi ^^^ khi.[j]) (0UL, 0UL)

            let (l1, h1), (l2, h2) = side 1.0, side -1.0

            {
                Points = [| [| 1.0 |]; [| -1.0 |] |]
                Lo = [| l1; l2 |]
                Hi = [| h1; h2 |]
                Margin = [| 1.0; 1.0 |]
            }
        elif n = 2 then
            circleCells normals klo khi
        else
            let t = incremental normals klo khi n
            let points = Array.init t.Count t.Point

            {
                Points = points
                Lo = Array.sub t.Lo 0 t.Count
                Hi = Array.sub t.Hi 0 t.Count
                Margin =
                    points
                    |> Array.map (fun p -> normals |> Array.fold (fun acc u -> min acc (abs (Dense.dot p u))) 1.0)
            }

    /// The deletion–restriction step for H_1 … H_{m−1} in turn, returning the cell table with sign bits.
    and incremental (normals: float[][]) (klo: uint64[]) (khi: uint64[]) (n: int) : CellTable =
        let m = normals.Length
        let table = CellTable(n, max 1 ((m + 63) / 64), klo, khi)
        // No hyperplane: one cell, the whole space; H_0 splits it.
        let n0 = normals.[0]
        let c = table.Add(n0, -1)
        table.SetBit(c, 0)
        table.Add(Dense.scale -1.0 n0, -1) |> ignore

        for k in 1 .. m - 1 do
            let nk = normals.[k]
            let basis = hyperplaneBasis nk
            let coords = Array.init k (fun j -> coordinates basis normals.[j])
            let reps, group, orient = groupDirections coords
            let glo, ghi, baseLo, baseHi = restrictionKeys klo khi group orient reps.Length
            let restricted = cellSet reps glo ghi (n - 1)
            let pending = matchSplitCells table restricted baseLo baseHi k nk
            splitCells table restricted pending basis nk (safeStepRatio normals coords k) k

        table

    /// Keys for hyperplanes 0 … m−1.
    let keys (m: int) =
        let ks = Array.init m keyOf
        Array.map fst ks, Array.map snd ks

    /// Interior points, one per cell, of the central arrangement of the given unit normals in R^n.
    let interiorPoints (normals: float[][]) (n: int) =
        let klo, khi = keys normals.Length
        (cellSet normals klo khi n).Points
