namespace TvRelu.Core.Solver

open TvRelu.Core.Numerics
open TvRelu.Core.Certificates

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
    /// which the certificate then judges. Under a deadline (issue 14) the barrier and the polish stop within one
    /// Newton step of it, and the lowest of their points and u0 (the previous minimiser, feasible) is returned: the
    /// caller's certificate then prices a point that is feasible but not optimal, and says so.
    let solveBefore
        (deadline: Deadline)
        (n: int)
        (y: float[])
        (lambda: float)
        (blocks: Block[])
        (u0: float[])
        (scale: float)
        (target: float)
        =
        let q, c = Restricted.gram n y blocks
        let smooth = Restricted.gradient n y blocks

        let start =
            Array.init (blocks.Length * n) (fun i -> if i < u0.Length then u0.[i] else 0.0)

        let warm =
            if target = Tolerances.barrierGap && Array.exists (fun v -> v <> 0.0) start then
                try
                    match FacePolish.polishFrom deadline n blocks q c smooth lambda start with
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
                InteriorPoint.solve deadline n blocks q c smooth lambda u0 (target * scale) scale

            let polished =
                if central.Interrupted then
                    None
                else
                    try
                        Some(FacePolish.polish deadline n blocks q c smooth lambda central)
                    with :? MathNet.Numerics.NonConvergenceException ->
                        None

            let best =
                match polished with
                | Some p when Restricted.change n y blocks lambda central.U p <= 0.0 -> p
                | _ -> central.U

            // A path cut short can end above the warm start it left (the barrier first moves into the interior).
            if deadline.Passed && Restricted.change n y blocks lambda start best > 0.0 then
                start
            else
                best

    /// The restricted problem solved to the end (`solveBefore` with no deadline).
    let solve (n: int) (y: float[]) (lambda: float) (blocks: Block[]) (u0: float[]) (scale: float) (target: float) =
        solveBefore Deadline.Never n y lambda blocks u0 scale target
