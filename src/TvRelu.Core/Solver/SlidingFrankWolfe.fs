namespace TvRelu.Core.Solver

open System
open System.Diagnostics
open TvRelu.Core.Data
open TvRelu.Core.Arrangements
open TvRelu.Core.Certificates

/// Settings of the sliding Frank–Wolfe solver.
type FrankWolfeOptions =
    {
        /// Certified-gap tolerance; None for max(1e-9 · J, 1e-13 · ½‖y‖²), as the exact solver (THEORY.md §2).
        Tolerance: float option
        /// Frank–Wolfe rounds before giving up; the result is then reported as not certified.
        MaxRounds: int
        /// Newton iterations of the sliding step per round.
        SlideIterations: int
    }

    /// Tolerance max(1e-9·J, 1e-13·½‖y‖²), 500 rounds, 60 sliding iterations per round.
    static member Default =
        {
            Tolerance = None
            MaxRounds = 500
            SlideIterations = 60
        }

    /// A copy with the certified-gap tolerance `tolerance`.
    member o.WithTolerance(tolerance: float) = { o with Tolerance = Some tolerance }

    /// A copy with the certified-gap tolerance `tolerance`; null for the default max(1e-9 · J, 1e-13 · ½‖y‖²).
    member o.WithTolerance(tolerance: Nullable<float>) =
        { o with
            Tolerance = Option.ofNullable tolerance
        }

    /// A copy with at most `rounds` Frank–Wolfe rounds.
    member o.WithMaxRounds(rounds: int) = { o with MaxRounds = rounds }

    /// A copy with `iterations` Newton iterations of the sliding step per round.
    member o.WithSlideIterations(iterations: int) = { o with SlideIterations = iterations }

/// A result of the sliding Frank–Wolfe solver.
type FrankWolfeResult =
    {
        Measure: Measure
        /// Objective, certified gap and exact sup|η| of `Measure` (THEORY.md §2, §3).
        Assessment: Assessment
        /// Frank–Wolfe rounds used.
        Rounds: int
        Seconds: float
    }

/// Sliding Frank–Wolfe (Denoyelle, Duval, Peyré and Soubies, "The sliding Frank–Wolfe algorithm and its
/// application to super-resolution microscopy", Inverse Problems 2019) for P_λ (THEORY.md §1), with an
/// EXACT linear minimisation oracle: each round adds the argmax of |η| over the whole sphere given by the
/// exact supremum of §3 (`Certificate.supremumAbs`), not a local search. The amplitudes are then refitted
/// exactly for fixed directions, and amplitudes and directions slide jointly by a Newton-type local solver
/// on the faces of the arrangement (atoms move from cell to cell), atoms sharing a closed face merge, and
/// zero atoms are pruned. It stops only on a certified gap (§2), so it is a second exact solver,
/// independent of the column generation of `Solve` apart from the oracle.
module SlidingFrankWolfe =

    /// Runs on a prepared arrangement of the data.
    let onArrangement (arr: Arrangement) (data: Dataset) (lambda: float) (options: FrankWolfeOptions) =
        Lambda.requirePositive "lambda" lambda

        if options.MaxRounds < 1 then
            invalidArg "options" "MaxRounds must be at least 1"

        let sw = Stopwatch.StartNew()
        let n = arr.AmbientDimension
        let ctx = Sliding.context arr data lambda Sliding.uniform

        let oracle us signs =
            let mu = Sliding.measureOf n us signs
            let cert = Certificate.ofMeasure arr data lambda mu
            let s, extremum, sign = Certificate.supremumAbs cert
            Sliding.answer (Gap.ofCertificate cert s options.Tolerance mu) extremum.Argument sign

        let us, signs, rounds, last =
            Sliding.run ctx oracle options.MaxRounds options.SlideIterations

        {
            Measure = Sliding.measureOf n us signs
            Assessment = last.Assessment
            Rounds = rounds
            Seconds = sw.Elapsed.TotalSeconds
        }

    /// Solves P_λ by sliding Frank–Wolfe to a certified gap.
    let solve (data: Dataset) (lambda: float) (options: FrankWolfeOptions) =
        onArrangement (Arrangement.ofDataset data) data lambda options
