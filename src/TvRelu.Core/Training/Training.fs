namespace TvRelu.Core.Training

open System
open TvRelu.Core.Numerics
open TvRelu.Core.Data
open TvRelu.Core.Arrangements
open TvRelu.Core.Certificates
open TvRelu.Core.Solver
open TvRelu.Core.Training.Optimisers

/// Finite-width training of two-layer ReLU networks (THEORY.md §1, §7), connected to the exact theory:
/// every run can be certified by the exact supremum of its measure's certificate.
module Training =

    /// Trains a network of the given width on the data (λ ≥ 0 is the weight decay of §1). `arr` is needed
    /// only for the certified gaps in the history (CertifyEvery); without it they are skipped.
    let trainOn (arr: Arrangement option) (data: Dataset) (lambda: float) (width: int) (options: TrainingOptions) =
        TrainingLoop.trainOn arr data lambda width options

    /// Trains and records certified gaps when `CertifyEvery` asks for them (the arrangement is then built).
    let train (data: Dataset) (lambda: float) (width: int) (options: TrainingOptions) =
        let arr =
            if options.CertifyEvery > 0 && lambda > 0.0 then
                Some(Arrangement.ofDataset data)
            else
                None

        trainOn arr data lambda width options

    /// Solves P_λ exactly once for a series of training runs on the same data and λ > 0.
    let reference (data: Dataset) (lambda: float) =
        let arr = Arrangement.ofDataset data

        {
            Data = data
            Lambda = lambda
            Arrangement = arr
            Exact = CertifiedSolve.onArrangement arr data lambda SolverOptions.Default
        }

    /// Certifies a network against the exact solution: the objective of its measure, the exact
    /// supremum of its certificate, the certified gap (THEORY.md §2), J* and the excess J(μ) − J*, and its
    /// clusters next to |Σ| (§7 (i)).
    let certify (reference: TrainingReference) (clusters: ClusterOptions) (net: Network) =
        let data = reference.Data
        let lambda = reference.Lambda
        let mu = Network.toMeasure net
        let a = Gap.assess reference.Arrangement data lambda None mu
        let jStar = reference.Exact.Assessment.Objective

        {
            Measure = mu
            Assessment = a
            TrainingObjective = Network.objective lambda data net
            RebalancedObjective = Network.rebalancedObjective lambda data net
            OptimalObjective = jStar
            Excess = a.Objective - jStar
            Clusters = Network.cluster clusters net
            SaturationPoints = reference.Exact.Saturation.Length
            ExactAtoms = reference.Exact.Measure.Count
        }

    /// One seeded, certified training run with the given options (their seed is replaced by `seed`).
    let trialWith (reference: TrainingReference) (options: TrainingOptions) (seed: int) (width: int) =
        let run =
            trainOn
                (Some reference.Arrangement)
                reference.Data
                reference.Lambda
                width
                { options with
                    Seed = seed
                    CertifyEvery = 0
                    Progress = None
                }

        let c = certify reference ClusterOptions.Default run.Network

        {
            Seed = seed
            Width = width
            Epochs = run.Epochs
            Stop = run.Stop
            Objective = c.Assessment.Objective
            OptimalObjective = c.OptimalObjective
            Excess = c.Excess
            Gap = c.Assessment.Gap
            Clusters = c.Clusters.Length
            SaturationPoints = c.SaturationPoints
            ReachedOptimum = c.Excess <= Tolerances.reachedOptimum
            Seconds = run.Seconds
        }

    /// The number of clusters of a network with the default options (`Network.clusterCount`).
    let clusterCount (net: Network) =
        (Network.cluster ClusterOptions.Default net).Length

    /// One seeded label-noise SGD run (the optimiser in `options` should be `LabelNoiseSgd`; λ ≥ 0 is its weight
    /// decay, 0 for pure label noise), summarised for the audit (ii) of THEORY.md §7: its clusters, its implicit
    /// penalty R and weighted TV, next to the support of a weighted-TV solution computed once by the caller
    /// (`WeightedTv.onArrangement`).
    let labelNoiseTrial (data: Dataset) (lambda: float) (options: TrainingOptions) (weighted: WeightedSolution) (seed: int) (width: int) =
        let run =
            trainOn
                None
                data
                lambda
                width
                { options with
                    Seed = seed
                    CertifyEvery = 0
                    Progress = None
                }

        let net = run.Network
        let f = Network.forward net data

        let loss =
            Array.fold2 (fun s a b -> s + 0.5 * (a - b) * (a - b)) 0.0 f data.LabelsRaw

        {
            Seed = seed
            Width = width
            Epochs = run.Epochs
            TrainingLoss = loss
            Penalty = LabelNoise.penalty data net
            WeightedTotalVariation = LabelNoise.weightedTotalVariation data (Network.toMeasure net)
            Clusters = clusterCount net
            WeightedSupport = weighted.Measure.Count
            Seconds = run.Seconds
        }
