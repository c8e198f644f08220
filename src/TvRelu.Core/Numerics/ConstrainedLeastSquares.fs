namespace TvRelu.Core.Numerics

open MathNet.Numerics.LinearAlgebra

/// What a constrained least-squares solve found.
type internal ConstrainedSolution =
    {
        /// The minimiser x.
        Solution: float[]
        /// For each inequality row, whether it is in the final active set (its multiplier is positive).
        Active: bool[]
        /// The multipliers of the inequality rows (≥ 0): ∇½‖Mx − c‖² = Eᵀy + Gᵀz at the minimiser.
        Multipliers: float[]
    }

/// Least squares with linear equality and inequality constraints (Lawson and Hanson, "Solving Least Squares
/// Problems", ch. 20–23): min ‖M x − c‖ subject to E x = f and G x ≥ h, for the small dense problems of the
/// limit certificate (THEORY.md §6) and of the lower bounds on Dirac counts. The equalities are removed by a
/// null-space parametrisation, the least-squares term by the SVD of the reduced matrix, and what is left is a
/// least-distance problem min ‖ξ‖ subject to F ξ ≥ g, which is one non-negative least squares (`Nnls.solve`,
/// Lawson–Hanson's LDP theorem 23.27). The multipliers come out of that NNLS, so the active set is reported
/// without a threshold on the constraint residuals; the caller re-solves that active set exactly when it must
/// decide a sign (THEORY.md §8).
module internal ConstrainedLeastSquares =

    /// Why a solve has no answer.
    type Failure =
        /// The equalities, or the equalities with the inequalities, have no solution.
        | Infeasible of string
        /// M restricted to the null space of E has dependent columns: the minimiser is not unique, and the
        /// least-distance reduction does not apply.
        | RankDeficient

    /// A basis of the null space of E (as the columns of an n × k matrix) and the least-norm solution x0 of
    /// E x = f, or None when E x = f is inconsistent.
    let private equalities (n: int) (e: float[][]) (f: float[]) =
        if e.Length = 0 then
            Some(Array.zeroCreate n, Matrix<float>.Build.DenseIdentity n)
        else
            let a = Dense.ofRows n e
            let svd = a.Svd(true)
            let s = svd.S
            let smax = if s.Count > 0 then s.[0] else 0.0
            let tol = float (max e.Length n) * Tolerances.svdRank * max smax Tolerances.tiny
            let r = s |> Seq.filter (fun x -> x > tol) |> Seq.length
            let ut = svd.U.Transpose() * Vector<float>.Build.DenseOfArray f
            let w = Vector<float>.Build.Dense n

            for i in 0 .. r - 1 do
                w.[i] <- ut.[i] / s.[i]

            let x0 = (svd.VT.Transpose() * w).ToArray()
            let miss = Dense.norm (Array.init e.Length (fun i -> Dense.dot e.[i] x0 - f.[i]))

            if
                miss >
                    Tolerances.equalityMiss
                    * (Dense.norm f + smax * Dense.norm x0 + Tolerances.tiny)
            then
                None
            else
                let z = Matrix<float>.Build.Dense(n, n - r, fun i j -> svd.VT.[r + j, i])
                Some(x0, z)

    /// min ‖ξ‖ subject to F ξ ≥ g (rows of F), by one NNLS: u = argmin_{u ≥ 0} ‖[Fᵀ; gᵀ] u − e_{k+1}‖ and
    /// ξ = −r_{1..k} / r_{k+1} for its residual r; a zero residual means no ξ is feasible. The multipliers of
    /// the rows are u / (1 − gᵀu) ≥ 0.
    let private leastDistance (k: int) (f: float[][]) (g: float[]) =
        if f.Length = 0 then
            Ok(Array.zeroCreate k, [||])
        else
            let columns = Array.init f.Length (fun i -> Array.append f.[i] [| g.[i] |])
            let target = Array.init (k + 1) (fun j -> if j = k then 1.0 else 0.0)
            let u = Nnls.solve columns target
            let r = Array.map (~-) target

            for i in 0 .. f.Length - 1 do
                if u.[i] <> 0.0 then
                    for j in 0..k do
                        r.[j] <- r.[j] + u.[i] * columns.[i].[j]

            if Dense.norm r <= Tolerances.leastDistanceInfeasible then
                Error(Infeasible "the inequality constraints have no common point")
            else
                Ok(Array.init k (fun j -> -r.[j] / r.[k]), Array.map (fun ui -> ui / -r.[k]) u)

    /// min ‖M x − c‖ subject to E x = f and G x ≥ h (rows given as arrays; `n` unknowns).
    let solve (n: int) (m: float[][]) (c: float[]) (e: float[][]) (f: float[]) (g: float[][]) (h: float[]) =
        match equalities n e f with
        | None -> Error(Infeasible "the equality constraints are inconsistent")
        | Some(x0, z) ->
            let k = z.ColumnCount
            let mz = Dense.ofRows n m * z
            let cr = Array.init m.Length (fun i -> c.[i] - Dense.dot m.[i] x0)

            if k = 0 then
                let violated i =
                    Dense.dot g.[i] x0 - h.[i] < -Tolerances.equalityMiss * (1.0 + abs h.[i])

                if Seq.init g.Length violated |> Seq.exists id then
                    Error(Infeasible "the equalities fix x, and it violates an inequality")
                else
                    Ok
                        {
                            Solution = x0
                            Active = Array.create g.Length false
                            Multipliers = Array.zeroCreate g.Length
                        }
            else
                let svd = mz.Svd(true)
                let s = svd.S

                if s.Count < k || s.[k - 1] <= float (max m.Length k) * Tolerances.svdRank * s.[0] then
                    Error RankDeficient
                else
                    // w = T (ξ + Uᵀ c_r) with T = V S⁻¹, so ‖M z w − c_r‖² = ‖ξ‖² + const.
                    let t =
                        svd.VT.Transpose()
                        * Matrix<float>.Build.DenseOfDiagonalArray(Array.init k (fun j -> 1.0 / s.[j]))

                    let uc =
                        (svd.U.SubMatrix(0, m.Length, 0, k).Transpose()
                         * Vector<float>.Build.DenseOfArray cr)

                    let gz = Dense.ofRows n g * z * t
                    let shift = (t * uc).ToArray()

                    let rows = Array.init g.Length (fun i -> gz.Row(i).ToArray())

                    let rhs =
                        Array.init g.Length (fun i -> h.[i] - Dense.dot g.[i] x0 - Dense.dot rows.[i] (uc.ToArray()))

                    match leastDistance k rows rhs with
                    | Error e -> Error e
                    | Ok(xi, multipliers) ->
                        let w = Array.map2 (+) ((t * Vector<float>.Build.DenseOfArray xi).ToArray()) shift
                        let x = Array.map2 (+) x0 ((z * Vector<float>.Build.DenseOfArray w).ToArray())

                        Ok
                            {
                                Solution = x
                                Active = multipliers |> Array.map (fun v -> v > 0.0)
                                Multipliers = multipliers
                            }
