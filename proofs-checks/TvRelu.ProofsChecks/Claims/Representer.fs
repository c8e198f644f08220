namespace TvRelu.ProofsChecks.Claims

open TvRelu.ProofsChecks
open TvRelu.ProofsChecks.Claims.Common
open TvRelu.Core.Data
open TvRelu.Core.Arrangements
open TvRelu.Core.Certificates
open TvRelu.Core.Uniqueness
open TvRelu.Core.Solver

/// Claim 3: some minimiser has at most N atoms (a representer theorem), and whether the solver's has.
module Representer =

    /// The claim's id.
    [<Literal>]
    let Id = "representer"

    let private spec =
        { Generate.defaultSpec with
            MaxRows = [| 10; 8; 6 |]
        }

    /// Carathéodory reduction: while the features φ(θ_j) of the atoms are dependent, move the
    /// amplitudes along a null vector δ (Φδ = 0 keeps Kμ; on Σ the TV norm Σ s_j a_j is linear with
    /// Σ s_j δ_j = ⟨q*, Φδ⟩/λ = 0, so it stays too) until one amplitude reaches zero. Ends with
    /// independent features, hence at most rank Φ ≤ N atoms.
    let reduce (data: Dataset) (atoms: (float[] * float)[]) =
        let mutable current = atoms |> Array.filter (fun (_, a) -> a <> 0.0)
        let mutable fin = false

        while not fin && current.Length > 0 do
            let k = current.Length
            let phi = current |> Array.map (fun (th, _) -> Uniqueness.feature data th)
            let rows = Array.init data.Count (fun i -> Array.init k (fun j -> phi.[j].[i]))

            match Linear.nullSpace rows k 1e-10 with
            | [||] -> fin <- true
            | basis ->
                let delta = basis.[0]
                let amps = current |> Array.map snd
                // Step along the sign of δ that does not increase the mass Σ_j |a_j| (the slope of the mass is
                // Σ_j sign(a_j) δ_j while no sign changes; a direction that lowers the mass must shrink some
                // |a_j|, since the mass is bounded below). At an exact optimum the slope is 0 and either
                // sign would do; at a certified one it is not, and a step that raised the mass raised the
                // gap (refuted trials 68 and 131 of the first campaign). Stop at the first amplitude that hits zero.
                let slope = Array.fold2 (fun acc a d -> acc + float (sign a) * d) 0.0 amps delta

                let delta =
                    if slope > 0.0 then
                        Array.map (~-) delta
                    elif slope < 0.0 then
                        delta
                    elif Array.exists2 (fun a d -> a * d < 0.0) amps delta then
                        delta
                    else
                        Array.map (~-) delta

                let mutable t = infinity
                let mutable hit = -1

                for j in 0 .. k - 1 do
                    if amps.[j] * delta.[j] < 0.0 then
                        let tj = -amps.[j] / delta.[j]

                        if tj < t then
                            t <- tj
                            hit <- j

                if hit < 0 then
                    fin <- true
                else
                    current <-
                        current
                        |> Array.mapi (fun j (th, a) -> th, (if j = hit then 0.0 else a + t * delta.[j]))
                        |> Array.filter (fun (_, a) -> a <> 0.0)

        current

    /// The claim.
    type Claim() =
        inherit ProblemClaim()
        override _.Id = Id

        override _.Statement =
            "For data with N points and 0 < lambda <= lambda_max, some minimiser of P_lambda has at most N atoms: "
            + "the solver's minimiser, reduced by Caratheodory steps along null vectors of its feature matrix, "
            + "keeps a certified gap and has at most N atoms. Whether the solver's own minimiser has at most N atoms is recorded."

        override _.Source =
            "derived in THEORY.md §4-§5 (all minimisers share K mu* and live on Sigma; a vertex of the polytope of §5 has at most rank Phi_Sigma <= N atoms)"

        override _.Oracle =
            "the certified gap of §2 (exact supremum) of the reduced measure, recomputed from scratch"

        override _.Generate(rng) = Generate.dataset spec rng

        override _.Check(p) =
            let data = p.Dataset
            let arr = Arrangement.ofDataset data
            let lambda, _ = lambdaOf arr data p
            let sol = CertifiedSolve.solve data lambda solverOptions

            match uncertified "the minimiser" sol with
            | Some o -> o
            | None ->
                let atoms = atomsOf sol.Measure
                let reduced = reduce data atoms
                let mu = Measure.ofAtoms arr.AmbientDimension reduced
                let assessment = Gap.assess arr data lambda None mu
                // In exact arithmetic each step moves along a null vector of Φ, so Kμ, and with it J and the
                // certificate, do not change. In floating point the null vectors are null to ~1e-10 σ_max,
                // and Kμ moves by e = q − q_reduced: J moves by at most ‖q‖‖e‖ + ½‖e‖², which is allowed on
                // top of the solver's gap; and the certificate moves by at most ‖e‖ ‖X~‖_F / λ, which lowers
                // the dual bound D(q / s) by at most about λ TV Δs = TV ‖e‖ ‖X~‖_F (THEORY.md §2). At
                // λ = 3e-6 λ_max a drift of 3e-9 raised sup|η| to 1 + 5e-8 (trial 131 of the first campaign).
                let q = sol.Assessment.Residual
                let e = Array.map2 (-) q assessment.Residual
                let ne = sqrt (Array.sumBy (fun v -> v * v) e)

                let frobenius =
                    sqrt (data.Inputs |> Array.sumBy (fun x -> 1.0 + Array.sumBy (fun v -> v * v) x))

                let drift =
                    sqrt (Array.sumBy (fun v -> v * v) q) * ne
                    + 0.5 * ne * ne
                    + Measure.totalVariation mu * ne * frobenius

                let tolerance = max assessment.Tolerance (2.0 * sol.Assessment.Gap) + 2.0 * drift
                let n = p.Count

                Outcome
                    .Pass()
                    .Require(mu.Count <= n, sprintf "the reduced minimiser has %d atoms > N = %d" mu.Count n)
                    .Require(
                        assessment.Gap <= tolerance,
                        sprintf "the reduced measure is not optimal: gap %g > %g" assessment.Gap tolerance
                    )
                    .With("N", float n)
                    .With("solverAtoms", float atoms.Length)
                    .With("reducedAtoms", float mu.Count)
                    .With("solverWithinN", flag (atoms.Length <= n))
                    .With("tightness.solverAtomsOverN", float atoms.Length / float n)
                    .With("tightness.reducedAtomsOverN", float mu.Count / float n)
                    .With("reducedGap", assessment.Gap)
                    .With("residualDrift", ne)

    /// The registered instance.
    let claim = Claim()
