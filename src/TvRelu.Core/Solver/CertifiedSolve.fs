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

    /// A column-generation solution, or sliding Frank–Wolfe's from scratch when that one is not certified
    /// and Frank–Wolfe's is. The round budget of the options bounds Frank–Wolfe too.
    let private rescue (arr: Arrangement) (data: Dataset) (lambda: float) (options: SolverOptions) (sol: Solution) =
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
                            Screened = [||]
                        }

                rescued

    /// On a prepared arrangement of the data (its enumeration time is not counted). The round budget
    /// of the options bounds each solver.
    let onArrangement (arr: Arrangement) (data: Dataset) (lambda: float) (options: SolverOptions) =
        rescue arr data lambda options (Solve.onArrangement arr data lambda options)


    /// The regularisation path on a prepared arrangement: the λ largest first, each solved by column
    /// generation warm-started from the previous λ's working set (the support moves little between nearby
    /// λ, so most columns are already priced in) and rescued like `onArrangement`. A rescued point's
    /// Frank–Wolfe measure does not become the next warm start: the column-generation working set does,
    /// which is still a feasible point of the next restricted problem. Every point carries its own
    /// certified gap.
    let pathOnArrangement (arr: Arrangement) (data: Dataset) (lambdas: float[]) (options: SolverOptions) =
        if lambdas.Length = 0 then
            invalidArg "lambdas" "the path needs at least one λ"

        lambdas |> Array.iter (Lambda.requirePositive "lambdas")
        let faces = Solve.faceCount options arr
        let mutable state = ColumnGeneration.empty

        [|
            for l in Array.sortDescending lambdas do
                let outcome = ColumnGeneration.run arr data l options state
                state <- outcome.State
                yield rescue arr data l options (Solve.finish arr data l options TimeSpan.Zero faces outcome)
        |]

    /// The regularisation path from the data: one enumeration, its time charged to the first (largest) λ.
    let path (data: Dataset) (lambdas: float[]) (options: SolverOptions) =
        if lambdas.Length = 0 then
            invalidArg "lambdas" "the path needs at least one λ"

        lambdas |> Array.iter (Lambda.requirePositive "lambdas")
        let sw = Stopwatch.StartNew()
        let arr = Arrangement.ofDataset data
        let enumTime = sw.Elapsed
        let sols = pathOnArrangement arr data lambdas options

        sols
        |> Array.mapi (fun i sol ->
            if i = 0 then
                { sol with
                    Timings =
                        { sol.Timings with
                            Enumeration = enumTime
                        }
                }
            else
                sol)

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
