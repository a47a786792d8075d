using System.Text.Json;
using System.Text.Json.Serialization;

namespace Lockbox.Vault.Http;

#pragma warning disable CA1812 // instantiated by the JSON deserialiser

/// <summary>Argon2id parameters on the wire.</summary>
public sealed record KsfDto(int MemoryKiB, int Iterations, int Parallelism);

/// <summary>A proof of possession: the vault's nonce and the Ed25519 signature.</summary>
public sealed record ProofDto(string? Nonce, string? Signature);

/// <summary>POST /v1/registration/start: the blinded password, the client's ephemeral key for the registration channel, and the KSF it will use.</summary>
public sealed record RegistrationStartRequest(string? Request, string? ClientKey, KsfDto? Ksf);

/// <summary>Reply to /v1/registration/start: the issued record id, the OPAQUE response, the token's account, and the channel's MAC over them.</summary>
public sealed record RegistrationStartResponse(string RecordId, string Response, string Account, string Mac);

/// <summary>POST /v1/registration/finish; <paramref name="Mac"/> is the client's, on the registration channel.</summary>
public sealed record RegistrationFinishRequest(
    string? RecordId, string? Record, string? WrappedKey, string? PossessionKey, KsfDto? Ksf, ProofDto? Proof, string? Mac);

/// <summary>Reply to /v1/registration/finish: the vault's MAC, on the registration channel, over what it stored.</summary>
public sealed record RegistrationFinishResponse(string Mac);

/// <summary>Reply to /v1/challenge.</summary>
public sealed record ChallengeResponse(string Nonce, string Account);

/// <summary>POST /v1/login/start.</summary>
public sealed record LoginStartRequest(string? Ke1);

/// <summary>Reply to /v1/login/start; the client hands <paramref name="State"/> back with its KE3.</summary>
public sealed record LoginStartResponse(string LoginId, string Ke2, KsfDto Ksf, string State);

/// <summary>POST /v1/login/finish.</summary>
public sealed record LoginFinishRequest(string? LoginId, string? Ke3, string? State);

/// <summary>Reply to a verified /v1/login/finish.</summary>
public sealed record LoginFinishResponse(string SealedKey);

/// <summary>POST /v1/record/delete and /v1/record/check.</summary>
public sealed record RecordProofRequest(ProofDto? Proof);

/// <summary>
/// Reply to /v1/record/check: "held" (a record, with its id and the failed logins since the last
/// success) or "destroyed" (a tombstone: the guess limit destroyed the record at
/// <paramref name="DestroyedAt"/>); <paramref name="FreshStartPendingSince"/> when a fresh start was
/// pending, which this proof has cancelled.
/// </summary>
public sealed record RecordStatusResponse(string State, string? RecordId, int FailedAttempts, DateTimeOffset? DestroyedAt, DateTimeOffset? FreshStartPendingSince);

/// <summary>Reply to /v1/fresh-start: when it was first asked for, and when it removes the escrow unless the owner's device cancels it.</summary>
public sealed record FreshStartResponse(DateTimeOffset RequestedAt, DateTimeOffset EffectiveAt);

/// <summary>GET /v1/vault-info.</summary>
public sealed record VaultInfoResponse(string PublicKey, string Context, int AttemptLimit, KsfDto DefaultKsf);

/// <summary>
/// The HTTP contracts' JSON, generated at build time with ASP.NET Core's web defaults, so the vault
/// serves its API without reflection (and can be compiled natively).
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(RegistrationStartRequest))]
[JsonSerializable(typeof(RegistrationStartResponse))]
[JsonSerializable(typeof(RegistrationFinishRequest))]
[JsonSerializable(typeof(RegistrationFinishResponse))]
[JsonSerializable(typeof(FreshStartResponse))]
[JsonSerializable(typeof(ChallengeResponse))]
[JsonSerializable(typeof(LoginStartRequest))]
[JsonSerializable(typeof(LoginStartResponse))]
[JsonSerializable(typeof(LoginFinishRequest))]
[JsonSerializable(typeof(LoginFinishResponse))]
[JsonSerializable(typeof(RecordProofRequest))]
[JsonSerializable(typeof(RecordStatusResponse))]
[JsonSerializable(typeof(VaultInfoResponse))]
public sealed partial class VaultHttpJson : JsonSerializerContext;
