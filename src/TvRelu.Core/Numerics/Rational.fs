namespace TvRelu.Core.Numerics

open System
open System.Numerics
open Fractions

/// Exact conversions between doubles and rationals, exact square-root brackets and exact
/// printing (THEORY.md §8: every double is a dyadic rational m · 2^e).
///
/// The conversion from double is written here rather than taken from
/// `Fractions.Fraction.FromDouble`, because that function (8.3.2) is not exact at the edges of the
/// format: it maps −0.0 to −2^−1023 and the subnormal 2^−1074 to 4503599627370497 / 2^1075.
/// Everything else (arithmetic, reduction, comparison) is the `Fractions` package.
module internal Rational =

    /// x = m · 2^e exactly, with m odd (or m = 0 and e = 0 for ±0). Raises on NaN and ±∞.
    let dyadic (x: float) : BigInteger * int =
        if not (Double.IsFinite x) then
            invalidArg "x" (sprintf "%g is not a finite number and has no exact rational value" x)

        let bits = BitConverter.DoubleToInt64Bits x
        let biased = int ((bits >>> 52) &&& 0x7FFL)
        let fraction = bits &&& 0xFFFFFFFFFFFFFL

        if biased = 0 && fraction = 0L then
            BigInteger.Zero, 0
        else
            let m, e =
                if biased = 0 then
                    fraction, -1074
                else
                    (fraction ||| (1L <<< 52)), biased - 1075

            let tz = Numerics.BitOperations.TrailingZeroCount m
            let m = BigInteger(m >>> tz)
            (if bits < 0L then -m else m), e + tz

    /// 2^e as a fraction (e of either sign).
    let pow2 (e: int) =
        if e >= 0 then
            Fraction(BigInteger.One <<< e)
        else
            Fraction(BigInteger.One, BigInteger.One <<< -e)

    /// The exact rational value of a finite double.
    let ofFloat (x: float) : Fraction =
        let m, e = dyadic x

        if e >= 0 then
            Fraction(m <<< e)
        else
            Fraction(m, BigInteger.One <<< -e)

    /// A double within one unit in the last place of a rational, whatever the sizes of its numerator and denominator.
    /// `Fraction.ToDouble` converts both to double first, so a value of order 1 whose reduced terms exceed 2^1024 (the
    /// exact KKT solutions of THEORY.md §6 reach that) comes out NaN; here the quotient is taken in integers scaled to
    /// 64 significant bits and then scaled back by the power of two.
    let toFloat (f: Fraction) : float =
        let r = f.Reduce()
        let num, den = r.Numerator, r.Denominator

        if num.IsZero then
            0.0
        else
            let shift = 64 - int (BigInteger.Abs(num).GetBitLength() - den.GetBitLength())

            let q =
                if shift >= 0 then
                    BigInteger.Divide(num <<< shift, den)
                else
                    BigInteger.Divide(num, den <<< -shift)

            Math.ScaleB(float q, -shift)

    /// Integers M_k and one exponent e with x_k = M_k · 2^e exactly for every k: the common
    /// power-of-two scaling that turns a vector of doubles into an integer vector. Positive
    /// scaling keeps every sign, so sign decisions can be made on M.
    let scaleToIntegers (xs: float[]) : BigInteger[] * int =
        let parts = xs |> Array.map dyadic

        let e =
            parts
            |> Array.fold (fun acc (m: BigInteger, e) -> if m.IsZero then acc else min acc e) Int32.MaxValue

        let e = if e = Int32.MaxValue then 0 else e
        (parts |> Array.map (fun (m, ei) -> if m.IsZero then m else m <<< (ei - e))), e

    /// Number of bits of |n| (0 for 0).
    let bitLength (n: BigInteger) =
        if n.IsZero then
            0
        else
            int (BigInteger.Abs(n).GetBitLength())

    /// The size of a rational: the larger bit length of its reduced numerator and denominator.
    let bits (f: Fraction) =
        let r = f.Reduce()
        max (bitLength r.Numerator) (bitLength r.Denominator)

    /// ⌊√n⌋ for n ≥ 0, by Newton's iteration on integers.
    let isqrt (n: BigInteger) =
        if n.Sign < 0 then
            invalidArg "n" "square root of a negative integer"
        elif n < BigInteger 2 then
            n
        else
            let mutable x = BigInteger.One <<< (int (n.GetBitLength()) / 2 + 1)
            let mutable y = (x + n / x) >>> 1

            while y < x do
                x <- y
                y <- (x + n / x) >>> 1

            x

    /// Rationals lo ≤ √x ≤ hi for a rational x ≥ 0, with hi − lo ≤ 2^−128 · √x (lo = hi when √x
    /// is found exactly). From √(p/q) = √(p q) / q and an integer square root of p q 4^s.
    let sqrtBounds (x: Fraction) : Fraction * Fraction =
        let x = x.Reduce()

        if x.IsNegative then
            invalidArg "x" "square root of a negative rational"
        elif x.IsZero then
            Fraction.Zero, Fraction.Zero
        else
            let pq = x.Numerator * x.Denominator
            let s = max 0 ((300 - int (pq.GetBitLength())) / 2 + 1)
            let n = pq <<< (2 * s)
            let r = isqrt n
            let den = x.Denominator <<< s
            let lo = Fraction(r, den)
            let hi = if r * r = n then lo else Fraction(r + BigInteger.One, den)
            lo, hi

    /// "p/q" with q ≥ 1 (q = 1 is written too, so the format is uniform).
    let toText (f: Fraction) =
        let r = f.Reduce()
        sprintf "%s/%s" (r.Numerator.ToString()) (r.Denominator.ToString())

    /// A decimal in scientific notation with `digits` significant digits, rounded towards +∞ when
    /// `up` and towards −∞ otherwise, so that a printed lower (upper) bound is still a lower
    /// (upper) bound.
    let toDecimal (digits: int) (up: bool) (f: Fraction) =
        let r = f.Reduce()

        if r.IsZero then
            "0"
        else
            let num = BigInteger.Abs r.Numerator
            let den = r.Denominator
            // e10 with 10^e10 ≤ |f| < 10^(e10+1), from an estimate corrected exactly.
            let mutable e10 = int (Math.Floor(BigInteger.Log10 num - BigInteger.Log10 den))

            let ge (e: int) =
                if e >= 0 then
                    num >= den * BigInteger.Pow(10I, e)
                else
                    num * BigInteger.Pow(10I, -e) >= den

            while not (ge e10) do
                e10 <- e10 - 1

            while ge (e10 + 1) do
                e10 <- e10 + 1
            // |f| · 10^(digits − 1 − e10) ∈ [10^(digits−1), 10^digits)
            let k = digits - 1 - e10

            let sn, sd =
                if k >= 0 then
                    num * BigInteger.Pow(10I, k), den
                else
                    num, den * BigInteger.Pow(10I, -k)

            let q = BigInteger.Divide(sn, sd)
            let exact = q * sd = sn
            // Magnitude rounding: away from zero when the direction and the sign agree.
            let away = (up && r.IsPositive) || (not up && r.IsNegative)
            let q = if away && not exact then q + BigInteger.One else q
            // Rounding up may carry into a new digit (999… → 1000…).
            let q, e10 =
                if q.ToString().Length > digits then
                    q / 10I, e10 + 1
                else
                    q, e10

            let s = q.ToString()

            let mantissa =
                if s.Length > 1 then
                    s.Substring(0, 1) + "." + s.Substring 1
                else
                    s

            sprintf "%s%se%+03d" (if r.IsNegative then "-" else "") mantissa e10
