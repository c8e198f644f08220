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
            SupportConjecture.claim
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
    /// comma-separated list of ids. Raises ArgumentException, with a message for people, for an
    /// empty selection, an empty or unknown id, and a claim listed twice (issue 12, items 7 and 11:
    /// "" used to mean "all", and a repeated id failed deep in the campaign).
    let select (spec: string) =
        if String.IsNullOrWhiteSpace spec then
            raise (ArgumentException "no claim was given: name one, a comma-separated list, or 'all'")
        elif spec.Trim().ToLowerInvariant() = "all" then
            active
        else
            let ids = spec.Split(',', StringSplitOptions.TrimEntries)

            if ids |> Array.exists String.IsNullOrEmpty then
                raise (ArgumentException(sprintf "the claim list '%s' has an empty entry" spec))

            let claims = ids |> Array.map find

            match claims |> Array.countBy (fun c -> c.Id) |> Array.tryFind (fun (_, n) -> n > 1) with
            | Some(id, _) -> raise (ArgumentException(sprintf "the claim '%s' is listed twice in '%s'" id spec))
            | None -> claims
