using System.Collections.Concurrent;
using Microsoft.FSharp.Core;
using CoreClusterOptions = TvRelu.Core.Training.ClusterOptions;
using CoreNetwork = TvRelu.Core.Training.NetworkModule;
using CoreTraining = TvRelu.Core.Training.Training;
using CoreTrainingOptions = TvRelu.Core.Training.TrainingOptions;

namespace TvRelu;

// The method choice beyond solve and certify (issue 14): the path and training by branch and bound (THEORY.md §9), and a
// refusal that names the reason where a computation needs the whole arrangement.
public sealed partial class TvReluProblem
{
    /// <summary>The branch-and-bound solutions behind <see cref="Train"/>'s J*, one per λ, computed once.</summary>
    private readonly ConcurrentDictionary<double, Lazy<Solution>> _searched = new();

    /// <summary>
    /// Refuses a computation that needs the whole arrangement when branch and bound was asked for by name (under
    /// <see cref="CertificationMethod.Auto"/> the enumeration runs, or refuses with its own estimate).
    /// </summary>
    /// <param name="what">The computation, as the user named it.</param>
    /// <param name="why">What in it needs every region.</param>
    private void RefuseBranchAndBound(string what, string why)
    {
        if (Method.Method == CertificationMethod.BranchAndBound)
        {
            throw new TvReluInputException(
                $"{what} cannot use branch and bound: {why}, so it needs the region enumeration (method enumeration or auto, d ≤ {MaxDimension})",
                "method");
        }
    }

    /// <summary>The path by branch and bound: one column-generation solve per λ, largest first, each under the budget.</summary>
    private IReadOnlyList<Solution> SolvePathByBranchAndBound(double[] lambdas, SolveOptions options) =>
        lambdas.OrderByDescending(l => l).Select(l => SolveByBranchAndBound(l, options)).ToArray();

    /// <summary>
    /// Training certified by branch and bound: the run needs no regions (the history's gaps, which would, are left out), the
    /// network's measure is certified by <see cref="CertifyByBranchAndBound"/> and J* comes from a branch-and-bound solve.
    /// </summary>
    private TrainingResult TrainByBranchAndBound(double lambda, int width, CoreTrainingOptions core, TrainOptions options)
    {
        var run = Guard.InRange(() => CoreTraining.trainOn(FSharpOption<TvRelu.Core.Arrangements.Arrangement>.None, _data, lambda, width, core));
        var optimum = _searched.GetOrAdd(lambda, l => new Lazy<Solution>(() => SolveByBranchAndBound(l, SolveOptions.Default))).Value;
        var measure = new Measure(CoreNetwork.toMeasure(run.Network));
        var clusterOptions = CoreClusterOptions.Default
            .WithAngleTolerance(options.ClusterAngleTolerance)
            .WithMassTolerance(options.ClusterMassTolerance);
        return new TrainingResult
        {
            Network = TrainingConversions.ToFacade(run.Network),
            Measure = measure,
            Certification = CertifyByBranchAndBound(measure, lambda, null, false),
            TrainingObjective = CoreNetwork.objective(lambda, _data, run.Network),
            RebalancedObjective = CoreNetwork.rebalancedObjective(lambda, _data, run.Network),
            OptimalObjective = optimum.Objective,
            OptimalMeasure = optimum.Measure,
            OptimalCertified = optimum.Certified,
            Clusters = ReadOnly.Map(CoreNetwork.cluster(clusterOptions, run.Network), c => new NeuronCluster(ReadOnly.Copy(c.Direction), c.Amplitude, c.Neurons.Length, c.Spread)),
            SaturationPoints = optimum.SaturationKnown ? optimum.Bounds.SaturationPoints : null,
            Epochs = run.Epochs,
            StopReason = TrainingConversions.ToFacade(run.Stop),
            History = ReadOnly.Map(run.History, TrainingConversions.ToFacade),
            Seconds = run.Seconds,
        };
    }
}
