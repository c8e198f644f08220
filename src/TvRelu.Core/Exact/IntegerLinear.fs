namespace TvRelu.Core.Rationals

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
                match seq { r .. m.Length - 1 } |> Seq.tryFind (fun i -> not m.[i].[col].IsZero) with
                | None -> ()
                | Some p ->
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
    let rank (cols: int) (rows: BigInteger[][]) = if rows.Length = 0 then 0 else (let r, _, _ = bareiss rows cols in r)

    /// The determinant of a square matrix (1 for the empty matrix).
    let determinant (rows: BigInteger[][]) =
        let n = rows.Length
        if n = 0 then BigInteger.One
        else
            let r, sign, last = bareiss rows n
            if r < n then BigInteger.Zero else (if sign < 0 then -last else last)

    /// Indices of a maximal linearly independent subset of the rows, chosen greedily in order.
    let independentSubset (cols: int) (rows: BigInteger[][]) =
        let kept = ResizeArray<int>()
        for i in 0 .. rows.Length - 1 do
            if kept.Count < cols then
                let candidate = Array.append [| for k in kept -> rows.[k] |] [| rows.[i] |]
                if rank cols candidate = kept.Count + 1 then kept.Add i
        kept.ToArray()

    /// The orthogonal projection of w onto the subspace {θ : ⟨a, θ⟩ = 0 for every row a}, for
    /// linearly independent rows, without division: with G = A Aᵀ (a Gram matrix, so det G > 0),
    /// ν' = det G · G⁻¹ A w by Cramer's rule, and π' = det G · w − Aᵀ ν' = det G · (w − Aᵀ G⁻¹ A w).
    /// Returns (det G, ν', π'); det G = 0 means the rows were dependent.
    let projectOut (rows: BigInteger[][]) (w: BigInteger[]) =
        let k = rows.Length
        if k = 0 then BigInteger.One, [||], Array.copy w
        else
            let g = Array.init k (fun i -> Array.init k (fun j -> dot rows.[i] rows.[j]))
            let b = rows |> Array.map (fun a -> dot a w)
            let det = determinant g
            if det.IsZero then det, [||], [||]
            else
                let nu =
                    Array.init k (fun j ->
                        determinant (Array.init k (fun i -> Array.init k (fun l -> if l = j then b.[i] else g.[i].[l]))))
                let pi = w |> Array.map (fun x -> det * x)
                for j in 0 .. k - 1 do
                    for c in 0 .. pi.Length - 1 do
                        pi.[c] <- pi.[c] - nu.[j] * rows.[j].[c]
                det, nu, pi

    /// An integer basis of the null space {θ : ⟨a, θ⟩ = 0 for every row a} (cols unknowns), from
    /// the reduced row echelon form over the rationals, each vector scaled to coprime integers.
    let nullSpace (cols: int) (rows: BigInteger[][]) : BigInteger[][] =
        let a = rows |> Array.map (Array.map (fun (x: BigInteger) -> Fraction x))
        let pivots = ResizeArray<int>()
        let mutable r = 0
        for col in 0 .. cols - 1 do
            if r < a.Length then
                match seq { r .. a.Length - 1 } |> Seq.tryFind (fun i -> not a.[i].[col].IsZero) with
                | None -> ()
                | Some p ->
                    let t = a.[p]
                    a.[p] <- a.[r]
                    a.[r] <- t
                    let piv = a.[r].[col]
                    a.[r] <- a.[r] |> Array.map (fun x -> x / piv)
                    for i in 0 .. a.Length - 1 do
                        if i <> r && not a.[i].[col].IsZero then
                            let f = a.[i].[col]
                            a.[i] <- Array.init cols (fun j -> a.[i].[j] - f * a.[r].[j])
                    pivots.Add col
                    r <- r + 1
        let free = [| for c in 0 .. cols - 1 do if not (pivots.Contains c) then yield c |]
        free
        |> Array.map (fun f ->
            let x = Array.create cols Fraction.Zero
            x.[f] <- Fraction.One
            pivots |> Seq.iteri (fun i pc -> x.[pc] <- -a.[i].[f])
            let lcm = x |> Array.fold (fun acc v -> let d = v.Reduce().Denominator in acc / BigInteger.GreatestCommonDivisor(acc, d) * d) BigInteger.One
            let ints = x |> Array.map (fun v -> let v = v.Reduce() in v.Numerator * (lcm / v.Denominator))
            let g = ints |> Array.fold (fun acc v -> BigInteger.GreatestCommonDivisor(acc, v)) BigInteger.Zero
            if g.IsZero || g.IsOne then ints else ints |> Array.map (fun v -> v / g))
