using System.Numerics;

namespace TvRelu.Tests;

/// <summary>Region counts, faces and the measure type of the façade.</summary>
public class FacadeRegionsTests
{
    [Theory]
    [MemberData(nameof(ReferenceData.CellCountCases), MemberType = typeof(ReferenceData))]
    public void CubeCellCountsMatchThePublishedTable(string file, int cells)
    {
        var report = ReferenceData.Problem(file).Regions();

        Assert.Equal(cells, report.Cells);
        Assert.Null(report.FVector);
        Assert.Null(report.EulerCharacteristic);
        // Cover's count is reached exactly in general position (cube2: no three vertices of the square
        // are collinear) and missed otherwise (from cube3 on, four vertices lie on one plane).
        Assert.NotNull(report.GeneralPosition);
        Assert.Equal(report.GeneralPosition == true, report.CoverCount == cells);
        Assert.True(report.CoverCount >= cells);
    }

    [Theory]
    [InlineData("cube2.csv")]
    [InlineData("cube3.csv")]
    [InlineData("r4_collinear_2d.csv")]
    [InlineData("r2_duplicates_1d.csv")]
    public void TheFaceComplexHasTheEulerCharacteristicOfTheSphere(string file)
    {
        var problem = ReferenceData.Problem(file);

        var report = problem.Regions(faces: true);

        Assert.NotNull(report.FVector);
        Assert.Equal(problem.Dimension + 1, report.FVector!.Count);
        Assert.Equal(report.Cells, report.FVector[^1]);
        Assert.Equal(report.ExpectedEulerCharacteristic, report.EulerCharacteristic);
        Assert.Equal(1 + (problem.Dimension % 2 == 0 ? 1 : -1), report.ExpectedEulerCharacteristic);
        Assert.Equal(report.FVector.Sum(), report.FaceCount);
    }

    [Fact]
    public void PointsInGeneralPositionHaveCoversCount()
    {
        var random = new Random(11);
        var x = new double[9, 2];
        for (var i = 0; i < 9; i++)
        {
            x[i, 0] = random.NextDouble();
            x[i, 1] = random.NextDouble();
        }
        var report = TvReluProblem.FromArrays(x, new double[9]).Regions();

        Assert.True(report.GeneralPosition);
        // 2 (C(8,0) + C(8,1) + C(8,2)) = 74.
        Assert.Equal(new BigInteger(74), report.CoverCount);
        Assert.Equal(74, report.Cells);
    }

    [Fact]
    public void DuplicateRowsShareAHyperplaneAndLeaveTheCountUnchanged()
    {
        var single = ReferenceData.Problem("cube2.csv").Regions();
        var doubled = TvReluProblem.FromCsvText("x1,x2,y\n0,0,0\n0,1,0\n1,0,0\n1,1,0\n1,1,5\n0,0,-2\n").Regions();

        Assert.Equal(single.Cells, doubled.Cells);
        Assert.Equal(4, doubled.Hyperplanes);
        Assert.Equal(6, doubled.DataPoints);
    }

    [Fact]
    public void MeasuresAreCanonical()
    {
        var m = Measure.FromAtoms(2,
        [
            new Atom([3.0, 4.0], 2.0),        // = 10 δ_(0.6, 0.8)
            new Atom([0.6, 0.8], -1.0),       // merges with the first
            new Atom([1.0, 0.0], 0.0),        // carries nothing
        ]);

        var atom = Assert.Single(m.Atoms);
        Assert.Equal(9.0, atom.Amplitude, 12);
        Assert.Equal(0.6, atom.Direction[0], 12);
        Assert.Equal(0.8, atom.Direction[1], 12);
        Assert.Equal(9.0, m.TotalVariation, 12);
        Assert.Equal(9.0 * Math.Max(0.6 * 2.0 + 0.8, 0), m.Evaluate([2.0]), 12);
        Assert.Equal(m, Measure.FromAtoms(2, m.Atoms));
        Assert.Equal(Measure.Zero(3), Measure.FromAtoms(3, []));
        Assert.NotEqual(Measure.Zero(2), Measure.Zero(3));
    }

    [Fact]
    public void ReturnedListsCannotBeModified()
    {
        var solution = ReferenceData.Problem("r1_kink_1d.csv").Solve(0.01);

        var direction = Assert.IsAssignableFrom<IList<double>>(solution.Measure.Atoms[0].Direction);
        Assert.True(direction.IsReadOnly);
        Assert.Throws<NotSupportedException>(() => direction[0] = 5.0);
        Assert.True(((IList<double>)solution.Residual).IsReadOnly);
    }
}
