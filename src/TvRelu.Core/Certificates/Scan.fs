namespace TvRelu.Core.Certificates

/// The one branch-and-bound scan over the cells of an arrangement (THEORY.md §3, consequence 1). Every
/// extreme value of a certificate is a maximum over cells of a per-cell value bounded above by a number
/// known in advance (‖Π_{K_C} v_C‖ ≤ ‖v_C‖ for η, the unconstrained Rayleigh maximum for the weighted η
/// of §7): visiting the cells by decreasing bound, the scan can stop at the first cell whose bound
/// cannot beat what it already holds, and is still exact.
module internal Scan =

    /// The best `count` values above `threshold` of `evaluate cell sign` over the cells and the given signs,
    /// best first (ties in the order found), as (cell, sign, value, payload). `order` lists the cells by
    /// decreasing `bound`, an upper bound on every value of the cell; the scan stops at the first cell whose
    /// bound is not above the count-th value held (or the threshold). `evaluate` returns None for a value
    /// it cannot vouch for (rounding).
    let best
        (order: int[])
        (bound: int -> float)
        (signs: int list)
        (count: int)
        (threshold: float)
        (evaluate: int -> int -> (float * 'T) option)
        : (int * int * float * 'T)[] =
        let mutable held = ResizeArray<int * int * float * 'T>()
        let value (_, _, v, _) = v
        // Held values are kept sorted only once there are `count` of them: only then is the count-th one
        // (the bar a new value must clear) needed.
        let settle () =
            if held.Count >= count then
                held <- ResizeArray(held |> Seq.sortByDescending value |> Seq.truncate count)

        let bar () =
            if held.Count < count then
                threshold
            else
                max threshold (value held.[count - 1])

        let mutable i = 0

        while i < order.Length && bound order.[i] > bar () do
            let c = order.[i]

            for sign in signs do
                match evaluate c sign with
                | Some(v, payload) when v > bar () ->
                    held.Add((c, sign, v, payload))
                    settle ()
                | _ -> ()

            i <- i + 1

        held |> Seq.sortByDescending value |> Seq.truncate count |> Seq.toArray
