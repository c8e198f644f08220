namespace TvRelu.Core.Solver

/// The one restricted solve of both column generations, over enumerated cells (`ColumnGeneration`) and over
/// sign vectors (`SignVectorColumns`): the barrier method, then Newton on the faces it identifies (THEORY.md §4).
module internal RestrictedSolve =

    /// The restricted problem over `blocks` from u0 (zeros for the blocks that just joined): the barrier method
    /// to ν μ ≤ target · scale, with scale the current objective J (so the target is relative), then the face
    /// polish; whichever is lower by the exact objective difference (`Restricted.change`) is returned. A face
    /// system whose SVD does not converge (entries near the ends of the double range: the hostile-input campaign's
    /// λ = 1e-100 and inputs 1e-150 apart) leaves the barrier's point, which the certificate then judges.
    let solve (n: int) (y: float[]) (lambda: float) (blocks: Block[]) (u0: float[]) (scale: float) (target: float) =
        let q, c = Restricted.gram n y blocks
        let smooth = Restricted.gradient n y blocks

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
