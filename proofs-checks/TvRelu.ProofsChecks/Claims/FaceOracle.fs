namespace TvRelu.ProofsChecks.Claims

open TvRelu.ProofsChecks
open TvRelu.ProofsChecks.Claims.Common
open TvRelu.Core.Data
open TvRelu.Core.Arrangements
open TvRelu.Core.Certificates
open TvRelu.Core.Exact

/// The face-enumeration oracle of the certificate's extremes (THEORY.md §3, consequence 3), independent of the
/// core's facets, pieces and cone projections: a positive maximum of ⟨θ, w⟩ over the unit vectors of a closed cell
/// sits in the relative interior of a face, where it is the normalised projection of w onto the face's span; so it
/// is the best feasible such candidate over every flat. Used by `extreme-per-region` against the core's projections,
/// and by the claims that must recompute sup |η| without the code they audit (`support-bound`, `representer`).
module internal FaceOracle =

    /// A flat of the arrangement: the span of a set A of independent hyperplane normals, with an
    /// orthonormal basis in doubles, the smallest Gram–Schmidt pivot (its conditioning), and the
    /// exact complement projector of the raw normals, built on first use.
    type Flat =
        {
            Hyperplanes: int[]
            Basis: float[][]
            Pivot: float
            Exact: Lazy<Dyadic * Dyadic[,]>
        }

    /// u minus its projection on the span of an orthonormal list (two Gram–Schmidt passes).
    let residual (basis: float[] list) (u: float[]) =
        let mutable r = Array.copy u

        for _ in 1..2 do
            for b in basis do
                let c = dot r b
                r <- Array.map2 (fun x y -> x - c * y) r b

        r

    /// Every flat of at most n − 1 independent normals (dependent sets are skipped: another set
    /// spans the same).
    let flats (raw: float[][]) (units: float[][]) (n: int) =
        let m = units.Length
        let out = ResizeArray<Flat>()

        let rec go (start: int) (chosen: int list) (basis: float[] list) (pivot: float) =
            let hs = List.rev chosen |> Array.ofList

            out.Add
                {
                    Hyperplanes = hs
                    Basis = List.rev basis |> Array.ofList
                    Pivot = pivot
                    Exact = lazy (Exact.complementProjector (hs |> Array.map (fun h -> raw.[h] |> Array.map Dyadic.OfFloat)) n)
                }

            if List.length chosen < n - 1 then
                for h in start .. m - 1 do
                    let r = residual basis units.[h]
                    let nr = norm r

                    if nr > 1e-11 then
                        go (h + 1) (h :: chosen) (Array.map (fun x -> x / nr) r :: basis) (min pivot nr)

        go 0 [] [] 1.0
        out.ToArray()

    /// The largest factor by which a floating candidate's value may amplify the rounding ε |w| of an evaluation of
    /// ⟨θ, w⟩ before the candidate is computed exactly. Found by support-bound at seed 6842015418584765589: inputs of
    /// size 1e-4 and λ = 2.7e-6 λ_max gave |w| = 1.1e4 and |r| = 2 on the edge of one hyperplane (amplification 5e3), and
    /// sup |η| = 1 + 8.7e-9 where the exact supremum (exact mode, THEORY.md §8) is 1 + 9.3e-11; the gap recomputed
    /// with it exceeded the solver's tolerance ninefold.
    [<Literal>]
    let valueAmplification = 100.0

    /// The oracle: max of <theta, w> over the unit vectors of the closed cell {s_h <theta, x̃_h> >= 0
    /// for every hyperplane h}, by THEORY.md §3 consequence 3: a positive maximum sits in the relative
    /// interior of a face, where it is the normalised projection of w onto the face's span. So it is the
    /// best feasible candidate over all flats; None when no candidate is feasible (the maximum is <= 0).
    /// Independent of the core (all hyperplanes rather than its facets, no cone projection), and exact
    /// where it matters: a candidate whose membership of the cell is within rounding of the boundary
    /// is decided in dyadic arithmetic on the raw data.
    let cellMax (raw: float[][]) (units: float[][]) (signs: int[]) (flatList: Flat[]) (w: float[]) =
        let mutable best = None
        let nw = norm w
        let wExact = lazy (w |> Array.map Dyadic.OfFloat)

        let offer (theta: float[]) =
            let value = dot theta w

            match best with
            | Some(v, _) when v >= value -> ()
            | _ -> best <- Some(value, theta)

        for flat in flatList do
            let mutable r = Array.copy w

            for b in flat.Basis do
                let c = dot r b
                r <- Array.map2 (fun x y -> x - c * y) r b

            let nr = norm r
            // A projection of relative size below 1e-14 could only have a value ~0 (below any tolerance).
            if nr > 1e-14 * nw then
                let exactCandidate () =
                    let det, proj = flat.Exact.Value
                    let rExact = Exact.applyComplement det proj wExact.Value

                    let feasible =
                        [| 0 .. raw.Length - 1 |]
                        |> Array.forall (fun h ->
                            let sgn = Exact.signOfDot rExact (raw.[h] |> Array.map Dyadic.OfFloat)
                            sgn = 0 || sgn = signs.[h])

                    if feasible then
                        match Exact.direction rExact with
                        | Some t -> offer t
                        | None -> ()
                // A short projection has a direction with the rounding of w magnified by |w|/|r|:
                // compute it exactly.
                if nr < 1e-6 * nw then
                    exactCandidate ()
                else
                    let theta = Array.map (fun x -> x / nr) r
                    let mutable depthD = infinity

                    for h in 0 .. units.Length - 1 do
                        if not (Array.contains h flat.Hyperplanes) then
                            depthD <- min depthD (float signs.[h] * dot theta units.[h])

                    let window = 1e-9 * (1.0 + nw / nr) / flat.Pivot
                    // The value ⟨θ, w⟩ of a floating candidate is off by about ε |w| (1 + |w|/|r|) / pivot: θ's error
                    // lies along the normals, where w is long. Where that is far above the ε |w| of any evaluation, and
                    // the candidate could be the maximum, its value is computed from the exact direction.
                    let amplification = (1.0 + nw / nr) / flat.Pivot
                    let amplified = amplification > valueAmplification

                    let contends () =
                        match best with
                        | Some(v, _) -> dot theta w + 1e-15 * nw * amplification >= v
                        | None -> true

                    if depthD > window then
                        if amplified && contends () then
                            exactCandidate ()
                        else
                            offer theta
                    elif depthD >= -window then
                        exactCandidate ()

        best |> Option.filter (fun (v, _) -> v > 0.0)


    /// The pieces v_C = (1/λ) Σ_{i ∈ S_C} q_i x̃_i of every cell, summed from the data directly (not along the core's
    /// spanning tree).
    let private piece (arr: Arrangement) (data: Dataset) (lambda: float) (q: float[]) (c: int) =
        let rows = data.Inputs |> Array.map (fun x -> Array.append x [| 1.0 |])
        let map = arr.RowToHyperplane
        let signs = (arr.Cell c).Signs.ToArray()
        let v = Array.zeroCreate<float> arr.AmbientDimension

        for i in 0 .. rows.Length - 1 do
            if signs.[map.[i]] > 0 then
                for k in 0 .. v.Length - 1 do
                    v.[k] <- v.[k] + q.[i] * rows.[i].[k] / lambda

        signs, v

    /// sup_θ |η_q(θ)| over the sphere by the face oracle: the largest cell maximum of ±⟨θ, v_C⟩ (0 when none is
    /// positive), with its point and sign. Exact up to rounding where a candidate is clearly inside its cell, decided
    /// in dyadic arithmetic where it is not.
    let supremumAbs (arr: Arrangement) (data: Dataset) (lambda: float) (q: float[]) =
        let units = unitNormals arr
        let raw = Array.init arr.HyperplaneCount arr.Normal
        let bases = flats raw units arr.AmbientDimension
        let mutable best = 0.0, [||], 0

        for c in 0 .. arr.CellCount - 1 do
            let signs, v = piece arr data lambda q c

            for sg in [ 1.0; -1.0 ] do
                match cellMax raw units signs bases (Array.map (fun x -> sg * x) v) with
                | Some(value, theta) when value > (let b, _, _ = best in b) -> best <- value, theta, int sg
                | _ -> ()

        best
