module TvRelu.ProofsChecks.Tests.Smoke

open Xunit

[<Fact>]
let ``builds`` () = Assert.True true
