namespace TvRelu.ProofsChecks.Claims

open TvRelu.ProofsChecks
open TvRelu.ProofsChecks.Claims.Common
open TvRelu.Core.Data
open TvRelu.Core.Arrangements
open TvRelu.Core.Certificates
open TvRelu.Core.Solver

/// Claim 2: the support of every minimiser lies in Σ, and |Σ| ≤ #{cells with active neurons} (the sharper bound of
/// THEORY.md §3) and |Σ| ≤ #faces; the certificate behind it is re-verified without the code it audits.
module SupportBound =

    /// The claim's id.
    [<Literal>]
    let Id = "support-bound"

    let private spec =
        { Generate.defaultSpec with
            MaxRows = [| 10; 8; 6 |]
        }

    /// The scale of η's terms, (1/λ) Σ_i |q_i| ‖x̃_i‖: the rounding of any evaluation of sup |η| is relative to it.
    let private etaScale (data: Dataset) (lambda: float) (q: float[]) =
        data.Inputs
        |> Array.mapi (fun i x -> abs q.[i] * sqrt (1.0 + Array.sumBy (fun v -> v * v) x))
        |> Array.sum
        |> fun s -> s / lambda

    /// The solution's certificate re-verified by the face oracle (independent of the core's pieces, facets and cone
    /// projections): its sup |η| must be the solver's, and the gap recomputed with it must be within the tolerance.
    let independentCertificate (arr: Arrangement) (data: Dataset) (sol: Solution) (o: Outcome) =
        let q = sol.Assessment.Residual
        let oracleSup, _, _ = FaceOracle.supremumAbs arr data sol.Lambda q
        let agreement = 1e-10 * (1.0 + etaScale data sol.Lambda q)

        let recomputed =
            Gap.ofResidual data.Labels q sol.Lambda (Measure.totalVariation sol.Measure) oracleSup (Some sol.Assessment.Tolerance)

        o
            .Require(
                abs (oracleSup - sol.Assessment.CertificateSup) <= agreement,
                sprintf
                    "the solver's sup|eta| = %.15g, the face oracle's %.15g (allowed %g)"
                    sol.Assessment.CertificateSup
                    oracleSup
                    agreement
            )
            .Require(
                recomputed.Gap
                <= sol.Assessment.Tolerance * (1.0 + 1e-6) + effectiveGap data sol
                   - max sol.Assessment.Gap 0.0,
                sprintf
                    "certified with gap %g, but the gap with the oracle's sup|eta| = %.15g is %g > tolerance %g"
                    sol.Assessment.Gap
                    oracleSup
                    recomputed.Gap
                    sol.Assessment.Tolerance
            )
            .With("oracleSup", oracleSup)
            .With("oracleGap", recomputed.Gap)

    /// η(θ) = (1/λ) Σ_i q_i σ(⟨θ, x̃_i⟩), summed from the data (not the core's pieces).
    let private etaFromData (data: Dataset) (lambda: float) (q: float[]) (theta: float[]) =
        let d = theta.Length - 1

        data.Inputs
        |> Array.mapi (fun i x ->
            let mutable z = theta.[d]

            for k in 0 .. d - 1 do
                z <- z + theta.[k] * x.[k]

            q.[i] * max z 0.0)
        |> Array.sum
        |> fun s -> s / lambda

    /// Σ holds only what its definition lets in (README: {|η| ≥ 1 − 1e-6}, widened for a certified solution to take
    /// in every atom its gap lets sit below 1, THEORY.md §2): the widening is recomputed here from the atoms and the
    /// gap (`Common.atomSlack`), and each point of Σ must reach s·η ≥ 1 − w with η summed from the data. A point's
    /// direction is known to about 1e-9 (the boundary tolerance of §3), and η moves by at most its scale
    /// (1/λ) Σ|q_i|‖x̃_i‖ per unit of direction, so that much is added (the first campaign of this check refuted a
    /// small-scale problem at λ = 3.7e-6 λ_max by 1.6e-6 without it). A Σ read at a wider tolerance (the
    /// wide-saturation mutant) holds near-saturated points that are not in Σ.
    let sigmaIsSaturated (data: Dataset) (sol: Solution) (o: Outcome) =
        let w =
            sol.Measure.Atoms
            |> Array.fold (fun acc a -> max acc (atomSlack data sol a.Amplitude)) 1e-6
            |> fun w ->
                w * (1.0 + 1e-6)
                + 1e-9 * (1.0 + etaScale data sol.Lambda sol.Assessment.Residual)

        sol.Saturation
        |> Array.fold
            (fun (o: Outcome) sp ->
                let e =
                    float sp.Sign * etaFromData data sol.Lambda sol.Assessment.Residual sp.Direction

                o.Require(
                    e >= 1.0 - w,
                    sprintf
                        "a point of Sigma has s*eta = %.12g < 1 - %g (eta summed from the data): Sigma holds a point that is not saturated"
                        e
                        w
                ))
            o

    /// On the close-pair family Σ is known: two points of one sign δ ≤ 5e-7 apart, each the maximum of its own cell.
    /// The library's saturation set of the known optimal dual must report them as two points, each within δ/4 of its
    /// own (a Σ whose merge radius exceeds δ reports one).
    let knownPair (arr: Arrangement) (data: Dataset) (lambda: float) (p: Problem) (o: Outcome) =
        if p.Kind <> "close-pair" then
            o
        else
            let known = ClosePair.points p
            let delta = distance known.[0] known.[1]

            let sigma =
                Certificate.saturation 1e-9 1e-12 (Certificate.ofDual arr data lambda p.Duals)

            let near (t: float[]) =
                sigma
                |> Array.indexed
                |> Array.filter (fun (_, sp) -> sp.Sign = 1 && distance sp.Direction t <= delta / 4.0)
                |> Array.map fst

            let a, b = near known.[0], near known.[1]

            o
                .Require(
                    a.Length > 0
                    && b.Length > 0
                    && Array.exists (fun i -> Array.exists ((<>) i) b) a,
                    sprintf
                        "close pair: Sigma of the known optimal dual should hold two points %.3g apart, each the maximum of its own cell; it reports %d point(s) near the first and %d near the second (shared: %b)"
                        delta
                        a.Length
                        b.Length
                        (a.Length = 1 && b.Length = 1 && a.[0] = b.[0])
                )
                .With("closePairDistance", delta)

    /// The claim.
    type Claim() =
        inherit ProblemClaim()
        override _.Id = Id

        override _.Statement =
            "For data (x_i, y_i) and 0 < lambda <= lambda_max: the certified minimiser's certificate is what the solver says (sup|eta| recomputed by the face-enumeration oracle from the data agrees with the solver's, and the gap recomputed with it is within the tolerance); "
            + "every point of the reported Sigma has |eta| >= 1 - w with eta summed from the data (w = 1e-6 widened by what the gap lets an atom miss); its atoms lie in the saturation set Sigma = {|eta| = 1} with matching signs (to the precision its certified gap allows: lambda |a_j| (1 - s_j eta(theta_j)) <= gap), sup|eta| <= 1 up to what the gap allows (sqrt(2 gap) |X~|_F / lambda); "
            + "and |Sigma| <= #{cells with a non-empty active set} (the sharper bound of THEORY.md §3: a saturation point on a hyperplane lies in two active closed cells) and |Sigma| <= #{faces with some non-zero sign}; on the close-pair family (two points of Sigma of one sign 5e-8 to 5e-7 apart, built backwards) Sigma read from the known optimal dual holds both. The tightness |Sigma|/bound is recorded."

        override _.Source =
            "seed abstract (\"its cardinality can be bounded from above by a constant depending only on the geometry of the data-induced hyperplane arrangement\"); bounds derived in THEORY.md §3 (consequences 2 and 3)"

        override _.Oracle =
            "the face-enumeration oracle (FaceOracle: the critical point of every flat, membership decided in dyadic arithmetic when close) for sup|eta|, with pieces summed from the data; the certificate evaluated directly from the data at every atom; the face count from Faces.enumerate. Consistency checks only (the solver's own certificate on both sides, they fail only through a bug in it): the atoms-in-Sigma slack and |Sigma| <= #faces"

        /// A fifth of the trials draw from the close-pair family (`ClosePair`), whose Σ holds two points of one sign
        /// 5e-8 to 5e-7 apart: no random draw puts two points of Σ that close, so the radius at which Σ merges points
        /// went unchecked. The family is drawn from a stream of its own, so every other seed replays as before.
        override _.Generate(rng) =
            let family = Rng(rng.Seed ^^^ 0x6A09E667F3BCC909L)

            // About one draw in six is of the family (the others put another cell's maximum above 1): six tries.
            (if family.Bernoulli 0.2 then
                 Seq.init 6 (fun _ -> family) |> Seq.tryPick ClosePair.generate
             else
                 None)
            |> Option.defaultWith (fun () -> Generate.dataset spec rng)

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
                // Undecided at near-ties (`Faces.decide`): the face bound is then not checked.
                let faces = defaultArg sol.Bounds.Faces System.Int32.MaxValue

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
                        .Require(
                            sigma <= active,
                            sprintf "|Sigma| = %d > #active cells = %d (THEORY.md §3: Sigma is over-counted)" sigma active
                        )
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
                    independentCertificate arr data sol o
                    |> sigmaIsSaturated data sol
                    |> knownPair arr data lambda p

                let o =
                    o
                        .With("sigma", float sigma)
                        .With("activeCells", float active)
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
                        o.With("tightness.activeCells", float sigma / float active)
                    else
                        o

                if faces = System.Int32.MaxValue then
                    o.With("facesUndecided", 1.0)
                elif faces > 0 then
                    o.With("faces", float faces).With("tightness.faces", float sigma / float faces)
                else
                    o.With("faces", float faces)

    /// The registered instance.
    let claim = Claim()
