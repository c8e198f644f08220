namespace TvRelu.ProofsChecks.Claims

open TvRelu.Core
open TvRelu.ProofsChecks

/// Helpers shared by the catalogue's claims.
module internal Common =

    let dot (a: float[]) (b: float[]) = Array.fold2 (fun acc x y -> acc + x * y) 0.0 a b
    let norm (a: float[]) = sqrt (dot a a)
    let unit (a: float[]) = let n = norm a in Array.map (fun x -> x / n) a
    let distance (a: float[]) (b: float[]) = norm (Array.map2 (-) a b)
    let flag b = if b then 1.0 else 0.0

    /// The unit normals x̂_h of the arrangement's distinct hyperplanes.
    let unitNormals (arr: Arrangement) = Array.init arr.HyperplaneCount (fun h -> unit (arr.Normal h))

    /// θ lies in the closed cell with the given sign vector, up to `tol` (θ and normals unit).
    let inClosure (units: float[][]) (signs: int[]) (tol: float) (theta: float[]) =
        let mutable ok = true
        for h in 0 .. units.Length - 1 do
            if float signs.[h] * dot theta units.[h] < -tol then ok <- false
        ok

    /// The smallest signed distance s_h ⟨θ, x̂_h⟩ of θ to the walls of the cell (positive inside).
    let depth (units: float[][]) (signs: int[]) (theta: float[]) =
        let mutable m = infinity
        for h in 0 .. units.Length - 1 do
            m <- min m (float signs.[h] * dot theta units.[h])
        m

    /// λ of a problem: its fraction of λ_max (λ = 1 when λ_max = 0, where every λ gives μ = 0).
    let lambdaOf (arr: Arrangement) (data: Dataset) (p: Problem) =
        let lmax = Solve.lambdaMax arr data
        (if lmax > 0.0 then p.LambdaFraction * lmax else 1.0), lmax

    /// The atoms of a measure as (direction, amplitude) pairs.
    let atomsOf (m: Measure) = m.Atoms |> Array.map (fun a -> a.Direction, a.Amplitude)

    /// Saturation points with the amplitudes of the solution's atoms on them (atoms off Σ are added
    /// as extra points), as the uniqueness test of §5 needs them.
    let saturationWithAmplitudes (sol: Solution) =
        let points = ResizeArray(sol.Saturation |> Array.map (fun s -> s.Direction, s.Sign))
        let amps = ResizeArray(Array.zeroCreate<float> sol.Saturation.Length)
        for a in sol.Measure.Atoms do
            let s = sign a.Amplitude
            match points |> Seq.tryFindIndex (fun (d, t) -> t = s && distance d a.Direction <= 1e-6) with
            | Some j -> amps.[j] <- amps.[j] + a.Amplitude
            | None ->
                points.Add((a.Direction, s))
                amps.Add a.Amplitude
        points.ToArray(), amps.ToArray()
