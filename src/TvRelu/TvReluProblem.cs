using System.Globalization;
using System.Numerics;
using TvRelu.Core.Arrangements;
using TvRelu.Core.Certificates;
using TvRelu.Core.Data;
using TvRelu.Core.Exact;
using CoreArrangement = TvRelu.Core.Arrangements.Arrangement;
using CoreArrangementOps = TvRelu.Core.Arrangements.ArrangementModule;
using CoreCertificateOps = TvRelu.Core.Certificates.CertificateModule;
using CoreSolve = TvRelu.Core.Solver.Solve;
using CoreCertifiedSolve = TvRelu.Core.Solver.CertifiedSolve;

namespace TvRelu;

/// <summary>
/// A training problem P_λ(y): minimise J(μ) = ½‖Kμ − y‖² + λ‖μ‖_TV over signed measures μ on S^d,
/// the weight-decay training of a two-layer ReLU network of unbounded width (THEORY.md §1).
/// Holds validated data; the dual regions are enumerated once, when first needed, and reused.
/// Every method validates its input and reports bad input as a <see cref="TvReluInputException"/>.
/// </summary>
public sealed partial class TvReluProblem
{
    /// <summary>The largest input dimension d the exact region enumeration accepts.</summary>
    public const int MaxDimension = 6;

    /// <summary>The default of <see cref="EnumerationLimits.MaxCells"/>: the most regions (Cover's upper bound) enumerated.</summary>
    public const double MaxEstimatedCells = 5e7;

    /// <summary>Subsets of d + 1 hyperplanes checked at most for the general-position test.</summary>
    private const long GeneralPositionSubsets = 2_000_000;

    private readonly Dataset _data;
    private readonly Lazy<CoreArrangement> _arrangement;
    private TimeSpan _enumerationTime;
    private readonly Lazy<double> _lambdaMax;

    private TvReluProblem(Dataset data, EnumerationLimits? limits = null, Lazy<CoreArrangement>? arrangement = null)
    {
        _data = data;
        Limits = limits ?? EnumerationLimits.Default;
        _arrangement = arrangement ?? new Lazy<CoreArrangement>(() =>
        {
            EnsureTractable();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var arrangement = CoreArrangementOps.ofDataset(_data);
            _enumerationTime = clock.Elapsed;
            return arrangement;
        });
        _lambdaMax = new Lazy<double>(() => Guard.InRange(
            ComputeLambdaMax,
            what: "λ_max = sup |⟨y, φ(θ)⟩| of these data cannot be computed (its η has λ = 1 and q = y)"));
    }

    /// <summary>The objective's convention, stated in every output: J(μ) = ½‖Kμ − y‖² + λ‖μ‖_TV on S^d with inputs (x, 1).</summary>
    public static string Convention => CoreSolve.convention;

    /// <summary>N, the number of data points.</summary>
    public int DataPoints => _data.Count;

    /// <summary>d, the input dimension.</summary>
    public int Dimension => _data.Dimension;

    /// <summary>The inputs x_i (copies).</summary>
    public IReadOnlyList<IReadOnlyList<double>> Inputs => ReadOnly.Map(_data.Inputs, row => (IReadOnlyList<double>)Array.AsReadOnly(row));

    /// <summary>The labels y_i (a copy).</summary>
    public IReadOnlyList<double> Labels => Array.AsReadOnly(_data.Labels);

    /// <summary>
    /// Cover's count for N hyperplanes in R^{d+1}: an upper bound on the number of regions, known
    /// before enumerating them (general position maximises the count; duplicates only lower it).
    /// </summary>
    public BigInteger EstimatedCellCount => CoreArrangementOps.coverCount(_data.Count, _data.Dimension);

    /// <summary>
    /// λ_max = sup_θ |⟨y, φ(θ)⟩|, exact: for every λ ≥ λ_max the zero measure is optimal
    /// (THEORY.md §2: η of q = y is ⟨y, φ(θ)⟩/λ). Computed once, on first use.
    /// </summary>
    /// <exception cref="TvReluInputException">The problem is too large to enumerate.</exception>
    public double LambdaMax => _lambdaMax.Value;

    /// <summary>A problem from an N × d matrix of inputs and N labels.</summary>
    /// <param name="x">The inputs, one row per data point.</param>
    /// <param name="y">The labels.</param>
    /// <returns>The validated problem.</returns>
    /// <exception cref="TvReluInputException">Empty data, d = 0, a label count that differs from the row count, or a non-finite number.</exception>
    public static TvReluProblem FromArrays(double[,] x, double[] y)
    {
        if (x is null)
        {
            throw new TvReluInputException("the inputs are missing", nameof(x));
        }
        var rows = new double[x.GetLength(0)][];
        for (var i = 0; i < rows.Length; i++)
        {
            rows[i] = new double[x.GetLength(1)];
            for (var j = 0; j < rows[i].Length; j++)
            {
                rows[i][j] = x[i, j];
            }
        }
        return FromRows(rows, y);
    }

    /// <summary>A problem from one input row per data point (rows must all have the same length d).</summary>
    /// <param name="x">The inputs, one row per data point.</param>
    /// <param name="y">The labels.</param>
    /// <returns>The validated problem.</returns>
    /// <exception cref="TvReluInputException">Empty data, ragged rows, d = 0, mismatched labels or a non-finite number.</exception>
    public static TvReluProblem FromRows(IReadOnlyList<IReadOnlyList<double>> x, IReadOnlyList<double> y)
    {
        var rows = x?.Select(r => r?.ToArray()!).ToArray()!;
        return new TvReluProblem(Guard.Data(Dataset.Create(rows, y?.ToArray()!), nameof(x)));
    }

    /// <summary>
    /// A problem from a CSV file: an optional header row, the columns x1..xd and the label y last;
    /// empty lines and lines starting with '#' are skipped. Fields are separated by commas, tabs or
    /// semicolons, detected from the first line (see <see cref="CsvDelimiter.Detect"/>); '.' is the decimal point.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <returns>The validated problem.</returns>
    /// <exception cref="TvReluInputException">The file is missing or unreadable, or its content is not valid data.</exception>
    public static TvReluProblem FromCsv(string path) => FromCsv(path, CsvDelimiter.Detect);

    /// <summary>A problem from a CSV file whose fields are separated by <paramref name="delimiter"/>.</summary>
    /// <param name="path">The file.</param>
    /// <param name="delimiter">The field separator, or <see cref="CsvDelimiter.Detect"/>.</param>
    /// <returns>The validated problem.</returns>
    /// <exception cref="TvReluInputException">The file is missing or unreadable, or its content is not valid data.</exception>
    public static TvReluProblem FromCsv(string path, CsvDelimiter delimiter)
    {
        var text = CsvTable.ReadText(path);
        return FromCsvText(text, delimiter, $"data file '{path}'");
    }

    /// <summary>A problem from CSV text, in the format of <see cref="FromCsv(string)"/>.</summary>
    /// <param name="text">The CSV content.</param>
    /// <returns>The validated problem.</returns>
    /// <exception cref="TvReluInputException">The text is not valid data; the message names the line, row or column.</exception>
    public static TvReluProblem FromCsvText(string text) => FromCsvText(text, CsvDelimiter.Detect, null);

    /// <summary>A problem from CSV text whose fields are separated by <paramref name="delimiter"/>.</summary>
    /// <param name="text">The CSV content.</param>
    /// <param name="delimiter">The field separator, or <see cref="CsvDelimiter.Detect"/>.</param>
    /// <returns>The validated problem.</returns>
    /// <exception cref="TvReluInputException">The text is not valid data; the message names the line, row or column.</exception>
    public static TvReluProblem FromCsvText(string text, CsvDelimiter delimiter) => FromCsvText(text, delimiter, null);

    private static TvReluProblem FromCsvText(string text, CsvDelimiter delimiter, string? source)
    {
        var result = Csv.parseWith(CsvTable.Separator(delimiter), text ?? "");
        if (result.IsError)
        {
            var message = result.ErrorValue.Message;
            throw new TvReluInputException(source is null ? message : $"{source}: {message}", nameof(text));
        }
        return new TvReluProblem(result.ResultValue);
    }

    /// <summary>Solves P_λ to a certified optimality gap (THEORY.md §2–§5).</summary>
    /// <param name="lambda">λ &gt; 0.</param>
    /// <param name="options">Solver settings; <c>null</c> for <see cref="SolveOptions.Default"/>.</param>
    /// <returns>The minimiser with its certified gap, saturation set, bounds, uniqueness and timings,
    /// and with <see cref="SolveOptions.Exact"/> its exact verification (<see cref="Solution.Exact"/>).
    /// Column generation runs first and sliding Frank–Wolfe takes over when it stalls.
    /// Check <see cref="Solution.Certified"/>: it is false only if neither certified within its budget.</returns>
    /// <exception cref="TvReluInputException">λ ≤ 0, not finite or below the smallest normal double, bad options, a problem
    /// too large to enumerate, or labels and λ whose numbers are out of the range where doubles can decide (README).</exception>
    public Solution Solve(double lambda, SolveOptions? options = null)
    {
        RequireSolvable(lambda);
        if (UsesBranchAndBound)
        {
            return SolveByBranchAndBound(lambda, options ?? SolveOptions.Default);
        }
        if (ChosenMethod == CertificationMethod.Streaming)
        {
            return SolveByStreaming(lambda, options ?? SolveOptions.Default);
        }
        var coreOptions = (options ?? SolveOptions.Default).ToCore();
        EnsureTractable();
        // The arrangement is enumerated once per problem and shared by Solve, SolvePath, Certify and exact mode
        // (issue 16); each solution reports the time that one enumeration took.
        var arrangement = _arrangement.Value;
        var solution = Guard.InRange(() => CoreCertifiedSolve.onArrangement(arrangement, _data, lambda, coreOptions))
            .ToFacade(DataPoints, Dimension);
        solution = solution with { Timings = solution.Timings with { Enumeration = _enumerationTime } };
        if (options?.Exact != true)
        {
            return solution;
        }
        var exact = CertifyExactly(solution.Measure, lambda, options.Tolerance);
        return solution with { Certification = solution.Certification with { Exact = exact } };
    }

    /// <summary>
    /// Solves along several λ, largest first, warm-starting each solve from the previous one's
    /// working set (the support moves little between nearby λ), with the same sliding Frank–Wolfe rescue as
    /// <see cref="Solve"/> at every point. The regions are enumerated once per problem.
    /// </summary>
    /// <param name="lambdas">The values of λ, each positive; their order does not matter.</param>
    /// <param name="options">Solver settings; <c>null</c> for <see cref="SolveOptions.Default"/>.</param>
    /// <returns>One solution per λ, in decreasing order of λ.</returns>
    /// <exception cref="TvReluInputException">No λ, a λ ≤ 0, bad options, or a problem too large to enumerate.</exception>
    public IReadOnlyList<Solution> SolvePath(IEnumerable<double> lambdas, SolveOptions? options = null)
    {
        var values = lambdas?.ToArray() ?? [];
        if (values.Length == 0)
        {
            throw new TvReluInputException("the path needs at least one λ", nameof(lambdas));
        }
        foreach (var l in values)
        {
            RequireSolvable(l, nameof(lambdas));
        }
        if (UsesBranchAndBound)
        {
            return SolvePathByBranchAndBound(values, options ?? SolveOptions.Default);
        }
        var coreOptions = (options ?? SolveOptions.Default).ToCore();
        EnsureTractable();
        var arrangement = _arrangement.Value;
        return ReadOnly.Map(
            Guard.InRange(() => CoreCertifiedSolve.pathOnArrangement(arrangement, _data, values, coreOptions)),
            s =>
            {
                var solution = s.ToFacade(DataPoints, Dimension);
                return solution with { Timings = solution.Timings with { Enumeration = _enumerationTime } };
            });
    }

    /// <summary>
    /// Audits a measure from any source: its objective, the exact supremum of its certificate and the
    /// certified gap J(μ) − J* ≤ gap (THEORY.md §2).
    /// </summary>
    /// <param name="measure">The candidate; its directions must have d + 1 entries.</param>
    /// <param name="lambda">λ &gt; 0.</param>
    /// <param name="tolerance">The gap tolerance; <c>null</c> for max(1e-9 · J, 1e-13 · ½‖y‖²).</param>
    /// <param name="exact">Also decide the certificate in exact rational arithmetic (THEORY.md §8), reported as
    /// <see cref="CertificationReport.Exact"/>: verified, refuted or undecided, with J* enclosed between exact rationals.</param>
    /// <returns>The report.</returns>
    /// <exception cref="TvReluInputException">λ ≤ 0 or below the smallest normal double, a bad tolerance, a measure of the
    /// wrong dimension, or a measure whose objective or certificate is out of the range where doubles can decide (README).</exception>
    public CertificationReport Certify(Measure measure, double lambda, double? tolerance = null, bool exact = false)
    {
        ArgumentNullException.ThrowIfNull(measure);
        Guard.Lambda(lambda);
        Guard.Tolerance(tolerance, nameof(tolerance));
        if (measure.AmbientDimension != Dimension + 1)
        {
            throw new TvReluInputException(
                $"the measure's directions have {measure.AmbientDimension} numbers but the data have d = {Dimension}, so they need d + 1 = {Dimension + 1}",
                nameof(measure));
        }
        // A measure whose J(μ) overflows, or whose certificate is beyond the scan's range, can never be certified in
        // doubles: refused, as bad input (issue 12, defect 2: J = ∞ was certified).
        Guard.InRange(() => DoubleRange.requireCertifiable(_data, lambda, measure.Core), nameof(measure));
        if (UsesBranchAndBound)
        {
            return CertifyByBranchAndBound(measure, lambda, tolerance, exact);
        }
        if (ChosenMethod == CertificationMethod.Streaming)
        {
            return CertifyByStreaming(measure, lambda, tolerance, exact);
        }
        var report = Gap.assess(_arrangement.Value, _data, lambda, Conversions.ToOption(tolerance), measure.Core).ToFacade(lambda, measure);
        return exact ? report with { Exact = CertifyExactly(measure, lambda, tolerance) } : report;
    }

    /// <summary>
    /// The input checks of every solver (README, "Where doubles can decide"): λ positive, finite and a normal double,
    /// ½‖y‖² finite, and the zero measure's certificate ⟨y, φ⟩/λ within the range of the exact scan.
    /// </summary>
    private void RequireSolvable(double lambda, string paramName = "lambda")
    {
        Guard.Lambda(lambda, paramName);
        Guard.InRange(() => DoubleRange.requireSolvable(_data, lambda), paramName);
    }

    /// <summary>Exact mode with the core's defaults (faces checked, refutation by a fresh solve) on the shared arrangement.</summary>
    private ExactCertification CertifyExactly(Measure measure, double lambda, double? tolerance)
    {
        var options = ExactOptions.Default.WithTolerance(tolerance);
        return Exact.certifyOn(options, _arrangement.Value, _data, lambda, measure.Core).ToFacade();
    }

    /// <summary>
    /// The certificate of a dual vector q (for example the residual of another solver), with its exact
    /// supremum and infimum over the whole sphere and its saturation set (THEORY.md §3).
    /// </summary>
    /// <param name="dual">q, one entry per data point.</param>
    /// <param name="lambda">λ &gt; 0.</param>
    /// <returns>The certificate.</returns>
    /// <exception cref="TvReluInputException">λ ≤ 0 or below the smallest normal double, q has the wrong length or a
    /// non-finite entry, or η = ⟨q, φ⟩/λ is beyond the range where doubles can compute its supremum (README).</exception>
    public DualCertificate CertificateOf(IReadOnlyList<double> dual, double lambda)
    {
        Guard.Lambda(lambda);
        var q = Guard.PerDataPoint(dual, DataPoints, "dual vector", nameof(dual));
        Guard.InRange(() => DoubleRange.requireDual(_data, q, lambda), nameof(dual));
        // Under the streaming method the regions are never stored: the certificate's extremes come from branch and bound's
        // lazy searches (its report says so), and the streaming pass of a dual vector is CertificateStreaming.
        if (UsesBranchAndBound || ChosenMethod == CertificationMethod.Streaming)
        {
            return new DualCertificate(_data, lambda, q, SearchOptions());
        }
        var core = CoreCertificateOps.ofDual(_arrangement.Value, _data, lambda, q);
        return new DualCertificate(core, lambda, q);
    }

    /// <summary>
    /// The dual regions: the exact cell count of the data's hyperplane arrangement, Cover's count and the
    /// general-position test, and on request the f-vector of the faces with the Euler-characteristic check.
    /// </summary>
    /// <param name="faces">Also enumerate the faces of every dimension.</param>
    /// <returns>The report.</returns>
    /// <exception cref="TvReluInputException">The problem is too large to enumerate, or its faces meet a near-tie that cannot be decided.</exception>
    public RegionsReport Regions(bool faces = false)
    {
        RefuseBranchAndBound("counting the regions", "it enumerates every cell of the arrangement, which branch and bound never does");
        var arr = _arrangement.Value;
        var general = CoreArrangementOps.generalPosition(GeneralPositionSubsets, arr);
        var report = new RegionsReport
        {
            DataPoints = DataPoints,
            Dimension = Dimension,
            Hyperplanes = arr.HyperplaneCount,
            Cells = arr.CellCount,
            CellsWithActiveNeurons = arr.CellsWithActiveNeurons,
            CoverCount = CoreArrangementOps.coverCount(arr.HyperplaneCount, Dimension),
            GeneralPosition = general is null ? null : general.Value,
        };
        if (!faces)
        {
            return report;
        }
        // At a near-tie neither double precision nor the integers within budget may decide the faces: an error, never a count.
        var f = Faces.decide(arr) switch
        {
            FaceEnumeration.Decided d => Faces.fVector(arr, d.Faces),
            FaceEnumeration.Undecided u => throw new TvReluInputException($"the faces cannot be counted: {u.Reason}", nameof(faces)),
            _ => throw new InvalidOperationException("unknown face enumeration result"),
        };
        return report with
        {
            FVector = ReadOnly.Copy(f),
            EulerCharacteristic = Faces.eulerCharacteristic(f),
            ExpectedEulerCharacteristic = Faces.expectedEulerCharacteristic(arr),
        };
    }
}
