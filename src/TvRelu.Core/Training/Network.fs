namespace TvRelu.Core.Training

open System
open TvRelu.Core.Numerics
open TvRelu.Core.Data

/// A two-layer ReLU network x ↦ Σ_j c_j σ(⟨w_j, x⟩ + b_j) of width m, the finite-width object that
/// THEORY.md §1 relates to measures. Neuron j is θ_j = (w_j, b_j) ∈ R^{d+1}, so that
/// σ(⟨w_j, x⟩ + b_j) = σ(⟨θ_j, x̃⟩) with x̃ = (x, 1), and c_j is its output weight.
/// The parameters live in one flat array, neuron after neuron, (w_j, b_j, c_j) with stride d + 2,
/// so that the optimisers see the network as one vector. Immutable: accessors copy.
[<Sealed>]
type Network internal (ambient: int, parameters: float[]) =
    let stride = ambient + 1

    do
        if ambient < 2 then
            invalidArg "ambient" (sprintf "a network on inputs of dimension d needs d + 1 ≥ 2 (got %d)" ambient)

        if parameters.Length % stride <> 0 then
            invalidArg "parameters" "the parameter array is not a whole number of neurons"

    /// m, the number of neurons.
    member _.Width = parameters.Length / stride
    /// d + 1, the length of every θ_j = (w_j, b_j).
    member _.AmbientDimension = ambient

    /// θ_j = (w_j, b_j) (a copy).
    member _.Neuron(j: int) =
        Array.sub parameters (j * stride) ambient

    /// c_j.
    member _.OutputWeight(j: int) = parameters.[j * stride + ambient]
    /// All parameters, neuron after neuron (w_j, b_j, c_j) (a copy).
    member _.Parameters = Array.copy parameters
    member internal _.Raw = parameters

/// How the weights are drawn at the start of training.
type Initialisation =
    /// The usual fan-in scaling, multiplied by `scale`: θ_j ~ N(0, I/(d+1)) and c_j ~ N(0, 1/m).
    /// With scale 1 this is LeCun's initialisation; the penalty (λ/2)Σ‖θ_j‖² then starts near λm/2.
    | Standard of scale: float
    /// The small-initialisation regime, balanced: θ_j uniform on the sphere times `scale` and
    /// c_j = ±scale with a random sign, so |c_j| = ‖θ_j‖ (the rebalanced form of §1) from the start.
    /// With a small scale (1e-3, say) neurons first align with the data, then grow.
    | Small of scale: float

/// A group of neurons pointing (up to an angle) the same way with the same output sign: one atom
/// of the network's measure (THEORY.md §7 (i) compares their number with |Σ|).
type NeuronCluster =
    {
        /// The mass-weighted mean of the members' unit directions, normalised.
        Direction: float[]
        /// Σ_j c_j ‖θ_j‖ over the members: the cluster's signed mass.
        Amplitude: float
        /// The members' indices in the network.
        Neurons: int[]
        /// The largest angle (radians) between a member and the cluster's first (heaviest) member.
        Spread: float
    }

/// Settings of `Network.cluster`.
type ClusterOptions =
    {
        /// Two neurons of the same output sign whose directions make an angle at most this (radians) join one cluster.
        AngleTolerance: float
        /// Neurons with mass |c_j|‖θ_j‖ at most this fraction of Σ_j |c_j|‖θ_j‖ are ignored: weight decay
        /// shrinks unused neurons only geometrically, so at any finite time some dust remains.
        MassTolerance: float
    }

    /// 0.01 rad (about 0.6°) and 1e-3 of the total mass.
    static member Default =
        {
            AngleTolerance = Tolerances.clusterAngle
            MassTolerance = Tolerances.clusterMass
        }

    /// A copy joining neurons within `angle` radians.
    member o.WithAngleTolerance(angle: float) = { o with AngleTolerance = angle }

    /// A copy ignoring neurons with at most `fraction` of the total mass.
    member o.WithMassTolerance(fraction: float) = { o with MassTolerance = fraction }

/// Scratch for the objective and gradient of width-m networks on one data set: the augmented inputs
/// as one flat row-major N × (d+1) array (contiguous for the inner loop), the fit, and the m × N
/// pre-activations kept from the forward pass for the backward pass.
[<Sealed>]
type internal Workspace(data: Dataset, width: int) =
    member val Ambient = data.Dimension + 1
    member val Rows = data.Count
    member val X = Array.concat data.AugmentedRaw
    member val F: float[] = Array.zeroCreate data.Count
    member val Z: float[] = Array.zeroCreate (width * data.Count)

/// Networks: evaluation, the weight-decay objective and its gradient, and the conversions to and from
/// measures of THEORY.md §1.
module Network =

    /// The network with neurons θ_j = (w_j, b_j) and output weights c_j.
    let ofNeurons (thetas: float[][]) (outputWeights: float[]) =
        if thetas.Length = 0 then
            invalidArg "thetas" "a network needs at least one neuron"

        if thetas.Length <> outputWeights.Length then
            invalidArg "outputWeights" (sprintf "%d neurons but %d output weights" thetas.Length outputWeights.Length)

        let n = thetas.[0].Length

        if thetas |> Array.exists (fun t -> t.Length <> n) then
            invalidArg "thetas" "every neuron needs the same number d + 1 of weights"

        if
            Array.exists (Double.IsFinite >> not) outputWeights
            || thetas |> Array.exists (Array.exists (Double.IsFinite >> not))
        then
            invalidArg "thetas" "the weights must be finite numbers"

        let p = Array.zeroCreate (thetas.Length * (n + 1))

        thetas
        |> Array.iteri (fun j t ->
            Array.blit t 0 p (j * (n + 1)) n
            p.[j * (n + 1) + n] <- outputWeights.[j])

        Network(n, p)

    /// The network of a flat parameter array (stride d + 2), as the optimisers hold it.
    let internal ofParameters (ambient: int) (p: float[]) = Network(ambient, Array.copy p)

    /// A seeded random network of the given width on inputs of dimension d (THEORY.md §1, §7).
    let initialise (init: Initialisation) (seed: int) (width: int) (d: int) =
        if width < 1 then
            invalidArg "width" (sprintf "the width must be at least 1 (got %d)" width)

        if d < 1 then
            invalidArg "d" (sprintf "the input dimension must be at least 1 (got %d)" d)

        let n = d + 1
        let rng = Random(seed)
        let p = Array.zeroCreate (width * (n + 1))

        match init with
        | Standard scale ->
            if not (scale > 0.0) || Double.IsInfinity scale then
                invalidArg "init" "the initialisation scale must be positive and finite"

            let sw = scale / sqrt (float n)
            let sc = scale / sqrt (float width)

            for j in 0 .. width - 1 do
                for k in 0 .. n - 1 do
                    p.[j * (n + 1) + k] <- sw * Sampling.gaussian rng

                p.[j * (n + 1) + n] <- sc * Sampling.gaussian rng
        | Small scale ->
            if not (scale > 0.0) || Double.IsInfinity scale then
                invalidArg "init" "the initialisation scale must be positive and finite"

            for j in 0 .. width - 1 do
                let g = Array.init n (fun _ -> Sampling.gaussian rng)
                let ng = max (Dense.norm g) Tolerances.tiny

                for k in 0 .. n - 1 do
                    p.[j * (n + 1) + k] <- scale * g.[k] / ng

                p.[j * (n + 1) + n] <- (if rng.NextDouble() < 0.5 then -scale else scale)

        Network(n, p)

    /// f(x) = Σ_j c_j σ(⟨θ_j, (x, 1)⟩).
    let evaluate (net: Network) (x: float[]) =
        let n = net.AmbientDimension

        if x.Length <> n - 1 then
            invalidArg "x" (sprintf "the input has %d numbers but the network takes d = %d" x.Length (n - 1))

        let p = net.Raw
        let mutable s = 0.0

        for j in 0 .. net.Width - 1 do
            let o = j * (n + 1)
            let mutable z = p.[o + n - 1]

            for k in 0 .. n - 2 do
                z <- z + p.[o + k] * x.[k]

            if z > 0.0 then
                s <- s + p.[o + n] * z

        s

    /// f(X) on every data point (the same as K of the network's measure, THEORY.md §1).
    let forward (net: Network) (data: Dataset) =
        data.InputsRaw |> Array.map (evaluate net)

    /// The weight-decay penalty ½ Σ_j (c_j² + ‖θ_j‖²) of the raw parameters.
    let weightDecay (net: Network) = 0.5 * Dense.dot net.Raw net.Raw

    /// Σ_j |c_j| ‖θ_j‖: the penalty after the optimal rebalancing (THEORY.md §1), never above `weightDecay`
    /// (AM–GM: |c|‖θ‖ ≤ ½(c² + ‖θ‖²)), and ≥ ‖μ‖_TV of the network's measure (equal unless neurons share a direction).
    let pathNorm (net: Network) =
        let n = net.AmbientDimension
        let p = net.Raw
        let mutable s = 0.0

        for j in 0 .. net.Width - 1 do
            let o = j * (n + 1)
            s <- s + abs p.[o + n] * Dense.norm (Array.sub p o n)

        s

    let private squaredError (f: float[]) (y: float[]) =
        let mutable s = 0.0

        for i in 0 .. y.Length - 1 do
            s <- s + (f.[i] - y.[i]) * (f.[i] - y.[i])

        0.5 * s

    /// The training objective ½‖f(X) − y‖² + (λ/2) Σ_j (c_j² + ‖θ_j‖²) (THEORY.md §1).
    let objective (lambda: float) (data: Dataset) (net: Network) =
        squaredError (forward net data) data.LabelsRaw + lambda * weightDecay net

    /// ½‖f(X) − y‖² + λ Σ_j |c_j|‖θ_j‖: the objective after rebalancing, J of the network's measure when no
    /// two neurons share a direction, and an upper bound on it otherwise.
    let rebalancedObjective (lambda: float) (data: Dataset) (net: Network) =
        squaredError (forward net data) data.LabelsRaw + lambda * pathNorm net

    /// The objective on the given labels and row weights, and its gradient written into `grad`, for the
    /// flat parameters p: with r_i = ρ_i (f(x_i) − y_i),
    ///   ∂/∂c_j = Σ_i r_i σ(⟨θ_j, x̃_i⟩) + λ c_j,   ∂/∂θ_j = c_j Σ_{i: ⟨θ_j, x̃_i⟩ > 0} r_i x̃_i + λ θ_j.
    /// `rows` lists the data rows used (a mini-batch) and ρ their weight. The pre-activations of the
    /// forward pass are kept in the workspace for the backward pass, and the neuron loop is outermost so
    /// that each θ_j is read once per pass: this is the inner loop of training.
    let internal lossAndGradient (ws: Workspace) (y: float[]) (rows: int[]) (weight: float) (lambda: float) (p: float[]) (grad: float[]) =
        let n = ws.Ambient
        let stride = n + 1
        let nRows = ws.Rows
        let width = p.Length / stride
        let x = ws.X
        let f = ws.F
        let z = ws.Z

        for i in rows do
            f.[i] <- 0.0

        for j in 0 .. width - 1 do
            let o = j * stride
            let c = p.[o + n]
            let zo = j * nRows

            for i in rows do
                let xo = i * n
                let mutable s = 0.0

                for k in 0 .. n - 1 do
                    s <- s + p.[o + k] * x.[xo + k]

                z.[zo + i] <- s

                if s > 0.0 then
                    f.[i] <- f.[i] + c * s

        let mutable loss = 0.0

        for i in rows do
            let r = f.[i] - y.[i]
            loss <- loss + weight * r * r
            f.[i] <- weight * r

        for j in 0 .. width - 1 do
            let o = j * stride
            let c = p.[o + n]
            let zo = j * nRows

            for k in 0..n do
                grad.[o + k] <- lambda * p.[o + k]

            for i in rows do
                let s = z.[zo + i]

                if s > 0.0 then
                    let r = f.[i]
                    let xo = i * n
                    grad.[o + n] <- grad.[o + n] + r * s
                    let rc = r * c

                    for k in 0 .. n - 1 do
                        grad.[o + k] <- grad.[o + k] + rc * x.[xo + k]

        0.5 * loss + 0.5 * lambda * Dense.dot p p

    /// The network's measure μ = Σ_j c_j‖θ_j‖ δ_{θ_j/‖θ_j‖} (THEORY.md §1): the same function, with
    /// ‖μ‖_TV ≤ Σ_j |c_j|‖θ_j‖. Neurons with θ_j = 0 or c_j = 0 vanish; neurons in one direction merge.
    let toMeasure (net: Network) =
        let n = net.AmbientDimension
        Measure.ofAtoms n (Seq.init net.Width (fun j -> net.Neuron j, net.OutputWeight j))

    /// A network of the measure's function with the smallest weight decay: one neuron per atom a δ_θ,
    /// with c = sign(a)√|a| and (w, b) = √|a| θ, so that ½(c² + ‖θ‖²) = |a| (THEORY.md §1).
    let ofMeasure (mu: Measure) =
        let atoms = mu.AtomsRaw

        if atoms.Length = 0 then
            // Width 0 is not a network: the zero function is one silent neuron.
            ofNeurons [| Array.zeroCreate mu.AmbientDimension |] [| 0.0 |]
        else
            ofNeurons
                (atoms |> Array.map (fun a -> Dense.scale (sqrt (abs a.Amplitude)) a.Direction))
                (atoms |> Array.map (fun a -> float (sign a.Amplitude) * sqrt (abs a.Amplitude)))

    /// The optimal rebalancing (THEORY.md §1): (c_j, θ_j) ↦ (c_j / t_j, t_j θ_j) with t_j² = |c_j|/‖θ_j‖,
    /// which leaves every neuron's function unchanged (ReLU is positively homogeneous) and makes
    /// |c_j| = ‖θ_j‖, so that the weight decay ½Σ(c_j² + ‖θ_j‖²) drops to Σ|c_j|‖θ_j‖. A neuron with
    /// c_j = 0 or θ_j = 0 computes nothing and becomes zero.
    let rebalance (net: Network) =
        let n = net.AmbientDimension
        let p = Array.copy net.Raw

        for j in 0 .. net.Width - 1 do
            let o = j * (n + 1)
            let nt = Dense.norm (Array.sub p o n)
            let c = p.[o + n]

            if nt = 0.0 || c = 0.0 then
                Array.fill p o (n + 1) 0.0
            else
                let t = sqrt (abs c / nt)

                for k in 0 .. n - 1 do
                    p.[o + k] <- p.[o + k] * t

                p.[o + n] <- c / t

        Network(n, p)

    /// Groups the neurons into atoms: same output sign and directions within the angle tolerance,
    /// heaviest neurons first, each joining the first cluster whose heaviest member is close enough
    /// (a fixed seed per cluster rather than chaining, so clusters cannot drift apart).
    let cluster (options: ClusterOptions) (net: Network) : NeuronCluster[] =
        let n = net.AmbientDimension

        let mass =
            Array.init net.Width (fun j -> net.OutputWeight j * Dense.norm (net.Neuron j))

        let total = mass |> Array.sumBy abs

        let order =
            [| 0 .. net.Width - 1 |]
            |> Array.filter (fun j -> abs mass.[j] > options.MassTolerance * total && abs mass.[j] > 0.0)
            |> Array.sortByDescending (fun j -> abs mass.[j])

        let cosTol = cos options.AngleTolerance

        let units =
            order
            |> Array.map (fun j -> Dense.scale (1.0 / Dense.norm (net.Neuron j)) (net.Neuron j))
        // Each neuron joins the first seed (heaviest first) of its sign within the angle: the one merge,
        // `Merge.greedy`, over a grid of the seeds (a chord of angle α is at most α long).
        let leaderOf, _ =
            Merge.byDirection
                options.AngleTolerance
                units
                (fun _ -> true)
                (fun l i ->
                    sign mass.[order.[l]] = sign mass.[order.[i]]
                    && Dense.dot units.[i] units.[l] >= cosTol)
                (fun _ _ -> ())
        // Groups come in the order of their first member, the seed.
        let groups = Array.init order.Length id |> Array.groupBy (fun p -> leaderOf.[p])

        [|
            for l, positions in groups do
                let seed = units.[l]
                let idx = positions |> Array.map (fun p -> order.[p])
                let sum = Array.zeroCreate n
                let mutable spread = 0.0

                for j in idx do
                    let u = Dense.scale (1.0 / Dense.norm (net.Neuron j)) (net.Neuron j)

                    for t in 0 .. n - 1 do
                        sum.[t] <- sum.[t] + abs mass.[j] * u.[t]

                    spread <- max spread (acos (min 1.0 (max -1.0 (Dense.dot u seed))))

                yield
                    {
                        Direction = Dense.scale (1.0 / Dense.norm sum) sum
                        Amplitude = idx |> Array.sumBy (fun j -> mass.[j])
                        Neurons = idx
                        Spread = spread
                    }
        |]
