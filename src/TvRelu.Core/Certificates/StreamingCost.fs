namespace TvRelu.Core.Certificates

open System
open TvRelu.Core.Numerics
open TvRelu.Core.Data
open TvRelu.Core.Arrangements
open TvRelu.Core.Cones

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
        /// of one circle (the `streaming` benchmark, issue 13); good to a factor of about two.
        Seconds: float
    }

/// The cost model of the streaming methods.
module StreamingCost =

    /// Seconds of one core per great circle and crossing event, by rank: a circle of m hyperplanes
    /// sorts 2m crossing angles, so it costs about m log2(2m) of these. Measured in CPU time
    /// (benchmarks, `-- streaming`, issue 13): d = 2, N = 5000, 4.4 s for 3.3e8 events (1.3e-8);
    /// d = 3, N = 300, 3.9 s for 1.2e8 (3.2e-8: each circle also builds the cells around it).
    /// From rank 5 on every arc enumerates the faces of a quotient arrangement of dimension ≥ 3, far
    /// costlier: counts of 16 points in d = 4, 14 in d = 5 and 12 in d = 6 took about 1.4e-6, 8.8e-6
    /// and 3.4e-5 s per event (CPU time less the process's start, Debug build, load ≈ 25; small runs,
    /// so only the order of magnitude is known: enough to refuse a pass of hours, not to time it).
    let private secondsPerEvent (rank: int) =
        match rank with
        | r when r <= 3 -> 1.4e-8
        | 4 -> 3.2e-8
        | 5 -> 1.4e-6
        | 6 -> 8.8e-6
        | _ -> 3.4e-5

    /// How much more a certificate costs than a count, by rank (measured: 3.6× at d = 2, N = 800;
    /// 8.2× at d = 3, N = 300): the faces around each arc are visited for their critical points.
    let private certificateFactor (rank: int) =
        match rank with
        | 1
        | 2 -> 1.5
        | 3 -> 4.0
        | _ -> 9.0

    /// Seconds of one core per data row to prepare the arrangement (distinct hyperplanes, rank,
    /// conditioning; measured 2.5 s for 10^6 rows in d = 1).
    [<Literal>]
    let private secondsPerRow = 2.5e-6

    /// Bytes per data row: the data set (rows and augmented rows, ~24 + 8 d bytes each), and the
    /// jump, unit normal, reduced normal, keys and row map of its hyperplane.
    let private bytesPerRow (ambient: int) =
        int64 (3 * (24 + 8 * ambient) + 3 * 8 * ambient + 40)

    /// Bytes per hyperplane and worker: the crossing events (angle, code, order, group start).
    [<Literal>]
    let private bytesPerEvent = 56L

    /// The runtime's own footprint (measured: 50–60 MB for small passes).
    [<Literal>]
    let private baseBytes = 64_000_000L

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
            secondsPerRow * m
            + secondsPerEvent rank
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
