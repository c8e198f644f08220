namespace TvRelu.ProofsChecks

open System

/// Shard i of k of a campaign: the trials t with t mod k = i.
[<Struct>]
type Shard =
    {
        /// i, in [0, k).
        Index: int
        /// k ≥ 1.
        Count: int
    }

    /// Whether trial t belongs to this shard.
    member s.Includes(trial: int) = trial % s.Count = s.Index
    override s.ToString() = sprintf "%d/%d" s.Index s.Count
    /// The whole campaign (shard 0 of 1), for C# (`Shard.Single`); F# has `Shard.single`.
    static member Single = { Index = 0; Count = 1 }

/// Shard resolution: explicit "i/k", or the batch scheduler's environment.
module Shard =

    /// The whole campaign (shard 0 of 1).
    let single = Shard.Single

    /// Shard i of k, validated.
    let create (index: int) (count: int) =
        if count < 1 then
            invalidArg "count" (sprintf "a shard count must be at least 1 (got %d)" count)

        if index < 0 || index >= count then
            invalidArg "index" (sprintf "shard index %d is outside 0..%d" index (count - 1))

        { Index = index; Count = count }

    /// Parses "i/k" (0-based i < k); Error with a readable message otherwise.
    let tryParse (text: string) : Result<Shard, string> =
        if String.IsNullOrWhiteSpace text then
            Error "empty shard: expected i/k, e.g. 0/4"
        else
            match text.Trim().Split('/') with
            | [| a; b |] ->
                match Int32.TryParse(a.Trim()), Int32.TryParse(b.Trim()) with
                | (true, i), (true, k) when k >= 1 && i >= 0 && i < k -> Ok { Index = i; Count = k }
                | (true, i), (true, k) -> Error(sprintf "shard %d/%d: need 0 <= i < k and k >= 1" i k)
                | _ -> Error(sprintf "shard '%s': i and k must be integers, as in 0/4" text)
            | _ -> Error(sprintf "shard '%s': expected i/k, e.g. 0/4" text)

    /// Parses "i/k"; raises FormatException with the reason.
    let parse (text: string) =
        match tryParse text with
        | Ok s -> s
        | Error e -> raise (FormatException e)

    let private integer (lookup: string -> string) (name: string) =
        match lookup name with
        | null -> None
        | v when String.IsNullOrWhiteSpace v -> None
        | v ->
            match Int32.TryParse(v.Trim()) with
            | true, x -> Some x
            | _ -> raise (FormatException(sprintf "%s='%s' is not an integer" name v))

    /// The shard from scheduler variables read through `lookup` (null for unset): Slurm job arrays
    /// (SLURM_ARRAY_TASK_ID minus SLURM_ARRAY_TASK_MIN when set, of SLURM_ARRAY_TASK_COUNT), else
    /// Kubernetes indexed Jobs (JOB_COMPLETION_INDEX, of `count` when positive, else TVRELU_SHARD_COUNT).
    /// None when neither is set.
    let fromVariables (lookup: Func<string, string>) (count: int) : Shard option =
        let get name = lookup.Invoke name

        match integer get "SLURM_ARRAY_TASK_ID", integer get "SLURM_ARRAY_TASK_COUNT" with
        | Some id, Some n ->
            let first = defaultArg (integer get "SLURM_ARRAY_TASK_MIN") 0
            Some(create (id - first) n)
        | Some _, None -> raise (FormatException "SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not")
        | _ ->
            match integer get "JOB_COMPLETION_INDEX" with
            | Some index ->
                let k =
                    if count > 0 then
                        Some count
                    else
                        integer get "TVRELU_SHARD_COUNT"

                match k with
                | Some k -> Some(create index k)
                | None ->
                    raise (
                        FormatException
                            "JOB_COMPLETION_INDEX is set but the shard count is not: pass it explicitly or set TVRELU_SHARD_COUNT (the Job's completions)"
                    )
            | None -> None

    /// The shard from this process's environment (see `fromVariables`), count from TVRELU_SHARD_COUNT.
    let fromEnvironment () =
        fromVariables (Func<_, _>(Environment.GetEnvironmentVariable)) 0

    /// The explicit shard when given (non-empty "i/k"), else the environment's, else the whole campaign.
    let resolve (explicitShard: string) =
        if not (String.IsNullOrWhiteSpace explicitShard) then
            parse explicitShard
        else
            defaultArg (fromEnvironment ()) single
