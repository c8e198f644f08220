/// The rounding enclosure of sup|η| (README, "Where doubles can decide"; THEORY.md §3, §8; issue 16): the interval
/// [Lower, Upper] the floating scan vouches for must contain the exact supremum of the same doubles, which the
/// oracle computes over the rationals (`Exact/`: integer pieces along the spanning tree and each projection
/// proven by its KKT system, itself checked against a brute force on the circle in `ExactTests`), on hard
/// inputs: duplicates, collinear points, N < d + 1, inputs at 1e±6, dual vectors at 1e±100 and dual vectors
/// orthogonal to the columns of X̃ (pieces that cancel), up to 2,500 points on the line.
module TvRelu.Core.Tests.EnclosureTests

open System
open System.Numerics
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open Fractions
open TvRelu.Core.Numerics
open TvRelu.Core.Data
open TvRelu.Core.Arrangements
open TvRelu.Core.Certificates
open TvRelu.Core.Exact
open TvRelu.Core.Tests.Generators

/// Inputs and a dual vector for the enclosure.
type EnclosureCase =
    {
        Kind: string
        Inputs: float[][]
        Q: float[]
        /// The dual vector was made orthogonal to the columns of X̃, so the pieces cancel.
        Centred: bool
    }

    override c.ToString() =
        sprintf
            "%s centred=%b N=%d d=%d inputs=%s q=%s"
            c.Kind
            c.Centred
            c.Inputs.Length
            c.Inputs.[0].Length
            (String.Join(
                " ",
                c.Inputs
                |> Array.map (fun x -> "(" + String.Join(",", x |> Array.map (sprintf "%.17g")) + ")")
            ))
            (String.Join(" ", c.Q |> Array.map (sprintf "%.17g")))

let private augmented (x: float[][]) =
    x |> Array.map (fun r -> Array.append r [| 1.0 |])

/// q less its least-squares fit by the columns of X̃ (in doubles): X̃ᵀq ≈ 0, so the piece of the all-active cell
/// is ≈ 0 and the others cancel heavily, the case where the rounding of the pieces matters.
let private centre (x: float[][]) (q: float[]) =
    let rows = augmented x
    let c, _ = Dense.leastNorm rows rows.[0].Length q
    Array.init q.Length (fun i -> q.[i] - Dense.dot rows.[i] c)

let private enclosureCases =
    let gaussian =
        gen {
            let! d, minN, maxN =
                Gen.elements [ 1, 1000, 2500; 1, 1000, 2500; 1, 1, 300; 2, 1, 40 ]

            let! n = Gen.choose (minN, maxN)
            let! x = Gen.arrayOfLength n (normalVector d)
            return "gaussian", x
        }

    let lattice =
        latticeData [ 1, 60; 2, 20 ] allScales
        |> Gen.map (fun c -> "lattice " + c.Kind + sprintf " scale %g" c.Scale, c.Inputs)

    gen {
        let! kind, x = Gen.frequency [ 2, gaussian; 1, lattice ]
        let! g = normalVector x.Length
        // Signs in long runs along the inputs (as the residual of a fit has) or all positive make the partial sums
        // of the pieces large, where their rounding is largest.
        let! signs = Gen.elements [ "gaussian"; "positive"; "runs" ]

        let q =
            match signs with
            | "positive" -> Array.map abs g
            | "runs" -> Array.mapi (fun i v -> (if sin (3.0 * x.[i].[0]) >= 0.0 then 1.0 else -1.0) * abs v) g
            | _ -> g

        let! magnitude = Gen.elements [ 1e-100; 1.0; 1.0; 1e100 ]
        let! centred = Gen.elements [ false; true ]
        let q = if centred then centre x q else q

        return
            {
                Kind = kind + ", q " + signs
                Inputs = x
                Q = Array.map (fun v -> magnitude * v) q
                Centred = centred
            }
    }

type EnclosureCases =
    static member Case() = Arb.fromGen enclosureCases

let private square (f: Fraction) = f * f

/// The test's own η scale (1/λ) Σ_i |q_i| ‖x̃_i‖, summed plainly (for the old a-priori bounds).
let private scaleOf (rows: float[][]) (q: float[]) (lambda: float) =
    Array.fold2 (fun acc (r: float[]) v -> acc + abs v * sqrt (Array.sumBy (fun t -> t * t) r)) 0.0 rows q
    / lambda

let private u = 1.1102230246251565e-16

[<Property(MaxTest = 60, Arbitrary = [| typeof<EnclosureCases> |])>]
let ``the enclosure of sup|η| contains the exact supremum and is never wider than the a-priori bounds`` (c: EnclosureCase) =
    let data = Dataset.CreateOrRaise(c.Inputs, Array.zeroCreate c.Inputs.Length)
    let arr = Arrangement.ofDataset data
    let ctx, failures = ExactCells.ofArrangement data arr
    // λ makes sup|η| about 2, so that the exact oracle's max(1, sup²) is sup² itself.
    let atOne, _, _ = Certificate.supremumAbs (Certificate.ofDual arr data 1.0 c.Q)
    let lambda = atOne / 2.0

    if not failures.IsEmpty || not (atOne > 0.0) || not (Double.IsNormal lambda) then
        true
        |> Prop.classify true "vacuous: arrangement not exact, or q without a positive extreme"
    else
        let cert = Certificate.ofDual arr data lambda c.Q
        let value, e, sign, enc = Certificate.supremumAbsEnclosed cert
        let pieces = ExactSupremum.pieces ctx arr (Rational.ofFloat lambda) c.Q
        let _, _, stats = ExactSupremum.supremum ctx arr cert pieces 100000
        let exact = stats.SupremumSquared
        let rows = data.AugmentedRaw
        let n = arr.AmbientDimension
        let scale = scaleOf rows c.Q lambda
        // The bounds this change replaced: 2 (2N + d + 3) √(d + 1) u · scale for the pieces, 2 (N + d + 1) u · scale
        // for η at the argument (a relative 1e-12 of slack for the two scales' summation orders).
        let oldPieces = 2.0 * float (2 * rows.Length + n + 2) * sqrt (float n) * u * scale

        let oldLower =
            float sign * Certificate.evaluate cert e.Argument
            - 2.0 * float (rows.Length + n) * u * scale

        // Every cell's computed piece against its exact piece c · W_C (c = 2^(row exponent + dual exponent) / λ):
        // ‖v̂_C − v_C‖ ≤ PieceRounding for every cell, not only where the supremum is attained.
        let factor =
            Rational.pow2 (ctx.RowExponent + pieces.DualExponent) / Rational.ofFloat lambda

        let bound = square (Rational.ofFloat cert.PieceRounding)

        let piecesHold =
            Array.init arr.CellCount id
            |> Array.forall (fun cell ->
                let v = cert.Piece cell

                let err =
                    Array.init n (fun k -> Rational.ofFloat v.[k] - factor * Fraction(pieces.W.[cell].[k]))
                    |> Array.sumBy square

                err <= bound)

        let upperHolds =
            stats.BoundedByNorm > 0
            || (enc.Upper >= 0.0 && exact <= square (Rational.ofFloat enc.Upper))

        let lowerHolds = enc.Lower <= 0.0 || square (Rational.ofFloat enc.Lower) <= exact

        (not stats.WithinOne
         && piecesHold
         && upperHolds
         && lowerHolds
         && enc.Lower <= value
         && value <= enc.Upper
         && cert.PieceRounding <= oldPieces * (1.0 + 1e-12)
         && enc.Lower >= oldLower - 1e-14 * abs value)
        |> Prop.label (
            sprintf
                "pieces within their bound %b, sup %.17g exact² %.17g enclosure [%.17g, %.17g] pieces %.3e (old %.3e) old lower %.17g within-one %b"
                piecesHold
                value
                (exact.ToDouble())
                enc.Lower
                enc.Upper
                cert.PieceRounding
                oldPieces
                oldLower
                stats.WithinOne
        )
        |> Prop.classify c.Centred "centred"
        |> Prop.classify (rows.Length > 1000) "N > 1000"
