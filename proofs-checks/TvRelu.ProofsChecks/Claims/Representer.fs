namespace TvRelu.ProofsChecks.Claims

open TvRelu.ProofsChecks
open TvRelu.ProofsChecks.Claims.Common
open TvRelu.Core.Data
open TvRelu.Core.Arrangements
open TvRelu.Core.Certificates
open TvRelu.Core.Uniqueness
open TvRelu.Core.Solver

/// Claim 3: some minimiser has at most rank Φ_Σ ≤ N atoms (a vertex of the polytope of §5), and the library returns
/// one: its answer's atoms have linearly independent features and it is certified, re-verified without the code
/// it audits.
module Representer =

    /// The claim's id.
    [<Literal>]
    let Id = "representer"

    let private spec =
        { Generate.defaultSpec with
            MaxRows = [| 10; 8; 6 |]
        }

    /// The claim.
    type Claim() =
        inherit ProblemClaim()
        override _.Id = Id

        override _.Statement =
            "For data with N points and 0 < lambda <= lambda_max, the library's certified minimiser is a vertex of the polytope of minimisers (THEORY.md §5): "
            + "the features phi(theta_j) of its atoms are linearly independent (numerical rank at 1e-8, the accuracy of Sigma), so it has at most rank Phi_Sigma <= N atoms; "
            + "and it is optimal: sup|eta| recomputed by the face-enumeration oracle agrees with the solver's and the gap recomputed with it is within the tolerance."

        override _.Source =
            "derived in THEORY.md §4-§5 (all minimisers share K mu* and live on Sigma; a vertex of the polytope of §5 has at most rank Phi_Sigma <= N atoms)"

        override _.Oracle =
            "an SVD of the atoms' feature matrix (MathNet, in the proofs-checks oracles), and the face-enumeration oracle's sup|eta| for the gap, recomputed from the data"

        override _.Generate(rng) = Generate.dataset spec rng

        override _.Check(p) =
            let data = p.Dataset
            let arr = Arrangement.ofDataset data
            let lambda, _ = lambdaOf arr data p
            let sol = CertifiedSolve.solve data lambda solverOptions

            match uncertified "the minimiser" sol with
            | Some o -> o
            | None ->
                let atoms = sol.Measure.Atoms
                let n = p.Count
                let phi = atoms |> Array.map (fun a -> Uniqueness.feature data a.Direction)
                let rows = Array.init n (fun i -> Array.init atoms.Length (fun j -> phi.[j].[i]))

                let rank =
                    if atoms.Length = 0 then
                        0
                    else
                        atoms.Length - (Linear.nullSpace rows atoms.Length 1e-8).Length

                Outcome
                    .Pass()
                    .Require(atoms.Length <= n, sprintf "the minimiser has %d atoms > N = %d" atoms.Length n)
                    .Require(
                        (rank = atoms.Length),
                        sprintf "the minimiser is not a vertex: its %d atoms' features have rank %d" atoms.Length rank
                    )
                |> SupportBound.independentCertificate arr data sol
                |> fun o ->
                    o
                        .With("N", float n)
                        .With("atoms", float atoms.Length)
                        .With("featureRank", float rank)
                        .With("saturationPoints", float sol.Saturation.Length)
                        .With("unique", flag sol.Uniqueness.Unique)
                        .With("tightness.atomsOverN", float atoms.Length / float n)
                        .With("tightness.atomsOverSigma", float atoms.Length / float (max 1 sol.Saturation.Length))

    /// The registered instance.
    let claim = Claim()
