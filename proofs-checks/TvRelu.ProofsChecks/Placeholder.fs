/// Placeholder so the project builds; the THEORY.md audit replaces it.
module TvRelu.ProofsChecks.Placeholder

/// A placeholder value.
let pending = "THEORY.md audit not written yet"
