namespace TvRelu.Core.Stability

open Fractions
open TvRelu.Core.Numerics
open TvRelu.Core.Data
open TvRelu.Core.Arrangements
open TvRelu.Core.Certificates
open TvRelu.Core.Exact

/// What the limit certificate does across one data hyperplane through a boundary teacher atom (THEORY.md §6).
type JumpVerdict =
    /// s · p*_H < 0, decided exactly: η* has a concave kink along H, and the atom keeps its one Dirac.
    | Ridge
    /// p*_H = 0 exactly: η* is linear across H, and a perturbation of the right sign splits the atom in two.
    | Flat

/// The jump p*_H = Σ_{rows i on H} p*_i of the limit certificate across a hyperplane H through a teacher atom.
type BoundaryJump =
    {
        /// The teacher atom's index.
        Atom: int
        /// The hyperplane's index in the arrangement.
        Hyperplane: int
        /// p*_H, rounded to double.
        Jump: float
        /// Decided from the exact p*.
        Verdict: JumpVerdict
    }

/// Where the teacher's atoms sit, as the limit certificate sees them (THEORY.md §6).
type LimitKind =
    /// Every atom strictly inside its dual region.
    | Interior
    /// Some atom on a data hyperplane, and the strict ridge s_j · p*_H < 0 across every hyperplane through every
    /// such atom: the hypothesis of the seed paper's claim, made concrete.
    | BoundaryRidge
    /// Some atom on a data hyperplane across which p*_H = 0: outside the paper's hypothesis (a measured family).
    | BoundaryFlat

/// The outcome of the computation of p*.
type LimitStatus =
    /// p* was found, its KKT system verified over the rationals, |η*| < 1 off the atoms with a margin, and every
    /// jump decided.
    | Decided of LimitKind
    /// p* exists but |η*| reaches 1 off the teacher's atoms (or comes within `Tolerances.limitMargin` of it).
    | Degenerate of string
    /// No certificate interpolates the teacher's signs: μ₀ is not a minimiser of the noiseless problem.
    | NotMinimiser of string
    /// Double precision suggested an answer that the exact KKT check could not confirm.
    | Undecided of string

/// The limit certificate p* of a teacher and what it decides (THEORY.md §6).
type LimitCertificate =
    {
        /// p*, rounded to double from its exact value (the exchange method's value when not decided).
        Dual: float[]
        /// What was decided.
        Status: LimitStatus
        /// 1 − max |η*| off the teacher's atoms (over every closed cell and sign except each atom's own).
        Margin: float
        /// min over boundary atoms j and hyperplanes H through them of −s_j p*_H / √(rows on H): how far p* may move
        /// (p* is a projection, so noise of norm αλ moves it by at most α) before a ridge could turn flat. +∞ when no
        /// atom is on a hyperplane.
        Ridge: float
        /// The jumps across the hyperplanes through boundary atoms.
        Jumps: BoundaryJump[]
        /// Rounds of the exchange method (small QPs solved).
        Rounds: int
        /// Cuts the exchange method added.
        Cuts: int
    }

/// The noise-adjusted limit certificate p* = argmin{‖p − αu‖ : p ∈ D₀} of a teacher μ₀ = Σ_j a_j δ_{θ_j} (THEORY.md
/// §6), for noise w = αλu: D₀ is the set of dual solutions of the noiseless problem, p ∈ D₀ ⇔ |η_p| ≤ 1 on the sphere
/// and η_p(θ_j) = sign a_j for every j. For α = 0 it is the minimal-norm certificate p₀.
///
/// On a closed cell C whose closure holds θ_j, "η_p ≤ 1 on C and = s_j at θ_j" is, by Lemma 1, the linear condition
/// s_j v_C(p) − θ_j ∈ cone{outward facet normals of C through θ_j}: equations in p and multipliers ν ≥ 0. Every
/// other cell and sign gives the convex constraint ‖Π_{K_C}(±v_C(p))‖ ≤ 1, imposed by an exchange (cutting-plane)
/// method: a QP over the equations and the points found so far, the most violated point found by the exact
/// supremum of §3 (whose maximiser is the exact support point of that constraint), until none is violated. The QP's
/// active set is then re-solved exactly over the rationals, so that p*_H = 0 (flat) against s·p*_H < 0 (ridge) is
/// decided, never read off a float threshold.
///
/// An active cut at the optimum means η* = ±1 off the atoms: the teacher is then degenerate, so for the audit
/// only the first round's QP matters when it is feasible; the exchange gives p* in every case.
///
/// The exact model is the "boundary model": an atom within `Tolerances.teacherActive` of a hyperplane is on it,
/// exactly, whatever the rounding of its construction left (the data y₀ = Kμ₀ are rounded far below any λ audited).
module LimitCertificate =

    /// Exchange rounds before the method gives up (each adds at least one cut).
    [<Literal>]
    let maxRounds = 60

    /// The geometry of one teacher atom: its sign, the hyperplanes through it and the cells whose closure holds it.
    type private AtomGeometry =
        {
            Sign: int
            Direction: float[]
            Through: int[]
            Cells: int[]
        }

    let private geometry (arr: Arrangement) (atom: Atom) =
        let units = arr.UnitNormalsRaw
        let side = units |> Array.map (fun u -> Dense.dot atom.Direction u)

        let through =
            [|
                for h in 0 .. side.Length - 1 do
                    if abs side.[h] <= Tolerances.teacherActive then
                        yield h
            |]

        let cells =
            [|
                for c in 0 .. arr.CellCount - 1 do
                    let ok =
                        side
                        |> Array.mapi (fun h v -> (if arr.IsActive(c, h) then v else -v) >= -Tolerances.teacherActive)
                        |> Array.forall id

                    if ok then
                        yield c
            |]

        {
            Sign = sign atom.Amplitude
            Direction = atom.Direction
            Through = through
            Cells = cells
        }

    /// The variables beyond p: one multiplier ν ≥ 0 per (atom, adjacent cell, facet through the atom), with the
    /// facet's outward normal −s_h x̃_h (raw, so that it is exact in rationals).
    type private Multiplier =
        {
            Atom: int
            Cell: int
            Normal: float[]
        }

    let private multipliers (arr: Arrangement) (atoms: AtomGeometry[]) =
        [|
            for j in 0 .. atoms.Length - 1 do
                for c in atoms.[j].Cells do
                    for h in arr.FacetsRaw c do
                        if Array.contains h atoms.[j].Through then
                            let x = arr.NormalsRaw.[h]

                            yield
                                {
                                    Atom = j
                                    Cell = c
                                    Normal =
                                        (if arr.IsActive(c, h) then
                                             Array.map (~-) x
                                         else
                                             Array.copy x)
                                }
        |]

    /// The equations s_j v_C(p) − Σ ν a = θ_j over (p, ν), one block of d + 1 rows per (atom, adjacent cell).
    let private equations (arr: Arrangement) (data: Dataset) (atoms: AtomGeometry[]) (nus: Multiplier[]) =
        let rows = data.AugmentedRaw
        let n = arr.AmbientDimension
        let count = rows.Length + nus.Length

        [|
            for j in 0 .. atoms.Length - 1 do
                for c in atoms.[j].Cells do
                    for k in 0 .. n - 1 ->
                        let row = Array.zeroCreate<float> count

                        for i in 0 .. rows.Length - 1 do
                            if arr.IsActive(c, arr.RowMap.[i]) then
                                row.[i] <- float atoms.[j].Sign * rows.[i].[k]

                        nus
                        |> Array.iteri (fun v nu ->
                            if nu.Atom = j && nu.Cell = c then
                                row.[rows.Length + v] <- -nu.Normal.[k])

                        row, atoms.[j].Direction.[k]
        |]

    /// The (cell, sign) pairs whose maximum is the atom's own (excluded from the margin).
    let private ownPairs (atoms: AtomGeometry[]) =
        atoms
        |> Array.collect (fun a -> a.Cells |> Array.map (fun c -> c, a.Sign))
        |> Set.ofArray

    /// The largest closed-cell maximum of ±η_p off the teacher's own (cell, sign) pairs, with its point and sign.
    let private offAtomMaximum (arr: Arrangement) (data: Dataset) (own: Set<int * int>) (p: float[]) =
        Certificate.violators (Certificate.ofDual arr data 1.0 p) 0.0
        |> Array.tryFind (fun (c, s, _) -> not (own.Contains(c, s)))
        |> Option.map (fun (_, s, pr) -> pr.Norm, Dense.scale (1.0 / pr.Norm) pr.Point, s)

    /// The feature row φ(θ) as a cut −s ⟨p, φ(θ)⟩ ≥ −1 over (p, ν).
    let private cut (data: Dataset) (count: int) (theta: float[], s: int) =
        let row = Array.zeroCreate<float> count

        data.AugmentedRaw
        |> Array.iteri (fun i x -> row.[i] <- -float s * max 0.0 (Dense.dot theta x))

        row

    /// The exact KKT system of min ½‖p − αu‖² subject to the equations and the given active inequality rows as
    /// equalities (variables x = (p, ν)), or why it cannot be solved. Returns x and the multipliers of the
    /// inequality rows (0 for rows dropped as dependent).
    let private exactKkt
        (pCount: int)
        (target: Fraction[])
        (eq: (Fraction[] * Fraction)[])
        (ineq: (Fraction[] * Fraction)[])
        (active: int list)
        =
        let n = Array.length (fst (Array.append eq ineq).[0])
        let rows = Array.append eq (active |> List.map (fun i -> ineq.[i]) |> Array.ofList)

        let kept, consistent =
            RationalLinear.independentRows n (Array.map fst rows) (Array.map snd rows)

        if not consistent then
            Error "the active constraints are inconsistent"
        else
            let r = kept.Length
            let size = n + r

            let a =
                Array.init size (fun row ->
                    Array.init size (fun col ->
                        if row < n then
                            if col < n then
                                (if row = col && row < pCount then
                                     Fraction.One
                                 else
                                     Fraction.Zero)
                            else
                                -(fst rows.[kept.[col - n]]).[row]
                        elif col < n then
                            (fst rows.[kept.[row - n]]).[col]
                        else
                            Fraction.Zero))

            let b =
                Array.init size (fun row ->
                    if row < pCount then target.[row]
                    elif row < n then Fraction.Zero
                    else snd rows.[kept.[row - n]])

            match RationalLinear.solve a b with
            | None -> Error "the KKT system is singular"
            | Some sol ->
                let activeArr = Array.ofList active
                let mu = Array.create activeArr.Length Fraction.Zero

                kept
                |> Array.iteri (fun k row ->
                    if row >= eq.Length then
                        mu.[row - eq.Length] <- sol.[n + k])

                Ok(sol.[.. n - 1], Array.zip activeArr mu)

    /// Refines a floating active set until the exact KKT conditions hold (multipliers ≥ 0, inactive rows
    /// satisfied): drops the most negative multiplier, or adds the most violated row, a bounded number of times.
    let private verify (pCount: int) (target: Fraction[]) eq ineq (start: int list) =
        let dot (a: Fraction[]) (x: Fraction[]) =
            Array.fold2 (fun acc u v -> acc + u * v) Fraction.Zero a x

        let rec go (active: int list) (left: int) =
            if left = 0 then
                Error "the exact active-set refinement did not settle"
            else
                match exactKkt pCount target eq ineq active with
                | Error e -> Error e
                | Ok(x, mu) ->
                    match
                        mu
                        |> Array.filter (fun (_, m) -> m.IsNegative)
                        |> Array.sortBy snd
                        |> Array.tryHead
                    with
                    | Some(i, _) -> go (active |> List.filter ((<>) i)) (left - 1)
                    | None ->
                        let violated =
                            [|
                                for i in 0 .. Array.length ineq - 1 do
                                    if not (List.contains i active) then
                                        let row, rhs = ineq.[i]
                                        let slack = dot row x - rhs

                                        if slack.IsNegative then
                                            yield i, slack
                            |]

                        match violated |> Array.sortBy snd |> Array.tryHead with
                        | Some(i, _) -> go (i :: active) (left - 1)
                        | None -> Ok(x, active)

        go start (2 * (Array.length ineq + 1) + 8)

    let private exactRows (rows: (float[] * float)[]) =
        rows
        |> Array.map (fun (r, b) -> Array.map Rational.ofFloat r, Rational.ofFloat b)

    /// The jumps across the hyperplanes through boundary atoms, from the exact p*.
    let private jumps (arr: Arrangement) (atoms: AtomGeometry[]) (p: Fraction[]) =
        [|
            for j in 0 .. atoms.Length - 1 do
                for h in atoms.[j].Through do
                    let jump =
                        arr.RowMap
                        |> Array.indexed
                        |> Array.fold (fun acc (i, hi) -> if hi = h then acc + p.[i] else acc) Fraction.Zero

                    let signed = if atoms.[j].Sign > 0 then jump else -jump
                    let rows = arr.RowMap |> Array.filter ((=) h) |> Array.length

                    yield j, h, jump, signed, rows
        |]

    /// One exchange: the QP over the equations, ν ≥ 0 and the cuts so far.
    let private solveQp (pCount: int) (count: int) (alphaU: float[]) (eq: (float[] * float)[]) (ineq: (float[] * float)[]) =
        let m =
            Array.init pCount (fun i -> Array.init count (fun k -> if k = i then 1.0 else 0.0))

        ConstrainedLeastSquares.solve count m alphaU (Array.map fst eq) (Array.map snd eq) (Array.map fst ineq) (Array.map snd ineq)

    /// The certificate record for a status (margin and jumps filled in by the caller when decided).
    let private undecided (p: float[]) (status: LimitStatus) rounds cuts =
        {
            Dual = p
            Status = status
            Margin = nan
            Ridge = nan
            Jumps = [||]
            Rounds = rounds
            Cuts = cuts
        }

    /// The exchange method of THEORY.md §6: the QP over the interpolation equations and the multipliers' signs,
    /// with one cut |η(θ)| ≤ 1 added at the worst off-atom point of each round until none is violated. Returns
    /// the last QP's solution with its constraints, or why p* cannot be had (no interpolating certificate,
    /// dependent facet normals, or more cuts than `maxRounds`: degenerate).
    let private exchangeMethod arr (data: Dataset) own pCount count (alphaU: float[]) eq (bounds: (float[] * float)[]) =
        let rec exchange (cuts: (float[] * int) list) (round: int) =
            let ineq =
                Array.append bounds (cuts |> List.rev |> List.map (fun c -> cut data count c, -1.0) |> Array.ofList)

            match solveQp pCount count alphaU eq ineq with
            | Error(ConstrainedLeastSquares.Infeasible why) ->
                Error(NotMinimiser(sprintf "no certificate interpolates the teacher's signs (%s)" why), round, cuts.Length)
            | Error ConstrainedLeastSquares.RankDeficient ->
                Error(Undecided "the facet normals through an atom are dependent: the multipliers are not unique", round, cuts.Length)
            | Ok sol when not (Array.forall System.Double.IsFinite sol.Solution) ->
                // The QP lost its digits (a least-distance residual ≈ 0 divides): no p* to classify by (long
                // campaign of 2026-11-29, three low-noise-interior teachers threw here instead of being undecided).
                Error(Undecided "the QP for p* returned a non-finite solution", round, cuts.Length)
            | Ok sol ->
                let p = sol.Solution.[.. pCount - 1]

                match offAtomMaximum arr data own p with
                | Some(value, theta, s) when value > 1.0 + Tolerances.limitCutSlack ->
                    if round >= maxRounds then
                        // The relaxation without cuts already violated |η| ≤ 1 off the atoms, so p* differs from its
                        // minimiser and, the problem being convex, has an active cut: degenerate, whatever p* is.
                        Error(
                            Degenerate(
                                sprintf "eta* reaches +-1 off the teacher's atoms (the exchange method needed more than %d cuts)" maxRounds
                            ),
                            round,
                            cuts.Length
                        )
                    else
                        exchange ((theta, s) :: cuts) (round + 1)
                | _ -> Ok(sol, ineq, round, cuts.Length)

        exchange [] 1

    /// p* decided exactly: the float QP's active set re-solved over the rationals (§8), then the teacher
    /// classified by p*'s margin off the atoms and the sign of its jumps across the atoms' hyperplanes (§6).
    let private classify
        arr
        (data: Dataset)
        atoms
        own
        pCount
        (alpha: float)
        (u: float[])
        eq
        (bounds: (float[] * float)[])
        (sol: ConstrainedSolution)
        (ineq: (float[] * float)[])
        rounds
        cuts
        =
        let floatP = sol.Solution.[.. pCount - 1]

        let target =
            Array.init pCount (fun i -> Rational.ofFloat alpha * Rational.ofFloat u.[i])

        let start =
            [
                for i in 0 .. ineq.Length - 1 do
                    if sol.Active.[i] then
                        yield i
            ]

        match verify pCount target (exactRows eq) (exactRows ineq) start with
        | Error why -> undecided floatP (Undecided why) rounds cuts
        | Ok(x, active) ->
            let p = x.[.. pCount - 1] |> Array.map Rational.toFloat

            let margin =
                1.0
                - (offAtomMaximum arr data own p
                   |> Option.map (fun (v, _, _) -> v)
                   |> Option.defaultValue 0.0)

            let found = jumps arr atoms x.[.. pCount - 1]

            let verdicts =
                found
                |> Array.map (fun (j, h, jump, signed, _) ->
                    {
                        Atom = j
                        Hyperplane = h
                        Jump = Rational.toFloat jump
                        Verdict =
                            (if
                                 jump.IsZero
                                 && not (TvRelu.Core.Audit.Mutants.isOn TvRelu.Core.Audit.Mutant.FlatAsRidge)
                             then
                                 Flat
                             else
                                 Ridge)
                    },
                    signed)

            let ridge =
                found
                |> Array.fold (fun acc (_, _, _, signed, rows) -> min acc (-(Rational.toFloat signed) / sqrt (float rows))) infinity

            let status =
                if active |> List.exists (fun i -> i >= bounds.Length) then
                    Degenerate "eta* reaches +-1 off the teacher's atoms (a cut is active at p*)"
                elif margin <= Tolerances.limitMargin then
                    Degenerate(sprintf "|eta*| comes within %g of 1 off the teacher's atoms" margin)
                elif verdicts |> Array.exists (fun (_, signed: Fraction) -> signed.IsPositive) then
                    Undecided "a jump has the sign the multipliers exclude"
                elif found.Length = 0 then
                    Decided Interior
                elif verdicts |> Array.exists (fun (v, _) -> v.Verdict = Flat) then
                    Decided BoundaryFlat
                else
                    Decided BoundaryRidge

            {
                Dual = p
                Status = status
                Margin = margin
                Ridge = ridge
                Jumps = Array.map fst verdicts
                Rounds = rounds
                Cuts = cuts
            }


    /// p* for the teacher on the data's arrangement (the labels are not used), for noise w = αλu (u of length N).
    let ofTeacher (arr: Arrangement) (data: Dataset) (teacher: Atom[]) (alpha: float) (u: float[]) : LimitCertificate =
        let pCount = data.Count

        if u.Length <> pCount then
            invalidArg "u" (sprintf "the noise direction has %d entries but the data set has %d rows" u.Length pCount)

        let atoms = teacher |> Array.map (geometry arr)
        let nus = multipliers arr atoms
        let count = pCount + nus.Length
        let eq = equations arr data atoms nus

        let bounds =
            Array.init nus.Length (fun v -> Array.init count (fun k -> if k = pCount + v then 1.0 else 0.0), 0.0)

        let own = ownPairs atoms
        let alphaU = u |> Array.map (fun v -> alpha * v)

        match exchangeMethod arr data own pCount count alphaU eq bounds with
        | Error(status, rounds, cuts) -> undecided (Array.zeroCreate pCount) status rounds cuts
        | Ok(sol, ineq, rounds, cuts) -> classify arr data atoms own pCount alpha u eq bounds sol ineq rounds cuts

    /// The minimal-norm certificate p₀ (α = 0), the limit as ‖w‖/λ → 0.
    let minimalNorm (arr: Arrangement) (data: Dataset) (teacher: Atom[]) =
        ofTeacher arr data teacher 0.0 (Array.zeroCreate data.Count)

    /// The bound ‖X̃‖₂ ≥ max_θ ‖φ(θ)‖ by which a change Δp of the dual vector moves η (THEORY.md §6: p* moves by at
    /// most α under noise αλu, so η* moves by at most α ‖X̃‖₂).
    let featureBound (data: Dataset) =
        Dense.spectralNorm (data.Dimension + 1) data.AugmentedRaw
