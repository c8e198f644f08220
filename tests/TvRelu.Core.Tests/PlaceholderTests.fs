module TvRelu.Core.Tests.PlaceholderTests

open Xunit

[<Fact>]
let ``arithmetic still works`` () =
    Assert.Equal(4, 2 + 2)
