namespace TvRelu.Core.Certificates

open TvRelu.Core.Numerics
open TvRelu.Core.Data
open TvRelu.Core.Arrangements
open TvRelu.Core.Cones

/// A cell of the arrangement as the streaming methods name it, without its sign vector (which
/// takes N bits): the cell's closure holds the point `Edge`, and the cell lies on the side `Inward`
/// of the hyperplanes `Zero` through that point (on the others, it has the point's signs). Coordinates are those of the
/// streaming arrangement (`StreamingArrangement`); `StreamingSupremum.signsOf` rebuilds the sign
/// vector from the arrangement.
type CellWitness =
    {
        /// A point of the cell's closure, on no hyperplane but `Zero` (coordinates y).
        Edge: float[]
        /// A direction from that point into the cell (zero when `Zero` is empty).
        Inward: float[]
        /// The hyperplanes through the point, sorted.
        Zero: int[]
        /// The 128-bit Zobrist hash of the cell's sign vector in hex, for the cells of saturation
        /// points and violations (two witnesses of one cell have one key); empty otherwise.
        Key: string
    }

/// An extreme value of the certificate over the whole sphere (THEORY.md §3, consequence 1).
type StreamingExtremum =
    {
        /// sup η (or −inf η for the infimum), ≥ 0: exact, not sampled.
        Value: float
        /// A unit vector where it is attained.
        Argument: float[]
        /// A closed cell holding the argument whose linear piece attains the value there; None
        /// when the value 0 is attained where every neuron is off (θ = (0, …, 0, −1)).
        Cell: CellWitness option
    }

/// A point of the saturation set {|η| ≥ 1 − tol}: the maximiser of ±η on one or more closed cells
/// (THEORY.md §3, consequence 2), as `Certificate.saturation` reports it.
type StreamingSaturationPoint =
    {
        /// Unit vector θ.
        Direction: float[]
        /// +1 or −1.
        Sign: int
        /// η(θ) as computed.
        Value: float
        /// Whether θ is strictly inside a cell (farther than the boundary tolerance from every hyperplane).
        Interior: bool
        /// The closed cells whose maximiser it is.
        Cells: CellWitness[]
    }

/// A closed cell on which ±η exceeds the threshold: the data column generation needs (Lemma 1).
type Violation =
    {
        /// The closed cell.
        Cell: CellWitness
        /// +1 for η, −1 for −η.
        Sign: int
        /// Π_{K_C}(sign · v_C): its norm is the maximum of sign · η on the closed cell.
        Projection: Projection
    }

/// Cell and face counts of a streaming pass (THEORY.md §3, Cover's count and the Euler characteristic).
type StreamingCounts =
    {
        /// The number of cells on the sphere S^d.
        Cells: int64
        /// The f-vector [f_0, …, f_d] of the faces with some nonzero sign, when the rank is at most 4
        /// (the cells f_d then follow from the Euler relation).
        FVector: int64[] option
        /// Σ_k (−1)^k f_k, when the f-vector is known.
        EulerCharacteristic: int64 option
        /// The value it must take: 1 + (−1)^d for spanning inputs (`Faces.expectedEulerCharacteristic`).
        ExpectedEulerCharacteristic: int
        /// 1 + Σ_k c(A_{<k} restricted to H_k), by deletion–restriction, when computed: an
        /// independent second count (always at rank 3 and from rank 5 on, on request at rank 4).
        CellsByDeletionRestriction: int64 option
        /// The number of distinct hyperplanes.
        Hyperplanes: int
        /// The rank of the augmented inputs.
        Rank: int
    }

/// Settings of a streaming pass.
type StreamingOptions =
    {
        /// Report the saturation set {|η| ≥ 1 − tol} with this tol (None: not computed).
        SaturationTolerance: float option
        /// A saturation point closer than this to a hyperplane (unit normals) is on a boundary.
        BoundaryTolerance: float
        /// Report the closed cells whose maximum of ±η exceeds this (None: none reported).
        ViolationThreshold: float option
        /// At most this many violations, the largest first.
        MaxViolations: int
        /// Worker threads (≤ 0: one per core).
        MaxDegreeOfParallelism: int
        /// Also count the cells by deletion–restriction at rank 4 (about a third more time).
        CrossCheckCount: bool
    }

    /// Saturation at 1e-6 and boundaries at 1e-9, as `DualCertificate.Saturation`; no violations.
    static member Default =
        {
            SaturationTolerance = Some Tolerances.saturation
            BoundaryTolerance = Tolerances.boundary
            ViolationThreshold = None
            MaxViolations = 0
            MaxDegreeOfParallelism = 0
            CrossCheckCount = false
        }

/// The exact supremum, infimum, saturation set and counts of a certificate from a streaming pass.
type StreamingCertificate =
    {
        /// sup η ≥ 0 with its argument.
        Supremum: StreamingExtremum
        /// −inf η ≥ 0 with its argument.
        Infimum: StreamingExtremum
        /// sup |η| = max(sup η, −inf η).
        SupremumAbs: float
        /// The saturation set {|η| ≥ 1 − tol}, most saturated first (empty unless requested).
        Saturation: StreamingSaturationPoint[]
        /// False when the saturation set was too large to list (sup |η| far above 1).
        SaturationComplete: bool
        /// The largest violations, best first (empty unless a threshold was set).
        Violations: Violation[]
        /// The cell and face counts of the pass.
        Counts: StreamingCounts
        /// False when two independent cell counts disagree: the geometry was not resolved in
        /// double precision, and the supremum is not to be certified.
        Consistent: bool
        /// The rounding of a cone projection at the scale of the pieces visited
        /// (`Tolerances.projectionRounding` · max_C ‖v_C‖): sup |η| + Rounding bounds the true
        /// supremum, as `Enclosure.Upper` does for the stored scan.
        Rounding: float
    }

/// A saturation point as one work item found it (its rank among that item's finds breaks ties).
type FoundPoint =
    {
        /// The work item, and the point's rank among its finds.
        Item: int
        Order: int
        Point: StreamingSaturationPoint
    }

/// A violation as one work item found it.
type FoundViolation =
    {
        /// The work item, and the rank of the point the cell belongs to among its finds.
        Item: int
        Order: int
        Violation: Violation
    }

/// The largest value of ±η found by some work items, with its argument.
type ArcBest =
    {
        /// The work item that found it (ties go to the first item).
        Item: int
        /// The value (0 when nothing positive was found).
        Value: float
        /// Where it is attained (empty with the value 0).
        Argument: float[]
        /// A closed cell holding the argument whose piece attains the value there.
        Witness: CellWitness option
    }

/// What one shard of a streaming pass found: enough for `StreamingSupremum.merge` to finish the
/// exact answer from all shards without the data (a few numbers, whatever N).
type StreamingPartial =
    {
        /// "certificate" or "regions".
        Kind: string
        /// SHA-256 of the inputs (and, for a certificate, of q, λ and the options): shards of
        /// different problems are never merged.
        Fingerprint: string
        /// N, the data rows.
        Rows: int
        /// λ of a certificate pass (0 for a count).
        Lambda: float
        /// d + 1, the rank r of the augmented inputs and the number of distinct hyperplanes.
        Ambient: int
        Rank: int
        Hyperplanes: int
        /// Shard i of k that wrote it: a merge needs every i = 0 … k − 1 once.
        ShardIndex: int
        ShardCount: int
        /// The work items of the whole pass, and those this partial covers.
        ItemCount: int
        Items: int[]
        /// The settings of the pass (the thread count excepted: it changes nothing).
        Options: StreamingOptions
        /// The best values of η and of −η found by the partial's items.
        Plus: ArcBest
        Minus: ArcBest
        /// max_C ‖v_C‖ over the cells visited (the rounding scale of the pieces).
        MaxPiece: float
        /// Arcs (edges), vertices, Σ |Z(p)| over vertices and Σ |Z(e)| over arcs.
        Arcs: int64
        Vertices: int64
        VertexZero: int64
        EdgeZero: int64
        /// Σ over the items of c(A_{<k} restricted to H_k), or −1 when not computed.
        SplitCells: int64
        /// The saturation points and violations the partial's items found.
        Saturation: FoundPoint[]
        Violations: FoundViolation[]
        /// True when more points above the saturation threshold were met than are kept (η far
        /// above 1): the saturation set is then not reported.
        Overflow: bool
    }
