namespace TvRelu.Core.Solver

open System
open System.Diagnostics
open TvRelu.Core.Data
open TvRelu.Core.Arrangements
open TvRelu.Core.Certificates

/// P_λ solved to a certified gap by the two exact solvers together (THEORY.md §2, §4). Column
/// generation runs first; when it stops uncertified (a stalled restricted problem), sliding
/// Frank–Wolfe, which shares only the certificate machinery with it, starts afresh on the same
/// arrangement, and its measure is taken when it certifies. In the long campaign of issue 4 column
/// generation stalled at gaps of 1.1–20 × the tolerance on about 1% of small problems at
/// λ ≤ 1e-5 λ_max, and sliding Frank–Wolfe certified such cases in tens of rounds.
module CertifiedSolve =

    /// On a prepared arrangement of the data (its enumeration time is not counted). The round budget
    /// of the options bounds each solver.
    let onArrangement (arr: Arrangement) (data: Dataset) (lambda: float) (options: SolverOptions) =
        let sol = Solve.onArrangement arr data lambda options

        if sol.Assessment.Certified then
            sol
        else
            let sw = Stopwatch.StartNew()

            let fw =
                SlidingFrankWolfe.onArrangement
                    arr
                    data
                    lambda
                    { FrankWolfeOptions.Default with
                        Tolerance = options.Tolerance
                        MaxRounds = options.MaxRounds
                    }

            if not fw.Assessment.Certified then
                sol
            else
                let faces = sol.Bounds.Faces

                let rescued =
                    Solve.finish
                        arr
                        data
                        lambda
                        options
                        sol.Timings.Enumeration
                        faces
                        {
                            Measure = fw.Measure
                            Assessment = fw.Assessment
                            Rounds = sol.Rounds + fw.Rounds
                            State = ColumnGeneration.empty
                            SolveTime = sol.Timings.Solve + sw.Elapsed
                            CertificationTime = sol.Timings.Certification
                        }

                rescued

    /// Solves P_λ(y) from the data: `onArrangement` after the exact enumeration.
    let solve (data: Dataset) (lambda: float) (options: SolverOptions) =
        Lambda.requirePositive "lambda" lambda

        let sw = Stopwatch.StartNew()
        let arr = Arrangement.ofDataset data
        let enumeration = sw.Elapsed
        let sol = onArrangement arr data lambda options

        { sol with
            Timings =
                { sol.Timings with
                    Enumeration = enumeration
                }
        }
