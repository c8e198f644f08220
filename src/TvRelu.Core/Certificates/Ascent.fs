namespace TvRelu.Core.Certificates

open TvRelu.Core.Data
open TvRelu.Core.Numerics
open TvRelu.Core.Cones

/// Local ascent on σ η over the sphere, the cheap lower-bound oracle of the branch and bound and the
/// pricing oracle of the column generation (THEORY.md §3–§4, §9). From θ it takes the closed cell that
/// holds θ with every tied neuron on the side that helps σ η (active for a positive weight, inactive for
/// a negative one), and moves to that cell's maximiser Π_K v / ‖Π_K v‖ (Lemma 1), until the value stops
/// rising. It never claims a supremum: its values are attained, so they are lower bounds only.
module internal Ascent =

    /// Unit normals x̃_i / ‖x̃_i‖ of the distinct rows.
    let units (red: Reduction) =
        red.Rows |> Array.map (fun x -> Dense.scale (1.0 / Dense.norm x) x)

    /// The active set chosen at θ (ties resolved in favour of σ η).
    let activeAt (red: Reduction) (units: float[][]) (sign: int) (theta: float[]) =
        Array.init red.Rows.Length (fun i ->
            let t = Dense.dot units.[i] theta

            if t > Tolerances.ascentTie then true
            elif t < -Tolerances.ascentTie then false
            else float sign * red.Weights.[i] > 0.0)

    /// The maximiser of σ ⟨θ, v_C⟩ over the unit vectors of the closed cell with the given active set,
    /// with its value (None when the maximum is not positive).
    let cellMaximum (red: Reduction) (units: float[][]) (sign: int) (active: bool[]) =
        let n = red.Ambient
        let v = Array.zeroCreate<float> n

        for i in 0 .. active.Length - 1 do
            if active.[i] then
                for k in 0 .. n - 1 do
                    v.[k] <- v.[k] + float sign * red.Weights.[i] * red.Rows.[i].[k]

        let normals =
            units |> Array.mapi (fun i u -> if active.[i] then Dense.scale -1.0 u else u)

        let p = Cone.project normals v

        if p.Norm > 0.0 then
            Some(Dense.scale (1.0 / p.Norm) p.Point)
        else
            None

    /// Climbs from θ0 (any non-zero vector) for at most `steps` cells; returns the best unit θ and σ η(θ).
    let climb (red: Reduction) (units: float[][]) (sign: int) (steps: int) (theta0: float[]) =
        match Dense.normalize theta0 with
        | None -> theta0, 0.0
        | Some t0 ->
            let mutable theta = t0
            let mutable value = Reduction.value red sign t0
            let mutable k = 0

            while k < steps do
                k <- k + 1

                match cellMaximum red units sign (activeAt red units sign theta) with
                | Some t when Reduction.value red sign t > value + Tolerances.ascentProgress * red.Scale ->
                    theta <- t
                    value <- Reduction.value red sign t
                | _ -> k <- steps

            theta, value
