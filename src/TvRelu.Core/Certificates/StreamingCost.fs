namespace TvRelu.Core.Certificates

open System
open TvRelu.Core

/// What a streaming pass will cost, known before it starts (for early refusal, issue 12).
type StreamingEstimate =
    {
        /// Cover's count: an upper bound on the cells (THEORY.md §3).
        Cells: bigint
        /// The great circles the walks go round (at most; fewer with duplicate inputs).
        GreatCircles: float
        /// The work items the pass is split into (threads and shards share them).
        WorkItems: int
        /// Peak memory of one process: O(N·d) for the data, the arrangement and each worker's
        /// crossing events; no cell is stored.
        MemoryBytes: int64
        /// Wall time on the given number of threads of an idle machine, from the measured cost
        /// of one circle (benchmarks/README.md, issue 13).
        Seconds: float
    }

/// The cost model of the streaming methods.
module StreamingCost =

    /// Seconds of one core per great circle and crossing event: a circle of m hyperplanes sorts
    /// 2m crossing angles, so it costs about m log2(2m) of these (measured: d = 2, N = 800, and
    /// d = 3, N = 120, 2.0–2.6e-8 s on one core).
    [<Literal>]
    let secondsPerEvent = 2.6e-8

    /// How much more a certificate costs than a count, by rank: the faces around each arc are
    /// visited for their critical points (measured: 1.5× at rank 2, 4× at rank 3, 12–17× at rank 4).
    let private certificateFactor (rank: int) =
        match rank with
        | 1
        | 2 -> 1.5
        | 3 -> 4.0
        | _ -> 17.0

    /// Bytes per data row: the rows and augmented rows (the data set), the jump, unit normal,
    /// reduced normal, keys and row map of its hyperplane (the arrangement).
    let private bytesPerRow (ambient: int) =
        int64 (
            2 * (24 + 8 * (ambient - 1))
            + (24 + 8 * ambient)
            + 8 * ambient
            + 8 * ambient
            + 16
            + 4
        )

    /// Bytes per hyperplane and worker: the crossing events (angle, code, order, group).
    [<Literal>]
    let private bytesPerEvent = 56L

    /// The runtime's own footprint.
    [<Literal>]
    let private baseBytes = 80_000_000L

    /// The predicted cost of a pass on N points in d dimensions (N hyperplanes at most, rank at
    /// most min(N, d + 1)), a certificate or a count, on `threads` threads.
    let estimate (dataPoints: int) (dimension: int) (certificate: bool) (threads: int) =
        let ambient = dimension + 1
        let rank = min ambient dataPoints
        let m = float dataPoints

        let circles =
            match rank with
            | 1 -> 0.0
            | 2 -> 1.0
            | _ -> Seq.fold (fun acc k -> acc * (m - float k) / float (k + 1)) 1.0 (seq { 0 .. rank - 3 })

        let workers = max 1 threads

        let items =
            match rank with
            | 1 -> 1
            | 2 -> max 1 (min 64 (dataPoints / 16))
            | _ -> dataPoints

        let seconds =
            secondsPerEvent
            * (max circles 1.0)
            * m
            * Math.Log2(2.0 * m + 1.0)
            * (if certificate then certificateFactor rank else 1.0)
            / float (min workers items)

        {
            Cells = Arrangement.coverCount dataPoints dimension
            GreatCircles = circles
            WorkItems = items
            MemoryBytes =
                baseBytes
                + int64 dataPoints * (bytesPerRow ambient + int64 workers * bytesPerEvent)
            Seconds = seconds
        }
