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
