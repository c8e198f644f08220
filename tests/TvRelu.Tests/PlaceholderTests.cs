namespace TvRelu.Tests;

public class PlaceholderTests
{
    [Fact]
    public void ArithmeticStillWorks() => Assert.Equal(4, 2 + 2);
}
