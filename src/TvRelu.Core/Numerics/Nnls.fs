namespace TvRelu.Core.Numerics


/// Non-negative least squares min_{ν ≥ 0} ‖E ν − f‖ by the active-set method of Lawson and
/// Hanson (1974, ch. 23). The problems met here are tiny (f ∈ R^{d+1}), so the least-squares
/// sub-problems are solved by a fresh modified Gram–Schmidt QR on the passive columns.
module Nnls =

    /// Least squares on the chosen columns; None when they are numerically dependent.
    let private leastSquares (cols: float[][]) (idx: int[]) (f: float[]) =
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
            let b = Array.init p (fun k -> Dense.dot q.[k] f)
            let z = Array.zeroCreate p

            for k in p - 1 .. -1 .. 0 do
                let mutable s = b.[k]

                for j in k + 1 .. p - 1 do
                    s <- s - r.[k, j] * z.[j]

                z.[k] <- s / r.[k, k]

            Some z

    /// The minimiser ν ≥ 0 of ‖Σ_j ν_j cols_j − f‖. Columns whose addition would make the passive
    /// set dependent are blocked for that round, which is what keeps the method from cycling on the
    /// degenerate cones of collinear data.
    let solve (cols: float[][]) (f: float[]) : float[] =
        let m = cols.Length
        let n = f.Length
        let x = Array.zeroCreate<float> m

        if m = 0 then
            x
        else
            let passive = Array.zeroCreate<bool> m
            // A column enters when ⟨col_j, r⟩ > tol (`Tolerances.nnlsEntry` says why the threshold is so low).
            let scale =
                (cols |> Array.map Dense.norm |> Array.max) * max (Dense.norm f) Tolerances.tiny

            let tol = Tolerances.nnlsEntry * scale

            let residual () =
                let r = Array.copy f

                for j in 0 .. m - 1 do
                    if x.[j] <> 0.0 then
                        for i in 0 .. n - 1 do
                            r.[i] <- r.[i] - x.[j] * cols.[j].[i]

                r

            let blocked = Array.zeroCreate<bool> m
            let mutable iter = 0
            let mutable fin = false

            while not fin && iter < 3 * m + 20 do
                iter <- iter + 1
                let r = residual ()
                let mutable best = -1
                let mutable bestW = tol

                for j in 0 .. m - 1 do
                    if not passive.[j] && not blocked.[j] then
                        let w = Dense.dot cols.[j] r

                        if w > bestW then
                            bestW <- w
                            best <- j

                if best < 0 then
                    fin <- true
                else
                    passive.[best] <- true
                    let mutable inner = true
                    let mutable guard = 0

                    while inner && guard < m + 5 do
                        guard <- guard + 1

                        let idx =
                            [|
                                for j in 0 .. m - 1 do
                                    if passive.[j] then
                                        yield j
                            |]

                        match leastSquares cols idx f with
                        | None ->
                            passive.[best] <- false
                            blocked.[best] <- true
                            inner <- false
                        | Some z ->
                            if z |> Array.forall (fun v -> v > 0.0) then
                                idx |> Array.iteri (fun k j -> x.[j] <- z.[k])
                                inner <- false
                                Array.fill blocked 0 m false
                            else
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

                                if x.[best] = 0.0 && not passive.[best] then
                                    blocked.[best] <- true

            x
