using System.CommandLine;

namespace TvRelu.Cli.Commands;

/// <summary>The options of `train` and `compare` (a new instance per command).</summary>
internal static class TrainingCliOptions
{
    internal const string GradientDescent = "gd";
    internal const string Adam = "adam";
    internal const string LabelNoise = "label-noise";

    internal static Option<int> Width() => new("--width")
    {
        Description = "the number of neurons m ≥ 1",
        Required = true,
    };

    internal static Option<string> Optimizer() => Choice(
        "--optimizer",
        "gd (full-batch gradient descent), adam, or label-noise (SGD with fresh Gaussian label noise every step)",
        GradientDescent, Adam, LabelNoise);

    internal static Option<string> Initialisation() => Choice(
        "--init",
        "standard (fan-in Gaussians times --init-scale) or small (balanced, norm --init-scale)",
        "standard", "small");

    /// <summary>
    /// One of a few words, the first the default. The parser's own check would list the choices on several
    /// lines; the CLI promises one `error:` line.
    /// </summary>
    private static Option<string> Choice(string name, string description, params string[] choices) => new(name)
    {
        Description = description,
        DefaultValueFactory = _ => choices[0],
        CustomParser = result =>
        {
            var token = result.Tokens.Count == 1 ? result.Tokens[0].Value : null;
            if (token is not null && choices.Contains(token))
            {
                return token;
            }
            result.AddError($"{name} must be one of {string.Join(", ", choices)} (got '{token}')");
            return choices[0];
        },
    };

    internal static Option<int> Epochs() => new("--epochs")
    {
        Description = "the epoch budget; training may stop earlier when the objective stalls",
        DefaultValueFactory = _ => TrainOptions.Default.MaxEpochs,
    };

    internal static Option<int> Seed() => new("--seed")
    {
        Description = "seed of the initialisation and of the label noise (default 0)",
    };

    /// <summary>An optional number, read and checked by <see cref="CliOptions.ParseNumber"/> like every numeric option.</summary>
    internal static Option<double?> Number(string name, string description) => new(name)
    {
        Description = description,
        CustomParser = result => CliOptions.ParseNumber(result, name),
    };

    internal static TrainingOptimizer ParseOptimizer(string? name) => name switch
    {
        Adam => TrainingOptimizer.Adam,
        LabelNoise => TrainingOptimizer.LabelNoise,
        _ => TrainingOptimizer.GradientDescent,
    };

    internal static string NameOf(TrainingOptimizer optimizer) => optimizer switch
    {
        TrainingOptimizer.Adam => Adam,
        TrainingOptimizer.LabelNoise => LabelNoise,
        _ => GradientDescent,
    };
}
