namespace TvRelu.Core.Numerics

open System

/// Seeded random numbers the core draws itself (network initialisation, §7; the random grid of the
/// LASSO baseline, §4).
module internal Sampling =

    /// A standard normal deviate by Box–Muller: System.Random has none, and a fixed algorithm keeps
    /// runs reproducible across platforms for a given seed.
    let gaussian (rng: Random) =
        let u1 = 1.0 - rng.NextDouble()
        let u2 = rng.NextDouble()
        sqrt (-2.0 * log u1) * cos (2.0 * Math.PI * u2)
