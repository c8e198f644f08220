namespace TvRelu.ProofsChecks.Claims

open TvRelu.Core
open TvRelu.ProofsChecks
open TvRelu.ProofsChecks.Claims.Common

/// Claim 4: uniqueness (THEORY.md §5). When Φ_Σ has full column rank the minimiser is unique, so
/// two solution paths must return the same measure; the exact polytope test agrees with the rank test.
module UniquenessClaim =

    /// The claim's id.
    [<Literal>]
    let Id = "uniqueness"

    let private spec = { Generate.defaultSpec with MaxRows = [| 10; 8; 6 |] }

    /// The exact test of §5 by its 2k linear programs, independently of the core's Stiemke test:
    /// with b_j = s_j a_j ≥ 0 and columns s_j φ(θ_j), every minimiser is b* + B t ≥ 0 for a null-space
    /// basis B; the polytope is a point iff max and min of every b_j over it coincide. Returns the
    /// largest width max − min (0 when the columns are independent, ∞ when an LP is unbounded).
    let polytopeWidth (data: Dataset) (points: (float[] * int)[]) (amplitudes: float[]) =
        let k = points.Length
        if k = 0 then 0.0
        else
            let cols = points |> Array.map (fun (th, s) -> Uniqueness.feature data th |> Array.map (fun v -> float s * v))
            let rows = Array.init data.Count (fun i -> Array.init k (fun j -> cols.[j].[i]))
            let basis = Linear.nullSpace rows k 1e-10
            if basis.Length = 0 then 0.0
            else
                let m = basis.Length
                let bStar = Array.init k (fun j -> max 0.0 (float (snd points.[j]) * amplitudes.[j]))
                // B as k × m: row j is (basis_t[j])_t.
                let bRow j = Array.init m (fun t -> basis.[t].[j])
                // −B t ≤ b*, with t = t⁺ − t⁻.
                let g = Array.init k (fun j -> let r = bRow j in Array.append (Array.map (~-) r) r)
                let mutable widest = 0.0
                for j in 0 .. k - 1 do
                    let r = bRow j
                    let up = Linear.maximise (Array.append r (Array.map (~-) r)) g bStar
                    let down = Linear.maximise (Array.append (Array.map (~-) r) r) g bStar
                    let w =
                        match up, down with
                        | Some u, Some d -> u + d
                        | _ -> infinity
                    widest <- max widest w
                widest

    /// The claim.
    type Claim() =
        inherit ProblemClaim()
        override _.Id = Id
        override _.Statement =
            "For data and 0 < lambda <= lambda_max: when Phi_Sigma has full column rank, a cold-start solve and a warm-started "
            + "path solve (8, 4, 2, 1 times lambda) return the same measure (atoms within 1e-6), and the exact polytope test "
            + "(2k linear programs) says unique; the core's exact test agrees with the linear programs in every case."
        override _.Source = "derived in THEORY.md §5 (the seed abstract announces sufficient conditions for uniqueness whose exact form is not available)"
        override _.Oracle = "a textbook simplex (Bland's rule) over the polytope {a : Phi_Sigma a = K mu*, s_j a_j >= 0}, in null-space coordinates, independent of the core's Stiemke/NNLS test; the two solution paths of the core's solver"
        override _.Generate(rng) = Generate.dataset spec rng
        override _.Check(p) =
            let data = p.Dataset
            let arr = Arrangement.ofDataset data
            let lambda, _ = lambdaOf arr data p
            let cold = Solve.solve data lambda SolverOptions.Default
            let warm = (Solve.path data [| 8.0 * lambda; 4.0 * lambda; 2.0 * lambda; lambda |] SolverOptions.Default) |> Array.last
            let points, amps = saturationWithAmplitudes cold
            let tv = Measure.totalVariation cold.Measure
            let width = polytopeWidth data points amps
            let lpUnique = width <= 1e-7 * (1.0 + tv)
            let verdict = cold.Uniqueness
            let a = Atoms.cluster 1e-6 (1e-9 * (1.0 + tv)) (atomsOf cold.Measure)
            let b = Atoms.cluster 1e-6 (1e-9 * (1.0 + tv)) (atomsOf warm.Measure)
            let loc, amp = Atoms.matchErrors a b
            let same = loc <= 1e-6 && amp <= 1e-6 * (1.0 + tv)
            let o =
                Outcome.Pass()
                    .Require(cold.Assessment.Certified && warm.Assessment.Certified, sprintf "not certified (cold gap %g, warm gap %g)" cold.Assessment.Gap warm.Assessment.Gap)
                    .Require(not verdict.RankSufficient || lpUnique, sprintf "rank test says unique but the polytope has width %g" width)
                    .Require(not verdict.RankSufficient || same, sprintf "unique by rank, but cold and warm starts differ (%d vs %d atoms, location %g, amplitude %g)" a.Length b.Length loc amp)
                    .Require((verdict.Unique = lpUnique), sprintf "the core's exact test says unique=%b, the linear programs say width %g" verdict.Unique width)
            o.With("saturationPoints", float points.Length)
             .With("rank", float verdict.Rank)
             .With("rankSufficient", flag verdict.RankSufficient)
             .With("coreUnique", flag verdict.Unique)
             .With("lpUnique", flag lpUnique)
             .With("polytopeWidth", width)
             .With("coldWarmLocation", loc)
             .With("coldWarmAmplitude", amp)
             .With("sameMeasure", flag same)

    /// The registered instance.
    let claim = Claim()
