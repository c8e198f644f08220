namespace TvRelu.ProofsChecks

open System
open MathNet.Numerics.LinearAlgebra

/// Statistics for the report and the stability claim: least-squares fits with standard errors,
/// Student-t quantiles and confidence intervals.
module Stats =

    /// A straight-line fit y ≈ intercept + slope · x.
    type Fit =
        {
            Slope: float
            Intercept: float
            /// Standard error of the slope (NaN with fewer than 3 points).
            SlopeStdError: float
            Points: int
        }

    /// The 0.975 quantile of Student's t with `df` degrees of freedom (exact table to 30, then the
    /// Cornish–Fisher expansion, accurate to 1e-4 there).
    let t975 (df: int) =
        let table =
            [|
                12.706
                4.303
                3.182
                2.776
                2.571
                2.447
                2.365
                2.306
                2.262
                2.228
                2.201
                2.179
                2.160
                2.145
                2.131
                2.120
                2.110
                2.101
                2.093
                2.086
                2.080
                2.074
                2.069
                2.064
                2.060
                2.056
                2.052
                2.048
                2.045
                2.042
            |]

        if df <= 0 then
            nan
        elif df <= 30 then
            table.[df - 1]
        else
            let z = 1.959964
            let v = float df

            z
            + (z ** 3.0 + z) / (4.0 * v)
            + (5.0 * z ** 5.0 + 16.0 * z ** 3.0 + 3.0 * z) / (96.0 * v * v)

    /// Ordinary least squares of ys on xs.
    let linearFit (xs: float[]) (ys: float[]) =
        let n = xs.Length

        if n < 2 then
            {
                Slope = nan
                Intercept = nan
                SlopeStdError = nan
                Points = n
            }
        else
            let mx = Array.average xs
            let my = Array.average ys
            let sxx = xs |> Array.sumBy (fun x -> (x - mx) * (x - mx))
            let sxy = Array.fold2 (fun acc x y -> acc + (x - mx) * (y - my)) 0.0 xs ys

            if sxx = 0.0 then
                {
                    Slope = nan
                    Intercept = nan
                    SlopeStdError = nan
                    Points = n
                }
            else
                let b = sxy / sxx
                let a = my - b * mx

                let se =
                    if n < 3 then
                        nan
                    else
                        let rss =
                            Array.fold2 (fun acc x y -> let r = y - a - b * x in acc + r * r) 0.0 xs ys

                        sqrt (rss / float (n - 2) / sxx)

                {
                    Slope = b
                    Intercept = a
                    SlopeStdError = se
                    Points = n
                }

    /// The fit of log10 y on log10 x over the points where both are positive and finite.
    let logLogFit (xs: float[]) (ys: float[]) =
        let pts =
            Array.zip xs ys
            |> Array.filter (fun (x, y) -> x > 0.0 && y > 0.0 && Double.IsFinite x && Double.IsFinite y)

        linearFit (pts |> Array.map (fst >> log10)) (pts |> Array.map (snd >> log10))

    /// Half-width of the 95% confidence interval of a fitted slope.
    let slopeHalfWidth (fit: Fit) =
        if fit.Points < 3 then
            nan
        else
            t975 (fit.Points - 2) * fit.SlopeStdError

    /// Mean and the half-width of its 95% t-interval.
    let meanInterval (values: float[]) =
        let n = values.Length

        if n = 0 then
            nan, nan
        elif n = 1 then
            values.[0], nan
        else
            let m = Array.average values
            let sd = sqrt ((values |> Array.sumBy (fun v -> (v - m) * (v - m))) / float (n - 1))
            m, t975 (n - 1) * sd / sqrt (float n)

    /// The pooled slope of several log–log series with one intercept each (fixed effects): every
    /// series is centred, then one line through the origin is fitted to all points.
    let pooledLogLogFit (series: (float[] * float[])[]) =
        let centred =
            series
            |> Array.choose (fun (xs, ys) ->
                let pts =
                    Array.zip xs ys
                    |> Array.filter (fun (x, y) -> x > 0.0 && y > 0.0 && Double.IsFinite x && Double.IsFinite y)

                if pts.Length < 2 then
                    None
                else
                    let lx = pts |> Array.map (fst >> log10)
                    let ly = pts |> Array.map (snd >> log10)
                    let mx, my = Array.average lx, Array.average ly
                    Some(Array.map (fun x -> x - mx) lx, Array.map (fun y -> y - my) ly))

        let xs = centred |> Array.collect fst
        let ys = centred |> Array.collect snd
        let groups = centred.Length
        let n = xs.Length
        let sxx = xs |> Array.sumBy (fun x -> x * x)

        if n - groups < 2 || sxx = 0.0 then
            {
                Slope = nan
                Intercept = 0.0
                SlopeStdError = nan
                Points = n
            }
        else
            let b = (Array.fold2 (fun acc x y -> acc + x * y) 0.0 xs ys) / sxx
            let rss = Array.fold2 (fun acc x y -> let r = y - b * x in acc + r * r) 0.0 xs ys
            // Degrees of freedom: n points − one slope − one intercept per series.
            let df = n - groups - 1

            {
                Slope = b
                Intercept = 0.0
                SlopeStdError = (if df > 0 then sqrt (rss / float df / sxx) else nan)
                Points = df + 2
            }

/// Small exact-ish linear algebra and linear programming for the oracles, kept apart from the
/// core's own kernels (MathNet for decompositions, a textbook simplex for the LPs), so that a check
/// does not reuse the code it audits.
module Linear =

    /// An orthonormal basis of the null space of A (rows), as column vectors, with a relative
    /// singular-value cut-off.
    let nullSpace (rows: float[][]) (cols: int) (relTol: float) =
        if rows.Length = 0 then
            Array.init cols (fun j -> Array.init cols (fun i -> if i = j then 1.0 else 0.0))
        else
            let a = Matrix<float>.Build.DenseOfRowArrays rows

            let a =
                if a.RowCount >= cols then
                    a
                else
                    a.Stack(Matrix<float>.Build.Dense(cols - a.RowCount, cols))

            let svd = a.Svd(true)
            let s = svd.S
            let smax = if s.Count > 0 then s.[0] else 0.0
            let r = s |> Seq.filter (fun x -> x > relTol * max smax 1e-300) |> Seq.length
            [| for j in r .. cols - 1 -> Array.init cols (fun i -> svd.VT.[j, i]) |]

    /// max cᵀx subject to G x ≤ h, x ≥ 0, for h ≥ 0 (so x = 0 is feasible), by the tableau simplex
    /// with Bland's rule (no cycling). Returns Some optimum, or None when unbounded.
    let maximise (c: float[]) (g: float[][]) (h: float[]) =
        let m = g.Length
        let n = c.Length
        // Tableau: m rows [G | I | h], objective row [−c | 0 | 0].
        let t = Array2D.zeroCreate (m + 1) (n + m + 1)

        for i in 0 .. m - 1 do
            for j in 0 .. n - 1 do
                t.[i, j] <- g.[i].[j]

            t.[i, n + i] <- 1.0
            t.[i, n + m] <- max h.[i] 0.0

        for j in 0 .. n - 1 do
            t.[m, j] <- -c.[j]

        let basis = Array.init m (fun i -> n + i)
        let eps = 1e-12
        let mutable result = None
        let mutable fin = false
        let mutable iter = 0

        while not fin && iter < 50 * (n + m) do
            iter <- iter + 1
            // Bland: the lowest-index column with a negative reduced cost.
            let mutable col = -1
            let mutable j = 0

            while col < 0 && j < n + m do
                if t.[m, j] < -eps then
                    col <- j

                j <- j + 1

            if col < 0 then
                fin <- true
                result <- Some t.[m, n + m]
            else
                // Ratio test, ties broken by the lowest basis index.
                let mutable row = -1
                let mutable best = infinity

                for i in 0 .. m - 1 do
                    if t.[i, col] > eps then
                        let r = t.[i, n + m] / t.[i, col]

                        if
                            r < best - 1e-15
                            || (abs (r - best) <= 1e-15 && row >= 0 && basis.[i] < basis.[row])
                        then
                            best <- r
                            row <- i

                if row < 0 then
                    fin <- true // unbounded: result stays None
                else
                    let p = t.[row, col]

                    for k in 0 .. n + m do
                        t.[row, k] <- t.[row, k] / p

                    for i in 0..m do
                        if i <> row then
                            let f = t.[i, col]

                            if f <> 0.0 then
                                for k in 0 .. n + m do
                                    t.[i, k] <- t.[i, k] - f * t.[row, k]

                    basis.[row] <- col

        result

/// Comparing sparse measures given as atom lists (direction, amplitude).
module Atoms =

    /// Merges atoms whose directions are within `tol` of each other (amplitude-weighted mean
    /// direction, renormalised; summed amplitude) and drops atoms of amplitude ≤ `dropBelow`.
    let cluster (tol: float) (dropBelow: float) (atoms: (float[] * float)[]) =
        let groups = ResizeArray<ResizeArray<float[] * float>>()

        for (u, a) in atoms do
            match
                groups
                |> Seq.tryFind (fun g ->
                    g
                    |> Seq.exists (fun (v, _) -> Array.fold2 (fun acc x y -> acc + (x - y) * (x - y)) 0.0 u v |> sqrt <= tol))
            with
            | Some g -> g.Add((u, a))
            | None -> groups.Add(ResizeArray [ (u, a) ])

        groups
        |> Seq.map (fun g ->
            let w = g |> Seq.sumBy (fun (_, a) -> abs a)
            let dim = (fst g.[0]).Length
            let dir = Array.init dim (fun k -> g |> Seq.sumBy (fun (u, a) -> abs a * u.[k]))
            let nd = sqrt (dir |> Array.sumBy (fun x -> x * x))

            let dir =
                if nd > 0.0 && w > 0.0 then
                    dir |> Array.map (fun x -> x / nd)
                else
                    fst g.[0]

            dir, g |> Seq.sumBy snd)
        |> Seq.filter (fun (_, a) -> abs a > dropBelow)
        |> Seq.toArray

    let private distance (u: float[]) (v: float[]) =
        Array.fold2 (fun acc x y -> acc + (x - y) * (x - y)) 0.0 u v |> sqrt

    /// The best matching of two equally long atom lists (all permutations for ≤ 6 atoms, greedy
    /// beyond): the largest direction distance and the largest amplitude difference.
    let matchErrors (a: (float[] * float)[]) (b: (float[] * float)[]) =
        if a.Length <> b.Length then
            infinity, infinity
        elif a.Length = 0 then
            0.0, 0.0
        else
            let cost (perm: int[]) =
                let loc =
                    perm |> Array.mapi (fun i j -> distance (fst a.[i]) (fst b.[j])) |> Array.max

                let amp = perm |> Array.mapi (fun i j -> abs (snd a.[i] - snd b.[j])) |> Array.max
                loc, amp

            let rec perms (xs: int list) : int list seq =
                match xs with
                | [] -> Seq.singleton []
                | _ ->
                    seq {
                        for x in xs do
                            for rest in perms (List.filter ((<>) x) xs) -> x :: rest
                    }

            if a.Length <= 6 then
                perms [ 0 .. b.Length - 1 ]
                |> Seq.map (Array.ofList >> cost)
                |> Seq.minBy (fun (l, m) -> l + m)
            else
                let used = Array.zeroCreate b.Length

                let perm =
                    a
                    |> Array.map (fun (u, _) ->
                        let j =
                            [| 0 .. b.Length - 1 |]
                            |> Array.filter (fun j -> not used.[j])
                            |> Array.minBy (fun j -> distance u (fst b.[j]))

                        used.[j] <- true
                        j)

                cost perm
