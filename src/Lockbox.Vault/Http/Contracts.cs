using System.Text.Json;
using System.Text.Json.Serialization;

namespace Lockbox.Vault.Http;

#pragma warning disable CA1812 // instantiated by the JSON deserialiser

/// <summary>Argon2id parameters on the wire.</summary>
public sealed record KsfDto(int MemoryKiB, int Iterations, int Parallelism);

/// <summary>A proof of possession: the vault's nonce and the Ed25519 signature.</summary>
public sealed record ProofDto(string? Nonce, string? Signature);

/// <summary>POST /v1/registration/start.</summary>
public sealed record RegistrationStartRequest(string? Request);

/// <summary>Reply to /v1/registration/start.</summary>
public sealed record RegistrationStartResponse(string RecordId, string Response);

/// <summary>POST /v1/registration/finish.</summary>
public sealed record RegistrationFinishRequest(
    string? RecordId, string? Record, string? WrappedKey, string? PossessionKey, KsfDto? Ksf, ProofDto? Proof);

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

/// <summary>Reply to /v1/record/check.</summary>
public sealed record RecordStatusResponse(string RecordId, int FailedAttempts);

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
[JsonSerializable(typeof(ChallengeResponse))]
[JsonSerializable(typeof(LoginStartRequest))]
[JsonSerializable(typeof(LoginStartResponse))]
[JsonSerializable(typeof(LoginFinishRequest))]
[JsonSerializable(typeof(LoginFinishResponse))]
[JsonSerializable(typeof(RecordProofRequest))]
[JsonSerializable(typeof(RecordStatusResponse))]
[JsonSerializable(typeof(VaultInfoResponse))]
public sealed partial class VaultHttpJson : JsonSerializerContext;
