namespace TvRelu.Core.Certificates

open System
open TvRelu.Core.Data
open TvRelu.Core.Arrangements
open TvRelu.Core.Cones

/// A column of the exact finite reformulation priced by the streaming oracle (THEORY.md §4): a closed
/// cell C and a sign s with max_{θ ∈ C} s·η(θ) = ‖Π_{K_C}(s·v_C)‖ above the threshold (Lemma 1).
type PricedColumn =
    {
        /// The cell's sign vector over the data rows (+1 where ⟨θ, x̃_i⟩ > 0 inside the cell, −1 where
        /// < 0): the active set of the block's neurons, as a solver without the arrangement builds it.
        RowSigns: int[]
        /// The cell's sign vector over the distinct hyperplanes, numbered as `Arrangement` numbers them.
        Signs: SignVector
        /// +1 for η, −1 for −η.
        Sign: int
        /// Π_{K_C}(sign · v_C): its norm is the cell's maximum of sign · η, its direction a maximiser.
        Projection: Projection
        /// A unit vector inside the open cell (the barrier method of the restricted solve starts from
        /// it); the caller checks that it is strictly inside, since rounding may leave it on a facet.
        Interior: float[]
    }

/// What one pricing pass returns: the gap's sup |η| and the columns to add.
type StreamingPrice =
    {
        /// sup |η| over the whole sphere, exact (THEORY.md §3, consequence 1).
        SupremumAbs: float
        /// The k closed cells (with their sign) of largest maximum above the threshold, largest first;
        /// ties broken as the streaming pass breaks them (by work item), so the list is deterministic.
        Columns: PricedColumn[]
        /// The cells visited: the whole arrangement, none of it stored.
        Cells: int64
        /// sup |η| + Rounding bounds the true supremum (`StreamingCertificate.Rounding`).
        Rounding: float
        /// False when the two cell counts disagreed: the supremum is then not to be certified.
        Consistent: bool
    }

/// Pricing for column generation without the arrangement (issue 13, "column generation on top"):
/// given a dual vector q, the exact sup |η| and the k most violating columns, from one streaming
/// pass in memory O(N·d) plus k columns. The loop that uses it is the solver's (issue 16 makes its
/// pricing a pluggable oracle); this module only answers the pricing question.
module StreamingPricing =

    /// A point inside the open cell of a witness: from the closure's point `Edge` along `Inward`, half
    /// way to the nearest hyperplane not through `Edge` that the step approaches (the sides are linear
    /// along the segment, so no hyperplane is crossed), then lifted to the sphere.
    let internal interiorOf (arr: StreamingArrangement) (w: CellWitness) =
        let mutable step = 1.0

        for h in 0 .. arr.HyperplaneCount - 1 do
            if Array.BinarySearch(w.Zero, h) < 0 then
                let e = arr.Side(w.Edge, h)
                let i = arr.Side(w.Inward, h)

                if e * i < 0.0 then
                    step <- min step (-e / i)

        arr.Direction(Array.map2 (fun e i -> e + 0.5 * step * i) w.Edge w.Inward)

    /// The exact sup |η| of the certificate of q at λ and its k most violating columns above
    /// `threshold` (largest first), on `threads` threads (≤ 0: one per core).
    let price (threads: int) (data: Dataset) (lambda: float) (q: float[]) (k: int) (threshold: float) =
        if k < 0 then
            invalidArg "k" (sprintf "the number of columns must be non-negative (got %d)" k)

        if not (threshold >= 0.0) || System.Double.IsInfinity threshold then
            invalidArg "threshold" (sprintf "the threshold must be a non-negative finite number (got %g)" threshold)

        let options =
            { StreamingOptions.Default with
                SaturationTolerance = None
                ViolationThreshold = (if k > 0 then Some threshold else None)
                MaxViolations = k
                MaxDegreeOfParallelism = threads
            }

        let arr = StreamingArrangement.ofDataset data
        let found = StreamingSupremum.certifyOn options arr data lambda q

        let column (v: Violation) =
            let signs = StreamingSupremum.signsOf arr v.Cell

            {
                RowSigns = arr.RowToHyperplane |> Array.map (fun h -> signs.[h])
                Signs = signs
                Sign = v.Sign
                Projection = v.Projection
                Interior = interiorOf arr v.Cell
            }

        {
            SupremumAbs = found.SupremumAbs
            Columns = found.Violations |> Array.map column
            Cells = found.Counts.Cells
            Rounding = found.Rounding
            Consistent = found.Consistent
        }
