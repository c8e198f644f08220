namespace TvRelu.Core.Certificates

open System
open System.Collections.Generic

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

/// A recorded cell while its facets are being collected. Its piece and witness are those of the
/// first item that recorded it (the pieces of different visits differ by rounding).
[<Sealed>]
type internal CandidateBuilder(keyLo: uint64, keyHi: uint64, piece: float[], witness: CellWitness, item: int) =
    let facets = ResizeArray<struct (int * int)>(4)
    member _.KeyLo = keyLo
    member _.KeyHi = keyHi
    member val Piece = piece with get, set
    member val Witness = witness with get, set
    member val Item = item with get, set
    member _.Facets = facets

    member _.AddFacet(f: struct (int * int)) =
        if not (facets.Contains f) then
            facets.Add f

/// What the walks of some work items found (THEORY.md §3): the best values on the great circles,
/// the cells that could still beat them with their facets, and the face counts. Items are absorbed
/// in their order, so the merged tally is the same however the items were scheduled or sharded.
[<Sealed>]
type internal Tally(item: int) =
    let candidates = Dictionary<struct (uint64 * uint64), CandidateBuilder>()
    let order = ResizeArray<CandidateBuilder>()
    member val Plus = BestSoFar()
    member val Minus = BestSoFar()
    member val MaxPiece = 0.0 with get, set
    member val Arcs = 0L with get, set
    member val Vertices = 0L with get, set
    member val VertexZero = 0L with get, set
    member val EdgeZero = 0L with get, set
    /// Σ c(A_{<k} restricted to H_k) over the items, −1 when an item did not compute it.
    member val SplitCells = 0L with get, set
    /// The recorded cells, in order of first record.
    member _.Candidates = order

    /// The work item this tally walks (for merged tallies, unused).
    member _.Item = item

    /// The record of a cell, created with its piece and witness on first sight.
    member _.Record(keyLo: uint64, keyHi: uint64, piece: unit -> float[], witness: unit -> CellWitness) =
        let key = struct (keyLo, keyHi)

        match candidates.TryGetValue key with
        | true, c -> c
        | _ ->
            let c = CandidateBuilder(keyLo, keyHi, piece (), witness (), item)
            candidates.Add(key, c)
            order.Add c
            c

    /// Adds what another tally found; the outcome does not depend on the order of absorption.
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

        for c in other.Candidates do
            t.Merge c

    /// Adds a recorded cell: the piece and witness of the earlier item, the union of the facets.
    member _.Merge(c: CandidateBuilder) =
        let key = struct (c.KeyLo, c.KeyHi)

        let mine =
            match candidates.TryGetValue key with
            | true, mine ->
                if c.Item < mine.Item then
                    mine.Piece <- c.Piece
                    mine.Witness <- c.Witness
                    mine.Item <- c.Item

                mine
            | _ ->
                let mine = CandidateBuilder(c.KeyLo, c.KeyHi, c.Piece, c.Witness, c.Item)
                candidates.Add(key, mine)
                order.Add mine
                mine

        for f in c.Facets do
            mine.AddFacet f
