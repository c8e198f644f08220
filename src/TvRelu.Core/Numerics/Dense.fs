namespace TvRelu.Core.Numerics

open MathNet.Numerics.LinearAlgebra

/// Small dense kernels on plain arrays, plus the few MathNet helpers the core needs
/// (MathNet.Numerics.FSharp is not available here, so this module is that thin layer).
/// The dimensions met in this library are tiny (d + 1 ≤ 6), so plain loops beat
/// allocating MathNet matrices in hot paths; MathNet is used where a decomposition
/// (SVD, QR) has to be robust rather than fast.
module internal Dense =

    /// ⟨a, b⟩.
    let inline dot (a: float[]) (b: float[]) =
        let mutable s = 0.0

        for i in 0 .. a.Length - 1 do
            s <- s + a.[i] * b.[i]

        s

    /// Euclidean norm, guarded against overflow for the huge-scale inputs users feed in.
    let norm (a: float[]) =
        let mutable m = 0.0

        for x in a do
            m <- max m (abs x)

        if m = 0.0 || System.Double.IsInfinity m then
            m
        else
            let mutable s = 0.0

            for x in a do
                let t = x / m
                s <- s + t * t

            m * sqrt s

    /// a · s.
    let scale (s: float) (a: float[]) = Array.map (fun x -> s * x) a

    /// a + s · b.
    let axpy (s: float) (b: float[]) (a: float[]) =
        Array.init a.Length (fun i -> a.[i] + s * b.[i])

    /// a − b.
    let sub (a: float[]) (b: float[]) =
        Array.init a.Length (fun i -> a.[i] - b.[i])

    /// a / ‖a‖, or None for the zero vector.
    let normalize (a: float[]) =
        let n = norm a
        if n = 0.0 then None else Some(scale (1.0 / n) a)

    /// ‖a − b‖.
    let distance (a: float[]) (b: float[]) = norm (sub a b)

    /// Σ_i c_i · rows_i (a row combination).
    let combine (rows: float[][]) (coefficients: float[]) (dim: int) =
        let r = Array.zeroCreate dim

        for i in 0 .. rows.Length - 1 do
            let c = coefficients.[i]

            if c <> 0.0 then
                let row = rows.[i]

                for k in 0 .. dim - 1 do
                    r.[k] <- r.[k] + c * row.[k]

        r

    /// The lexicographic order of vectors (shorter first), the order F#'s structural comparison gives arrays of
    /// finite numbers, without its generic dispatch (which made sorting 10^5 directions take seconds).
    let lexicographic (a: float[]) (b: float[]) =
        let mutable r = compare a.Length b.Length
        let mutable i = 0

        while r = 0 && i < a.Length do
            r <- compare a.[i] b.[i]
            i <- i + 1

        r

    /// A MathNet matrix whose rows are the given arrays.
    let ofRows (cols: int) (rows: float[][]) : Matrix<float> =
        if rows.Length = 0 then
            Matrix<float>.Build.Dense(0, cols)
        else
            Matrix<float>.Build.DenseOfRowArrays(rows)

    /// The default relative rank tolerance: singular values at most max(m, n) · `Tolerances.svdRank` · σ_max are zero.
    let private defaultRelative (rows: int) (cols: int) =
        float (max rows cols) * Tolerances.svdRank

    /// Numerical rank by SVD: singular values above relTol · σ_max count.
    let rankWithin (relTol: float) (cols: int) (rows: float[][]) =
        if rows.Length = 0 then
            0
        else
            let s = (ofRows cols rows).Svd(false).S

            if s.Count = 0 then
                0
            else
                let tol = relTol * max s.[0] Tolerances.tiny
                s |> Seq.filter (fun x -> x > tol) |> Seq.length

    /// Numerical rank by SVD with the usual tolerance max(m, n) · ε · σ_max (ε taken as `Tolerances.svdRank`).
    let rank (cols: int) (rows: float[][]) =
        rankWithin (defaultRelative rows.Length cols) cols rows

    /// The smallest of the min(rows, cols) singular values (0 for no rows).
    let smallestSingularValue (cols: int) (rows: float[][]) =
        if rows.Length = 0 then
            0.0
        else
            let s = (ofRows cols rows).Svd(false).S

            if s.Count < min rows.Length cols then
                0.0
            else
                s.[min rows.Length cols - 1]

    /// The spectral norm ‖A‖₂ (the largest singular value; 0 for no rows): for the data matrix X̃ it bounds
    /// ‖φ(θ)‖ = ‖σ(X̃θ)‖ ≤ ‖X̃θ‖ on the unit sphere (THEORY.md §1).
    let spectralNorm (cols: int) (rows: float[][]) =
        if rows.Length = 0 then
            0.0
        else
            let s = (ofRows cols rows).Svd(false).S
            if s.Count = 0 then 0.0 else s.[0]

    /// An orthonormal basis (as column vectors) of the null space {θ : ⟨r, θ⟩ = 0 for every row
    /// r}, by SVD, singular values at most relTol · σ_max counting as zero.
    let nullSpaceWithin (relTol: float) (cols: int) (rows: float[][]) : float[][] =
        if rows.Length = 0 then
            Array.init cols (fun j -> Array.init cols (fun i -> if i = j then 1.0 else 0.0))
        else
            let m = ofRows cols rows
            // Pad to a square matrix so that the full V of the SVD is returned.
            let padded =
                if m.RowCount >= cols then
                    m
                else
                    m.Stack(Matrix<float>.Build.Dense(cols - m.RowCount, cols))

            let svd = padded.Svd(true)
            let s = svd.S
            let smax = if s.Count > 0 then s.[0] else 0.0
            let tol = relTol * max smax Tolerances.tiny
            let r = s |> Seq.filter (fun x -> x > tol) |> Seq.length
            let vt = svd.VT
            [| for j in r .. cols - 1 -> Array.init cols (fun i -> vt.[j, i]) |]

    /// `nullSpaceWithin` at the default tolerance of `rank`.
    let nullSpace (cols: int) (rows: float[][]) =
        nullSpaceWithin (defaultRelative rows.Length cols) cols rows

    /// A⁺b by SVD, singular values at most `relTol` · σ_max counting as zero.
    let private pseudoSolve (a: Matrix<float>) (b: float[]) (relTol: float) =
        let svd = a.Svd(true)
        let s = svd.S
        let smax = if s.Count > 0 then s.[0] else 0.0
        let tol = relTol * max smax Tolerances.tiny
        let ut = svd.U.Transpose() * Vector<float>.Build.DenseOfArray b
        let w = Vector<float>.Build.Dense(a.ColumnCount)

        for i in 0 .. s.Count - 1 do
            if s.[i] > tol then
                w.[i] <- ut.[i] / s.[i]

        (svd.VT.Transpose() * w).ToArray()

    /// Solves the symmetric positive (semi)definite system A x = b by SVD-based pseudo-inverse,
    /// which is the safe choice for the Newton systems of the polishing step, whose matrices
    /// become singular exactly when the minimiser is not unique (THEORY.md §5).
    let solveSymmetric (a: float[,]) (b: float[]) =
        pseudoSolve (Matrix<float>.Build.DenseOfArray a) b (float b.Length * Tolerances.pseudoInverse)

    /// The least-norm solution p of A p = b (A given by its rows, `cols` unknowns) by the SVD pseudo-inverse,
    /// and the residual ‖A p − b‖ (0 when the system is solvable).
    let leastNorm (rows: float[][]) (cols: int) (b: float[]) =
        let a = ofRows cols rows
        let p = pseudoSolve a b (float (max rows.Length cols) * Tolerances.pseudoInverse)
        p, norm (Array.init rows.Length (fun i -> dot rows.[i] p - b.[i]))

    /// Solves A x = b for a symmetric positive definite A by Cholesky (A is not modified); None when the
    /// factorisation meets a pivot that is not positive (A not numerically definite). The Newton systems of
    /// the barrier method are definite by construction (THEORY.md §4: the barrier's Hessian is), so this
    /// replaces the SVD there, which cost seconds at a few hundred unknowns.
    let solveCholesky (a: float[,]) (b: float[]) =
        let n = b.Length
        let l = Array2D.copy a
        let mutable ok = true
        let mutable j = 0

        while ok && j < n do
            let mutable d = l.[j, j]

            for k in 0 .. j - 1 do
                d <- d - l.[j, k] * l.[j, k]

            if not (d > 0.0) then
                ok <- false
            else
                let djj = sqrt d
                l.[j, j] <- djj

                for i in j + 1 .. n - 1 do
                    let mutable s = l.[i, j]

                    for k in 0 .. j - 1 do
                        s <- s - l.[i, k] * l.[j, k]

                    l.[i, j] <- s / djj

            j <- j + 1

        if not ok then
            None
        else
            let x = Array.copy b

            for i in 0 .. n - 1 do
                let mutable s = x.[i]

                for k in 0 .. i - 1 do
                    s <- s - l.[i, k] * x.[k]

                x.[i] <- s / l.[i, i]

            for i in n - 1 .. -1 .. 0 do
                let mutable s = x.[i]

                for k in i + 1 .. n - 1 do
                    s <- s - l.[k, i] * x.[k]

                x.[i] <- s / l.[i, i]

            Some x

    /// Knuth's TwoSum: (s, e) with s = fl(a + b) and a + b = s + e exactly (no branch, any order of
    /// magnitude; Ogita, Rump and Oishi, "Accurate sum and dot product", SIAM J. Sci. Comput. 26 (2005),
    /// Algorithm 3.1). The error-free transformation behind the compensated sums of the certificate's
    /// rounding enclosure (THEORY.md §8).
    let inline twoSum (a: float) (b: float) =
        let s = a + b
        let z = s - a
        struct (s, (a - (s - z)) + (b - z))

    /// TwoProduct by one fused multiply-add: (p, e) with p = fl(a · b) and a · b = p + e exactly, unless the
    /// product underflows (Ogita, Rump and Oishi 2005, §3; the FMA form is exact whenever no underflow occurs).
    let inline twoProduct (a: float) (b: float) =
        let p = a * b
        struct (p, System.Math.FusedMultiplyAdd(a, b, -p))

    /// γ_k = k u / (1 − k u) (Higham, Accuracy and Stability of Numerical Algorithms, 2nd ed., §3.1): a sum or
    /// product of k rounded operations is exact to a relative γ_k. +∞ when k u ≥ 1.
    let gamma (k: int) =
        let ku = float k * Tolerances.unitRoundoff

        if ku >= 1.0 then
            System.Double.PositiveInfinity
        else
            ku / (1.0 - ku)

    /// Ogita–Rump–Oishi's Dot2 (Algorithm 5.3 of their 2005 paper) of Σ_i a_i b_i, with a rigorous bound on its
    /// error: (result, bound). Their Theorem 5.3 gives |result − Σ a_i b_i| ≤ u |Σ a_i b_i| + γ²_n Σ |a_i b_i| when
    /// no product underflows (n u < 1/2). In terms of the computed numbers, |Σ a_i b_i| ≤ |result| + error and the
    /// exact Σ |a_i b_i| is at most twice the recursively summed |fl(a_i b_i)|, so the error is at most
    /// (u |result| + 2 γ²_n · that sum) / (1 − u) ≤ 2 u |result| + 4 γ²_n · that sum, which is returned (its own
    /// rounding is a relative few u of a bound already loose by 2). Products below the smallest normal double are
    /// not exact in TwoProduct: callers keep |a_i b_i| well inside the normal range or add an absolute floor.
    let dot2 (a: float[]) (b: float[]) =
        let mutable s = 0.0
        let mutable c = 0.0
        let mutable sumAbs = 0.0

        for i in 0 .. a.Length - 1 do
            let struct (p, ep) = twoProduct a.[i] b.[i]
            let struct (t, es) = twoSum s p
            s <- t
            c <- c + (ep + es)
            sumAbs <- sumAbs + abs p

        let r = s + c
        let g = gamma (max 1 a.Length)
        r, 2.0 * Tolerances.unitRoundoff * abs r + 4.0 * g * g * sumAbs
