namespace TvRelu.ProofsChecks

open System
open System.Numerics

/// An exact dyadic rational m · 2^e. Every finite double is one, and sums and products of dyadics
/// are dyadics, so sign decisions on polynomial expressions of the data are exact (THEORY.md §8:
/// "floating point suggests; rational arithmetic decides").
[<Struct; CustomEquality; NoComparison>]
type Dyadic =
    {
        Mantissa: BigInteger
        Exponent: int
    }

    /// The exact value of a finite double.
    static member OfFloat(x: float) =
        if x = 0.0 then
            {
                Mantissa = BigInteger.Zero
                Exponent = 0
            }
        elif not (Double.IsFinite x) then
            invalidArg "x" "not finite"
        else
            let bits = BitConverter.DoubleToInt64Bits x
            let exp = int ((bits >>> 52) &&& 0x7FFL)
            let frac = bits &&& 0xFFFFFFFFFFFFFL

            let m, e =
                if exp = 0 then
                    frac, -1074
                else
                    (frac ||| (1L <<< 52)), exp - 1075

            {
                Mantissa = (if x < 0.0 then BigInteger(-m) else BigInteger m)
                Exponent = e
            }

    static member (+)(a: Dyadic, b: Dyadic) =
        if a.Mantissa.IsZero then
            b
        elif b.Mantissa.IsZero then
            a
        elif a.Exponent <= b.Exponent then
            {
                Mantissa = a.Mantissa + (b.Mantissa <<< (b.Exponent - a.Exponent))
                Exponent = a.Exponent
            }
        else
            {
                Mantissa = b.Mantissa + (a.Mantissa <<< (a.Exponent - b.Exponent))
                Exponent = b.Exponent
            }

    static member (*)(a: Dyadic, b: Dyadic) =
        {
            Mantissa = a.Mantissa * b.Mantissa
            Exponent = a.Exponent + b.Exponent
        }

    static member (~-)(a: Dyadic) = { a with Mantissa = -a.Mantissa }
    static member (-)(a: Dyadic, b: Dyadic) = a + (-b)

    /// Zero.
    static member Zero =
        {
            Mantissa = BigInteger.Zero
            Exponent = 0
        }

    /// −1, 0 or +1.
    member a.Sign = a.Mantissa.Sign

    /// The nearest double (up to the rounding of BigInteger → double on the leading bits).
    member a.ToFloat() =
        if a.Mantissa.IsZero then
            0.0
        else
            let bits = int (a.Mantissa.GetBitLength())
            let shift = max 0 (bits - 60)
            float (a.Mantissa >>> shift) * Math.Pow(2.0, float (a.Exponent + shift))

    override a.Equals(o) =
        match o with
        | :? Dyadic as b -> (a - b).Mantissa.IsZero
        | _ -> false

    override a.GetHashCode() = a.ToFloat().GetHashCode()

/// Exact linear algebra over dyadics for the few small matrices the oracles need.
module Exact =

    let private dot (a: Dyadic[]) (b: Dyadic[]) =
        let mutable s = Dyadic.Zero

        for i in 0 .. a.Length - 1 do
            s <- s + a.[i] * b.[i]

        s

    /// The determinant, by cofactor expansion (k ≤ 5 here).
    let rec determinant (g: Dyadic[,]) =
        let k = Array2D.length1 g

        if k = 0 then
            Dyadic.OfFloat 1.0
        elif k = 1 then
            g.[0, 0]
        elif k = 2 then
            g.[0, 0] * g.[1, 1] - g.[0, 1] * g.[1, 0]
        else
            let mutable s = Dyadic.Zero

            for j in 0 .. k - 1 do
                let minor =
                    Array2D.init (k - 1) (k - 1) (fun r c -> g.[r + 1, (if c < j then c else c + 1)])

                let t = g.[0, j] * determinant minor
                s <- if j % 2 = 0 then s + t else s - t

            s

    /// The adjugate: adj(G) G = det(G) I.
    let adjugate (g: Dyadic[,]) =
        let k = Array2D.length1 g

        if k = 1 then
            Array2D.create 1 1 (Dyadic.OfFloat 1.0)
        else
            Array2D.init k k (fun i j ->
                // adj_{ij} = (−1)^{i+j} M_{ji}
                let minor =
                    Array2D.init (k - 1) (k - 1) (fun r c -> g.[(if r < j then r else r + 1), (if c < i then c else c + 1)])

                let d = determinant minor
                if (i + j) % 2 = 0 then d else -d)

    /// For rows a_1..a_k (independent), the pair (det G, P) with G = A Aᵀ and P = Aᵀ adj(G) A, so
    /// that det(G) · w − P w is det(G) times the projection of w onto the orthogonal complement of
    /// span{a_i}: a positive multiple, hence the same direction, computed without division.
    let complementProjector (rows: Dyadic[][]) (n: int) =
        let k = rows.Length
        let g = Array2D.init k k (fun i j -> dot rows.[i] rows.[j])
        let det = determinant g
        let adj = adjugate g

        let p =
            Array2D.init n n (fun r c ->
                let mutable s = Dyadic.Zero

                for i in 0 .. k - 1 do
                    for j in 0 .. k - 1 do
                        s <- s + rows.[i].[r] * adj.[i, j] * rows.[j].[c]

                s)

        det, p

    /// det · w − P w.
    let applyComplement (det: Dyadic) (p: Dyadic[,]) (w: Dyadic[]) =
        let n = w.Length

        Array.init n (fun r ->
            let mutable s = det * w.[r]

            for c in 0 .. n - 1 do
                s <- s - p.[r, c] * w.[c]

            s)

    /// The exact sign of ⟨a, b⟩.
    let signOfDot (a: Dyadic[]) (b: Dyadic[]) = (dot a b).Sign

    /// A dyadic vector as doubles, normalised (the direction of an exact vector, to rounding).
    let direction (v: Dyadic[]) =
        // Scale by a common power of two first so that tiny or huge exact values stay representable.
        let top =
            v
            |> Array.filter (fun d -> not d.Mantissa.IsZero)
            |> Array.map (fun d -> int (d.Mantissa.GetBitLength()) + d.Exponent)

        if top.Length = 0 then
            None
        else
            let shift = Array.max top
            let f = v |> Array.map (fun d -> { d with Exponent = d.Exponent - shift }.ToFloat())
            let nf = sqrt (Array.sumBy (fun x -> x * x) f)
            Some(Array.map (fun x -> x / nf) f)
