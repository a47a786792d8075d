using System.Text.Json;
using System.Text.Json.Serialization;

namespace Lockbox.Vault;

#pragma warning disable CA1812 // instantiated by System.Text.Json

// The vault's JSON messages (docs/PROTOCOL.md); byte fields are standard base64.
internal sealed record KsfJson(int MemoryKiB, int Iterations, int Parallelism);

internal sealed record ProofJson(string Nonce, string Signature);

internal sealed record RegistrationStartJson(string Request, string ClientKey, KsfJson Ksf);

internal sealed record RegistrationStartReplyJson(string RecordId, string Response, string Account, string Mac);

internal sealed record RegistrationFinishJson(string RecordId, string Record, string WrappedKey, string PossessionKey, KsfJson Ksf, ProofJson? Proof, string Mac);

internal sealed record RegistrationFinishReplyJson(string Mac);

internal sealed record FreshStartReplyJson(DateTimeOffset RequestedAt, DateTimeOffset EffectiveAt);

internal sealed record ChallengeReplyJson(string Nonce, string Account);

internal sealed record LoginStartJson(string Ke1);

internal sealed record LoginStartReplyJson(string LoginId, string Ke2, KsfJson Ksf, string State);

internal sealed record LoginFinishJson(string LoginId, string Ke3, string State);

internal sealed record LoginFinishReplyJson(string SealedKey);

internal sealed record RecordProofJson(ProofJson Proof);

internal sealed record RecordStatusJson(string State, string? RecordId, int FailedAttempts, DateTimeOffset? DestroyedAt, DateTimeOffset? FreshStartPendingSince);

internal sealed record ProblemJson(string? Code, string? Detail, int? TriesLeft);

/// <summary>An empty JSON object: the body of a request that carries nothing but its token.</summary>
internal sealed record EmptyJson;

/// <summary>
/// The messages' JSON contracts, generated at build time: web defaults (camelCase names, as
/// System.Net.Http.Json uses), and no reflection, so a natively compiled client works too.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(RegistrationStartJson))]
[JsonSerializable(typeof(RegistrationStartReplyJson))]
[JsonSerializable(typeof(RegistrationFinishJson))]
[JsonSerializable(typeof(RegistrationFinishReplyJson))]
[JsonSerializable(typeof(FreshStartReplyJson))]
[JsonSerializable(typeof(ChallengeReplyJson))]
[JsonSerializable(typeof(LoginStartJson))]
[JsonSerializable(typeof(LoginStartReplyJson))]
[JsonSerializable(typeof(LoginFinishJson))]
[JsonSerializable(typeof(LoginFinishReplyJson))]
[JsonSerializable(typeof(RecordProofJson))]
[JsonSerializable(typeof(RecordStatusJson))]
[JsonSerializable(typeof(ProblemJson))]
[JsonSerializable(typeof(EmptyJson))]
internal sealed partial class VaultWireJson : JsonSerializerContext;
