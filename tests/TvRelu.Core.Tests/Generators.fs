/// FsCheck generators that produce the hard cases on purpose: duplicate rows with different labels,
/// collinear points and inputs in an affine subspace, fewer points than d + 1, integer grids (many
/// ties), and huge (1e6) and tiny (1e-6) scales, for d = 1..3 (1..4 for counting).
///
/// All randomness, including the seeds of the brute-force samplers inside a property, comes from
/// FsCheck, so a failure is reproduced by the `Replay` seed FsCheck prints, e.g.
/// `[<Property(Replay = "(123,456)")>]`.
module TvRelu.Core.Tests.Generators

open System
open FsCheck
open FsCheck.FSharp
open TvRelu.Core.Tests.Oracles
open TvRelu.Core.Data
open TvRelu.Core.Training

/// Data whose inputs are integer points times a scale. The integer points feed the exact oracles
/// (Zaslavsky's count, exact general position); the scaled inputs feed the code. Scaling x by s is
/// the linear map (w, b) ↦ (w / s, b) of the neurons, so every combinatorial count is the same at
/// every scale.
type LatticeData =
    {
        Kind: string
        D: int
        Points: int[][]
        Labels: float[]
        Scale: float
        /// Seed of the brute-force samplers of the property.
        Seed: int
    }

    member c.Inputs = c.Points |> Array.map (Array.map (fun k -> float k * c.Scale))
    member c.Dataset = Dataset.CreateOrRaise(c.Inputs, c.Labels)
    /// The augmented inputs x̃_i = (x_i, 1) as the code sees them.
    member c.Augmented = c.Inputs |> Array.map augment

    /// The distinct hyperplanes as exact integer normals (x_i, 1), and each row's hyperplane.
    member c.ExactHyperplanes =
        let reps, map = distinctRows c.Points
        reps |> Array.map augmentInt, map

    member c.Rng = Random(c.Seed)

    override c.ToString() =
        sprintf
            "%s d=%d scale=%g seed=%d points=%s labels=%s"
            c.Kind
            c.D
            c.Scale
            c.Seed
            (String.Join(" ", c.Points |> Array.map (fun p -> "(" + String.Join(",", p) + ")")))
            (String.Join(" ", c.Labels |> Array.map (sprintf "%.17g")))

/// Inputs drawn from a standard Gaussian: in general position with probability one.
type GaussianData =
    {
        D: int
        X: float[][]
        Labels: float[]
        Seed: int
    }

    member c.Dataset = Dataset.CreateOrRaise(c.X, c.Labels)
    member c.Rng = Random(c.Seed)

/// A polyhedral cone {θ : ⟨a_i, θ⟩ ≤ 0} by its outward normals, and a vector to project.
type ConeCase =
    {
        Kind: string
        Normals: float[][]
        V: float[]
        Seed: int
    }

    member c.Rng = Random(c.Seed)

/// Data with a dual vector q (random, or planted so that a chosen direction is a critical point
/// of η in its cell, which makes interior saturation points common).
type DualCase =
    {
        Data: LatticeData
        Q: float[]
        Planted: bool
    }

/// A small finite-width ReLU network Σ_j c_j σ(⟨w_j, x⟩ + b_j) on some data, and λ as a fraction
/// of λ_max.
type NetworkCase =
    {
        Data: LatticeData
        Neurons: (float * float[] * float)[]
        LambdaFraction: float
    }

// ---------------------------------------------------------------------------------------------

let uniform01 =
    Gen.choose (0, Int32.MaxValue - 1)
    |> Gen.map (fun k -> (float k + 0.5) / float Int32.MaxValue)

/// A standard normal number (Box–Muller on FsCheck's uniform numbers).
let normal =
    Gen.map2 (fun u v -> sqrt (-2.0 * log u) * cos (2.0 * Math.PI * v)) uniform01 uniform01

let normalVector n = Gen.arrayOfLength n normal

let seed = Gen.choose (0, Int32.MaxValue - 1)

let private intPoint d range =
    Gen.arrayOfLength d (Gen.choose (-range, range))

let private points d range n = Gen.arrayOfLength n (intPoint d range)

/// Integer points of the named hard kinds, for dimension d and at most maxN rows.
let latticePoints (d: int) (maxN: int) =
    let sized lo hi range =
        Gen.choose (lo, hi) |> Gen.bind (points d range)

    let grid = sized 1 maxN 2
    let wide = sized 1 maxN 20
    let few = sized 1 d 5

    let duplicates =
        gen {
            let! m = Gen.choose (1, max 1 (maxN / 2))
            let! basis = points d 4 m
            let! copies = Gen.arrayOfLength m (Gen.choose (1, 3))
            let rows = Array.concat (Array.map2 (fun p k -> Array.replicate k p) basis copies)
            let! shuffled = Gen.shuffle rows
            return Array.truncate (max maxN 2) shuffled
        }
    // Points p0 + t v (+ s w in d = 3): an affine line (or plane), so the augmented inputs do not
    // span R^{d+1}; in d = 1 the affine subspace is a single point repeated.
    let affine =
        gen {
            let! n = Gen.choose (2, maxN)
            let! p0 = intPoint d 3
            let! v = intPoint d 2 |> Gen.filter (Array.exists ((<>) 0))
            let! w = intPoint d 2

            let! plane =
                if d >= 3 then
                    Gen.elements [ true; false ]
                else
                    Gen.constant false

            let! ts = Gen.arrayOfLength n (Gen.choose (-3, 3))
            let! ss = Gen.arrayOfLength n (Gen.choose (-2, 2))

            return
                Array.init n (fun i ->
                    if d = 1 then
                        Array.copy p0
                    else
                        Array.init d (fun k -> p0.[k] + ts.[i] * v.[k] + (if plane then ss.[i] * w.[k] else 0)))
        }

    let kinds =
        [
            "grid", grid
            "wide", wide
            "few", few
            "duplicates", duplicates
            "affine", affine
        ]

    gen {
        let! kind, g = Gen.elements kinds
        let! pts = g
        return kind, pts
    }

/// Lattice data for the dimensions given with their row limits, at the given scales.
let latticeData (dims: (int * int) list) (scales: (int * float) list) =
    gen {
        let! d, maxN = Gen.elements dims
        let! kind, pts = latticePoints d maxN
        let! labels = Gen.arrayOfLength pts.Length normal
        let! s = Gen.frequency (scales |> List.map (fun (w, s) -> w, Gen.constant s))
        let! sd = seed

        return
            {
                Kind = kind
                D = d
                Points = pts
                Labels = labels
                Scale = s
                Seed = sd
            }
    }

let allScales = [ 4, 1.0; 1, 1e6; 1, 1e-6 ]

let gaussianData (dims: (int * int) list) =
    gen {
        let! d, maxN = Gen.elements dims
        let! n = Gen.choose (1, maxN)
        let! x = Gen.arrayOfLength n (normalVector d)
        let! y = normalVector n
        let! sd = seed
        return { D = d; X = x; Labels = y; Seed = sd }
    }

/// Cones with degenerate descriptions on purpose: repeated and rescaled normals, opposite pairs
/// (which make the cone contain a line, or lie in a hyperplane), more normals than dimensions
/// (often the cone {0}), integer normals, and vectors at scales 1e-6, 1, 1e6 that are sometimes
/// zero or in the polar cone.
let cones =
    gen {
        let! n = Gen.choose (2, 5)
        let! m = Gen.choose (0, 8)
        let! kind = Gen.elements [ "gaussian"; "repeated"; "opposite"; "integer"; "many" ]

        let! drawn =
            match kind with
            | "integer" -> Gen.arrayOfLength m (Gen.arrayOfLength n (Gen.choose (-2, 2) |> Gen.map float))
            | "many" -> Gen.arrayOfLength (m + n + 2) (normalVector n)
            | _ -> Gen.arrayOfLength m (normalVector n)

        let! factors = Gen.arrayOfLength drawn.Length (Gen.elements [ 1.0; 2.0; 1e-3; 1e3 ])

        let normals =
            let nonzero = drawn |> Array.filter (Array.exists ((<>) 0.0))

            match kind with
            | "repeated" when nonzero.Length > 0 -> Array.append nonzero (nonzero |> Array.mapi (fun i a -> scale factors.[i] a))
            | "opposite" when nonzero.Length > 0 -> Array.append nonzero [| scale -2.0 nonzero.[0] |]
            | _ -> nonzero

        let! vKind = Gen.elements [ "random"; "random"; "zero"; "polar" ]
        let! v0 = normalVector n
        let! weights = Gen.arrayOfLength normals.Length uniform01
        let! magnitude = Gen.elements [ 1e-6; 1.0; 1e6 ]

        let v =
            match vKind with
            | "zero" -> Array.zeroCreate n
            | "polar" when normals.Length > 0 ->
                Array.fold2 (fun acc a w -> add acc (scale w (unit a))) (Array.zeroCreate n) normals weights
                |> scale magnitude
            | _ -> scale magnitude v0

        let! sd = seed

        return
            {
                Kind = kind + "/" + vKind
                Normals = normals
                V = v
                Seed = sd
            }
    }

/// A dual vector for lattice data: Gaussian, or planted: for a random direction θ0 with active
/// set S, q on S solves Σ_{i∈S} q_i x̃_i = θ0 (least norm), so that v_C ∝ θ0 in θ0's cell and θ0
/// is the maximiser of η there, strictly inside; q off S is small.
let duals (data: Gen<LatticeData>) =
    gen {
        let! d = data
        let! random = normalVector d.Points.Length
        let! plant = Gen.elements [ false; true ]
        let! theta0 = normalVector (d.D + 1)
        let! small = Gen.elements [ 0.0; 0.01; 0.1 ]
        let xt = d.Augmented

        let planted =
            if not plant || norm theta0 = 0.0 then
                None
            else
                let active =
                    [|
                        for i in 0 .. xt.Length - 1 do
                            if dot theta0 xt.[i] > 0.0 then
                                yield i
                    |]

                leastNorm (active |> Array.map (fun i -> xt.[i])) (unit theta0)
                |> Option.map (fun z ->
                    let q = Array.map (fun r -> small * r) random
                    active |> Array.iteri (fun k i -> q.[i] <- z.[k])
                    q)

        match planted with
        | Some q when Array.exists ((<>) 0.0) q -> return { Data = d; Q = q; Planted = true }
        | _ ->
            return
                {
                    Data = d
                    Q = random
                    Planted = false
                }
    }

/// Random small networks (width 1..5) with unit-scale weights, on lattice data.
let networks (data: Gen<LatticeData>) =
    gen {
        let! d = data
        let! width = Gen.choose (1, 5)

        let! neurons =
            Gen.arrayOfLength
                width
                (gen {
                    let! c = normal
                    let! w = normalVector d.D
                    let! b = normal
                    return c, w, b
                })

        let! fraction = Gen.elements [ 0.05; 0.2; 0.5; 0.9 ]

        return
            {
                Data = d
                Neurons = neurons
                LambdaFraction = fraction
            }
    }

// ---------------------------------------------------------------------------------------------
// The Arbitrary classes the properties name in `[<Property(Arbitrary = [| typeof<…> |])>]`.

/// Hard lattice data, d = 1..3, every scale: for enumeration, faces and certificates.
type HardData =
    static member Lattice() =
        Arb.fromGen (latticeData [ 1, 9; 2, 7; 3, 6 ] allScales)

/// Hard lattice data for counting, d = 1..4.
type CountingData =
    static member Lattice() =
        Arb.fromGen (latticeData [ 1, 10; 2, 8; 3, 7; 4, 7 ] allScales)

/// Few, well-separated lattice points (range 2) in d = 1, 2 at scale 1, whose cells are all large
/// enough for 10^5 random directions to find every one.
type SmallData =
    static member Lattice() =
        Arb.fromGen (
            gen {
                let! d = Gen.elements [ 1; 2 ]
                let! n = Gen.choose (1, (if d = 1 then 6 else 4))
                let! pts = points d 2 n
                let! labels = normalVector n
                let! sd = seed

                return
                    {
                        Kind = "small"
                        D = d
                        Points = pts
                        Labels = labels
                        Scale = 1.0
                        Seed = sd
                    }
            }
        )

/// Small hard data sets the solver handles quickly, every scale.
type SolverData =
    static member Lattice() =
        Arb.fromGen (latticeData [ 1, 8; 2, 6; 3, 4 ] allScales)

/// What the solver handles at λ = 1e-6 λ_max in well under a second: d = 1, at most 4 grid points
/// (ties and duplicates likely), at scale 1. Other scales and wider data at that λ are the skipped
/// property `tiny λ on hard data` (slow, sometimes not certified: reported).
type TinyLambdaData =
    static member Lattice() =
        Arb.fromGen (
            gen {
                let! n = Gen.choose (1, 4)
                let! pts = points 1 2 n
                let! labels = normalVector n
                let! sd = seed

                return
                    {
                        Kind = "tiny-λ grid"
                        D = 1
                        Points = pts
                        Labels = labels
                        Scale = 1.0
                        Seed = sd
                    }
            }
        )

/// Gaussian inputs, d = 1..4, with many N.
type GaussianInputs =
    static member Gaussian() =
        Arb.fromGen (gaussianData [ 1, 60; 2, 30; 3, 18; 4, 12 ])

/// Degenerate cones.
type Cones =
    static member Cone() = Arb.fromGen cones

/// Dual vectors on hard data, d = 1..3.
type DualVectors =
    static member Dual() =
        Arb.fromGen (duals (latticeData [ 1, 8; 2, 6; 3, 5 ] allScales))

/// Random networks on small hard data.
type Networks =
    static member Network() =
        Arb.fromGen (networks (latticeData [ 1, 7; 2, 5 ] allScales))

/// The sine data of issue 16 and `report solver` (benchmarks/, same formula and seed): N points x ~ U(−3, 3),
/// y = sin(2x) + 0.1·(standard normal by Box–Muller), drawn from System.Random(seed) (whose seeded sequence .NET
/// keeps stable). A fixed data set for facts that pin a measured case, not a generator of hard cases.
let sine (seed: int) (n: int) =
    let rnd = Random(seed)

    let gaussian () =
        sqrt (-2.0 * log (1.0 - rnd.NextDouble()))
        * cos (2.0 * Math.PI * rnd.NextDouble())

    let x = Array.init n (fun _ -> [| 6.0 * rnd.NextDouble() - 3.0 |])
    let y = x |> Array.map (fun v -> sin (2.0 * v.[0]) + 0.1 * gaussian ())
    Dataset.CreateOrRaise(x, y)
