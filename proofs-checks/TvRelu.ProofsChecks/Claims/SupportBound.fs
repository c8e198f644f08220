namespace TvRelu.ProofsChecks.Claims

open TvRelu.ProofsChecks
open TvRelu.ProofsChecks.Claims.Common
open TvRelu.Core.Data
open TvRelu.Core.Arrangements
open TvRelu.Core.Certificates
open TvRelu.Core.Solver

/// Claim 2: the support of every minimiser lies in Σ, and |Σ| ≤ 2·#{cells with active neurons}
/// and |Σ| ≤ #faces (THEORY.md §3).
module SupportBound =

    /// The claim's id.
    [<Literal>]
    let Id = "support-bound"

    let private spec =
        { Generate.defaultSpec with
            MaxRows = [| 10; 8; 6 |]
        }

    /// The claim.
    type Claim() =
        inherit ProblemClaim()
        override _.Id = Id

        override _.Statement =
            "For data (x_i, y_i) and 0 < lambda <= lambda_max: the certified minimiser's atoms lie in the saturation set "
            + "Sigma = {|eta| = 1} with matching signs (to the precision its certified gap allows: lambda |a_j| (1 - s_j eta(theta_j)) <= gap), sup|eta| <= 1 up to what the gap allows (sqrt(2 gap) |X~|_F / lambda), and |Sigma| <= 2 * #{cells with a non-empty active set} "
            + "and |Sigma| <= #{faces with some non-zero sign}. The tightness |Sigma|/bound is recorded."

        override _.Source =
            "seed abstract (\"its cardinality can be bounded from above by a constant depending only on the geometry of the data-induced hyperplane arrangement\"); bounds derived in THEORY.md §3 (consequences 2 and 3)"

        override _.Oracle =
            "the certificate evaluated directly from the data at every atom; the face count from an independent face enumeration (Faces.enumerate); the certified gap of §2 (exact supremum)"

        override _.Generate(rng) = Generate.dataset spec rng

        override _.Check(p) =
            let data = p.Dataset
            let arr = Arrangement.ofDataset data
            let lambda, lmax = lambdaOf arr data p
            let sol = CertifiedSolve.solve data lambda { solverOptions with CountFaces = true }

            match uncertified "the minimiser" sol with
            | Some o -> o
            | None ->
                let cert = Certificate.ofDual arr data lambda sol.Assessment.Residual
                let sigma = sol.Saturation.Length
                let active = sol.CellsWithActiveNeurons
                let faces = defaultArg sol.Bounds.Faces 0

                let mutable o =
                    Outcome
                        .Pass()
                        .Require(
                            sol.Assessment.CertificateSup <= 1.0 + certificateSlack data sol,
                            sprintf
                                "sup|eta| = %.12g > 1 + %g, what the certified gap %g allows"
                                sol.Assessment.CertificateSup
                                (certificateSlack data sol)
                                sol.Assessment.Gap
                        )
                        .Require(sigma <= 2 * active, sprintf "|Sigma| = %d > 2 * active cells = %d" sigma (2 * active))
                        .Require(sigma <= faces, sprintf "|Sigma| = %d > #faces = %d" sigma faces)
                // Support in Sigma, to the precision the certified gap allows (see Common.atomSlack).
                let mutable worstSlackRatio = 0.0

                for a in sol.Measure.Atoms do
                    let eta = Certificate.evaluate cert a.Direction
                    let s = float (sign a.Amplitude)
                    let slack = atomSlack data sol a.Amplitude
                    worstSlackRatio <- max worstSlackRatio ((1.0 - s * eta) / slack)

                    o <-
                        o.Require(
                            1.0 - s * eta <= slack,
                            sprintf
                                "an atom of amplitude %g sits where eta = %.12g: 1 - s eta exceeds what the gap %g allows (%g)"
                                a.Amplitude
                                eta
                                sol.Assessment.Gap
                                slack
                        )

                let toSigma = distancesToSigma sol

                let o =
                    o
                        .With("sigma", float sigma)
                        .With("activeCells", float active)
                        .With("faces", float faces)
                        .With("atoms", float sol.Measure.Count)
                        .With("N", float p.Count)
                        .With("lambdaOverLambdaMax", (if lmax > 0.0 then lambda / lmax else nan))
                        .With("rounds", float sol.Rounds)
                        .With("gap", sol.Assessment.Gap)
                        .With("atomSlackRatio", worstSlackRatio)
                        .With("maxAtomDistanceToSigma", (if toSigma.Length = 0 then 0.0 else Array.max toSigma))
                        .With("nearDuplicateAtoms", float (nearDuplicateAtoms sol.Measure))

                let o =
                    if active > 0 then
                        o.With("tightness.twiceActiveCells", float sigma / float (2 * active))
                    else
                        o

                if faces > 0 then
                    o.With("tightness.faces", float sigma / float faces)
                else
                    o

    /// The registered instance.
    let claim = Claim()
