namespace TvRelu.Core.Solver

open TvRelu.Core.Numerics

/// The one restricted solve of both column generations, over enumerated cells (`ColumnGeneration`) and over
/// sign vectors (`SignVectorColumns`): the barrier method, then Newton on the faces it identifies (THEORY.md §4).
module internal RestrictedSolve =

    /// The restricted problem over `blocks` from u0 (zeros for the blocks that just joined). First, when u0 is a
    /// warm start and the target is the first one (a lowered target means earlier rounds stalled), the active-set
    /// loop from u0 itself (`FacePolish.polishFrom`): taken when its KKT conditions hold and it does not raise the
    /// objective. Otherwise the barrier method to ν μ ≤ target · scale, with scale the current objective J (so the
    /// target is relative), then the face polish; whichever is lower by the exact objective difference
    /// (`Restricted.change`) is returned. A face system whose SVD does not converge (entries near the ends of the
    /// double range: the hostile-input campaign's λ = 1e-100 and inputs 1e-150 apart) leaves the barrier's point,
    /// which the certificate then judges.
    let solve (n: int) (y: float[]) (lambda: float) (blocks: Block[]) (u0: float[]) (scale: float) (target: float) =
        let q, c = Restricted.gram n y blocks
        let smooth = Restricted.gradient n y blocks

        let start =
            Array.init (blocks.Length * n) (fun i -> if i < u0.Length then u0.[i] else 0.0)

        let warm =
            if target = Tolerances.barrierGap && Array.exists (fun v -> v <> 0.0) start then
                try
                    match FacePolish.polishFrom n blocks q c smooth lambda start with
                    | u, true when Restricted.change n y blocks lambda start u <= 0.0 -> Some u
                    | _ -> None
                with :? MathNet.Numerics.NonConvergenceException ->
                    None
            else
                None

        match warm with
        | Some u -> u
        | None ->
            let central =
                InteriorPoint.solve n blocks q c smooth lambda u0 (target * scale) scale

            let polished =
                try
                    Some(FacePolish.polish n blocks q c smooth lambda central)
                with :? MathNet.Numerics.NonConvergenceException ->
                    None

            match polished with
            | Some p when Restricted.change n y blocks lambda central.U p <= 0.0 -> p
            | _ -> central.U
