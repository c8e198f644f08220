using System.Globalization;
using CoreHistoryEntry = TvRelu.Core.Training.HistoryEntry;
using CoreNetwork = TvRelu.Core.Training.Network;
using CoreNetworkOps = TvRelu.Core.Training.NetworkModule;
using CoreStopReason = TvRelu.Core.Training.StopReason;

namespace TvRelu;

/// <summary>Maps the core's training values to the façade's records, and checks training settings.</summary>
internal static class TrainingConversions
{
    internal static TrainedNetwork ToFacade(CoreNetwork net)
    {
        var d = net.AmbientDimension - 1;
        var neurons = new Neuron[net.Width];
        for (var j = 0; j < neurons.Length; j++)
        {
            var theta = net.Neuron(j);
            neurons[j] = new Neuron(Array.AsReadOnly(theta[..d]), theta[d], net.OutputWeight(j));
        }
        return new TrainedNetwork(Array.AsReadOnly(neurons));
    }

    internal static CoreNetwork ToCore(TrainedNetwork network, int dimension)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (network.Neurons.Count == 0)
        {
            throw new TvReluInputException("the network has no neurons", nameof(network));
        }
        var thetas = new double[network.Neurons.Count][];
        var outputs = new double[network.Neurons.Count];
        for (var j = 0; j < thetas.Length; j++)
        {
            var n = network.Neurons[j];
            if (n.InputWeights.Count != dimension)
            {
                throw new TvReluInputException($"neuron {j + 1} has {n.InputWeights.Count} input weights but the data have d = {dimension}", nameof(network));
            }
            thetas[j] = [.. n.InputWeights, n.Bias];
            outputs[j] = n.OutputWeight;
        }
        try
        {
            return CoreNetworkOps.ofNeurons(thetas, outputs);
        }
        catch (ArgumentException e)
        {
            throw new TvReluInputException(e.Message.Split(" (Parameter")[0], nameof(network), e);
        }
    }

    internal static TrainingStopReason ToFacade(CoreStopReason stop) => stop.Tag switch
    {
        CoreStopReason.Tags.ObjectiveStalled => TrainingStopReason.ObjectiveStalled,
        CoreStopReason.Tags.GradientVanished => TrainingStopReason.GradientVanished,
        CoreStopReason.Tags.MaxEpochsReached => TrainingStopReason.MaxEpochsReached,
        _ => TrainingStopReason.Diverged,
    };

    internal static TrainingHistoryEntry ToFacade(CoreHistoryEntry h) =>
        new(h.Epoch, h.Objective, h.RebalancedObjective, h.GradientNorm, h.LearningRate, h.Gap is null ? null : h.Gap.Value);

    internal static void AtLeast(int value, int least, string name)
    {
        if (value < least)
        {
            throw new TvReluInputException($"{name} must be at least {least} (got {value})", name);
        }
    }

    internal static void Positive(double value, string name)
    {
        if (!(value > 0.0) || double.IsInfinity(value))
        {
            throw new TvReluInputException($"{name} must be a positive finite number (got {value.ToString("G", CultureInfo.InvariantCulture)})", name);
        }
    }

    internal static void NonNegative(double value, string name)
    {
        if (!(value >= 0.0) || double.IsInfinity(value))
        {
            throw new TvReluInputException($"{name} must be a non-negative finite number (got {value.ToString("G", CultureInfo.InvariantCulture)})", name);
        }
    }
}
