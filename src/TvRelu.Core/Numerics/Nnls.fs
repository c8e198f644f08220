namespace TvRelu.Core.Numerics

/// Non-negative least squares by the active-set method of Lawson and Hanson (1974, ch. 23): the one
/// NNLS of the library, in two forms that share the method. `solve` takes the columns E and f of
/// min_{ν ≥ 0} ‖E ν − f‖ and solves each free sub-problem by a fresh modified Gram–Schmidt QR on the
/// passive columns (the cone projections of §3, where f ∈ R^{d+1} is tiny and accuracy matters);
/// `solveQuadratic` takes the normal equations min_{b ≥ 0} ½ bᵀQb − cᵀb directly (the amplitudes of
/// sliding Frank–Wolfe and the grid LASSO, whose linear term carries a penalty and so is not Eᵀf);
/// `solveGram` takes them as a Gram matrix G = EᵀE and b = Eᵀf, solved without a ridge (the interval
/// projections of the branch-and-bound nodes, THEORY.md §9, which share one G over 2|P| right-hand sides).
module internal Nnls =

    /// The solution z of U z = b for the upper-triangular p × p matrix U given entrywise (R of a QR, or Lᵀ of
    /// a Cholesky factor).
    let private backSubstitute (p: int) (u: int -> int -> float) (b: float[]) =
        let z = Array.zeroCreate p

        for k in p - 1 .. -1 .. 0 do
            let mutable s = b.[k]

            for j in k + 1 .. p - 1 do
                s <- s - u k j * z.[j]

            z.[k] <- s / u k k

        z

    /// Least squares on the chosen columns; None when they are numerically dependent.
    let internal leastSquares (cols: float[][]) (idx: int[]) (f: float[]) =
        let n = f.Length
        let p = idx.Length
        let q = Array.init p (fun k -> Array.copy cols.[idx.[k]])
        let r = Array2D.zeroCreate p p
        let mutable ok = true

        for k in 0 .. p - 1 do
            let scaleK = Dense.norm q.[k]

            for _ in 1..2 do
                for j in 0 .. k - 1 do
                    let c = Dense.dot q.[j] q.[k]
                    r.[j, k] <- r.[j, k] + c

                    for i in 0 .. n - 1 do
                        q.[k].[i] <- q.[k].[i] - c * q.[j].[i]

            let nk = Dense.norm q.[k]

            if nk <= Tolerances.nnlsDependent * max scaleK Tolerances.tiny then
                ok <- false
            else
                r.[k, k] <- nk

                for i in 0 .. n - 1 do
                    q.[k].[i] <- q.[k].[i] / nk

        if not ok then
            None
        else
            Some(backSubstitute p (fun k j -> r.[k, j]) (Array.init p (fun k -> Dense.dot q.[k] f)))

    /// Back along the segment from x to the free minimiser z (on the passive variables idx) until the first
    /// variable reaches zero; the variables at zero leave the passive set.
    let private stepBack (x: float[]) (passive: bool[]) (idx: int[]) (z: float[]) =
        let mutable alpha = 1.0

        idx
        |> Array.iteri (fun k j ->
            if z.[k] <= 0.0 then
                let a = x.[j] / (x.[j] - z.[k])

                if a < alpha then
                    alpha <- a)

        idx
        |> Array.iteri (fun k j ->
            x.[j] <- x.[j] + alpha * (z.[k] - x.[j])

            if
                x.[j] <= Tolerances.nnlsStepToZero * (abs z.[k] + Tolerances.tiny)
                || (z.[k] <= 0.0 && x.[j] <= 0.0)
            then
                x.[j] <- 0.0
                passive.[j] <- false)

        if idx |> Array.forall (fun j -> passive.[j]) then
            // No progress possible (alpha = 1 with tiny negatives): drop the worst.
            let worst = idx |> Array.minBy (fun j -> x.[j])
            x.[worst] <- 0.0
            passive.[worst] <- false

    /// Solves on the passive set, stepping back until the free minimiser is positive. `entering` is the
    /// variable that just entered (−1 for a warm start): it is blocked when it makes the passive set
    /// dependent or the step back drops it at once, and every block is lifted by a successful solve.
    let private settle (free: int[] -> float[] option) (x: float[]) (passive: bool[]) (blocked: bool[]) (entering: int) =
        let m = x.Length
        let mutable inner = true
        let mutable guard = 0

        while inner && guard < m + 5 do
            guard <- guard + 1
            let idx = [| 0 .. m - 1 |] |> Array.filter (fun j -> passive.[j])

            match free idx with
            | None ->
                if entering >= 0 then
                    passive.[entering] <- false
                    blocked.[entering] <- true

                inner <- false
            | Some z when z |> Array.forall (fun v -> v > 0.0) ->
                idx |> Array.iteri (fun k j -> x.[j] <- z.[k])
                inner <- false
                Array.fill blocked 0 m false
            | Some z ->
                stepBack x passive idx z

                if entering >= 0 && x.[entering] = 0.0 && not passive.[entering] then
                    blocked.[entering] <- true

    /// The active-set iterations on x (updated in place) from the passive set given. `descent x` is the
    /// negative gradient (Eᵀ(f − Ex), or c − Qx), `free idx` the minimiser on the passive variables idx
    /// (None when they are numerically dependent), and a variable enters when its descent exceeds
    /// `entry`. Blocking a variable whose entry fails until the next successful step is what keeps the
    /// method from cycling on the degenerate cones of collinear data.
    let private activeSet (descent: float[] -> float[]) (free: int[] -> float[] option) (entry: float) (x: float[]) (passive: bool[]) =
        let m = x.Length
        let blocked = Array.zeroCreate<bool> m

        if Array.exists id passive then
            settle free x passive blocked -1

        let mutable iter = 0
        let mutable fin = false

        while not fin && iter < 3 * m + 20 do
            iter <- iter + 1
            let w = descent x
            let mutable best = -1
            let mutable bestW = entry

            for j in 0 .. m - 1 do
                if not passive.[j] && not blocked.[j] && w.[j] > bestW then
                    bestW <- w.[j]
                    best <- j

            if best < 0 then
                fin <- true
            else
                passive.[best] <- true
                settle free x passive blocked best

    /// The minimiser ν ≥ 0 of ‖Σ_j ν_j cols_j − f‖.
    let solve (cols: float[][]) (f: float[]) : float[] =
        let m = cols.Length
        let x = Array.zeroCreate<float> m

        if m > 0 then
            // A column enters when ⟨col_j, r⟩ exceeds `Tolerances.nnlsEntry` (which says why it is so low)
            // relative to max‖col_j‖ ‖f‖.
            let scale =
                (cols |> Array.map Dense.norm |> Array.max) * max (Dense.norm f) Tolerances.tiny

            let descent (x: float[]) =
                let r = Array.copy f

                for j in 0 .. m - 1 do
                    if x.[j] <> 0.0 then
                        for i in 0 .. f.Length - 1 do
                            r.[i] <- r.[i] - x.[j] * cols.[j].[i]

                cols |> Array.map (fun c -> Dense.dot c r)

            activeSet descent (fun idx -> leastSquares cols idx f) (Tolerances.nnlsEntry * scale) x (Array.zeroCreate m)

        x

    /// The minimiser b ≥ 0 of ½ bᵀQb − cᵀb (Q symmetric positive semidefinite), warm-started from b0 (its
    /// positive entries start passive). Each free block is solved exactly with a relative ridge
    /// (`Tolerances.quadraticRidge`), which keeps dependent variables (more atoms than data, say) from
    /// making it singular.
    let solveQuadratic (q: float[,]) (c: float[]) (b0: float[]) =
        let k = c.Length
        let mutable dmax = Tolerances.tiny

        for j in 0 .. k - 1 do
            dmax <- max dmax q.[j, j]

        let ridge = Tolerances.quadraticRidge * dmax
        let b = b0 |> Array.map (fun v -> max v 0.0)

        let free (idx: int[]) =
            let a =
                Array2D.init idx.Length idx.Length (fun s t -> q.[idx.[s], idx.[t]] + (if s = t then ridge else 0.0))

            Some(Dense.solveSymmetric a (idx |> Array.map (fun j -> c.[j])))

        let descent (b: float[]) =
            Array.init k (fun j ->
                let mutable s = c.[j]

                for t in 0 .. k - 1 do
                    s <- s - q.[j, t] * b.[t]

                s)

        let scale = max Tolerances.tiny (c |> Array.fold (fun acc v -> max acc (abs v)) 0.0)
        activeSet descent free (Tolerances.quadraticEntry * scale) b (b |> Array.map (fun v -> v > 0.0))
        b

    /// Solves G_PP z = b_P on the passive set by Cholesky; None when the passive columns are numerically
    /// dependent: a pivot at most `Tolerances.nnlsDependent`² of its diagonal is the squared form of the
    /// length test of `leastSquares` (the Gram matrix holds squared lengths).
    let private choleskySolve (g: float[,]) (b: float[]) (idx: int[]) =
        let p = idx.Length
        let l = Array2D.zeroCreate p p
        let pivotFloor = Tolerances.nnlsDependent * Tolerances.nnlsDependent
        let mutable ok = true

        for i in 0 .. p - 1 do
            for j in 0..i do
                let mutable s = g.[idx.[i], idx.[j]]

                for k in 0 .. j - 1 do
                    s <- s - l.[i, k] * l.[j, k]

                if i = j then
                    if s <= pivotFloor * g.[idx.[i], idx.[i]] || s <= 0.0 then
                        ok <- false
                        l.[i, i] <- 1.0
                    else
                        l.[i, i] <- sqrt s
                else
                    l.[i, j] <- s / l.[j, j]

        if not ok then
            None
        else
            let y = Array.zeroCreate p

            for i in 0 .. p - 1 do
                let mutable s = b.[idx.[i]]

                for k in 0 .. i - 1 do
                    s <- s - l.[i, k] * y.[k]

                y.[i] <- s / l.[i, i]

            Some(backSubstitute p (fun i k -> l.[k, i]) y)

    /// The minimiser ν ≥ 0 of ‖Σ_j ν_j e_j − f‖ given in Gram form, G_jl = ⟨e_j, e_l⟩ and b_j = ⟨e_j, f⟩,
    /// with ‖f‖ = fNorm. A column enters when its descent b_j − (Gν)_j exceeds `Tolerances.nnlsEntry`
    /// relative to max_j ‖e_j‖ ‖f‖, the threshold of `solve`. Only ν should be taken from here: a norm
    /// computed from the Gram form cancels, so callers form the residual f − Σ ν_j e_j explicitly.
    let solveGram (g: float[,]) (b: float[]) (fNorm: float) : float[] =
        let m = b.Length
        let x = Array.zeroCreate<float> m

        if m > 0 then
            let mutable colMax = 0.0

            for j in 0 .. m - 1 do
                colMax <- max colMax g.[j, j]

            let scale = sqrt colMax * max fNorm Tolerances.tiny

            let descent (x: float[]) =
                Array.init m (fun j ->
                    let mutable s = b.[j]

                    for l in 0 .. m - 1 do
                        if x.[l] <> 0.0 then
                            s <- s - g.[j, l] * x.[l]

                    s)

            activeSet descent (choleskySolve g b) (Tolerances.nnlsEntry * scale) x (Array.zeroCreate m)

        x
