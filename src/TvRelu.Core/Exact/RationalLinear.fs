namespace TvRelu.Core.Exact

open Fractions

/// Linear systems over the rationals (THEORY.md §8: floating point suggests, rational arithmetic decides), for the
/// KKT systems whose signs the limit certificate of §6 must decide exactly.
module internal RationalLinear =

    /// The row of `a` at or below `r` with a non-zero entry in column `col`, or −1.
    let private pivot (a: Fraction[][]) (r: int) (col: int) =
        let mutable p = -1
        let mutable i = r

        while p < 0 && i < a.Length do
            if not a.[i].[col].IsZero then
                p <- i

            i <- i + 1

        p

    /// Gauss–Jordan elimination of the augmented rows [a | b] in place (the first `cols` columns are eliminated):
    /// returns the pivot column of each leading row (in order). Also the row echelon form behind
    /// `IntegerLinear.nullSpace`.
    let internal eliminate (a: Fraction[][]) (cols: int) =
        let pivots = ResizeArray<int>()
        let mutable r = 0

        for col in 0 .. cols - 1 do
            if r < a.Length then
                match pivot a r col with
                | -1 -> ()
                | p ->
                    let t = a.[p]
                    a.[p] <- a.[r]
                    a.[r] <- t
                    let piv = a.[r].[col]
                    a.[r] <- a.[r] |> Array.map (fun x -> x / piv)

                    for i in 0 .. a.Length - 1 do
                        if i <> r && not a.[i].[col].IsZero then
                            let f = a.[i].[col]
                            a.[i] <- Array.init a.[i].Length (fun j -> a.[i].[j] - f * a.[r].[j])

                    pivots.Add col
                    r <- r + 1

        pivots.ToArray()

    /// The unique solution of the square system A x = b, or None when A is singular.
    let solve (a: Fraction[][]) (b: Fraction[]) : Fraction[] option =
        let n = b.Length
        let rows = Array.init n (fun i -> Array.append a.[i] [| b.[i] |])
        let pivots = eliminate rows n

        if pivots.Length < n then
            None
        else
            Some(Array.init n (fun i -> rows.[i].[n]))

    /// Indices of a maximal linearly independent subset of the rows of A (greedy, in order), and whether every
    /// other equation ⟨a_i, x⟩ = b_i follows from them (the system is consistent).
    let independentRows (cols: int) (a: Fraction[][]) (b: Fraction[]) : int[] * bool =
        let kept = ResizeArray<int>()
        // The reduced rows of the kept equations, with their right-hand sides, in echelon form.
        let basis = ResizeArray<Fraction[] * int>()
        let mutable consistent = true

        for i in 0 .. a.Length - 1 do
            let row = Array.append a.[i] [| b.[i] |]

            for (e, col) in basis do
                if not row.[col].IsZero then
                    let f = row.[col]

                    for j in 0..cols do
                        row.[j] <- row.[j] - f * e.[j]

            match Array.tryFindIndex (fun (x: Fraction) -> not x.IsZero) row.[.. cols - 1] with
            | Some col ->
                let piv = row.[col]
                let e = row |> Array.map (fun x -> x / piv)
                // Keep the basis reduced: clear this column from the earlier rows.
                for k in 0 .. basis.Count - 1 do
                    let (old, c) = basis.[k]

                    if not old.[col].IsZero then
                        let f = old.[col]
                        basis.[k] <- (Array.init (cols + 1) (fun j -> old.[j] - f * e.[j]), c)

                basis.Add((e, col))
                kept.Add i
            | None ->
                if not row.[cols].IsZero then
                    consistent <- false

        kept.ToArray(), consistent
