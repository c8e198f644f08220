namespace TvRelu.Core.Solver

open System
open TvRelu.Core.Numerics
open TvRelu.Core.Data
open TvRelu.Core.Arrangements
open TvRelu.Core.Certificates
open TvRelu.Core.Uniqueness

/// Settings of the exact solver. The defaults are the library's promise: a certified gap of at
/// most max(1e-9 · J, 1e-13 · ½‖y‖²).
type SolverOptions =
    {
        /// Certified-gap tolerance; None for max(1e-9 · J, 1e-13 · ½‖y‖²).
        Tolerance: float option
        /// Column-generation rounds before giving up (the result is then reported as not certified).
        MaxRounds: int
        /// Points with |η| ≥ 1 − SaturationTolerance form the saturation set Σ (lowered, for a certified
        /// solution, as far as its gap lets an atom sit below 1, so that Σ always contains the support).
        SaturationTolerance: float
        /// A saturation point closer than this to a hyperplane (unit normals) is on a boundary.
        BoundaryTolerance: float
        /// Most violating (cell, sign) columns added per round.
        ColumnsPerRound: int
        /// Also enumerate the faces of every dimension, for the face bound of §3.
        CountFaces: bool
    }

    /// The defaults.
    static member Default =
        {
            Tolerance = None
            MaxRounds = 200
            SaturationTolerance = Tolerances.saturation
            BoundaryTolerance = Tolerances.boundary
            ColumnsPerRound = 8
            CountFaces = false
        }

    /// A copy with the certified-gap tolerance `tolerance`.
    member o.WithTolerance(tolerance: float) = { o with Tolerance = Some tolerance }

    /// A copy with the certified-gap tolerance `tolerance`; null for the default max(1e-9 · J, 1e-13 · ½‖y‖²).
    member o.WithTolerance(tolerance: Nullable<float>) =
        { o with
            Tolerance = Option.ofNullable tolerance
        }

    /// A copy with at most `rounds` column-generation rounds.
    member o.WithMaxRounds(rounds: int) = { o with MaxRounds = rounds }

    /// A copy whose saturation set is {|η| ≥ 1 − tolerance}.
    member o.WithSaturationTolerance(tolerance: float) =
        { o with
            SaturationTolerance = tolerance
        }

    /// A copy that reads saturation points within `tolerance` of a hyperplane as on it.
    member o.WithBoundaryTolerance(tolerance: float) =
        { o with BoundaryTolerance = tolerance }

    /// A copy adding at most `columns` violating columns per round.
    member o.WithColumnsPerRound(columns: int) = { o with ColumnsPerRound = columns }

    /// A copy that does (or does not) count the faces of every dimension.
    member o.WithCountFaces(count: bool) = { o with CountFaces = count }

/// The sparsity bounds of §3 next to the observed |Σ|.
type SparsityBounds =
    {
        SaturationPoints: int
        TwiceActiveCells: int
        Faces: int option
        DataPoints: int
    }

/// Wall-clock split of a solve.
type Timings =
    {
        Enumeration: TimeSpan
        Solve: TimeSpan
        Certification: TimeSpan
    }

/// A certified solution of P_λ (THEORY.md §1–§5).
type Solution =
    {
        Lambda: float
        Measure: Measure
        Assessment: Assessment
        Saturation: SaturationPoint[]
        Cells: int
        CellsWithActiveNeurons: int
        Bounds: SparsityBounds
        Uniqueness: UniquenessVerdict
        /// Column-generation rounds used.
        Rounds: int
        Timings: Timings
    }
