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

    /// The exact enumeration's budgets: rank − 1 subsets of hyperplanes tried for rays, and faces.
    [<Literal>]
    let private exactSubsets = 200000.0

    [<Literal>]
    let private exactFaces = 200000

    /// Whether the sub-flat's containments are decided exactly as the floating test read them: its zero set
    /// spans a space of the flat's codimension, and every normal the floating test found close to it
    /// (`Tolerances.faceNearTie`) but not in it is outside that span. Only flats with a tie or a near-tie
    /// are checked (a flat cut by one hyperplane at a clear margin is exact by induction).
    let private tiesExact (ints: Lazy<System.Numerics.BigInteger[][]>) (n: int) (codim: int) (zeros: bool[]) (near: int[]) =
        let z =
            [|
                for j in 0 .. zeros.Length - 1 do
                    if zeros.[j] then
                        yield j
            |]

        let rows = z |> Array.map (fun j -> ints.Value.[j])

        Covectors.rank rows n = codim
        && near |> Array.forall (fun j -> not (Covectors.inSpan ints.Value n z j))

    /// The floating enumeration: the faces are the cells of the restrictions of the arrangement to its
    /// flats (intersections of hyperplanes), so the flats are walked from R^{d+1} down by restriction, each
    /// flat once (keyed by the set of hyperplanes containing it). None at the first incidence whose margin is
    /// below rounding and that the integers do not confirm: a near-tie.
    let private floating (arr: Arrangement) : Face[] option =
        // Enumerated on the conditioned normals (see Arrangement.conditioningOf), interior points mapped back.
        let units = arr.ConditionedUnitsRaw
        let ints = lazy (Covectors.ofFloats arr.NormalsRaw)

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

                    let near =
                        live
                        |> Array.filter (fun j -> not zeros.[j] && ratios.[j] < Tolerances.faceNearTie)

                    let added = live |> Array.filter (fun j -> zeros.[j]) |> Array.length
                    let key = System.String(zeros |> Array.map (fun z -> if z then '1' else '0'))

                    if seen.Add key then
                        if
                            r > 1
                            && (added > 1 || near.Length > 0)
                            && not (tiesExact ints n (n - r + 1) zeros near)
                        then
                            decided <- false

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
    /// formula at ℓ = 0). The rank is exact (the doubles as integers): an SVD cannot tell a collinear
    /// triple perturbed by 1e-12 from a collinear one (issue 11).
    let expectedEulerCharacteristic (arr: Arrangement) =
        let n = arr.AmbientDimension
        expectedEulerOfRank n (Covectors.rank (Covectors.ofFloats arr.NormalsRaw) n)

    /// The faces of every dimension with some non-zero sign, every incidence decided (THEORY.md §3, §8).
    /// The floating enumeration is kept when each containment and sign it read had a margin above rounding
    /// (or a tie the integers confirm), its sign vectors are distinct, its top faces are the arrangement's
    /// cells and the faces satisfy Euler's relation with the exact rank. Otherwise the faces are decided over
    /// the integers (Covectors), whose top faces are the exact cells even where the floating cell
    /// enumeration merged a near-tie; past that enumeration's budget the answer is Undecided, never a count.
    let decide (arr: Arrangement) : FaceEnumeration =
        let consistent (faces: Face[]) =
            let f = fVector arr faces

            HashSet<SignVector>(faces |> Seq.map (fun x -> x.Signs)).Count = faces.Length
            && f.[arr.AmbientDimension - 1] = arr.CellCount
            && eulerCharacteristic f = expectedEulerCharacteristic arr

        match floating arr with
        | Some faces when consistent faces -> Decided(faces, false)
        | _ ->
            match exact arr with
            | Some faces -> Decided(faces, true)
            | None ->
                Undecided(
                    sprintf
                        "the faces of these %d hyperplanes in R^%d meet a near-tie that double precision cannot decide, and the exact enumeration would pass its budget (%g subsets, %d faces)"
                        arr.HyperplaneCount
                        arr.AmbientDimension
                        exactSubsets
                        exactFaces
                )

    /// All faces with some non-zero sign (`decide`); an InvalidOperationException naming the near-tie
    /// when they cannot be decided.
    let enumerate (arr: Arrangement) : Face[] =
        match decide arr with
        | Decided(faces, _) -> faces
        | Undecided reason -> invalidOp ("face enumeration undecided: " + reason)
