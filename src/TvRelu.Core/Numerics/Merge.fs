namespace TvRelu.Core.Numerics

open System.Collections.Generic

/// The one merge of atoms: greedy leader grouping. Atoms that act as one become one (THEORY.md §1: the
/// canonical measure; §4: atoms of one sign in a common closed cell; §7: neurons in one direction), and
/// every place that merges does it by this rule, with its own test of "may join".
///
/// Items are taken in order. Each joins the first leader (in the order the leaders were made) that
/// accepts it, or else becomes a leader itself. `candidates` narrows the leaders worth testing: all of
/// them for the few atoms of a solver's working set, or the neighbours in a grid of directions for the
/// 10^5 neurons of a wide network, where testing every leader was quadratic (issue 12:
/// `train --width 100000 --epochs 1` spent 263 s merging). The first accepting leader wins whatever the
/// candidates' order, so the grid changes the cost, never the result.
module internal Merge =

    /// The leader of every item (−1 for items `active` skips), and the leaders in order of creation.
    /// `accepts leader item` decides a join; `join leader item` is told of it (and may move the leader,
    /// which `accepts` then sees); `candidates item visit` visits leaders that may accept the item (a
    /// superset, any order); `lead item` is told of each new leader.
    let greedy
        (count: int)
        (active: int -> bool)
        (candidates: int -> (int -> unit) -> unit)
        (accepts: int -> int -> bool)
        (join: int -> int -> unit)
        (lead: int -> unit)
        =
        let leaderOf = Array.create count -1
        let leaders = ResizeArray<int>()
        // Leaders are item indices and are made in item order, so "first made" is "smallest index".
        for i in 0 .. count - 1 do
            if active i then
                let first = ref -1

                candidates i (fun l ->
                    if (first.Value < 0 || l < first.Value) && leaderOf.[l] = l && accepts l i then
                        first.Value <- l)

                if first.Value >= 0 then
                    leaderOf.[i] <- first.Value
                    join first.Value i
                else
                    leaderOf.[i] <- i
                    leaders.Add i
                    lead i

        leaderOf, leaders.ToArray()

    /// A grid over unit directions with cells of side `side` on their first three coordinates: every
    /// direction within `side` (Euclidean) of a query lies in one of the 3^k neighbouring cells (no
    /// coordinate differs by more than the distance), so those cells hold every candidate. (A side below
    /// the resolution of the int64 cell keys only costs speed: the keys saturate, and one cell holds all.)
    type DirectionGrid(side: float) =
        let cells = Dictionary<struct (int64 * int64 * int64), ResizeArray<int>>()

        let coordinate (u: float[]) k =
            if k < u.Length then int64 (floor (u.[k] / side)) else 0L

        let keyOf (u: float[]) =
            struct (coordinate u 0, coordinate u 1, coordinate u 2)

        /// Files item i at direction u.
        member _.Add(i: int, u: float[]) =
            let key = keyOf u

            match cells.TryGetValue key with
            | true, list -> list.Add i
            | _ -> cells.[key] <- ResizeArray [ i ]

        /// Visits the items filed in the cells around u: a superset of those within `side` of it.
        member _.Near(u: float[], visit: int -> unit) =
            let struct (a, b, c) = keyOf u
            let reach k = if k < u.Length then 1L else 0L

            for da in -reach 0 .. reach 0 do
                for db in -reach 1 .. reach 1 do
                    for dc in -reach 2 .. reach 2 do
                        match cells.TryGetValue(struct (a + da, b + db, c + dc)) with
                        | true, list ->
                            for i in list do
                                visit i
                        | _ -> ()

    /// `greedy` over fixed leader directions: an item can only join a leader within `radius` of it, so the
    /// candidates come from a `DirectionGrid` of the leaders' directions (O(n) expected, against the
    /// O(n · leaders) of testing them all). `accepts` must imply a distance of at most `radius`; the grid's
    /// cells are twice as wide, so that the rounding of a cell index cannot lose a neighbour at that distance.
    let byDirection (radius: float) (directions: float[][]) (active: int -> bool) (accepts: int -> int -> bool) (join: int -> int -> unit) =
        let grid = DirectionGrid(max (2.0 * radius) Tolerances.tiny)

        greedy directions.Length active (fun i visit -> grid.Near(directions.[i], visit)) accepts join (fun i ->
            grid.Add(i, directions.[i]))

    /// `greedy` testing every leader made so far (for the few atoms of a working set, or when joins move
    /// the leaders).
    let amongAll (count: int) (active: int -> bool) (accepts: int -> int -> bool) (join: int -> int -> unit) =
        let made = ResizeArray<int>()

        greedy
            count
            active
            (fun _ visit ->
                for l in made do
                    visit l)
            accepts
            join
            made.Add
