using CoreMeasureOps = TvRelu.Core.Data.MeasureModule;
using CorePricing = TvRelu.Core.Solver.Pricing;
using CoreSignVectorColumns = TvRelu.Core.Solver.SignVectorColumns;
using CoreSignVectorColumnsOptions = TvRelu.Core.Solver.SignVectorColumnsOptions;
using CoreStreamingPricing = TvRelu.Core.Certificates.StreamingPricing;

namespace TvRelu;

// Solves and certificates by the streaming pass (issue 13, "column generation on top"): column generation over sign
// vectors priced by one streaming pass per round (the core's one pricing interface, issue 16), so no region is ever
// stored; the final certificate's supremum is the streaming pass's exact one.
public sealed partial class TvReluProblem
{
    /// <summary>The JSON name of the streaming pass.</summary>
    internal const string StreamingName = "streaming";

    /// <summary>
    /// Above this d, <see cref="CertificationMethod.Auto"/> does not choose the streaming pass where the stored enumeration does
    /// not fit: from rank 5 on its cost model is calibrated only to an order of magnitude (issue 13's note), so an estimate
    /// that fits is no promise. Ask for <see cref="CertificationMethod.Streaming"/> explicitly to use it there.
    /// </summary>
    public const int MaxAutoStreamingDimension = 3;

    /// <summary>Whether <see cref="CertificationMethod.Auto"/> streams: d small enough and one pass within the limits.</summary>
    private bool StreamsWhenStoredDoesNotFit =>
        Dimension <= MaxAutoStreamingDimension && Estimate(EnumerationMethod.Streaming).Exceeds(Limits) is null;

    /// <summary>Column generation priced by the streaming pass, refused first if one pass exceeds the limits.</summary>
    private Solution SolveByStreaming(double lambda, SolveOptions options)
    {
        options.ToCore();
        RefuseEnumerationOnly(options.Exact, options.CountFaces);
        EnsureTractable(EnumerationMethod.Streaming);
        var core = SignVectorOptions(options);
        return ToFacade(Guard.InRange(() => CoreSignVectorColumns.solveStreaming(0, _data, lambda, core)));
    }

    /// <summary>
    /// The gap of μ with the exact sup|η| of one streaming pass, its rounding added (THEORY.md §2–§3): the regions are
    /// visited, none stored.
    /// </summary>
    private CertificationReport CertifyByStreaming(Measure measure, double lambda, double? tolerance, bool exact)
    {
        RefuseEnumerationOnly(exact, false);
        EnsureTractable(EnumerationMethod.Streaming);
        var q = CoreMeasureOps.residual(_data, measure.Core);
        var pass = CoreStreamingPricing.price(0, _data, lambda, q, 0, 1.0);
        var a = CorePricing.assess(_data, lambda, q, CoreMeasureOps.totalVariation(measure.Core), CorePricing.streamingInterval(pass), Conversions.ToOption(tolerance));
        return a.ToFacade(lambda, measure) with { Method = StreamingName };
    }
}
