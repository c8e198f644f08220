namespace TvRelu.Core.Data

open TvRelu.Core.Numerics


/// One Dirac a · δ_θ with θ on the unit sphere S^d (THEORY.md §1). Arrays are never mutated
/// by the library; constructors copy what they are given.
type Atom =
    {
        /// θ = (w, b), unit norm, d + 1 numbers.
        Direction: float[]
        /// The signed mass a.
        Amplitude: float
    }

/// A finite signed measure Σ_j a_j δ_{θ_j} on S^d in canonical form: directions normalised,
/// atoms closer than `Measure.mergeTolerance` merged, zero atoms dropped, atoms sorted
/// lexicographically by direction so that equal measures compare equal.
[<Sealed>]
type Measure private (atoms: Atom[], dim: int) =
    /// The atoms (copies).
    member _.Atoms =
        atoms
        |> Array.map (fun a ->
            { a with
                Direction = Array.copy a.Direction
            })

    member internal _.AtomsRaw = atoms
    /// d + 1, the length of every direction.
    member _.AmbientDimension = dim
    /// Number of atoms.
    member _.Count = atoms.Length

    /// Builds the canonical form. An atom given with a non-unit vector u and amplitude a is the
    /// Dirac a‖u‖ δ_{u/‖u‖}, because σ(⟨u, x̃⟩) = ‖u‖ σ(⟨u/‖u‖, x̃⟩) (positive homogeneity of ReLU,
    /// THEORY.md §1). Atoms with u = 0 or a = 0 carry nothing and are dropped.
    static member internal Build(dim: int, raw: seq<float[] * float>, mergeTolerance: float) =
        let mergeTolerance =
            if TvRelu.Core.Audit.Mutants.isOn TvRelu.Core.Audit.Mutant.MergeRadius then
                100.0 * mergeTolerance
            else
                mergeTolerance

        let normalised =
            raw
            |> Seq.choose (fun (u, a) ->
                if Array.length u <> dim then
                    invalidArg "atoms" (sprintf "an atom direction has %d numbers, expected d + 1 = %d" u.Length dim)

                if
                    not (System.Double.IsFinite a)
                    || Array.exists (fun x -> not (System.Double.IsFinite x)) u
                then
                    invalidArg "atoms" "an atom has a non-finite direction or amplitude"

                let n = Dense.norm u

                if n = 0.0 || a = 0.0 then
                    None
                else
                    Some(Dense.scale (1.0 / n) u, a * n))
            |> Seq.toArray
        // Atoms within the tolerance of an earlier kept atom join it (the one merge, `Merge.greedy`).
        let directions = normalised |> Array.map fst
        let amplitudes = normalised |> Array.map snd

        let _, leaders =
            Merge.byDirection
                mergeTolerance
                directions
                (fun _ -> true)
                (fun l i -> Dense.distance directions.[i] directions.[l] <= mergeTolerance)
                (fun l i -> amplitudes.[l] <- amplitudes.[l] + amplitudes.[i])

        let atoms =
            leaders
            |> Seq.filter (fun l -> amplitudes.[l] <> 0.0)
            |> Seq.map (fun l ->
                {
                    Direction = directions.[l]
                    Amplitude = amplitudes.[l]
                })
            |> Seq.toArray
            |> Array.sortWith (fun p q -> Dense.lexicographic p.Direction q.Direction)

        Measure(atoms, dim)

/// Operations on measures: the TV norm, the forward operator K and the network function f_μ.
module Measure =

    /// Two directions closer than this (Euclidean, on the unit sphere) are the same point
    /// (`Tolerances.mergeAtoms`: far below any angle the data can resolve in double precision after
    /// the solver's polishing, and far above the rounding of a normalisation).
    [<Literal>]
    let mergeTolerance = Tolerances.mergeAtoms

    /// The zero measure on S^d (dim = d + 1).
    let zero dim =
        Measure.Build(dim, Seq.empty, mergeTolerance)

    /// The canonical measure of the given (direction, amplitude) pairs.
    let ofAtoms dim (atoms: seq<float[] * float>) =
        Measure.Build(dim, atoms |> Seq.map (fun (u, a) -> Array.copy u, a), mergeTolerance)

    /// ‖μ‖_TV = Σ_j |a_j| (atoms are distinct after canonicalisation).
    let totalVariation (m: Measure) =
        m.AtomsRaw |> Array.sumBy (fun a -> abs a.Amplitude)

    /// The network function f_μ(x) = Σ_j a_j σ(⟨θ_j, (x, 1)⟩).
    let evaluate (m: Measure) (x: float[]) =
        if x.Length + 1 <> m.AmbientDimension then
            invalidArg
                "x"
                (sprintf
                    "the input has %d coordinates but the measure lives on S^%d (d = %d)"
                    x.Length
                    (m.AmbientDimension - 1)
                    (m.AmbientDimension - 1))

        let mutable s = 0.0

        for a in m.AtomsRaw do
            let th = a.Direction
            let mutable z = th.[th.Length - 1]

            for k in 0 .. x.Length - 1 do
                z <- z + th.[k] * x.[k]

            if z > 0.0 then
                s <- s + a.Amplitude * z

        s

    /// The forward operator Kμ = (f_μ(x_1), …, f_μ(x_N)).
    let forward (m: Measure) (data: Dataset) =
        data.InputsRaw |> Array.map (evaluate m)

    /// The training objective J(μ) = ½‖Kμ − y‖² + λ‖μ‖_TV (the library's convention, §1).
    let objective (lambda: float) (data: Dataset) (m: Measure) =
        let k = forward m data
        let y = data.LabelsRaw
        let mutable s = 0.0

        for i in 0 .. y.Length - 1 do
            let r = k.[i] - y.[i]
            s <- s + r * r

        0.5 * s + lambda * totalVariation m

    /// The residual q = y − Kμ (the candidate dual vector of §2).
    let residual (data: Dataset) (m: Measure) =
        let k = forward m data
        data.LabelsRaw |> Array.mapi (fun i y -> y - k.[i])
