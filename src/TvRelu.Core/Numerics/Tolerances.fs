namespace TvRelu.Core.Numerics

/// Every numerical tolerance of the core, named after the concept it decides.
module internal Tolerances =

    /// A point within this of a hyperplane (unit vectors) is on it for the weighted TV of §7, whose
    /// weight drops onto every boundary (README, "the weighted-TV problem": "Numerically a point within
    /// 1e-12 (unit vectors) of a hyperplane is on it").
    [<Literal>]
    let weightBoundary = 1e-12
