namespace TvRelu.Core.Numerics

open System

/// Bounded-variable least squares min ½‖c + Σ_j x_j g_j‖² subject to 0 ≤ x_j ≤ h_j (h_j may be +∞),
/// by an active-set method in the manner of Stark and Parker (1995), the two-sided generalisation of
/// the Lawson–Hanson NNLS of `Nnls`.
///
/// Why an active set and not a projected gradient: the branch-and-bound node bound of THEORY.md §9
/// is ‖c + Gx‖ for a feasible x, so any iterate is a valid bound, but the search needs the bound to
/// rounding (a node is closed when its bound meets the incumbent within 1e-12 of the scale of η), and
/// the optimum has at most r = rank X̃ free variables, every other one at a bound: a finite active-set
/// method reaches it to rounding in a few steps from a warm start, where a first-order method converges
/// only linearly on these ill-conditioned, tiny (r ≤ 16) problems.
module internal BoundedLeastSquares =

    let private atLower = 0y
    let private atUpper = 1y
    let private free = 2y

    /// c + Σ_j x_j g_j.
    let residual (cols: float[][]) (c: float[]) (x: float[]) =
        let r = Array.copy c

        for j in 0 .. cols.Length - 1 do
            let xj = x.[j]

            if xj <> 0.0 then
                let g = cols.[j]

                for k in 0 .. r.Length - 1 do
                    r.[k] <- r.[k] + xj * g.[k]

        r

    /// The free variables' least-squares values with the bound variables held; None when the free
    /// columns are dependent.
    let private freeSolution (cols: float[][]) (c: float[]) (x: float[]) (place: sbyte[]) =
        let held = Array.copy c
        let idx = ResizeArray<int>()

        for j in 0 .. cols.Length - 1 do
            if place.[j] = free then
                idx.Add j
            elif x.[j] <> 0.0 then
                let g = cols.[j]

                for k in 0 .. held.Length - 1 do
                    held.[k] <- held.[k] + x.[j] * g.[k]

        let idx = idx.ToArray()

        if idx.Length = 0 then
            Some(idx, [||])
        else
            Nnls.leastSquares cols idx (Array.map (fun v -> -v) held)
            |> Option.map (fun z -> idx, z)

    /// Moves the free variables towards their unconstrained values until all are strictly inside their
    /// bounds (Lawson–Hanson's inner loop, with an upper bound as well as the lower). Returns false when
    /// the free columns are dependent.
    let private settle (cols: float[][]) (upper: float[]) (c: float[]) (x: float[]) (place: sbyte[]) =
        let mutable guard = 0
        let mutable fin = false
        let mutable ok = true

        while not fin && guard < cols.Length + 5 do
            guard <- guard + 1

            match freeSolution cols c x place with
            | None ->
                ok <- false
                fin <- true
            | Some(idx, z) ->
                // α_k: the step at which free variable k meets the bound it moves towards (∞ if none).
                let ratio k =
                    let j = idx.[k]

                    if z.[k] <= 0.0 then
                        (if x.[j] - z.[k] > 0.0 then x.[j] / (x.[j] - z.[k]) else 0.0)
                    elif z.[k] >= upper.[j] then
                        (if z.[k] - x.[j] > 0.0 then
                             (upper.[j] - x.[j]) / (z.[k] - x.[j])
                         else
                             0.0)
                    else
                        infinity

                let ratios = Array.init idx.Length ratio
                let alpha = ratios |> Array.fold min 1.0 |> max 0.0

                if Array.forall Double.IsPositiveInfinity ratios then
                    for k in 0 .. idx.Length - 1 do
                        x.[idx.[k]] <- z.[k]

                    fin <- true
                else
                    for k in 0 .. idx.Length - 1 do
                        let j = idx.[k]
                        // The blocking variables (and any that rounding carries past a bound) go on it.
                        if ratios.[k] <= alpha then
                            if z.[k] <= 0.0 then
                                x.[j] <- 0.0
                                place.[j] <- atLower
                            else
                                x.[j] <- upper.[j]
                                place.[j] <- atUpper
                        else
                            let v = x.[j] + alpha * (z.[k] - x.[j])

                            if v <= 0.0 then
                                x.[j] <- 0.0
                                place.[j] <- atLower
                            elif v >= upper.[j] then
                                x.[j] <- upper.[j]
                                place.[j] <- atUpper
                            else
                                x.[j] <- v

        ok

    /// The minimiser from the warm start x0 (clamped into the box). Variables with h_j = 0 are fixed at 0.
    let solve (cols: float[][]) (upper: float[]) (c: float[]) (x0: float[]) : float[] =
        let m = cols.Length
        let x = Array.init m (fun j -> min upper.[j] (max 0.0 x0.[j]))

        let place =
            Array.init m (fun j ->
                if x.[j] <= 0.0 then atLower
                elif x.[j] >= upper.[j] then atUpper
                else free)

        let colNorm = cols |> Array.map Dense.norm
        // A dependent warm start: free variables go to their nearer bound until the rest is independent.
        while not (settle cols upper c x place) do
            let j = Array.findIndex (fun p -> p = free) place

            if Double.IsPositiveInfinity upper.[j] || x.[j] < 0.5 * upper.[j] then
                x.[j] <- 0.0
                place.[j] <- atLower
            else
                x.[j] <- upper.[j]
                place.[j] <- atUpper

        let blocked = Array.zeroCreate<bool> m
        let mutable iter = 0
        let mutable fin = false

        while not fin && iter < 3 * m + 50 do
            iter <- iter + 1
            let r = residual cols c x
            let rn = max (Dense.norm r) Tolerances.tiny
            let mutable best = -1
            let mutable bestViolation = 0.0

            for j in 0 .. m - 1 do
                if place.[j] <> free && not blocked.[j] && upper.[j] > 0.0 then
                    let g = Dense.dot cols.[j] r
                    let violation = if place.[j] = atLower then -g else g

                    if
                        violation > Tolerances.boundedLeastSquaresOptimality * colNorm.[j] * rn
                        && violation > bestViolation
                    then
                        bestViolation <- violation
                        best <- j

            if best < 0 then
                fin <- true
            else
                let saved = Array.copy x
                let savedPlace = Array.copy place
                place.[best] <- free

                if not (settle cols upper c x place) then
                    Array.blit saved 0 x 0 m
                    Array.blit savedPlace 0 place 0 m
                    blocked.[best] <- true
                elif place.[best] = savedPlace.[best] && x.[best] = saved.[best] then
                    // Entered and went straight back: no progress along it at this point.
                    blocked.[best] <- true
                else
                    Array.fill blocked 0 m false

        x
