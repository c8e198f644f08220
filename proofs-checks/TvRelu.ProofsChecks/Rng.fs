namespace TvRelu.ProofsChecks

open System

/// Deterministic seeds. A campaign's trial t of claim c runs on `Seeds.trial seed c t`, a pure
/// function of its three arguments, so any trial can be replayed alone, on any machine, in any shard.
module Seeds =

    /// One round of SplitMix64 (Steele, Lea and Flood 2014): a bijective 64-bit mixer.
    let mix (z: uint64) =
        let mutable z = z + 0x9E3779B97F4A7C15UL
        z <- (z ^^^ (z >>> 30)) * 0xBF58476D1CE4E5B9UL
        z <- (z ^^^ (z >>> 27)) * 0x94D049BB133111EBUL
        z ^^^ (z >>> 31)

    /// FNV-1a over the UTF-8 bytes of a string: a stable hash (String.GetHashCode is randomised per process).
    let hashString (s: string) =
        let mutable h = 0xcbf29ce484222325UL

        for b in Text.Encoding.UTF8.GetBytes s do
            h <- (h ^^^ uint64 b) * 0x100000001b3UL

        h

    /// The seed of trial `trial` of claim `claimId` in a campaign started with `campaignSeed`.
    let trial (campaignSeed: int64) (claimId: string) (trial: int) : int64 =
        let c = mix (uint64 campaignSeed ^^^ hashString claimId)
        int64 (mix (c + uint64 trial))

/// A small, fast, reproducible random generator (xoshiro256**, seeded through SplitMix64). Unlike
/// System.Random its stream is fixed by this code, so a replay seed means the same data everywhere.
[<Sealed>]
type Rng(seed: int64) =
    let s = Array.zeroCreate<uint64> 4

    do
        let mutable z = uint64 seed

        for i in 0..3 do
            z <- z + 0x9E3779B97F4A7C15UL
            s.[i] <- Seeds.mix z

    let mutable spare = nan

    /// The seed this generator started from.
    member _.Seed = seed

    /// The next 64 random bits.
    member _.NextUInt64() =
        let rotl (x: uint64) k = (x <<< k) ||| (x >>> (64 - k))
        let result = rotl (s.[1] * 5UL) 7 * 9UL
        let t = s.[1] <<< 17
        s.[2] <- s.[2] ^^^ s.[0]
        s.[3] <- s.[3] ^^^ s.[1]
        s.[1] <- s.[1] ^^^ s.[2]
        s.[0] <- s.[0] ^^^ s.[3]
        s.[2] <- s.[2] ^^^ t
        s.[3] <- rotl s.[3] 45
        result

    /// Uniform on [0, 1) with 53 random bits.
    member this.Uniform() =
        float (this.NextUInt64() >>> 11) * (1.0 / 9007199254740992.0)

    /// Uniform on [a, b).
    member this.Uniform(a: float, b: float) = a + (b - a) * this.Uniform()

    /// Uniform integer in [0, n).
    member this.Int(n: int) =
        if n <= 0 then
            invalidArg "n" "n must be positive"

        int (this.NextUInt64() % uint64 n)

    /// Uniform integer in [lo, hi] (inclusive).
    member this.Int(lo: int, hi: int) = lo + this.Int(hi - lo + 1)

    /// True with probability p.
    member this.Bernoulli(p: float) = this.Uniform() < p

    /// Standard normal (polar Box–Muller, the spare value kept).
    member this.Gaussian() =
        if not (Double.IsNaN spare) then
            let g = spare
            spare <- nan
            g
        else
            let mutable u = 0.0
            let mutable v = 0.0
            let mutable r = 2.0

            while r >= 1.0 || r = 0.0 do
                u <- 2.0 * this.Uniform() - 1.0
                v <- 2.0 * this.Uniform() - 1.0
                r <- u * u + v * v

            let f = sqrt (-2.0 * log r / r)
            spare <- v * f
            u * f

    /// A vector of independent standard normals.
    member this.Gaussians(n: int) = Array.init n (fun _ -> this.Gaussian())

    /// Log-uniform on [a, b] (a, b > 0).
    member this.LogUniform(a: float, b: float) = exp (this.Uniform(log a, log b))

    /// A uniformly chosen element.
    member this.Pick(items: 'T[]) = items.[this.Int items.Length]

    /// An element chosen with the given (non-negative) weights.
    member this.PickWeighted(items: ('T * float)[]) =
        let total = items |> Array.sumBy snd
        let mutable u = this.Uniform() * total
        let mutable i = 0

        while i < items.Length - 1 && u >= snd items.[i] do
            u <- u - snd items.[i]
            i <- i + 1

        fst items.[i]

    /// A uniformly random unit vector in R^n.
    member this.UnitVector(n: int) =
        let mutable g = this.Gaussians n
        let mutable norm = sqrt (Array.sumBy (fun x -> x * x) g)

        while norm < 1e-12 do
            g <- this.Gaussians n
            norm <- sqrt (Array.sumBy (fun x -> x * x) g)

        g |> Array.map (fun x -> x / norm)

    /// A new independent generator derived from this one (for sub-streams that must not shift
    /// when the caller draws more numbers).
    member this.Split() = Rng(int64 (this.NextUInt64()))

/// Running code with a deadline. .NET cannot stop a running computation from outside, and the
/// solver takes no cancellation token, so a computation that misses its deadline is abandoned on a
/// background thread (it keeps its CPU until it ends or the process exits). Campaigns use this so
/// that one pathological solve cannot stall a whole shard.
module Watchdog =

    /// Abandoned computations so far in this process.
    let mutable abandoned = 0

    /// Some result of `f`, or None when it did not finish within `seconds` (≤ 0: no deadline).
    /// An exception of `f` is re-raised.
    let run (seconds: float) (f: unit -> 'T) : 'T option =
        if seconds <= 0.0 || Double.IsInfinity seconds then
            Some(f ())
        else
            let mutable result = None
            let mutable error: exn = null

            let worker =
                Threading.Thread(
                    (fun () ->
                        try
                            result <- Some(f ())
                        with e ->
                            error <- e),
                    16 * 1024 * 1024
                )

            worker.IsBackground <- true
            worker.Start()

            if worker.Join(TimeSpan.FromSeconds seconds) then
                if not (isNull error) then
                    Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(error).Throw()

                result
            else
                Threading.Interlocked.Increment(&abandoned) |> ignore
                None
