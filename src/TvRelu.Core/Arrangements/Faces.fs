namespace TvRelu.Core.Arrangements

open System.Collections.Generic
open TvRelu.Core.Numerics

/// A face of the arrangement on the sphere: the points of S^d with one sign vector (THEORY.md §3).
type Face =
    {
        /// Its sign vector; zero exactly on the hyperplanes that contain it.
        Signs: SignVector
        /// Its dimension as a subset of the sphere S^d (0 for vertices, d for cells).
        Dimension: int
        /// A unit vector in its relative interior.
        Interior: float[]
    }

/// What the face enumeration decided (THEORY.md §3, §8).
type FaceEnumeration =
    /// The faces, every incidence decided: in double precision where its margin allowed it, else over
    /// the integers (`Exact` says which).
    | Decided of Faces: Face[] * Exact: bool
    /// A near-tie that double precision cannot decide, and an exact enumeration past its budget: why.
    | Undecided of Reason: string

/// The faces of every dimension, and the two exact checks on them: the f-vector and the Euler
/// characteristic of the sphere (THEORY.md §3).
module Faces =

    /// The exact enumeration's budgets: rank − 1 subsets of hyperplanes tried for rays (each an exact null
    /// space), and faces (the closure costs faces × rays × hyperplanes sign operations). A few seconds at most.
    [<Literal>]
    let private exactSubsets = 2000.0

    [<Literal>]
    let private exactFaces = 20000

    /// Whether hyperplanes read as containing a flat of codimension k are dependent only to rounding: the
    /// (k + 1)-th singular value of their unit normals is at most `Tolerances.faceTie` of the largest. Taken from
    /// the normals themselves, not from the walk's lifted bases, whose rounding grows where hyperplanes are
    /// nearly parallel.
    let private tieWithinRounding (units: float[][]) (k: int) (rows: int[]) =
        rows.Length <= k
        || (let s =
                (Dense.ofRows units.[0].Length [| for j in rows -> units.[j] |]).Svd(false).S

            s.[k] <= Tolerances.faceTie * s.[0])

    /// The floating enumeration: the faces are the cells of the restrictions of the arrangement to its
    /// flats (intersections of hyperplanes), so the flats are walked from R^{d+1} down by restriction, each
    /// flat once (keyed by the set of hyperplanes containing it). None at a near-tie double precision cannot
    /// decide: hyperplanes read as containing a flat that are independent by more than rounding
    /// (`tieWithinRounding`), a hyperplane that nearly contains one (`Tolerances.faceNearTie`), or a face
    /// closer to a hyperplane than `Tolerances.faceSignMargin`.
    let private floating (arr: Arrangement) : Face[] option =
        // Enumerated on the conditioned normals (see Arrangement.conditioningOf), interior points mapped back.
        let units = arr.ConditionedUnitsRaw

        let back (q: float[]) =
            let p = Array.map2 (*) arr.Conditioning q
            Dense.scale (1.0 / Dense.norm p) p

        let m = units.Length
        let n = arr.AmbientDimension
        let faces = ResizeArray<Face>()
        let seen = HashSet<string>()
        let mutable decided = true

        let rec visit (basis: float[][]) (zeroSet: bool[]) =
            let r = basis.Length

            let live =
                [|
                    for j in 0 .. m - 1 do
                        if not zeroSet.[j] then
                            yield j
                |]

            if decided && r > 0 && live.Length > 0 then
                let coords = live |> Array.map (fun j -> Enumeration.coordinates basis units.[j])
                let dirs = Enumeration.distinctDirections coords

                for p in Enumeration.interiorPoints dirs r do
                    let q = Enumeration.lift basis p
                    let q = Dense.scale (1.0 / Dense.norm q) q
                    let dots = units |> Array.map (Dense.dot q)

                    if live |> Array.exists (fun j -> abs dots.[j] < Tolerances.faceSignMargin) then
                        decided <- false

                    let signs =
                        Array.init m (fun j ->
                            if zeroSet.[j] then 0
                            elif dots.[j] > 0.0 then 1
                            else -1)

                    faces.Add
                        {
                            Signs = SignVector.OfArray signs
                            Dimension = r - 1
                            Interior = back q
                        }

                for g in dirs do
                    let sub = Enumeration.hyperplaneBasis g |> Array.map (Enumeration.lift basis)

                    let ratio j =
                        Dense.norm (Enumeration.coordinates sub units.[j])
                        / Dense.norm (Enumeration.coordinates basis units.[j])

                    let ratios = Array.init m (fun j -> if zeroSet.[j] then 0.0 else ratio j)

                    let zeros =
                        Array.init m (fun j -> zeroSet.[j] || ratios.[j] <= Tolerances.flatContains)

                    // The flat's zero set must be dependent only to rounding, and no other hyperplane nearly contain it.
                    if r > 1 then
                        let contained =
                            [|
                                for j in 0 .. m - 1 do
                                    if zeros.[j] then
                                        yield j
                            |]

                        if
                            not (tieWithinRounding units (n - r + 1) contained)
                            || live
                               |> Array.exists (fun j -> not zeros.[j] && ratios.[j] < Tolerances.faceNearTie)
                        then
                            decided <- false

                    let key = System.String(zeros |> Array.map (fun z -> if z then '1' else '0'))

                    if seen.Add key then
                        visit sub zeros

        let identity =
            Array.init n (fun j -> Array.init n (fun i -> if i = j then 1.0 else 0.0))

        try
            visit identity (Array.zeroCreate m)
        with :? System.InvalidOperationException ->
            // The restricted cell enumeration lost track of its cells: a near-tie too.
            decided <- false

        if decided then Some(faces.ToArray()) else None

    /// The faces decided over the integers (Covectors), with their interior points as unit doubles.
    let private exact (arr: Arrangement) : Face[] option =
        Covectors.enumerate (Covectors.ofFloats arr.NormalsRaw) arr.AmbientDimension exactSubsets exactFaces
        |> Option.map (
            Array.map (fun f ->
                {
                    Signs = SignVector.OfArray f.Signs
                    Dimension = f.Dimension
                    Interior = Covectors.toUnit f.Point
                })
        )

    /// The f-vector [f_0, …, f_d]: the number of faces of each dimension on S^d.
    let fVector (arr: Arrangement) (faces: Face[]) =
        let f = Array.zeroCreate arr.AmbientDimension

        for face in faces do
            f.[face.Dimension] <- f.[face.Dimension] + 1

        f

    /// Σ_k (−1)^k f_k.
    let eulerCharacteristic (f: int[]) =
        f |> Array.mapi (fun k fk -> if k % 2 = 0 then fk else -fk) |> Array.sum

    /// The value of §3's sum for normals of the given rank in R^n (see expectedEulerCharacteristic),
    /// shared with exact mode, which supplies an exact rank.
    let internal expectedEulerOfRank (n: int) (rank: int) =
        let d = n - 1
        let l = n - rank
        (if d % 2 = 0 then 1 else -1) + (if l % 2 = 0 then 1 else -1)

    /// The value Σ_k (−1)^k f_k must take: 1 + (−1)^d when the normals span R^{d+1}. When they span
    /// only a subspace of codimension ℓ ≥ 1 (data in an affine subspace), every face contains that
    /// ℓ-dimensional lineality space, which meets the sphere in an S^{ℓ−1} that is not a face, so the
    /// faces add up to χ(S^d) − χ(S^{ℓ−1}) = (−1)^d + (−1)^ℓ (derived here; it reduces to the §3
    /// formula at ℓ = 0). The rank counts singular values above `Tolerances.faceTie` · σ_max: inputs
    /// dependent to rounding are dependent, as for the cell enumeration, and a near-tie (a collinear triple
    /// perturbed by 1e-12 has σ_min ≈ 1e-13 σ_max) is independent, as it is exactly.
    let expectedEulerCharacteristic (arr: Arrangement) =
        let n = arr.AmbientDimension
        expectedEulerOfRank n (Dense.rankWithin Tolerances.faceTie n arr.ConditionedUnitsRaw)

    /// The faces of every dimension with some non-zero sign, every incidence decided (THEORY.md §3, §8).
    /// The floating enumeration is kept when each containment and sign it read was a tie within rounding or
    /// had a clear margin, its sign vectors are distinct, its top faces are the arrangement's cells and the
    /// faces satisfy Euler's relation. Otherwise (a near-tie) the faces are decided over the integers
    /// (Covectors) and kept when their cells are the arrangement's; when they are not, the cell enumeration
    /// (which resolves hyperplanes to `Tolerances.restrictionParallel`) read the near-tie otherwise than the
    /// integers, and the answer is Undecided with both counts, as it is past the exact enumeration's budget:
    /// never a count that contradicts the cells or the integers.
    let decide (arr: Arrangement) : FaceEnumeration =
        let n = arr.AmbientDimension

        let consistent (faces: Face[]) =
            let f = fVector arr faces

            HashSet<SignVector>(faces |> Seq.map (fun x -> x.Signs)).Count = faces.Length
            && f.[n - 1] = arr.CellCount
            && eulerCharacteristic f = expectedEulerCharacteristic arr

        match floating arr with
        | Some faces when consistent faces -> Decided(faces, false)
        | _ ->
            match exact arr with
            | Some faces when (fVector arr faces).[n - 1] = arr.CellCount -> Decided(faces, true)
            | Some faces ->
                Undecided(
                    sprintf
                        "at a near-tie of these %d hyperplanes in R^%d the integers give %d cells where the cell enumeration, resolving hyperplanes to %g, counts %d"
                        arr.HyperplaneCount
                        n
                        (fVector arr faces).[n - 1]
                        Tolerances.restrictionParallel
                        arr.CellCount
                )
            | None ->
                Undecided(
                    sprintf
                        "the faces of these %d hyperplanes in R^%d meet a near-tie that double precision cannot decide, and the exact enumeration would pass its budget (%g subsets, %d faces)"
                        arr.HyperplaneCount
                        n
                        exactSubsets
                        exactFaces
                )

    /// All faces with some non-zero sign (`decide`); an InvalidOperationException naming the near-tie
    /// when they cannot be decided.
    let enumerate (arr: Arrangement) : Face[] =
        match decide arr with
        | Decided(faces, _) -> faces
        | Undecided reason -> invalidOp ("face enumeration undecided: " + reason)
