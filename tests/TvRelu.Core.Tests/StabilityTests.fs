/// The low-noise objects of THEORY.md §6: the pre-certificate p_V and the exact non-degeneracy check,
/// against the defining equations and against η sampled densely on the circle.
module TvRelu.Core.Tests.StabilityTests

open System
open Xunit
open TvRelu.Core.Tests.Oracles
open TvRelu.Core.Data
open TvRelu.Core.Arrangements
open TvRelu.Core.Stability
open TvRelu.TestSupport

/// A 1-D problem with a teacher of one or two atoms strictly inside their regions (at least 0.05 from every
/// hyperplane, unit vectors), drawn from the seed; None when the draw fails.
let private teacherCase (seed: int) =
    let rng = Random(seed)
    let n = 6 + rng.Next 8
    let x = Array.init n (fun _ -> [| 2.0 * rng.NextDouble() - 1.0 |])
    let rows = x |> Array.map augment
    let k = 1 + rng.Next 2

    let teacher =
        Array.init k (fun _ ->
            let theta = randomUnit rng 2
            theta, (if rng.Next 2 = 0 then -1.0 else 1.0) * (0.5 + rng.NextDouble()))

    let clear =
        teacher
        |> Array.forall (fun (theta, _) -> rows |> Array.forall (fun r -> abs (dot theta (unit r)) >= 0.05))

    if clear then
        let y =
            x
            |> Array.map (network (teacher |> Array.map (fun (t, a) -> a, t.[0..0], t.[1])))

        let atoms =
            teacher |> Array.map (fun (d, a) -> ({ Direction = d; Amplitude = a }: Atom))

        Some(Dataset.CreateOrRaise(x, y), rows, atoms)
    else
        None

/// The part of p orthogonal to the span of the rows.
let private offRowSpace (rows: float[][]) (p: float[]) =
    orthonormalBasis 1e-10 rows
    |> Array.fold (fun (v: float[]) b -> sub v (scale (dot v b) b)) p

[<Fact>]
let ``the pre-certificate solves its equations with the least norm`` () =
    let mutable checkedCases = 0

    for seed in 1..80 do
        match teacherCase seed with
        | None -> ()
        | Some(data, rows, teacher) ->
            let p, residual = PreCertificate.ofTeacher data teacher
            // The equations, rebuilt here: Σ_{i∈S_j} p_i x̃_i = sign(a_j) θ_j.
            let equations =
                [|
                    for atom in teacher do
                        let active = rows |> Array.map (fun r -> dot atom.Direction (unit r) > 1e-9)

                        for k in 0..1 ->
                            Array.init rows.Length (fun i -> if active.[i] then rows.[i].[k] else 0.0),
                            float (sign atom.Amplitude) * atom.Direction.[k]
                |]

            let misses = equations |> Array.map (fun (m, t) -> abs (dot m p - t))

            if residual <= 1e-9 then
                checkedCases <- checkedCases + 1
                Assert.True(Array.max misses <= 1e-9, sprintf "seed %d: an equation misses by %g" seed (Array.max misses))
                // η_V = ⟨p, φ⟩ reaches sign(a_j) at each atom.
                for atom in teacher do
                    Assert.Equal(float (sign atom.Amplitude), eta rows p 1.0 atom.Direction, 9)
                // Least norm: p lies in the row space of the system.
                let off = norm (offRowSpace (Array.map fst equations) p)
                Assert.True(off <= 1e-9 * norm p, sprintf "seed %d: p_V is %g off the row space" seed off)
            else
                Assert.True(Array.max misses > 1e-10, sprintf "seed %d: residual %g but every equation holds" seed residual)

    Assert.True(checkedCases >= 20, sprintf "only %d solvable teachers" checkedCases)

[<Fact>]
let ``non-degeneracy agrees with the certificate sampled on the circle`` () =
    let mutable holds = 0
    let mutable fails = 0

    for seed in 1..80 do
        match teacherCase seed with
        | None -> ()
        | Some(data, rows, teacher) ->
            let p, residual = PreCertificate.ofTeacher data teacher

            if residual <= 1e-9 then
                let nd = Nondegeneracy.check (Arrangement.ofDataset data) data teacher p

                let samples =
                    Array.init 100_000 (fun t -> let a = 2.0 * Math.PI * float t / 1e5 in [| cos a; sin a |])

                let away =
                    samples
                    |> Array.filter (fun s -> teacher |> Array.forall (fun atom -> distance s atom.Direction > 1e-3))

                let sampledAway = away |> Array.map (fun s -> abs (eta rows p 1.0 s)) |> Array.max

                if nd.Holds then
                    holds <- holds + 1
                    // Below 1 away from the atoms, and the margin is an upper bound's complement.
                    Assert.True(sampledAway < 1.0, sprintf "seed %d: holds, but |η_V| = %g away from the teacher" seed sampledAway)
                    Assert.True(nd.Margin > 0.0)
                else
                    fails <- fails + 1
                    // Some cell reaches 1 − 1e-6 away from the teacher: dense sampling comes close to it.
                    Assert.True(
                        sampledAway >= 1.0 - 1e-3,
                        sprintf "seed %d: fails (%s), but sampled |η_V| ≤ %g away from the teacher" seed nd.Reason sampledAway
                    )

    Assert.True(holds > 0 && fails > 0, sprintf "holds %d, fails %d: both cases must occur" holds fails)
