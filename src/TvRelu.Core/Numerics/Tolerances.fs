namespace TvRelu.Core.Numerics

/// Every numerical tolerance of the core, named after the concept it decides, with the reason for its
/// value and the THEORY.md or README line that states it. Values that look alike but decide different
/// things keep different names (the reason they differ is written next to them), so that changing one
/// cannot silently change another. Relative tolerances say what they are relative to.
module internal Tolerances =

    // ---------------------------------------------------------------------------------------------
    // Guards

    /// A positive floor far below any scale the data can have (the smallest normal double is 2e-308):
    /// it keeps a relative tolerance or a division defined when the scale it multiplies is exactly 0,
    /// without changing any non-zero scale.
    [<Literal>]
    let tiny = 1e-300

    // ---------------------------------------------------------------------------------------------
    // Dense kernels (Numerics)

    /// Singular values at most max(m, n) · 1e-13 · σ_max count as zero in the default numerical rank and
    /// null space: the usual max(m, n) ε σ_max with ε taken as 1e-13 (about 450 ulp), generous enough for
    /// the few rows of a cell's facets, whose entries come from normalisations and products.
    [<Literal>]
    let svdRank = 1e-13

    /// The pseudo-inverse of a symmetric positive semidefinite Newton system drops singular values at most
    /// n · 1e-14 · σ_max: those systems are exactly singular when the minimiser is not unique (THEORY.md §5),
    /// and their near-null directions would otherwise blow up the step.
    [<Literal>]
    let pseudoInverse = 1e-14

    /// In the QR of the NNLS passive columns, a column whose Gram–Schmidt remainder is at most 1e-12 of its
    /// length depends on the others (the column is then blocked for the round, which keeps Lawson–Hanson from
    /// cycling on the degenerate cones of collinear data).
    [<Literal>]
    let nnlsDependent = 1e-12

    /// A column enters the NNLS passive set when ⟨col_j, r⟩ > 1e-15 · max_j‖col_j‖ · ‖f‖. The residual is
    /// Π_K f (Cone.project), and when it is far shorter than f (a near-zero maximum on a thin wedge) a threshold
    /// of 1e-14 accepted a residual that violated a facet by 3e-6 of its own length, so the argument of the
    /// maximum left its cell (inputs at scale 1e-6). 1e-15 is still ten times the rounding of ⟨col_j, r⟩
    /// (errors of order ε ‖col_j‖ ‖f‖).
    [<Literal>]
    let nnlsEntry = 1e-15

    /// A variable of the active-set method that the step back leaves within 1e-15 of the magnitude of its
    /// free value is zero: that is rounding of the interpolation x + α (z − x) at the α that zeroes it.
    [<Literal>]
    let nnlsStepToZero = 1e-15

    /// A variable enters the non-negative quadratic program (amplitudes of sliding Frank–Wolfe and the grid
    /// LASSO) when its gradient exceeds 1e-14 · max|c|. It differs from `nnlsEntry` because it is measured
    /// against the linear term c = Φᵀy − λw, which carries λ and the Gram products, not against ‖col‖‖f‖.
    [<Literal>]
    let quadraticEntry = 1e-14

    /// A relative ridge of 1e-13 · max Q_jj on the free block of the quadratic program keeps dependent atoms
    /// (more atoms than data) from making it singular; it moves the minimiser by a relative 1e-13.
    [<Literal>]
    let quadraticRidge = 1e-13

    /// A system of equality constraints E x = f is consistent when its least-norm solution misses by at most
    /// 1e-10 (‖f‖ + σ_max(E) ‖x‖): a thousand times the rounding of an SVD solve of the small, well-scaled
    /// systems of the limit certificate (THEORY.md §6), whose inconsistent cases miss by order one.
    [<Literal>]
    let equalityMiss = 1e-10

    /// The least-distance problem min ‖ξ‖, F ξ ≥ g is infeasible when the residual of its NNLS against the unit
    /// target e_{k+1} is at most 1e-12 (Lawson and Hanson, theorem 23.27: it is exactly 0 then, and of order one
    /// otherwise; 1e-12 is far above the rounding of the NNLS).
    [<Literal>]
    let leastDistanceInfeasible = 1e-12

    // ---------------------------------------------------------------------------------------------
    // Measures (THEORY.md §1)

    /// Two atom directions closer than this (Euclidean, on the unit sphere) are the same point of the
    /// canonical measure. Far below any angle the data can resolve in double precision after the solver's
    /// polishing, and far above the rounding of a normalisation.
    [<Literal>]
    let mergeAtoms = 1e-9

    // ---------------------------------------------------------------------------------------------
    // Arrangements (THEORY.md §3)

    /// Input rows whose hyperplanes' unit normals (after the power-of-two rescaling of the coordinates)
    /// agree to 1e-8, up to sign, are one hyperplane (README: "agree to 1e-8 are one hyperplane"). A hundred
    /// times `restrictionParallel`, so that two input hyperplanes are either one or clearly two, never read
    /// as one by one step (a restriction, a face) and as two by another: with 1e-10 at both levels, inputs
    /// 1e-12 apart whose small coordinates the conditioning magnified to ~1e-10 gave Euler characteristics
    /// off by 2 (the long cover-euler campaign of issue 4: 17 in 60,000 trials).
    [<Literal>]
    let mergeInputs = 1e-8

    /// The restrictions of the enumeration resolve directions to 1e-10 (README: "a hundred times finer"):
    /// unit normals (or line angles on the circle) that agree to this, up to sign, are one hyperplane of a
    /// restriction.
    [<Literal>]
    let restrictionParallel = 1e-10

    /// A hyperplane contains a flat of the face enumeration when its normal's coordinates in the flat are at
    /// most 1e-9 of its coordinates in the parent flat: between `restrictionParallel` and `mergeInputs`, so the
    /// flats agree with the hyperplanes both levels resolve.
    [<Literal>]
    let flatContains = 1e-9

    /// A hyperplane that the face enumeration reads as not containing a flat must keep a relative coordinate of
    /// at least 1e-8 in it: ten times `flatContains` and a hundred times `restrictionParallel`, so that the walk's
    /// containment and the restrictions' grouping cannot read it differently, and far above the rounding of the
    /// flats' orthonormal bases. Closer (a near-tie: collinear triples perturbed by 1e-12 gave 0 vertices and 10
    /// edges where there are 6 and 12, issue 11) the faces are decided over the integers (Arrangements/Covectors),
    /// or reported undecided. Not wider: random data put about one (flat, hyperplane) pair in 10^8 below it, and
    /// 1e-6 sent 300 Gaussian points in the plane to the exact enumeration.
    [<Literal>]
    let faceNearTie = 1e-8

    /// Hyperplanes read as containing one flat whose unit normals have their next singular value at most 1e-14 of
    /// the largest are a tie within rounding (about fifty ulps: Gaussian points put on a line in doubles have
    /// σ_min ≤ 2e-16 σ_max, and rescaling the rows moves that by a small factor): the inputs are read as
    /// dependent, as the cell enumeration reads them, so lattices scaled by 1e-6 and points on a line, collinear
    /// only to rounding, keep their collinear faces. Above it they are exactly independent (rounding cannot lift
    /// an exact dependency that far); a collinear triple perturbed by 1e-12 (σ_min ≈ 1e-13 σ_max) is then a
    /// near-tie, decided over the integers. The same cut gives the rank of Euler's relation.
    [<Literal>]
    let faceTie = 1e-14

    /// A face's sign on a hyperplane is trusted in double precision only when its unit interior point is at
    /// least 1e-12 from the hyperplane (unit normal): a thousand times the rounding of the lifted point. A face
    /// thinner than that is decided over the integers.
    [<Literal>]
    let faceSignMargin = 1e-12

    /// General position is claimed only when every subset of min(m, d + 1) unit normals keeps a smallest
    /// singular value above 1e-7 (README). The enumeration resolves hyperplanes only to
    /// `restrictionParallel`, so normals independent by less are merged by it and a nearly dependent subset
    /// yields the cells of the degenerate arrangement; below the margin the answer is "not in general
    /// position", for which Cover's count is only an upper bound.
    [<Literal>]
    let generalPosition = 1e-7

    // ---------------------------------------------------------------------------------------------
    // Where doubles can decide (README, "Where doubles can decide"; THEORY.md §2, §3, §8)

    /// The unit roundoff u = 2^-53 of double precision: one rounded operation is exact to a relative u. The
    /// rounding allowances below that are not a tolerance of their own are counts of operations times u.
    [<Literal>]
    let unitRoundoff = 1.1102230246251565e-16

    /// The smallest positive normal double, 2^-1022. λ below it is subnormal: it carries fewer than 53
    /// significant bits, 1/λ overflows below 5.6e-309, and λ‖μ‖_TV underflows to fewer digits still, so the
    /// objective, η = ⟨q, φ⟩/λ and the gap are no longer computed to the precision the tolerances assume.
    [<Literal>]
    let smallestNormal = 2.2250738585072014e-308

    /// The largest η scale (1/λ) Σ_i |q_i| ‖x̃_i‖ the exact scan accepts. That sum bounds |η| on the sphere and
    /// the norm of every piece v_C (THEORY.md §3), and the scan squares pieces (norms, Gram products of the cone
    /// projections) and sums up to 10^4 such terms: below 1e150 every such square and sum stays under the
    /// largest double (1.8e308), so nothing in the scan overflows. Above it the scan would meet ∞ and NaN,
    /// which compare false and used to drop the cells that carry the supremum (issue 12, defects 1 and 3).
    [<Literal>]
    let etaRange = 1e150

    /// An extreme value of η is decided only when the scan's bounds enclose it to 1e-6 of max(1, value): the
    /// upper bound (every projection's value plus its rounding, `projectionRounding`) and the lower bound (η
    /// evaluated straight from the data at the reported argument, less the rounding of that sum) must agree
    /// that far. 1e-6 is the saturation tolerance (`saturation`): a supremum known less well cannot even say
    /// which points are saturated. Thin cells (inputs whose columns differ in scale by ~1e16, issue 12,
    /// defect 10) put a reported argument where η is far from the reported value; this is what detects it.
    [<Literal>]
    let supremumUndecided = 1e-6

    // ---------------------------------------------------------------------------------------------
    // Certificates (THEORY.md §2–§3)

    /// A cone projection at most 1e-12 of the largest piece ‖v_C‖ (plus 1e-12 of the terms Σ ν_i a_i it
    /// subtracts) has no direction: the pieces are sums of jumps along a spanning tree and carry its rounding
    /// (the all-negative cell's piece is ~1e-16, not 0), and the subtracted terms are large on the thin cones
    /// of nearly parallel hyperplanes. Such a value is not taken as an extremum's argument (THEORY.md §3,
    /// consequence 1: η = 0 is attained exactly where every neuron is off).
    [<Literal>]
    let projectionRounding = 1e-12

    /// Saturation points found from adjacent cells that are closer than this (unit vectors) are one point
    /// (THEORY.md §3, consequence 2): both are cone projections of pieces that differ by the jump across
    /// the common hyperplane, accurate to far better than 1e-8.
    [<Literal>]
    let saturationPointsMeet = 1e-8

    /// The certified-gap tolerance is max(1e-9 · J, 1e-13 · ½‖y‖²) (README, "Certified"; THEORY.md §2).
    /// Both terms scale with y², so certification does not depend on the units of the labels.
    [<Literal>]
    let gapRelative = 1e-9

    /// The second term of the certified-gap tolerance, 1e-13 · ½‖y‖²: the rounding of the gap formulas
    /// (errors of order ε ‖y‖ ‖q‖ ≤ ε ‖y‖²) when J is tiny, as at λ ≪ λ_max. An absolute floor (the earlier
    /// 1e-10) certified μ = 0 with sup|η| = 100 once the labels were of order 1e-7.
    [<Literal>]
    let gapRounding = 1e-13

    /// Points with |η| ≥ 1 − 1e-6 form the saturation set Σ (README: "the saturation set is
    /// {|η| ≥ 1 − 1e-6}"), widened for a certified solution to take in every atom its gap lets sit below 1.
    [<Literal>]
    let saturation = 1e-6

    /// A saturation point, or an atom of a certified solution, closer than 1e-9 (unit vectors) to a
    /// hyperplane is on a boundary (README: "a saturation point closer than 1e-9 to a hyperplane is on a
    /// boundary"); atoms of one sign are then in a common closed cell when no hyperplane separates them by more.
    [<Literal>]
    let boundary = 1e-9

    /// The widening of Σ for a certified solution: an atom a_j whose 1 − s_j η(θ_j) is within its certified
    /// allowance g / (λ |a_j|) plus this absolute rounding of η near 1 joins Σ, at a threshold raised by
    /// the same 1e-12 and the relative `saturationWidening`.
    [<Literal>]
    let saturationSlack = 1e-12

    /// The relative margin (1e-6) by which Σ's threshold is lowered past the farthest atom it must hold.
    [<Literal>]
    let saturationWidening = 1e-6

    /// An atom of a solution lies on a saturation point when it is within 1e-6 of it: atoms are pinned by the
    /// certified gap only to about √(2g / (λ|a|)) (THEORY.md §2), far coarser than the points of Σ themselves.
    [<Literal>]
    let atomOnSaturationPoint = 1e-6

    /// A (cell, sign) column is priced in, or a grid direction violates the LASSO's optimality condition, only
    /// when its value exceeds λ by more than this relative rounding (1e-12), so that a column at λ to rounding
    /// does not re-enter forever.
    [<Literal>]
    let pricingSlack = 1e-12

    // ---------------------------------------------------------------------------------------------
    // The streaming pass (THEORY.md §3 without storing the cells; issue 13)

    /// Crossing points of a great circle closer than this (radians) are one vertex. The angles are atan2 of
    /// restricted unit normals, accurate to ~1e-16 / ρ (ρ the restricted norm), so exact ties (several hyperplanes
    /// through one vertex) land far closer; the restrictions' `restrictionParallel` (1e-10) merged distinct
    /// crossings of random data (5000 Gaussian points in the plane have about eight pairs of crossings within
    /// 1e-10 on their circles, and lost 2 of Cover's 24,995,002 cells).
    [<Literal>]
    let streamingCrossing = 1e-13

    /// A normal whose residual against the span of others (unit vectors) is below this lies in their span: a
    /// hundred times `restrictionParallel`, so that hyperplanes the enumeration tells apart are independent in the
    /// walks too (the same value as `mergeInputs`, for a different decision).
    [<Literal>]
    let streamingSpan = 1e-8

    /// Rounding allowance of the canonical-visit tests of a face's critical point (unit vectors, radians). The
    /// tests accept up to it, so a critical point near a face's boundary may be evaluated from two visits, and is
    /// never missed; far above the rounding of a side test (~1e-15), far below any face the walks resolve.
    [<Literal>]
    let streamingCanonicalSlack = 1e-12

    /// A face's critical value is taken when η at the critical point is within 1e-10 (relative to the value plus
    /// the longest piece) of it: the point is then in the face's closure up to the rounding of pieces that are sums
    /// of jumps along a walk.
    [<Literal>]
    let streamingCriticalAgreement = 1e-10

    /// A signed distance |⟨θ, x̂_h⟩| (unit vectors) below 1e-12 counts as on H_h when deciding whether a critical
    /// point lies in the closure of its face (the rounding of a side test, as `streamingCanonicalSlack`).
    [<Literal>]
    let streamingMembership = 1e-12

    /// A critical point lies on the hyperplanes of its face's zero set up to 1e-9 (unit normals): the projection
    /// onto the face's flat puts it there to rounding, ~1e-15; 1e-9 is the README's boundary distance (`boundary`).
    [<Literal>]
    let streamingOnFlat = 1e-9

    /// A canonical path from a point closer than 1e-3 to the generic target (the along-component shorter) heads
    /// for the second target instead, so that its direction is well defined (a geometric margin, not rounding).
    [<Literal>]
    let streamingTargetSeparation = 1e-3

    /// Coordinate vectors whose residual against a span is below 1e-6 are not completed into a basis of the flat
    /// (of the d + 1 candidates the kept ones have residuals of order one, so the cut only skips the dependent).
    [<Literal>]
    let streamingBasisResidual = 1e-6

    // ---------------------------------------------------------------------------------------------
    // Branch and bound beyond enumeration (THEORY.md §9)

    /// The unit roundoff 2^−53 with a 1% safety factor: a sum of m products is off by at most
    /// m · roundoff · Σ|terms| (Higham's γ_m), the a-priori margin added to every floating node bound.
    [<Literal>]
    let nodeBoundRoundoff = 1.12e-16

    /// The rows written in the orthonormal basis of their span are lifted back with a further 1e-15 ‖x̃_i‖
    /// per coordinate (about nine roundings of a dot product of unit-scale vectors) added to the distance
    /// that bounds how far η in r = rank X̃ coordinates can be from η.
    [<Literal>]
    let basisLift = 1e-15

    /// A variable of the bounded least squares at a bound enters when its gradient exceeds 1e-14 of
    /// ‖g_j‖ ‖residual‖: ten times the rounding of ⟨g_j, r⟩. Stopping early only loosens a node bound,
    /// never falsifies it (every feasible point is a valid bound).
    [<Literal>]
    let boundedLeastSquaresOptimality = 1e-14

    /// A neuron whose pre-activation interval over a node reaches at most 1e-15 ‖a_i‖ past 0 on one side is
    /// resolved (taken as linear or off, the error counted in the node's slack): that error is a thousand
    /// times below the search's default tolerance `branchAndBoundRelative`.
    [<Literal>]
    let nodeResolve = 1e-15

    /// Range reduction at the level (THEORY.md §9, node bound) repeats while a round lowers the node's bound by
    /// more than 1% of its excess over the level: later rounds narrow the cap by less than they cost.
    [<Literal>]
    let capProgress = 0.01

    /// Range reduction runs only when its cap {⟨v̂, z⟩ ≥ h} is at most half the ball (h > 0): a wider cap barely narrows
    /// the intervals, and at d = 10 the rounds then doubled the cost of a node without lowering any bound (measured).
    [<Literal>]
    let capHeight = 0.0

    /// At most this many rounds of range reduction per node evaluation.
    [<Literal>]
    let capRounds = 6

    /// The search is exact when Upper − Value ≤ 1e-12 S, S = Σ_i |q_i| ‖x̃_i‖ / λ ≥ sup|η| on the ball.
    /// It leaves room for the a-priori rounding margins of the bounds ((N + r) · 2^−53 · S, more on thin
    /// cones whose multipliers are large): at 1e-13 a search in d = 1 with 22 points ended 1.2e-13 S apart
    /// (the 10^4-trial run of issue 14).
    [<Literal>]
    let branchAndBoundRelative = 1e-12

    /// A leaf whose floating bound is 1e-9 S below the level that decides the search cannot change the
    /// result (its rounding is far smaller), so only leaves above it are re-checked over the rationals.
    [<Literal>]
    let leafRecheckBand = 1e-9

    /// Local ascent reads ⟨θ, x̂_i⟩ within 1e-12 of 0 (unit normals, unit θ) as on the hyperplane, and puts
    /// the neuron on the side that helps; so does the block a sign-vector column is built from.
    [<Literal>]
    let ascentTie = 1e-12

    /// A sign-vector block drops the constraint of a unit normal a_j whose projection onto the cone of the kept facets
    /// has norm at most 1e-12 (`Cone.facets`): on the kept cone ⟨a_j, θ⟩ ≤ 1e-12 ‖θ‖, so the block's cone exceeds its
    /// cell by at most that angle, ~10^4 ulp, below every tolerance that decides a verdict (the gap is computed from the
    /// measure's own residual, never from the blocks). A genuine facet this thin holds no atom a double can place.
    [<Literal>]
    let redundantFacet = 1e-12

    /// A step of the local ascent must raise σ η by 1e-15 S to count as progress (rounding of η is ~ε S).
    [<Literal>]
    let ascentProgress = 1e-15

    /// The excess of sup|η| over 1 that sign-vector pricing may tolerate is searched in [1e-12, 1e-3]:
    /// below 1e-12 the search would chase rounding of η near 1 ...
    [<Literal>]
    let pricingExcessMinimum = 1e-12

    /// ... and above 1e-3 a violator is real whatever the gap tolerance allows.
    [<Literal>]
    let pricingExcessMaximum = 1e-3

    /// Sign-vector pricing climbs from the support atoms perturbed at these radii (unit directions): the
    /// cells next to the support at three scales, from a neighbouring sliver to a tenth of the sphere.
    let pricingPerturbations = [| 1e-3; 1e-2; 1e-1 |]

    // ---------------------------------------------------------------------------------------------
    // Uniqueness (THEORY.md §5)

    /// Ranks of Φ_Σ are taken at 1e-8 · σ_max, the accuracy of Σ (README: "uniqueness ranks are taken at
    /// 1e-8·σ_max"). Saturation points come from a certified floating-point solve and are accurate to about
    /// 1e-9, so the columns φ(θ_j) carry errors of order ‖X̃‖ · 1e-9. With machine-precision ranks an antipodal
    /// pair of saturation points on 1-D data read as independent at σ ≈ 1e-10, and the verdict said "unique"
    /// where the polytope had width 6 (found by the uniqueness audit, proofs-checks).
    [<Literal>]
    let uniquenessRank = 1e-8

    /// An amplitude at most 1e-9 of the largest is zero in the uniqueness test (the accuracy of the
    /// amplitudes of a certified solve, as for `uniquenessRank`).
    [<Literal>]
    let zeroAmplitude = 1e-9

    /// After the vertex reduction of a solution (THEORY.md §5), atoms of amplitude at most 1e-12 of the mass are dropped
    /// when the rest is still certified: the campaign of issue 4 found atoms of 1e-28·TV in certified solutions, each
    /// widening Σ's threshold by gap / (λ |a|) until Σ was over-counted (|Σ| above #active cells, which §3 proves
    /// impossible). 1e-12 is far below any atom a certified gap can pin (√(2g) / ‖φ‖ ≥ 1e-8 of the mass at the
    /// default tolerance), so only numerical dust goes, and only when the certificate survives without it.
    [<Literal>]
    let negligibleAtom = 1e-12

    /// Stiemke's system Mᵀy = 0, y > 0 is solved when the NNLS residual is at most 1e-9 (1 + ‖f‖).
    [<Literal>]
    let stiemkeResidual = 1e-9

    // ---------------------------------------------------------------------------------------------
    // Low noise and small λ (THEORY.md §6)

    /// A data row belongs to the region of a teacher atom θ⁰ when ⟨θ⁰, x̂_i⟩ > 1e-9 (unit x̂_i): an atom on a
    /// hyperplane H_i (the boundary case of §6) lies on it only up to the rounding of its construction, far
    /// below 1e-9, and row i must then count as inactive (THEORY.md §6: "i is not in the strictly active set").
    [<Literal>]
    let teacherActive = 1e-9

    /// A cell's piece that equals sign · θ⁰ to 1e-9 already maximises at the teacher atom without any facet:
    /// its multipliers are not a condition.
    [<Literal>]
    let pieceAtAtom = 1e-9

    /// A facet multiplier at most 1e-12 is zero: the boundary condition of §6 is degenerate there.
    [<Literal>]
    let zeroMultiplier = 1e-12

    /// The limit certificate η* = ⟨p*, φ⟩ is non-degenerate when |η*| ≤ 1 − 1e-9 off the teacher's atoms (THEORY.md
    /// §6). p* is decided exactly (its KKT system over the rationals) and rounded to doubles, which moves η* by about
    /// 1e-16 ‖X̃‖; the exact supremum of the rounded vector is accurate to `projectionRounding`. A margin of 1e-9
    /// is far above both, and a teacher whose η* comes closer to 1 than that off its atoms is reported degenerate
    /// rather than guessed.
    [<Literal>]
    let limitMargin = 1e-9

    /// The exchange method for p* adds a cut at an off-atom maximiser whose value exceeds 1 + 1e-12: the rounding of
    /// a cone projection (`projectionRounding`), so a point the previous cut already holds at 1 is not cut again.
    [<Literal>]
    let limitCutSlack = 1e-12

    /// The ridge (relative to ‖M‖_F) that keeps the cone projection behind a Dirac-count bound solvable when a cell
    /// has fewer active rows than d + 1 (THEORY.md §6): 1e-8 moves the dual direction by about 1e-8 of its size,
    /// which the bound then charges as an infeasibility, far below what decides a count.
    [<Literal>]
    let countRidge = 1e-8

    /// The relative rounding of the quantities a Dirac count is decided from (J, D(q̂), the bound of a
    /// (k−1)-atom measure): 1e-14 (|J| + ½‖y‖² + ‖ξ‖ ‖z‖), ten times the 1e-15 ½‖y‖² floor of the gap's own
    /// rounding (THEORY.md §6, "Counting Diracs must be decided"), because the bound subtracts two such numbers.
    /// A difference below it is undecided in double precision.
    [<Literal>]
    let countRounding = 1e-14

    // ---------------------------------------------------------------------------------------------
    // The restricted problem and its polish (THEORY.md §4)

    /// A step length (or a ratio-test bound) at most 1e-14 is zero: a facet touched to rounding blocks at once
    /// and joins the face, and backtracking gives up below it.
    [<Literal>]
    let stepLengthZero = 1e-14

    /// A face multiplier system whose non-negative least-squares fit misses by more than 1e-9 (λ + ‖r‖) has
    /// no non-negative solution, so a facet may be released.
    [<Literal>]
    let multiplierMiss = 1e-9

    /// A least-norm face multiplier below −1e-10 (λ + ‖r‖) is negative: its facet is released.
    [<Literal>]
    let multiplierNegative = 1e-10

    /// The barrier method stops where ν μ, its restricted duality gap on the central path, is 1e-10 of the
    /// objective: close enough that the structure of the minimiser (support blocks, active facets) separates
    /// from the rest by about five orders of magnitude in κ = λ‖u_b‖/μ, far from the rounding of its Newton
    /// systems (issue 16).
    [<Literal>]
    let barrierGap = 1e-10

    /// When the certificate finds the restricted problem not solved well enough (no new column, no certified
    /// gap), the barrier's target shrinks by 100 down to this floor, 1e-14 of the objective (about the rounding
    /// of F).
    [<Literal>]
    let barrierGapFloor = 1e-14

    /// The barrier's iterate is centred when its Newton decrement (of f_μ/μ) is at most 0.1: well inside the
    /// region of quadratic convergence (¼ for a self-concordant function).
    [<Literal>]
    let barrierCentred = 0.1

    /// When rounding makes the barrier's Hessian fail its Cholesky factorisation, a ridge of 1e-14 of its
    /// largest diagonal entry is added, and multiplied by 100 until it factors.
    [<Literal>]
    let barrierRidge = 1e-14

    /// A block carries an atom when κ = λ‖u_b‖/μ exceeds 1e3 (and the geometric mean of 1 and the largest
    /// κ): a block whose optimum is zero has κ = O(1) at a central point, unless its certificate is within about
    /// 1/κ of λ, which is then a tie the certificate of the polished point settles.
    [<Literal>]
    let supportStrength = 1e3

    /// Atoms of one sign whose points, projected onto their faces, agree to 1e-10 (unit vectors) are one point:
    /// two blocks of adjacent cells that the barrier leaves on either side of their common ray project onto
    /// that ray to rounding. Not coarser: at λ = 0.01 λ_max on 1,000 points the minimiser moves an atom off such
    /// a ray by less than 1e-7, and a merge at 1e-7 undid every such move (the column generation cycled).
    [<Literal>]
    let structureMerge = 1e-10

    /// The polish stops when every component of the reduced gradient is at most 1e-14 of the terms it sums:
    /// about a hundred roundings of a dot product of a few dozen terms.
    [<Literal>]
    let polishStationary = 1e-14

    /// The grid LASSO (the fixed-grid baseline of `compare`) is solved to a duality gap of 1e-10 of its
    /// objective: ten times tighter than the certified tolerance, so that the table's excess over the exact
    /// optimum is the grid's, not the solver's.
    [<Literal>]
    let gridLassoGap = 1e-10

    // ---------------------------------------------------------------------------------------------
    // Sliding Frank–Wolfe (THEORY.md §4, with the §3 oracle)

    /// For the sliding step a point within 1e-10 (on unit vectors) of a hyperplane is on it, and is snapped
    /// onto it exactly, so the faces the local solver works on are unambiguous.
    [<Literal>]
    let slidingFace = 1e-10

    /// Levenberg damping of the sliding Newton system, 1e-13 · max diagonal: smaller than the 1e-12 the restricted polish used before issue 16
    /// because the sliding Hessian includes the penalty's curvature on the face, which keeps it definite
    /// along the directions of the atoms.
    [<Literal>]
    let slidingDamping = 1e-13

    /// The sliding step is stationary when its reduced gradient is at most 1e-12 of the gradient scale
    /// λ + ‖y‖ max‖x̃_i‖.
    [<Literal>]
    let slidingStationary = 1e-12

    /// The sliding step's backtracking gives up at step lengths below 1e-12.
    [<Literal>]
    let slidingStepFloor = 1e-12

    /// A sliding step that lowers the objective by less than 1e-15 of it made no progress (rounding of F).
    [<Literal>]
    let slidingDecrease = 1e-15

    /// An atom leaves its hyperplanes only when the best release lowers F at a rate above 1e-10 of the
    /// gradient scale.
    [<Literal>]
    let slidingRelease = 1e-10

    /// Atoms with mass at most 1e-14 of the total are dropped when the atoms are consolidated.
    [<Literal>]
    let negligibleMass = 1e-14

    // ---------------------------------------------------------------------------------------------
    // The weighted TV of the label-noise problem (THEORY.md §7)

    /// A point within this of a hyperplane (unit vectors) is on it for the weighted TV, whose weight drops
    /// onto every boundary (README, "the weighted-TV problem": "Numerically a point within 1e-12 (unit
    /// vectors) of a hyperplane is on it"). The sliding solver reads the sides of atoms it merges with it too.
    [<Literal>]
    let weightBoundary = 1e-12

    /// G_L is positive definite on a face when its smallest eigenvalue exceeds 1e-12 of its largest; faces
    /// with singular G_L are the constant-ratio case and are skipped (README, weighted-TV table).
    [<Literal>]
    let weightedDefinite = 1e-12

    /// A row is strictly active on a face when its projection onto the face's span exceeds 1e-10 of its length.
    [<Literal>]
    let faceSpansRow = 1e-10

    /// The weighted supremum's branch and bound visits a cell while its bound, raised by 1e-9, can beat the
    /// best value (so a cell whose bound ties the best to rounding is still visited).
    [<Literal>]
    let weightedBoundSlack = 1e-9

    // ---------------------------------------------------------------------------------------------
    // Finite-width training (THEORY.md §7)

    /// Neurons with mass at most 1e-3 of the total are dust, not clusters: weight decay shrinks unused
    /// neurons only geometrically, so at any finite time some remain.
    [<Literal>]
    let clusterMass = 1e-3

    /// Neurons of one output sign within 0.01 rad (about 0.6°) are one cluster (README: "directions within
    /// 0.01 rad").
    [<Literal>]
    let clusterAngle = 0.01

    /// Training stalls when the objective changes by at most 1e-12 of itself for `Patience` epochs.
    [<Literal>]
    let trainingStall = 1e-12

    /// Training stops when the gradient's norm is at most 1e-10.
    [<Literal>]
    let trainingGradient = 1e-10

    /// Armijo's sufficient-decrease constant (the usual 1e-4).
    [<Literal>]
    let armijo = 1e-4

    /// A floored gradient step may raise the objective by at most 1e-3 of it (a zig-zag across a kink costs
    /// ~ step · ‖g‖²), not more.
    [<Literal>]
    let flooredRise = 1e-3

    /// Backtracking gives up below this step size: no step can be taken.
    [<Literal>]
    let smallestStep = 1e-30

    /// Adam's ε (Kingma and Ba's default).
    [<Literal>]
    let adamEpsilon = 1e-8

    /// A training trial reached the optimum when J(μ) − J* ≤ 1e-6 (the threshold of the audit of §7 (i)).
    [<Literal>]
    let reachedOptimum = 1e-6

    // ---------------------------------------------------------------------------------------------
    // Exact mode (THEORY.md §8)

    /// The exact search for a projection's active set starts with the facets the floating projection nearly
    /// touches: within 1e-7 of the larger of ‖Π v‖ and ‖v‖.
    [<Literal>]
    let nearFacet = 1e-7

    /// The barrier's start (Solver/InteriorPoint): wᵀQw below 1e-8 of the blocks' own curvatures has cancelled
    /// (opposite signs of one cell) and does not measure the data's scale.
    [<Literal>]
    let barrierStartCancellation = 1e-8

    /// Gap-safe screening (Solver/Screening) drops a (cell, sign) block only when its bound on sign·η* is below 1
    /// by more than 1e-9 of max(1, the certificate's scale (1/λ) Σ|q_i|‖x̃_i‖): the bound is formed from pieces
    /// and projections whose rounding is of that scale times a few ulps, so this margin is never rounding.
    [<Literal>]
    let screeningMargin = 1e-9

    /// Column generation runs a screening pass (Solver/Screening) only when the gap has fallen below 1/10 of the gap
    /// of the last pass: the ball's radius √(2 gap) then shrinks by √10, and a pass costs as many projections as a
    /// round's scan, so passes at nearly the same radius would screen little for their cost.
    [<Literal>]
    let screeningPassDecrease = 0.1
