using System;
using System.IO;
using System.Linq;
using TvRelu.ProofsChecks;
using TvRelu.Tests.Examples;
using Xunit;

namespace TvRelu.Tests;

/// <summary>Claims are an open extension point: a C# claim runs under the campaign runner and the report.</summary>
public sealed class UserClaimTests
{
    [Fact]
    public void ACSharpClaimIsAuditedNextToTheCatalogue()
    {
        var dir = Path.Combine(Path.GetTempPath(), "tvrelu-user-claim-" + Guid.NewGuid().ToString("N"));
        try
        {
            var claims = new Claim[] { new AtomsAtMostTwiceCells(), Catalogue.find("cover-euler") };
            var seen = 0;
            var summary = Campaign.run(claims, 30, 42L, Shard.Single, dir, false,
                new Action<CampaignProgress>(_ => seen++));
            Assert.Equal(2, summary.Claims.Length);
            Assert.All(summary.Claims, s => Assert.Equal(30, s.Run));
            Assert.Equal(0, summary.Claims[0].Failed);
            Assert.True(seen > 0, "the progress callback was never called");
            var records = Campaign.load(dir);
            Assert.Equal(30, records.Count(r => r.Claim == "user-atoms-at-most-twice-cells"));
            Assert.All(records.Where(r => r.Claim == "user-atoms-at-most-twice-cells" && r.Applicable && r.Passed),
                r => Assert.InRange(r.Quantities["tightness.atomsOverTwiceCells"], 0.0, 1.0));
            var report = File.ReadAllText(Report.writeWith(claims, dir));
            Assert.Contains("## user-atoms-at-most-twice-cells", report);
            Assert.Contains("The certified minimiser has at most 2 * #cells atoms.", report);
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void AFalseCSharpClaimIsRefutedWithAReplaySeed()
    {
        var claim = Claim.Create("user-false-no-atoms", "The minimiser is zero (false on purpose).", "made up", "the exact solver",
            new Func<Rng, Outcome>(rng =>
            {
                var x = new double[,] { { 0.0 }, { 1.0 }, { 2.0 } };
                var y = new[] { rng.Gaussian(), 2.0 + rng.Gaussian(), rng.Gaussian() };
                var problem = TvReluProblem.FromArrays(x, y);
                var solution = problem.Solve(0.1 * problem.LambdaMax);
                return Outcome.Pass().Require(solution.Measure.Atoms.Count == 0, $"{solution.Measure.Atoms.Count} atoms");
            }));
        var record = claim.Trial(7L);
        Assert.False(record.Passed);
        Assert.True(record.Refuted);
        Assert.Contains("seed 7", record.Message);
        Assert.Equal(record.Passed, claim.Trial(7L).Passed);
    }
}
