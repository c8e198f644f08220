namespace TvRelu.ProofsChecks

open System
open TvRelu.ProofsChecks.Claims

/// The registry of claims: the catalogue of THEORY.md, in issue order.
module Catalogue =

    /// Every registered claim, pending ones included (campaigns skip those).
    let all: Claim[] =
        [|
            ExtremePerRegion.claim
            SupportBound.claim
            Representer.claim
            UniquenessClaim.claim
            CoverEuler.claim
            LowNoise.interior
            LowNoise.boundary
            DeDiosBruna.variationNorm :> Claim
            DeDiosBruna.labelNoise :> Claim
        |]

    /// The claims that can run now.
    let active = all |> Array.filter (fun c -> not c.IsPending)

    /// The claim with this id, if registered (case-insensitive).
    let tryFind (id: string) =
        all
        |> Array.tryFind (fun c -> String.Equals(c.Id, id, StringComparison.OrdinalIgnoreCase))

    /// The claim with this id; raises ArgumentException listing the known ids otherwise.
    let find (id: string) =
        match tryFind id with
        | Some c -> c
        // No parameter name: the message is shown to command-line users as it is.
        | None -> raise (ArgumentException(sprintf "no claim '%s'; known: %s" id (String.Join(", ", all |> Array.map (fun c -> c.Id)))))

    /// Claims selected by a command-line style argument: "all" (the active claims) or a
    /// comma-separated list of ids.
    let select (spec: string) =
        if String.IsNullOrWhiteSpace spec || spec.Trim().ToLowerInvariant() = "all" then
            active
        else
            spec.Split(',', StringSplitOptions.RemoveEmptyEntries ||| StringSplitOptions.TrimEntries)
            |> Array.map find
