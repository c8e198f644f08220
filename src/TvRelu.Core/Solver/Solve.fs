namespace TvRelu.Core.Solver

open System
open System.Diagnostics
open TvRelu.Core.Numerics
open TvRelu.Core.Data
open TvRelu.Core.Arrangements
open TvRelu.Core.Certificates
open TvRelu.Core.Uniqueness

/// The exact solver: column generation over the cells of the exact finite reformulation (§4),
/// priced by the exact certificate supremum (§3) and stopped only on a certified gap (§2).
module Solve =

    /// The problem's convention, stated in every output.
    [<Literal>]
    let convention =
        "J(mu) = 1/2 |K mu - y|^2 + lambda |mu|_TV over signed measures on S^d, inputs augmented as (x, 1)"

    /// λ_max = sup_θ |⟨y, φ(θ)⟩|: for λ ≥ λ_max the zero measure is optimal (η_0 = ⟨y, φ⟩/λ has sup ≤ 1).
    let lambdaMax (arr: Arrangement) (data: Dataset) =
        let s, _, _ =
            Certificate.supremumAbs (Certificate.ofDual arr data 1.0 data.LabelsRaw)

        s

    /// The threshold of Σ to the accuracy the certificate has at the support. A certified gap g allows an atom
    /// a_j to sit where 1 − s_j η(θ_j) ≤ g / (λ |a_j|) (THEORY.md §2: the gap is λ Σ_j |a_j| (1 − s_j η(θ_j)) plus
    /// non-negative terms), which at λ ≪ λ_max exceeds the fixed saturation tolerance: the threshold is lowered
    /// to take in every such atom, so that Σ contains the support it must. Every side is rounded: g carries the
    /// rounding of the gap formulas (at most `Tolerances.gapRounding` · ½‖y‖², the tolerance's own second term),
    /// the miss that of η at the atom (the plain sum's a-priori 2 (N + d + 1) u · scale), and the cell maxima Σ is
    /// read from that of the pieces and their projections (the plain sums' a-priori 2 (2N + d + 3) √(d + 1) u · scale,
    /// deliberately wider than the compensated `Certificate.PieceRounding`, because a projection on a thin cone
    /// adds its own rounding); the threshold is lowered by both. Lowering it further than needed only takes in
    /// points within rounding of 1, which doubles cannot tell apart from Σ anyway. Without them an atom whose miss equals its allowance in exact arithmetic (sup|η| < 1:
    /// the gap is exactly λ |a| (1 − s η(θ_a))), or whose cell's computed maximum fell 1e-14 below η at the atom,
    /// was left out, and Σ missed part of a certified minimiser's support (uniqueness campaign of 2026-11-29,
    /// trial seeds 7982091570472434993 and -1859697448360225915).
    let private saturationThreshold (options: SolverOptions) (lambda: float) (cert: Certificate) (mu: Measure) (assessment: Assessment) =
        if not assessment.Certified then
            options.SaturationTolerance
        else
            let labels = cert.Data.LabelsRaw
            let gapRounding = Tolerances.gapRounding * 0.5 * Dense.dot labels labels
            let n = cert.Arrangement.AmbientDimension
            let count = cert.Data.Count

            let rounding =
                (2.0 * float (count + n) + 2.0 * float (2 * count + n + 2) * sqrt (float n))
                * Tolerances.unitRoundoff
                * cert.Scale
                + Tolerances.saturationSlack

            mu.AtomsRaw
            |> Array.fold
                (fun acc a ->
                    let miss = 1.0 - float (sign a.Amplitude) * Certificate.evaluate cert a.Direction
                    let allowed = (assessment.Gap + gapRounding) / (lambda * abs a.Amplitude)

                    if miss > acc && miss <= allowed + rounding then
                        min (miss * (1.0 + Tolerances.saturationWidening) + rounding) 0.5
                    else
                        acc)
                options.SaturationTolerance

    /// The solution's amplitudes on Σ, as the points (direction, sign) and amplitudes uniqueness is decided
    /// on (§5). An atom off Σ (only possible when not certified) joins it. The one merge (`Merge.greedy`)
    /// over the points of Σ followed by the atoms: a point of Σ never joins another, an atom joins the first
    /// point (or earlier stray atom) of its sign within `Tolerances.atomOnSaturationPoint`.
    let private amplitudesOnSigma (sat: SaturationPoint[]) (mu: Measure) =
        let items =
            Array.append
                (sat |> Array.map (fun s -> s.Direction, s.Sign, 0.0))
                (mu.AtomsRaw |> Array.map (fun a -> a.Direction, sign a.Amplitude, a.Amplitude))

        let amplitude = items |> Array.map (fun (_, _, a) -> a)

        let _, onSigma =
            Merge.amongAll
                items.Length
                (fun _ -> true)
                (fun l i ->
                    let (dl, sl, _), (di, si, _) = items.[l], items.[i]

                    i >= sat.Length
                    && sl = si
                    && Dense.distance dl di <= Tolerances.atomOnSaturationPoint)
                (fun l i -> amplitude.[l] <- amplitude.[l] + amplitude.[i])

        onSigma |> Array.map (fun l -> let d, s, _ = items.[l] in d, s), onSigma |> Array.map (fun l -> amplitude.[l])

    /// The solution of a column-generation outcome: its saturation set, sparsity bounds and uniqueness
    /// verdict (§3, §5), with the enumeration time and face count of the arrangement.
    let internal finish
        (arr: Arrangement)
        (data: Dataset)
        (lambda: float)
        (options: SolverOptions)
        (enumTime: TimeSpan)
        (faces: int option)
        (outcome: ColumnGeneration.Outcome)
        =
        let sw = Stopwatch.StartNew()
        // The one vertex reduction of every solve (THEORY.md §5; issue 11: Σ was over-counted from tiny atoms).
        let measure, assessment =
            Vertex.reduce arr data lambda options.Tolerance outcome.Measure outcome.Assessment

        let outcome =
            { outcome with
                Measure = measure
                Assessment = assessment
            }

        let cert = Certificate.ofDual arr data lambda outcome.Assessment.Residual

        let threshold =
            saturationThreshold options lambda cert outcome.Measure outcome.Assessment

        let sat = Certificate.saturation threshold options.BoundaryTolerance cert
        let points, amplitudes = amplitudesOnSigma sat outcome.Measure
        let uniqueness = Uniqueness.decide data points amplitudes
        sw.Stop()
        let active = arr.CellsWithActiveNeurons

        {
            Lambda = lambda
            Measure = outcome.Measure
            Assessment = outcome.Assessment
            Saturation = sat
            Cells = arr.CellCount
            CellsWithActiveNeurons = active
            Bounds =
                {
                    SaturationPoints = sat.Length
                    TwiceActiveCells = 2 * active
                    Faces = faces
                    DataPoints = data.Count
                }
            Uniqueness = uniqueness
            Rounds = outcome.Rounds
            Timings =
                {
                    Enumeration = enumTime
                    Solve = outcome.SolveTime
                    Certification = outcome.CertificationTime + sw.Elapsed
                }
        }

    /// The faces of every dimension, counted when the options ask for them (the face bound of §3); None when
    /// near-ties leave the count undecided (`Faces.decide`): an unknown bound, never a guessed one.
    let internal faceCount (options: SolverOptions) (arr: Arrangement) =
        if options.CountFaces then
            match Faces.decide arr with
            | Decided(faces, _) -> Some faces.Length
            | Undecided _ -> None
        else
            None

    /// The data's arrangement and face count, and the time they took.
    let internal prepare (data: Dataset) (options: SolverOptions) =
        let sw = Stopwatch.StartNew()
        let arr = Arrangement.ofDataset data
        let faces = faceCount options arr
        sw.Stop()
        arr, faces, sw.Elapsed

    /// Solves P_λ on an arrangement the caller has already built (its enumeration time is not counted;
    /// faces are counted when the options ask for them).
    let onArrangement (arr: Arrangement) (data: Dataset) (lambda: float) (options: SolverOptions) =
        ColumnGeneration.run arr data lambda options ColumnGeneration.empty
        |> finish arr data lambda options TimeSpan.Zero (faceCount options arr)

    /// Solves P_λ(y): the global minimiser with its certified gap, saturation set, bounds and
    /// uniqueness status.
    let solve (data: Dataset) (lambda: float) (options: SolverOptions) =
        Lambda.requirePositive "lambda" lambda
        let arr, faces, enumTime = prepare data options

        ColumnGeneration.run arr data lambda options ColumnGeneration.empty
        |> finish arr data lambda options enumTime faces
