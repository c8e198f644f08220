namespace TvRelu.Tests;

/// <summary>Every kind of bad input is a TvReluInputException whose message names the problem.</summary>
public class FacadeBadInputTests
{
    private static readonly TvReluProblem Line = TvReluProblem.FromArrays(new double[,] { { 0 }, { 1 }, { 2 } }, [0.0, 1.0, 0.0]);

    [Fact]
    public void NaNInTheInputsNamesRowAndColumn()
    {
        var e = Assert.Throws<TvReluInputException>(() => TvReluProblem.FromArrays(new double[,] { { 0, 1 }, { 2, double.NaN } }, [1.0, 2.0]));
        Assert.Contains("row 2, column x2", e.Message);
        Assert.Contains("NaN", e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.IsAssignableFrom<ArgumentException>(e);
    }

    [Fact]
    public void InfiniteLabelsAreRefused()
    {
        var e = Assert.Throws<TvReluInputException>(() => TvReluProblem.FromArrays(new double[,] { { 0 }, { 1 } }, [1.0, double.PositiveInfinity]));
        Assert.Contains("row 2, label y", e.Message);
    }

    [Fact]
    public void RaggedRowsAreRefused()
    {
        var e = Assert.Throws<TvReluInputException>(() => TvReluProblem.FromRows([[0.0, 1.0], [2.0]], [1.0, 2.0]));
        Assert.Contains("row 2 has 1 input columns but row 1 has 2", e.Message);
    }

    [Fact]
    public void EmptyDataAreRefused()
    {
        Assert.Contains("empty", Assert.Throws<TvReluInputException>(() => TvReluProblem.FromArrays(new double[0, 2], [])).Message);
        Assert.Contains("empty", Assert.Throws<TvReluInputException>(() => TvReluProblem.FromCsvText("x1,y\n")).Message);
        Assert.Contains("d = 0", Assert.Throws<TvReluInputException>(() => TvReluProblem.FromArrays(new double[2, 0], [1.0, 2.0])).Message);
    }

    [Fact]
    public void MismatchedLabelsAreRefused()
    {
        var e = Assert.Throws<TvReluInputException>(() => TvReluProblem.FromArrays(new double[,] { { 0 }, { 1 } }, [1.0]));
        Assert.Contains("2 input rows but 1 labels", e.Message);
    }

    [Theory]
    [InlineData("x1,y\n0,1\n1,abc\n", "line 3")]
    [InlineData("x1,y\n0,1\n1,2,3\n", "line 3: 3 fields")]
    [InlineData("7\n8\n", "at least one input column")]
    [InlineData("x1,y\n0,1\nnan,2\n", "row 2, column x1")]
    public void MalformedCsvNamesTheLine(string text, string expected)
    {
        Assert.Contains(expected, Assert.Throws<TvReluInputException>(() => TvReluProblem.FromCsvText(text)).Message);
    }

    [Fact]
    public void AMissingFileIsNamed()
    {
        var e = Assert.Throws<TvReluInputException>(() => TvReluProblem.FromCsv("/no/such/file.csv"));
        Assert.Equal("data file '/no/such/file.csv' does not exist", e.Message);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void LambdaMustBePositiveAndFinite(double lambda)
    {
        Assert.Contains("λ must be a positive finite number", Assert.Throws<TvReluInputException>(() => Line.Solve(lambda)).Message);
        Assert.Contains("λ must be", Assert.Throws<TvReluInputException>(() => Line.Certify(Measure.Zero(2), lambda)).Message);
        Assert.Contains("λ must be", Assert.Throws<TvReluInputException>(() => Line.CertificateOf([0.0, 0.0, 0.0], lambda)).Message);
        Assert.Contains("λ must be", Assert.Throws<TvReluInputException>(() => Line.SolvePath([1.0, lambda])).Message);
    }

    [Fact]
    public void AnEmptyPathIsRefused()
    {
        Assert.Contains("at least one λ", Assert.Throws<TvReluInputException>(() => Line.SolvePath([])).Message);
    }

    [Fact]
    public void AMeasureOfTheWrongDimensionIsRefused()
    {
        var e = Assert.Throws<TvReluInputException>(() => Line.Certify(Measure.FromAtoms(3, [new Atom([1.0, 0.0, 0.0], 1.0)]), 0.1));
        Assert.Contains("need d + 1 = 2", e.Message);
        Assert.Equal("measure", e.ParamName);
    }

    [Fact]
    public void AtomsOfTheWrongLengthOrNotFiniteAreRefused()
    {
        Assert.Contains("atom 2 has a direction of 3 numbers",
            Assert.Throws<TvReluInputException>(() => Measure.FromAtoms(2, [new Atom([1.0, 0.0], 1.0), new Atom([1.0, 0.0, 0.0], 1.0)])).Message);
        Assert.Contains("atom 1 has a non-finite",
            Assert.Throws<TvReluInputException>(() => Measure.FromAtoms(2, [new Atom([1.0, double.NaN], 1.0)])).Message);
        Assert.Contains("at least 2 numbers", Assert.Throws<TvReluInputException>(() => Measure.Zero(1)).Message);
    }

    [Fact]
    public void ADualVectorOfTheWrongLengthIsRefused()
    {
        Assert.Contains("has 2 entries but the data set has 3 rows",
            Assert.Throws<TvReluInputException>(() => Line.CertificateOf([1.0, 2.0], 0.1)).Message);
        Assert.Contains("entry 3 of the dual vector",
            Assert.Throws<TvReluInputException>(() => Line.CertificateOf([1.0, 2.0, double.NaN], 0.1)).Message);
    }

    [Fact]
    public void BadOptionsAreRefused()
    {
        Assert.Contains("tolerance", Assert.Throws<TvReluInputException>(() => Line.Solve(0.1, new SolveOptions { Tolerance = -1 })).Message);
        Assert.Contains("MaxRounds", Assert.Throws<TvReluInputException>(() => Line.Solve(0.1, new SolveOptions { MaxRounds = 0 })).Message);
        Assert.Contains("tolerance", Assert.Throws<TvReluInputException>(() => Line.Certify(Measure.Zero(2), 0.1, 0.0)).Message);
    }

    [Fact]
    public void TooManyDimensionsAreRefusedBeforeEnumerating()
    {
        var problem = TvReluProblem.FromArrays(new double[3, 7], [1.0, 2.0, 3.0])
            .WithMethod(new MethodOptions { Method = CertificationMethod.Enumeration });

        var e = Assert.Throws<TvReluInputException>(() => problem.Regions());
        Assert.Contains("d = 7", e.Message);
        Assert.Contains("d ≤ 6", e.Message);
        Assert.Throws<TvReluInputException>(() => problem.Solve(0.1));
    }

    [Fact]
    public void TooManyRegionsAreRefusedBeforeEnumerating()
    {
        var random = new Random(3);
        var x = new double[3000, 4];
        for (var i = 0; i < 3000; i++)
        {
            for (var j = 0; j < 4; j++)
            {
                x[i, j] = random.NextDouble();
            }
        }
        var problem = TvReluProblem.FromArrays(x, new double[3000])
            .WithMethod(new MethodOptions { Method = CertificationMethod.Enumeration });

        var e = Assert.Throws<TvReluLimitException>(() => problem.Solve(0.1));
        Assert.Contains("cells, above the limit EnumerationLimits.MaxCells", e.Message);
        Assert.Equal(EnumerationLimit.Cells, e.Limit);
        Assert.True(problem.EstimatedCellCount > 50_000_000);
    }
}
