namespace TvRelu.ProofsChecks.Claims

open TvRelu.ProofsChecks
open TvRelu.ProofsChecks.Claims.Common
open TvRelu.Core.Audit
open TvRelu.Core.Data
open TvRelu.Core.Arrangements
open TvRelu.Core.Certificates
open TvRelu.Core.Solver
open TvRelu.Core.Stability

/// The sweeps of the low-noise claims (THEORY.md §6): one level is a certified solve, its Dirac count decided by
/// `DiracCount` (never a clustering radius), its errors against a reference measure, and whether the level is in the
/// regime the limit certificate p* governs. The λ sweep and the noise sweep vary one of λ and ‖w‖ each.
module LowNoiseSweep =

    /// λ = ε λ_max(y₀) for these ε.
    let levels = [| for k in 0..8 -> 10.0 ** (-1.0 - 0.5 * float k) |]

    /// The noise sweep: ‖w‖ = α_top · step · λ₀ for these steps (three decades).
    let noiseSteps = [| for j in 0..6 -> 10.0 ** (-0.5 * float j) |]

    /// The λ rate is fitted over ε ≤ this (the larger levels are pre-asymptotic).
    let fitBelow = 1e-2

    /// An error enters a fit only when it exceeds this many times the resolution its certified gaps give.
    let resolvedFactor = 4.0

    /// One solved level.
    type Level =
        {
            /// λ / λ_max(y₀) (nominal: the sweep's x-axis).
            Eps: float
            /// ‖w‖ / λ_max(y₀) (nominal).
            Noise: float
            Solution: Solution
            /// What is proven about the number of Diracs.
            Count: CountDecision
            /// The solution's atoms merged by the decided groups.
            Merged: Atom[]
            /// sup |η_λ − η*| over the sphere (exact, §3), η_λ = ⟨q/λ, φ⟩.
            Deviation: float
            /// max over boundary hyperplanes H of |Σ_{i on H} (q_i/λ − p*_i)| / √(rows on H): how far the kink of η_λ
            /// across H is from the kink of η* (0 when no atom is on a hyperplane).
            JumpDeviation: float
        }

    /// The certified regime of a level for the limit certificate p*: η_λ within the margin of η* over the whole
    /// sphere (|η*| ≤ 1 − margin off the atoms' own cells, so |η_λ| < 1 there and Σ_λ lies in the atoms' cells), and
    /// every kink of η_λ across a hyperplane through an atom within the ridge of p*'s (so a ridge stays a ridge). The
    /// mechanism of §6, checked at the level rather than assumed for "small λ".
    let inRegime (pstar: LimitCertificate) (l: Level) =
        l.Solution.Assessment.Certified
        && l.Deviation < pstar.Margin
        && (pstar.Jumps.Length = 0 || l.JumpDeviation < pstar.Ridge)

    /// A solve accurate enough to resolve errors of order ε: a gap of 1e-4 λ ε² |a|_min pins an atom to ~0.014 ε,
    /// but not below 1e-15 ½‖y‖², the rounding of the gap itself; the default tolerance when that is out of reach.
    let private accurateSolve (data: Dataset) (lambda: float) (eps: float) (smallest: float) =
        let yy = data.Labels |> Seq.sumBy (fun v -> v * v)
        let tolerance = max (1e-4 * lambda * eps * eps * smallest) (1e-15 * 0.5 * yy)

        let tight =
            Solve.solve
                data
                lambda
                { solverOptions with
                    Tolerance = Some tolerance
                    MaxRounds = 25
                }

        if tight.Assessment.Certified then
            tight
        else
            CertifiedSolve.solve data lambda solverOptions

    /// |Σ_{i on H} (q_i/λ − p*_i)| / √(rows on H), largest over the hyperplanes through the atoms.
    let private jumpDeviation (arr: Arrangement) (pstar: LimitCertificate) (difference: float[]) =
        pstar.Jumps
        |> Array.fold
            (fun acc j ->
                let rows =
                    arr.RowToHyperplane
                    |> Array.indexed
                    |> Array.filter (fun (_, h) -> h = j.Hyperplane)

                let total = rows |> Array.sumBy (fun (i, _) -> difference.[i])
                max acc (abs total / sqrt (float rows.Length)))
            0.0

    /// Solves P_λ for the labels y₀ + w, decides its count, and measures it against p*.
    let solveLevel
        (data0: Dataset)
        (arr: Arrangement)
        (k: int)
        (smallest: float)
        (pstar: LimitCertificate)
        (lambdaMax: float)
        (eps: float, lambda: float, w: float[])
        =
        let y = Array.map2 (+) data0.Labels w
        let data = data0.WithLabels y
        let sol = accurateSolve data lambda eps smallest
        let q = sol.Assessment.Residual

        let count =
            DiracCount.decide arr data lambda sol.Measure q sol.Assessment.CertificateSup k

        let difference = Array.map2 (fun qi pi -> qi / lambda - pi) q pstar.Dual

        let deviation, _, _ =
            Certificate.supremumAbs (Certificate.ofDual arr data0 1.0 difference)

        {
            Eps = eps
            Noise = norm w / lambdaMax
            Solution = sol
            Count = count
            Merged = DiracCount.mergeByGroups arr count sol.Measure
            Deviation = deviation
            JumpDeviation = jumpDeviation arr pstar difference
        }

    /// How precisely the certified gap pins an atom of amplitude `smallest` (Common.atomSlack): errors below a few
    /// times this are not resolved.
    let resolution (smallest: float) (l: Level) =
        sqrt (2.0 * max l.Solution.Assessment.Gap 0.0 / (l.Solution.Lambda * smallest))

    /// What a level proves about the count k: Some true (decided k), Some false (decided not k: at least k + 1, or
    /// at most k − 1), None (undecided in double precision).
    let countVerdict (k: int) (l: Level) =
        if l.Count.AtLeast > k || l.Count.AtMost < k then
            Some false
        elif l.Count.AtLeast = k && l.Count.AtMost = k then
            Some true
        else
            None

    /// A refuted level's evidence, for the message.
    let countEvidence (k: int) (l: Level) =
        if l.Count.AtLeast > k then
            sprintf
                "eps %g: every measure with at most %d atoms is worse than the certified solution (bound %.3g > slack %.3g), so the minimiser has at least %d Diracs"
                l.Eps
                k
                l.Count.Bounds.[k]
                l.Count.Slack
                (k + 1)
        else
            sprintf
                "eps %g: the saturation set can hold at most %d Diracs (%d candidate blocks)"
                l.Eps
                l.Count.AtMost
                l.Count.Candidates.Length

    /// The λ of a nominal level: ε λ_max, or under the mutant `LambdaExponent` √(ε ε_top) λ_max (the rate in ε halved).
    let lambdaOf (lambdaMax: float) (eps: float) =
        if Mutants.isOn Mutant.LambdaExponent then
            sqrt (eps * levels.[0]) * lambdaMax
        else
            eps * lambdaMax

    /// The noise ratio of a nominal step: α_top · step, or under the mutant `NoiseExponent` α_top · √step.
    let noiseRatio (alphaTop: float) (step: float) =
        if Mutants.isOn Mutant.NoiseExponent then
            alphaTop * sqrt step
        else
            alphaTop * step

    /// A log–log fit with the points it used, or None when it cannot refute a slope of 0.5: fewer than three points
    /// or a 95% half-width above 0.25 (a slope of 0.5 plus such a half-width stays below the 0.9 required).
    type Fit =
        {
            Slope: float
            HalfWidth: float
            Points: int
            Used: bool[]
        }

    /// The fit of errors against x over the masked points.
    let fit (xs: float[]) (errors: float[]) (mask: bool[]) =
        let used =
            Array.init xs.Length (fun i -> mask.[i] && System.Double.IsFinite errors.[i] && errors.[i] > 0.0)

        let pick (a: float[]) =
            a |> Array.indexed |> Array.filter (fun (i, _) -> used.[i]) |> Array.map snd

        let f = Stats.logLogFit (pick xs) (pick errors)

        {
            Slope = f.Slope
            HalfWidth = Stats.slopeHalfWidth f
            Points = f.Points
            Used = used
        }

    /// The fit can refute a slope of 0.5 (the mutation audit's "exponent halved").
    let decisive (f: Fit) =
        f.Points >= 3 && System.Double.IsFinite f.HalfWidth && f.HalfWidth <= 0.25
