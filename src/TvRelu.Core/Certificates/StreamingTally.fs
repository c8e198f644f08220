namespace TvRelu.Core.Certificates

open System
open TvRelu.Core.Numerics
open TvRelu.Core.Data
open TvRelu.Core.Arrangements
open TvRelu.Core.Cones

/// The best value of ±η found so far, and the work item that found it: a larger value wins, and
/// of equal values the one of the earlier item (within an item, the earlier find), so that the
/// result does not depend on how items were scheduled, sharded or merged.
[<Sealed>]
type internal BestSoFar() =
    member val Value = 0.0 with get, set
    member val Argument: float[] = null with get, set
    member val Witness: CellWitness option = None with get, set
    member val Item = Int32.MaxValue with get, set

    member b.Offer(value: float, argument: float[], witness: CellWitness option, item: int) =
        if value > b.Value || (value = b.Value && item < b.Item && not (isNull argument)) then
            b.Value <- value
            b.Argument <- argument
            b.Witness <- witness
            b.Item <- item

/// A point where ±η reaches the saturation or violation threshold, met by a walk: the critical
/// point of a face (or a vertex), before the cells it maximises are decided.
type internal HighPoint =
    {
        /// The unit direction θ.
        Theta: float[]
        /// Its coordinates y.
        Y: float[]
        Sign: int
        /// sign · η(θ).
        Value: float
        /// The hyperplanes through θ (those containing its face), sorted.
        Zero: int[]
        /// The piece of the face with those hyperplanes off: v_C = Base + Σ_{h ∈ Zero, C on +} g_h
        /// for every cell C around the face.
        Base: float[]
    }

/// What the walks of some work items found (THEORY.md §3): the best values of ±η, the points
/// above the thresholds, and the face counts. Absorbing is order-independent (ties go to the
/// earlier item), so a merged tally is the same however the items were scheduled or sharded.
[<Sealed>]
type internal Tally(item: int) =
    member _.Item = item
    member val Plus = BestSoFar()
    member val Minus = BestSoFar()
    member val MaxPiece = 0.0 with get, set
    member val Arcs = 0L with get, set
    member val Vertices = 0L with get, set
    member val VertexZero = 0L with get, set
    member val EdgeZero = 0L with get, set
    /// Σ c(A_{<k} restricted to H_k) over the items, −1 when an item did not compute it.
    member val SplitCells = 0L with get, set
    /// The points above the thresholds met by this item's walks, in order.
    member val Raw = ResizeArray<HighPoint>()
    member val Saturation = ResizeArray<FoundPoint>()
    member val Violations = ResizeArray<FoundViolation>()
    member val Overflow = false with get, set

    /// Adds what another tally found.
    member t.Absorb(other: Tally) =
        t.Plus.Offer(other.Plus.Value, other.Plus.Argument, other.Plus.Witness, other.Plus.Item)
        t.Minus.Offer(other.Minus.Value, other.Minus.Argument, other.Minus.Witness, other.Minus.Item)
        t.MaxPiece <- max t.MaxPiece other.MaxPiece
        t.Arcs <- t.Arcs + other.Arcs
        t.Vertices <- t.Vertices + other.Vertices
        t.VertexZero <- t.VertexZero + other.VertexZero
        t.EdgeZero <- t.EdgeZero + other.EdgeZero

        t.SplitCells <-
            if t.SplitCells < 0L || other.SplitCells < 0L then
                -1L
            else
                t.SplitCells + other.SplitCells

        t.Saturation.AddRange other.Saturation
        t.Violations.AddRange other.Violations
        t.Overflow <- t.Overflow || other.Overflow
