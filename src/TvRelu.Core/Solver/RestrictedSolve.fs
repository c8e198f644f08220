namespace TvRelu.Core.Solver

/// The one restricted solve of both column generations, over enumerated cells (`ColumnGeneration`) and over
/// sign vectors (`SignVectorColumns`): the barrier method, then Newton on the faces it identifies (THEORY.md §4).
module internal RestrictedSolve =

    /// The restricted problem over `blocks` from u0 (zeros for the blocks that just joined): the barrier method
    /// to ν μ ≤ target · scale, with scale the current objective J (so the target is relative), then the face
    /// polish; whichever is lower by the exact objective difference (`Restricted.change`) is returned.
    let solve (n: int) (y: float[]) (lambda: float) (blocks: Block[]) (u0: float[]) (scale: float) (target: float) =
        let q, c = Restricted.gram n y blocks
        let central = InteriorPoint.solve n blocks q c lambda u0 (target * scale) scale
        let polished = FacePolish.polish n blocks q c lambda central

        if Restricted.change n q c lambda central.U polished <= 0.0 then
            polished
        else
            central.U
