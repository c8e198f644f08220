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

/// The faces of every dimension, and the two exact checks on them: the f-vector and the Euler
/// characteristic of the sphere (THEORY.md §3).
module Faces =

    /// All faces with some nonzero sign. The faces are the cells of the restrictions of the
    /// arrangement to its flats (intersections of hyperplanes), so the flats are walked from
    /// R^{d+1} down by restriction, each flat once (keyed by the set of hyperplanes containing it).
    let enumerate (arr: Arrangement) : Face[] =
        // Enumerated on the conditioned normals (see Arrangement.conditioningOf), interior points mapped back.
        let units = arr.ConditionedUnitsRaw

        let back (q: float[]) =
            let p = Array.map2 (*) arr.Conditioning q
            Dense.scale (1.0 / Dense.norm p) p

        let m = units.Length
        let n = arr.AmbientDimension
        let faces = ResizeArray<Face>()
        let seen = HashSet<string>()

        let rec visit (basis: float[][]) (zeroSet: bool[]) =
            let r = basis.Length

            let live =
                [|
                    for j in 0 .. m - 1 do
                        if not zeroSet.[j] then
                            yield j
                |]

            if r > 0 && live.Length > 0 then
                let coords = live |> Array.map (fun j -> Enumeration.coordinates basis units.[j])
                let dirs = Enumeration.distinctDirections coords

                for p in Enumeration.interiorPoints dirs r do
                    let q = Enumeration.lift basis p
                    let q = Dense.scale (1.0 / Dense.norm q) q

                    let signs =
                        Array.init m (fun j ->
                            if zeroSet.[j] then 0
                            elif Dense.dot q units.[j] > 0.0 then 1
                            else -1)

                    faces.Add
                        {
                            Signs = SignVector.OfArray signs
                            Dimension = r - 1
                            Interior = back q
                        }

                for g in dirs do
                    let sub = Enumeration.hyperplaneBasis g |> Array.map (Enumeration.lift basis)

                    let zeros =
                        Array.init m (fun j ->
                            zeroSet.[j]
                            || (let full = Dense.norm (Enumeration.coordinates basis units.[j])

                                Dense.norm (Enumeration.coordinates sub units.[j])
                                <= Tolerances.flatContains * full))

                    let key = System.String(zeros |> Array.map (fun z -> if z then '1' else '0'))

                    if seen.Add key then
                        visit sub zeros

        let identity =
            Array.init n (fun j -> Array.init n (fun i -> if i = j then 1.0 else 0.0))

        visit identity (Array.zeroCreate m)
        faces.ToArray()

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
    /// formula at ℓ = 0).
    let expectedEulerCharacteristic (arr: Arrangement) =
        let n = arr.AmbientDimension
        expectedEulerOfRank n (Dense.rank n arr.ConditionedUnitsRaw)
