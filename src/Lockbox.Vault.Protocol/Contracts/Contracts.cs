using System.Text.Json;
using System.Text.Json.Serialization;

namespace Lockbox.Vault.Protocol.Contracts;

#pragma warning disable CA1812 // instantiated by the JSON serialiser

// The JSON bodies of docs/PROTOCOL.md, "Endpoints", written once for both sides. Byte fields are
// standard base64 with padding. Every member may be absent on the wire, so every member is nullable
// and each side checks what it reads (the vault answers 400 missing-field, the client refuses the reply).

/// <summary>Argon2id parameters as libsodium's crypto_pwhash runs them.</summary>
public sealed record KsfContract(int MemoryKiB, int Iterations, int Parallelism);

/// <summary>A proof of possession: the vault's nonce and the Ed25519 signature.</summary>
public sealed record ProofContract(string? Nonce, string? Signature);

/// <summary>The body of a request that carries nothing but its token (challenge, fresh start).</summary>
public sealed record EmptyRequest;

/// <summary>POST /v1/registration/start: the blinded password, the client's ephemeral key for the registration channel, and the KSF it will register with.</summary>
public sealed record RegistrationStartRequest(string? Request, string? ClientKey, KsfContract? Ksf);

/// <summary>Reply to /v1/registration/start: the issued record id, the OPAQUE response, the token's account, and the channel's start MAC.</summary>
public sealed record RegistrationStartResponse(string? RecordId, string? Response, string? Account, string? Mac);

/// <summary>POST /v1/registration/finish; <paramref name="Mac"/> is the client's finish MAC on the registration channel.</summary>
/// <paramref name="PasswordForm"/>: how the password was prepared (<see cref="PasswordForms"/>); absent means as typed.
public sealed record RegistrationFinishRequest(
    string? RecordId, string? Record, string? WrappedKey, string? PossessionKey, KsfContract? Ksf, ProofContract? Proof, string? Mac,
    string? PasswordForm = null);

/// <summary>Reply to /v1/registration/finish: the vault's stored MAC over what it stored.</summary>
public sealed record RegistrationFinishResponse(string? Mac);

/// <summary>Reply to /v1/challenge: a single-use nonce, and the token's account it is for.</summary>
public sealed record ChallengeResponse(string? Nonce, string? Account);

/// <summary>
/// POST /v1/login/start. <paramref name="PasswordForm"/>: the form KE1's password was prepared in;
/// absent when the password is the same in every form, so any escrow's form fits.
/// </summary>
public sealed record LoginStartRequest(string? Ke1, string? PasswordForm = null);

/// <summary>Reply to /v1/login/start; the client hands <paramref name="State"/> back with its KE3.</summary>
public sealed record LoginStartResponse(string? LoginId, string? Ke2, KsfContract? Ksf, string? State);

/// <summary>POST /v1/login/finish.</summary>
public sealed record LoginFinishRequest(string? LoginId, string? Ke3, string? State);

/// <summary>Reply to a verified /v1/login/finish: the wrapped key, sealed under the session key.</summary>
public sealed record LoginFinishResponse(string? SealedKey);

/// <summary>POST /v1/record/delete and /v1/record/check.</summary>
public sealed record RecordProofRequest(ProofContract? Proof);

/// <summary>
/// Reply to /v1/record/check: <see cref="EscrowStates.Held"/> (a record, with its id and the failed
/// logins since the last success) or <see cref="EscrowStates.Destroyed"/> (a tombstone: the guess
/// limit destroyed the record at <paramref name="DestroyedAt"/>); <paramref name="FreshStartPendingSince"/>
/// when a fresh start was pending, which this proof has cancelled; <paramref name="Legacy"/> when the
/// record was stored before the vault issued record ids (its owner should renew it).
/// </summary>
public sealed record RecordStatusResponse(
    string? State, string? RecordId, int FailedAttempts, DateTimeOffset? DestroyedAt, DateTimeOffset? FreshStartPendingSince, bool Legacy);

/// <summary>Reply to /v1/fresh-start: when it was first asked for, and when it removes the escrow unless the owner's device cancels it.</summary>
public sealed record FreshStartResponse(DateTimeOffset RequestedAt, DateTimeOffset EffectiveAt);

/// <summary>GET /v1/vault-info.</summary>
public sealed record VaultInfoResponse(string? PublicKey, string? Context, int AttemptLimit, KsfContract? DefaultKsf);

/// <summary>A refusal (RFC 9457 problem details, application/problem+json) as the client reads it: its code, its detail and, for failed logins, the tries left.</summary>
public sealed record ProblemResponse(string? Code, string? Detail, int? TriesLeft, int? RetryAfter = null, string? PasswordForm = null);

/// <summary>The values of <see cref="RecordStatusResponse.State"/>.</summary>
public static class EscrowStates
{
    /// <summary>A record: a password opens it.</summary>
    public const string Held = "held";

    /// <summary>A tombstone: the guess limit destroyed the record; the possession key is kept.</summary>
    public const string Destroyed = "destroyed";
}

/// <summary>
/// The contracts' JSON, generated at build time with ASP.NET Core's web defaults (camelCase names),
/// once for both sides: no reflection, so the vault and a natively compiled client serve and speak
/// the protocol with the same code.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(EmptyRequest))]
[JsonSerializable(typeof(RegistrationStartRequest))]
[JsonSerializable(typeof(RegistrationStartResponse))]
[JsonSerializable(typeof(RegistrationFinishRequest))]
[JsonSerializable(typeof(RegistrationFinishResponse))]
[JsonSerializable(typeof(ChallengeResponse))]
[JsonSerializable(typeof(LoginStartRequest))]
[JsonSerializable(typeof(LoginStartResponse))]
[JsonSerializable(typeof(LoginFinishRequest))]
[JsonSerializable(typeof(LoginFinishResponse))]
[JsonSerializable(typeof(RecordProofRequest))]
[JsonSerializable(typeof(RecordStatusResponse))]
[JsonSerializable(typeof(FreshStartResponse))]
[JsonSerializable(typeof(VaultInfoResponse))]
[JsonSerializable(typeof(ProblemResponse))]
public sealed partial class VaultJson : JsonSerializerContext;
