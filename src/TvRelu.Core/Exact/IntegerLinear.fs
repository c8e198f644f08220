namespace TvRelu.Core.Exact

open System
open System.Numerics
open Fractions

/// Exact linear algebra on integer matrices (rows of BigInteger). Rank and determinants by
/// Bareiss's fraction-free Gaussian elimination, whose every intermediate entry is a minor of
/// the input, so that sizes grow linearly rather than exponentially; small systems by Cramer's
/// rule on those determinants; null spaces by reduced row echelon form over `Fractions`.
module internal IntegerLinear =

    /// ⟨a, b⟩.
    let dot (a: BigInteger[]) (b: BigInteger[]) =
        let mutable s = BigInteger.Zero

        for k in 0 .. a.Length - 1 do
            s <- s + a.[k] * b.[k]

        s

    /// ‖a‖².
    let normSquared (a: BigInteger[]) = dot a a

    /// The first row i ≥ r with a non-zero entry in column col, or −1.
    let inline private pivotRow (m: ^T[][]) (r: int) (col: int) =
        let mutable p = -1
        let mutable i = r

        while p < 0 && i < m.Length do
            if m.[i].[col] <> LanguagePrimitives.GenericZero then
                p <- i

            i <- i + 1

        p

    /// Bareiss elimination of a copy of the rows (cols columns), skipping columns without a pivot.
    /// Returns the rank and the sign of the row permutation; when the matrix is square and of full
    /// rank, the last pivot times that sign is the determinant.
    let private bareiss (rows: BigInteger[][]) (cols: int) =
        let m = Array.map Array.copy rows
        let mutable r = 0
        let mutable prev = BigInteger.One
        let mutable sign = 1
        let mutable last = BigInteger.Zero

        for col in 0 .. cols - 1 do
            if r < m.Length then
                match pivotRow m r col with
                | -1 -> ()
                | p ->
                    if p <> r then
                        let t = m.[p]
                        m.[p] <- m.[r]
                        m.[r] <- t
                        sign <- -sign

                    let piv = m.[r].[col]

                    for i in r + 1 .. m.Length - 1 do
                        let f = m.[i].[col]

                        for j in col + 1 .. cols - 1 do
                            m.[i].[j] <- (piv * m.[i].[j] - f * m.[r].[j]) / prev

                        m.[i].[col] <- BigInteger.Zero

                    prev <- piv
                    last <- piv
                    r <- r + 1

        r, sign, last

    /// The exact rank of the matrix with the given rows and cols columns.
    let rank (cols: int) (rows: BigInteger[][]) =
        if rows.Length = 0 then
            0
        else
            (let r, _, _ = bareiss rows cols in r)

    /// The determinant of a square matrix (1 for the empty matrix).
    let determinant (rows: BigInteger[][]) =
        let n = rows.Length

        if n = 0 then
            BigInteger.One
        else
            let r, sign, last = bareiss rows n

            if r < n then
                BigInteger.Zero
            else
                (if sign < 0 then -last else last)

    /// Indices of a maximal linearly independent subset of the rows, chosen greedily in order.
    let independentSubset (cols: int) (rows: BigInteger[][]) =
        if rows.Length <= 1 then
            [|
                for i in 0 .. rows.Length - 1 do
                    if rows.[i] |> Array.exists (fun x -> not x.IsZero) then
                        yield i
            |]
        elif rank cols rows = rows.Length then
            Array.init rows.Length id
        else
            let kept = ResizeArray<int>()

            for i in 0 .. rows.Length - 1 do
                if kept.Count < cols then
                    let candidate = Array.append [| for k in kept -> rows.[k] |] [| rows.[i] |]

                    if rank cols candidate = kept.Count + 1 then
                        kept.Add i

            kept.ToArray()

    /// The orthogonal projection of w onto the subspace {θ : ⟨a, θ⟩ = 0 for every row a}, for
    /// linearly independent rows, without division: with G = A Aᵀ (a Gram matrix, so det G > 0),
    /// ν' = det G · G⁻¹ A w by Cramer's rule, and π' = det G · w − Aᵀ ν' = det G · (w − Aᵀ G⁻¹ A w).
    /// Returns (det G, ν', π'); det G = 0 means the rows were dependent.
    let projectOut (rows: BigInteger[][]) (w: BigInteger[]) =
        let k = rows.Length

        if k = 0 then
            BigInteger.One, [||], Array.copy w
        else
            let g = Array.init k (fun i -> Array.init k (fun j -> dot rows.[i] rows.[j]))
            let b = rows |> Array.map (fun a -> dot a w)
            // Closed forms of Cramer's rule for the usual one or two active facets.
            let det, nu =
                match k with
                | 1 -> g.[0].[0], [| b.[0] |]
                | 2 ->
                    g.[0].[0] * g.[1].[1] - g.[0].[1] * g.[1].[0],
                    [|
                        b.[0] * g.[1].[1] - g.[0].[1] * b.[1]
                        g.[0].[0] * b.[1] - b.[0] * g.[1].[0]
                    |]
                | _ ->
                    determinant g,
                    Array.init k (fun j -> determinant (Array.init k (fun i -> Array.init k (fun l -> if l = j then b.[i] else g.[i].[l]))))

            if det.IsZero then
                det, [||], [||]
            else
                let pi = w |> Array.map (fun x -> det * x)

                for j in 0 .. k - 1 do
                    for c in 0 .. pi.Length - 1 do
                        pi.[c] <- pi.[c] - nu.[j] * rows.[j].[c]

                det, nu, pi

    /// An integer basis of the null space {θ : ⟨a, θ⟩ = 0 for every row a} (cols unknowns), from
    /// the reduced row echelon form over the rationals, each vector scaled to coprime integers.
    let nullSpace (cols: int) (rows: BigInteger[][]) : BigInteger[][] =
        let a = rows |> Array.map (Array.map (fun (x: BigInteger) -> Fraction x))
        let pivots = RationalLinear.eliminate a cols

        let free =
            [|
                for c in 0 .. cols - 1 do
                    if not (Array.contains c pivots) then
                        yield c
            |]

        free
        |> Array.map (fun f ->
            let x = Array.create cols Fraction.Zero
            x.[f] <- Fraction.One
            pivots |> Seq.iteri (fun i pc -> x.[pc] <- -a.[i].[f])

            let lcm =
                x
                |> Array.fold
                    (fun acc v -> let d = v.Reduce().Denominator in acc / BigInteger.GreatestCommonDivisor(acc, d) * d)
                    BigInteger.One

            let ints =
                x
                |> Array.map (fun v -> let v = v.Reduce() in v.Numerator * (lcm / v.Denominator))

            let g =
                ints
                |> Array.fold (fun acc v -> BigInteger.GreatestCommonDivisor(acc, v)) BigInteger.Zero

            if g.IsZero || g.IsOne then
                ints
            else
                ints |> Array.map (fun v -> v / g))

    /// An integer vector stored as 64-bit limbs, little-endian, the top limb signed
    /// (a_k = Σ_{j<L−1} limb_j 2^(64 j) + (int64) limb_(L−1) 2^(64 (L−1))), for sign tests of
    /// ⟨a, b⟩ against rows b of small integers without allocating BigIntegers: the hot loop of
    /// every exact sign check.
    type Packed =
        {
            Limbs: int
            Words: uint64[]
            /// Scratch space of the sign test (so it allocates nothing; one thread per vector).
            Sums: Int128[]
        }

    /// Packs a vector (any size: the number of limbs follows the largest entry).
    let pack (a: BigInteger[]) : Packed =
        let bits = a |> Array.fold (fun acc x -> max acc (int (x.GetBitLength()))) 0
        let limbs = (bits + 1) / 64 + 1
        let words = Array.zeroCreate (a.Length * limbs)
        let bytes = Array.zeroCreate<byte>(8 * limbs)

        for k in 0 .. a.Length - 1 do
            let raw = a.[k].ToByteArray()
            let fill = if a.[k].Sign < 0 then 0xFFuy else 0uy

            for i in 0 .. bytes.Length - 1 do
                bytes.[i] <- if i < raw.Length then raw.[i] else fill

            for j in 0 .. limbs - 1 do
                words.[k * limbs + j] <- BitConverter.ToUInt64(bytes, 8 * j)

        {
            Limbs = limbs
            Words = words
            Sums = Array.zeroCreate limbs
        }

    /// Rows of integers below 2^56 in absolute value, as int64, when every entry is (None otherwise).
    let small (rows: BigInteger[][]) : int64[][] option =
        let limit = BigInteger.One <<< 56

        if rows |> Array.forall (Array.forall (fun x -> BigInteger.Abs x < limit)) then
            Some(rows |> Array.map (Array.map int64))
        else
            None

    /// The exact sign of ⟨a, b⟩ for a packed vector a and |b_k| < 2^56 (at most 64 coordinates):
    /// each limb's partial sum Σ_k limb_jk b_k fits in an Int128, and carrying from the low limbs up
    /// leaves the sign in the top one.
    let signOfDotPacked (a: Packed) (b: int64[]) =
        let limbs = a.Limbs
        let sums = a.Sums
        Array.Clear sums

        for k in 0 .. b.Length - 1 do
            let bk = Int128.op_Implicit b.[k]

            for j in 0 .. limbs - 1 do
                let w = a.Words.[k * limbs + j]

                let limb =
                    if j = limbs - 1 then
                        Int128.op_Implicit (int64 w)
                    else
                        Int128.op_Implicit w

                sums.[j] <- sums.[j] + limb * bk

        for j in 0 .. limbs - 2 do
            let carry = sums.[j] >>> 64
            sums.[j] <- sums.[j] - (carry <<< 64)
            sums.[j + 1] <- sums.[j + 1] + carry

        let mutable sign = Int128.Sign sums.[limbs - 1]
        let mutable j = limbs - 2

        while sign = 0 && j >= 0 do
            if sums.[j] <> Int128.Zero then
                sign <- 1

            j <- j - 1

        sign
