namespace TvRelu.Core.Certificates

open System
open System.Numerics
open Fractions
open TvRelu.Core.Numerics

/// The rational re-check of a branch-and-bound leaf (THEORY.md §8, §9). At a leaf every positive
/// neuron is fixed (or resolved) and there is no chord, so the leaf bound is
///   slack + (1/λ) ‖Σ_{on} Q_i x̃_i + Σ_M β_i Q_i x̃_i + Σ_F (λ μ_i) s_i x̃_i‖
/// in the original coordinates (Q_i the sum of q over the rows equal to x̃_i). Every coefficient is a
/// product of doubles, hence a dyadic rational, so the vector is summed exactly in integers, its squared
/// norm is exact, and √ is bracketed from above (`Rational.sqrtBounds`). The result is a rational upper
/// bound on the leaf's maximum for the multipliers the floating solver found, whatever its accuracy.
module internal LeafCheck =

    /// Σ_k m_k 2^e_k exactly, as (M, e) with the value M · 2^e.
    let private sumDyadic (terms: ResizeArray<BigInteger * int>) =
        if terms.Count = 0 then
            BigInteger.Zero, 0
        else
            let e = terms |> Seq.map snd |> Seq.min
            let mutable s = BigInteger.Zero

            for (m, ei) in terms do
                s <- s + (m <<< (ei - e))

            s, e

    /// The exact product of doubles, as (m, e) with the value m · 2^e.
    let private product (factors: float list) =
        factors
        |> List.fold
            (fun (m: BigInteger, e) x ->
                let mx, ex = Rational.dyadic x
                m * mx, e + ex)
            (BigInteger.One, 0)

    /// A double at or above the rational x.
    let private upward (x: Fraction) =
        let d = x.ToDouble()
        Math.BitIncrement(Math.BitIncrement d)

    /// The exact upper bound of a leaf, rounded up to a double. `dual` and `lambda` are the original q
    /// and λ; the coefficients come from the node's signs and multipliers.
    let bound (red: Reduction) (o: Orientation) (dual: float[]) (lambda: float) (e: NodeEvaluation) =
        let n = red.Ambient
        let coords = Array.init n (fun _ -> ResizeArray<BigInteger * int>())
        let sign = float o.Sign
        // (Π factors) · x̃_ik, exactly, for every coordinate k.
        let add (i: int) (factors: float list) =
            let m, e = product factors

            if not m.IsZero then
                for k in 0 .. n - 1 do
                    let mx, ex = Rational.dyadic red.Rows.[i].[k]
                    coords.[k].Add(m * mx, e + ex)
        // Q_i = Σ q_j over the member rows, so Q_i · f · x̃_i is one exact term per member.
        let addWeighted (i: int) (factor: float) =
            for j in red.Members.[i] do
                add i [ sign; dual.[j]; factor ]

        let neg = o.Negative
        let pos = o.Positive

        for j in 0 .. neg.Length - 1 do
            if e.Multipliers.[j] <> 0.0 then
                addWeighted neg.[j] e.Multipliers.[j]

        let mutable fixedIndex = neg.Length

        for k in 0 .. pos.Length - 1 do
            if e.Signs.[k] = 1y || e.Signs.[k] = 2y then
                addWeighted pos.[k] 1.0

            if abs e.Signs.[k] = 1y then
                let mu = e.Multipliers.[fixedIndex]
                fixedIndex <- fixedIndex + 1
                // The multiplier's term μ s a_i, times λ: λ μ s x̃_i.
                add pos.[k] [ lambda; mu; float e.Signs.[k] ]

        let mutable squared = Fraction.Zero

        for k in 0 .. n - 1 do
            let m, ex = sumDyadic coords.[k]
            squared <- squared + Fraction(m * m) * Rational.pow2 (2 * ex)

        let _, hi = Rational.sqrtBounds squared
        let slack = Rational.ofFloat (e.Slack + red.ProjectionSlack)
        upward (slack + hi / Rational.ofFloat lambda)
