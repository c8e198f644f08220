namespace TvRelu.ProofsChecks.Claims

open TvRelu.ProofsChecks
open TvRelu.ProofsChecks.Claims.Common
open TvRelu.Core.Data
open TvRelu.Core.Arrangements
open TvRelu.Core.Certificates
open TvRelu.Core.Solver

/// The open conjecture of THEORY.md §3: |Σ| ≤ 2N − 4 in d = 1 for generic labels and N ≥ 4. A *conjecture*, not a
/// theorem: its campaign is a search for counterexamples at small λ (log-uniform down to 1e-6 λ_max), with |Σ| read
/// from the certificate (the exact per-cell maxima of §3, at most one per closed cell and sign, never a clustering
/// of atoms). The count is an upper bound on |Σ*| decided by the certificate: the optimal η* is within
/// ρ = √(2 gap) ‖X̃‖_F / λ of the solution's η (`Common.certificateSlack`), so a closed-cell maximum below 1 − ρ holds
/// no point of Σ*; the points of {|η| ≥ 1 − ρ} (one per closed cell and sign, adjacent cells' common point once) are
/// counted. The library's own Σ is not used for the count: its threshold widens with every tiny atom the gap lets
/// sit below 1 (the first campaign's "|Σ| = 10 > 8" at N = 6 was two such points at |η| = 0.99 and 0.98). Where the
/// bound exceeds 2N − 4, the problem is solved again at a gap tolerance of 1e-15 ½‖y‖², which shrinks ρ. A count
/// above 2N − 4 is never reported as "refuted". When only the near-saturated points within ρ push it above (at most
/// 2N − 4 points reach |η| ≥ 1 − 1e-6), the trial is "undecided" (not applicable, counted in the report); when the
/// points at 1 − 1e-6 alone exceed it, it is an inconclusive candidate with its seed: double precision cannot prove that η* = 1 at a
/// point, so it is a candidate (inconclusive, with its replay seed) for verification in exact arithmetic. What can
/// fail is the reading of Σ: every reported point must be saturated with η summed from the data
/// (`SupportBound.sigmaIsSaturated`), and on the antipodal family, where Σ is known (2N − 4 points, the bound
/// attained), the count must be exactly that.
module SupportConjecture =

    /// The claim's id.
    [<Literal>]
    let Id = "support-conjecture"

    /// Generic d = 1 data: Gaussian or uniform inputs, Gaussian labels, N = 4 … 10, λ / λ_max log-uniform on
    /// [1e-6, 1].
    let private spec =
        { Generate.defaultSpec with
            Kinds = [| DataKind.Gaussian, 1.0; DataKind.Uniform, 1.0 |]
            Dimensions = [| 1, 1.0 |]
            MaxRows = [| 10 |]
        }

    let private generic (rng: Rng) =
        let p = Generate.dataset spec rng
        let n = rng.Int(4, 10)

        let x =
            Generate.inputs
                rng
                (if p.Kind = "uniform" then
                     DataKind.Uniform
                 else
                     DataKind.Gaussian)
                1
                n

        { p with
            Inputs = x
            Labels = Array.init n (fun _ -> rng.Gaussian())
        }

    /// The known Σ of an antipodal problem must be the reported one: 2N − 4 points, each within 1e-6 of a reported
    /// point of its sign.
    let private knownSigma (p: Problem) (sol: Solution) (o: Outcome) =
        if p.Kind <> "antipodal" || p.Teacher.Length <> 2 * p.Count - 4 then
            o
        else
            let found =
                p.Teacher
                |> Array.forall (fun (th, a) ->
                    sol.Saturation
                    |> Array.exists (fun sp -> sp.Sign = sign a && distance sp.Direction th <= 1e-6))

            o.Require(
                found && sol.Saturation.Length = p.Teacher.Length,
                sprintf
                    "the antipodal problem's Sigma is %d known points, the library reports %d (all known points found: %b)"
                    p.Teacher.Length
                    sol.Saturation.Length
                    found
            )

    /// The upper bound on |Σ*| of the module comment, with ρ.
    let private sigmaUpper (arr: Arrangement) (data: Dataset) (sol: Solution) =
        let rho = certificateSlack data sol
        let cert = Certificate.ofDual arr data sol.Lambda sol.Assessment.Residual
        (Certificate.saturation rho solverOptions.BoundaryTolerance cert).Length, rho

    /// The bound, from a second solve at a gap tolerance of 1e-15 ½‖y‖² when the first one's exceeds 2N − 4.
    let private decidedUpper (arr: Arrangement) (data: Dataset) (lambda: float) (sol: Solution) (bound: int) =
        let upper, rho = sigmaUpper arr data sol

        if upper <= bound then
            upper, rho, sol
        else
            let yy = data.Labels |> Seq.sumBy (fun v -> v * v)

            let tight =
                CertifiedSolve.solve
                    data
                    lambda
                    { solverOptions with
                        Tolerance = Some(1e-15 * 0.5 * yy)
                    }

            if tight.Assessment.Certified then
                let u, r = sigmaUpper arr data tight
                u, r, tight
            else
                upper, rho, sol

    /// The claim.
    type Claim() =
        inherit ProblemClaim()
        override _.Id = Id

        override _.Statement =
            "CONJECTURE (open, observed, not proved; THEORY.md §3): for d = 1, generic labels and N >= 4, every lambda in (0, lambda_max] has |Sigma| <= 2N - 4. "
            + "The campaign searches for counterexamples at small lambda (lambda / lambda_max log-uniform on [1e-6, 1]) with |Sigma*| bounded by the certificate (closed-cell maxima of |eta| >= 1 - rho, rho = sqrt(2 gap) |X~|_F / lambda bounding |eta - eta*|); a bound above 2N - 4 is reported as an inconclusive candidate for exact verification, never as refuted. "
            + "Checked: every point of the reported Sigma is saturated (|eta| summed from the data), and on the antipodal family (Sigma known, 2N - 4 points) the count is exact."

        override _.Source =
            "THEORY.md §3 (open conjecture from an independent high-precision solver: largest |Sigma| = max(N, 2N - 4) in 204 random d = 1 problems)"

        override _.Oracle =
            "eta summed from the data at each reported point of Sigma; the antipodal family's known Sigma (a dual vector built backwards, sup|eta| = 1 checked by the face oracle)"

        override _.MinRows = 4

        override _.Generate(rng) =
            (if rng.Bernoulli 0.2 then Antipodal.generate rng else None)
            |> Option.defaultWith (fun () -> generic rng)

        override _.Check(p) =
            let n = p.Count
            let distinct = p.Inputs |> Array.map (fun x -> x.[0]) |> Array.distinct

            if p.Dimension <> 1 || n < 4 || distinct.Length < n then
                Outcome.NotApplicable(sprintf "the conjecture is for d = 1, N >= 4 distinct inputs (d = %d, N = %d)" p.Dimension n)
            else
                let data = p.Dataset
                let arr = Arrangement.ofDataset data
                let lambda, lmax = lambdaOf arr data p
                let sol = CertifiedSolve.solve data lambda solverOptions

                match uncertified "the minimiser" sol with
                | Some o -> o
                | None ->
                    let bound = 2 * n - 4
                    let upper, rho, used = decidedUpper arr data lambda sol bound

                    let o =
                        Outcome.Pass()
                        |> SupportBound.sigmaIsSaturated data sol
                        |> knownSigma p sol
                        |> fun o ->
                            o
                                .With("sigma", float sol.Saturation.Length)
                                .With("sigmaUpper", float upper)
                                .With("rho", rho)
                                .With("N", float n)
                                .With("lambdaOverLambdaMax", (if lmax > 0.0 then lambda / lmax else nan))
                                .With("tightness.twoNMinus4", float upper / float bound)

                    let strict =
                        (Certificate.saturation
                            1e-6
                            solverOptions.BoundaryTolerance
                            (Certificate.ofDual arr data lambda used.Assessment.Residual))
                            .Length

                    if o.Passed && upper > bound && strict <= bound then
                        Outcome
                            .NotApplicable(
                                sprintf
                                    "|Sigma*| undecided in double precision: the certificate bounds it by %d > 2N - 4 = %d (eta within rho = %g of eta*), while only %d points reach |eta| >= 1 - 1e-6"
                                    upper
                                    bound
                                    rho
                                    strict
                            )
                            .With("undecided", 1.0)
                            .With("sigmaUpper", float upper)
                            .With("sigmaStrict", float strict)
                            .With("N", float n)
                            .With("lambdaOverLambdaMax", lambda / lmax)
                            .With("strictOverTwoNMinus4", float strict / float bound)
                    elif o.Passed && upper > bound then
                        Outcome
                            .Inconclusive(
                                sprintf
                                    "candidate counterexample to the conjecture: |Sigma*| <= %d is all the certificate decides, above 2N - 4 = %d, at lambda = %g lambda_max (gap %g, eta within rho = %g of eta*); double precision cannot prove eta* = 1 at each point, verify exactly"
                                    upper
                                    bound
                                    (lambda / lmax)
                                    used.Assessment.Gap
                                    rho
                            )
                            .With("sigmaUpper", float upper)
                            .With("N", float n)
                            .With("tightness.twoNMinus4", float upper / float bound)
                    else
                        o

    /// The registered instance.
    let claim = Claim()
