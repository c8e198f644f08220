namespace TvRelu.Core.Certificates

open System
open MathNet.Numerics.LinearAlgebra
open TvRelu.Core.Data
open TvRelu.Core.Numerics

/// The certificate η(θ) = (1/λ) Σ_i q_i σ(⟨θ, x̃_i⟩) prepared for branch and bound (THEORY.md §9):
/// equal augmented rows merged (their neurons are one), and the rows written in an orthonormal basis
/// of their span, so that the search runs in r = rank X̃ coordinates.
type internal Reduction =
    {
        /// n = d + 1.
        Ambient: int
        /// r = rank X̃.
        Rank: int
        /// Orthonormal rows b_1..b_r of R^n spanning the data (None when r = n: the identity).
        Basis: float[][] option
        /// The distinct augmented rows x̃_i (original coordinates).
        Rows: float[][]
        /// a_i = (⟨b_k, x̃_i⟩)_k ∈ R^r.
        Reduced: float[][]
        /// ‖a_i‖.
        Norms: float[]
        /// w_i = (Σ_{rows equal to x̃_i} q_j) / λ.
        Weights: float[]
        /// The original rows merged into each distinct row (for the exact re-check, §8).
        Members: int[][]
        /// Σ_i |w_i| ‖x̃_i − Σ_k a_ik b_k‖: how far η in r coordinates can be from η (rounding of the basis).
        ProjectionSlack: float
        /// S = Σ_i |w_i| ‖a_i‖ ≥ sup_{‖θ‖≤1} |η(θ)|: the scale tolerances are relative to.
        Scale: float
    }

/// η or −η split by the sign of its weights: the convex part (positive weights, whose signs are branched
/// on) and the concave part (negative weights, relaxed exactly by min(0, w t) = min_{β∈[0,1]} β w t).
type internal Orientation =
    {
        /// +1 for η, −1 for −η.
        Sign: int
        /// Distinct rows with σ w_i > 0.
        Positive: int[]
        /// Distinct rows with σ w_i < 0.
        Negative: int[]
    }

/// Building the reduction and evaluating η through it.
module internal Reduction =

    /// The rank tolerance of `Dense.rank`: directions whose singular values are below it are rounding.
    let private rankTolerance (rows: int) (cols: int) =
        float (max rows cols) * Tolerances.svdRank

    let private liftWith (basis: float[][] option) (n: int) (z: float[]) =
        match basis with
        | None -> Array.copy z
        | Some b -> Array.init n (fun i -> Array.fold2 (fun acc (bk: float[]) zk -> acc + zk * bk.[i]) 0.0 b z)

    let private distinctRows (rows: float[][]) =
        rows
        |> Array.indexed
        |> Array.groupBy (fun (_, r) -> String.Join(",", r |> Array.map BitConverter.DoubleToInt64Bits))
        |> Array.map (fun (_, g) -> snd g.[0], Array.map fst g)

    /// The reduction of the certificate of q at λ on the data.
    let build (data: Dataset) (lambda: float) (q: float[]) =
        let n = data.Dimension + 1
        let groups = distinctRows data.AugmentedRaw
        let rows = groups |> Array.map fst
        let members = groups |> Array.map snd

        let weights =
            members |> Array.map (fun m -> (m |> Array.sumBy (fun i -> q.[i])) / lambda)

        let svd = (Dense.ofRows n rows).Svd(true)
        let s = svd.S
        let tol = rankTolerance rows.Length n * (if s.Count > 0 then s.[0] else 0.0)
        let r = s |> Seq.filter (fun x -> x > tol) |> Seq.length |> max 1

        let basis =
            if r = n then
                None
            else
                Some(Array.init r (fun k -> Array.init n (fun i -> svd.VT.[k, i])))

        let reduce (x: float[]) =
            match basis with
            | None -> Array.copy x
            | Some b -> b |> Array.map (fun bk -> Dense.dot bk x)

        let reduced = rows |> Array.map reduce

        // The distance to the lifted row is itself computed in floating point: a further ε ‖x̃_i‖ per
        // coordinate covers its rounding.
        let slack =
            match basis with
            | None -> 0.0
            | Some _ ->
                Array.map2
                    (fun (x: float[]) (a: float[]) ->
                        Dense.distance x (liftWith basis n a)
                        + float n * Tolerances.basisLift * Dense.norm x)
                    rows
                    reduced
                |> Array.fold2 (fun acc w d -> acc + abs w * d) 0.0 weights

        let norms = reduced |> Array.map Dense.norm

        {
            Ambient = n
            Rank = r
            Basis = basis
            Rows = rows
            Reduced = reduced
            Norms = norms
            Weights = weights
            Members = members
            ProjectionSlack = slack
            Scale = Array.fold2 (fun acc w nrm -> acc + abs w * nrm) 0.0 weights norms
        }

    /// θ = Σ_k z_k b_k ∈ R^n for z ∈ R^r.
    let lift (red: Reduction) (z: float[]) = liftWith red.Basis red.Ambient z

    /// η or −η of one orientation.
    let orient (red: Reduction) (sign: int) =
        let w = red.Weights

        {
            Sign = sign
            Positive =
                [|
                    for i in 0 .. w.Length - 1 do
                        if float sign * w.[i] > 0.0 then
                            yield i
                |]
            Negative =
                [|
                    for i in 0 .. w.Length - 1 do
                        if float sign * w.[i] < 0.0 then
                            yield i
                |]
        }

    /// σ η(θ) at θ ∈ R^n, from the original rows (θ need not be a unit vector).
    let value (red: Reduction) (sign: int) (theta: float[]) =
        let mutable s = 0.0

        for i in 0 .. red.Rows.Length - 1 do
            let t = Dense.dot theta red.Rows.[i]

            if t > 0.0 then
                s <- s + red.Weights.[i] * t

        float sign * s
