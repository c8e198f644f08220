using System.Text.Json.Serialization;

namespace TvRelu.Cli.Json;

// The JSON documents of `train` and `compare`. `train` writes the fields `solve` writes for a measure
// (objective, dualObjective, gap, certified, certificateSup, measure) for the trained network's measure,
// then the network, its clusters and its history. Serialised in camelCase.

internal sealed record NeuronJson(IReadOnlyList<double> InputWeights, double Bias, double OutputWeight);

internal sealed record NetworkJson(int Width, IReadOnlyList<NeuronJson> Neurons)
{
    internal static NetworkJson Of(TrainedNetwork n) =>
        new(n.Width, n.Neurons.Select(x => new NeuronJson(x.InputWeights, x.Bias, x.OutputWeight)).ToArray());
}

internal sealed record ClusterJson(IReadOnlyList<double> Direction, double Amplitude, int Neurons, double Spread);

internal sealed record HistoryJson(int Epoch, double Objective, double RebalancedObjective, double GradientNorm, double LearningRate, double? Gap);

internal sealed record TrainJson(
    string Convention,
    int N,
    int D,
    double Lambda,
    double LambdaMax,
    double? LambdaRatio,
    string Optimizer,
    int Width,
    int Seed,
    int Epochs,
    string StopReason,
    double Objective,
    double DualObjective,
    double Gap,
    bool Certified,
    double CertificateSup,
    MeasureJson Measure,
    double TrainingObjective,
    double RebalancedObjective,
    double OptimalObjective,
    double Excess,
    int? SaturationPoints,
    IReadOnlyList<ClusterJson> Clusters,
    NetworkJson Network,
    IReadOnlyList<HistoryJson> History,
    double Seconds,
    string Method,
    bool OptimalCertified,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] SupremumBoundsJson? CertificateSupBounds)
{
    internal static TrainJson Of(Commands.LambdaChoice choice, TrainOptions options, int width, TrainingResult r, double seconds) => new(
        TvReluProblem.Convention,
        choice.Problem.DataPoints,
        choice.Problem.Dimension,
        choice.Lambda,
        choice.LambdaMax,
        choice.Ratio,
        Commands.TrainingCliOptions.NameOf(options.Optimizer),
        width,
        options.Seed,
        r.Epochs,
        r.StopReason.ToString(),
        r.Objective,
        r.Certification.DualObjective,
        r.Gap,
        r.Certification.Certified,
        r.Certification.CertificateSup,
        MeasureJson.Of(r.Measure),
        r.TrainingObjective,
        r.RebalancedObjective,
        r.OptimalObjective,
        r.Excess,
        r.SaturationPoints,
        r.Clusters.Select(c => new ClusterJson(c.Direction, c.Amplitude, c.Neurons, c.Spread)).ToArray(),
        NetworkJson.Of(r.Network),
        r.History.Select(h => new HistoryJson(h.Epoch, h.Objective, h.RebalancedObjective, h.GradientNorm, h.LearningRate, h.Gap)).ToArray(),
        seconds,
        r.Certification.Method,
        r.OptimalCertified,
        SupremumBoundsJson.Of(r.Certification.SupremumBounds));
}

internal sealed record CompareRowJson(string Method, double Objective, double Gap, bool Certified, double Excess, int Neurons, int Atoms, double Seconds);

/// <summary>`tvrelu compare`; <c>method</c> is how every row's exact supremum was computed (the enumeration: two of the methods
/// need every region).</summary>
internal sealed record CompareJson(string Convention, int N, int D, double Lambda, double OptimalObjective, IReadOnlyList<CompareRowJson> Rows, string Method);
