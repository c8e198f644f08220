namespace TvRelu.Core.Arrangements

/// A sign vector s ∈ {−, 0, +}^m of a point with respect to the m distinct hyperplanes of an
/// arrangement (THEORY.md §3). Stored as two bit sets: the + positions and the 0 positions.
[<Sealed; AllowNullLiteral>]
type SignVector internal (length: int, positive: uint64[], zero: uint64[]) =
    /// m, the number of hyperplanes.
    member _.Length = length

    /// s_h ∈ {−1, 0, +1}.
    member _.Item
        with get (h: int) =
            let w, b = h >>> 6, h &&& 63

            if (zero.[w] >>> b) &&& 1UL = 1UL then 0
            elif (positive.[w] >>> b) &&& 1UL = 1UL then 1
            else -1

    /// True when no coordinate is zero, i.e. the face is a cell (a dual region).
    member _.IsCell = zero |> Array.forall (fun w -> w = 0UL)

    /// The active set S = {h : s_h = +}.
    member this.Active =
        [|
            for h in 0 .. length - 1 do
                if this.[h] = 1 then
                    yield h
        |]

    /// The zero set {h : s_h = 0}: the hyperplanes that contain the face.
    member this.Zeros =
        [|
            for h in 0 .. length - 1 do
                if this.[h] = 0 then
                    yield h
        |]

    /// The signs as an array of −1, 0, +1.
    member this.ToArray() = Array.init length (fun h -> this.[h])
    member internal _.PositiveBits = positive
    member internal _.ZeroBits = zero

    override this.ToString() =
        System.String(
            this.ToArray()
            |> Array.map (function
                | 1 -> '+'
                | 0 -> '0'
                | _ -> '-')
        )

    override _.Equals(o) =
        match o with
        | :? SignVector as s -> s.Length = length && s.PositiveBits = positive && s.ZeroBits = zero
        | _ -> false

    override _.GetHashCode() = hash (length, positive, zero)

    /// The sign vector of an explicit array of −1/0/+1.
    static member OfArray(signs: int[]) =
        let m = signs.Length
        let words = max 1 ((m + 63) / 64)
        let p = Array.zeroCreate words
        let z = Array.zeroCreate words

        for h in 0 .. m - 1 do
            let w, b = h >>> 6, h &&& 63

            if signs.[h] > 0 then
                p.[w] <- p.[w] ||| (1UL <<< b)
            elif signs.[h] = 0 then
                z.[w] <- z.[w] ||| (1UL <<< b)

        SignVector(m, p, z)
