using System.Text;
using System.Text.Json;
using Lockbox.Opaque;
using Lockbox.Opaque.Ksf;
using Lockbox.Opaque.Messages;
using Lockbox.Vault.Protocol;
using Lockbox.Vault.Protocol.Contracts;

namespace Lockbox.Fuzzing;

/// <summary>
/// A registration made by hand, step by step, as a client would make it (or, by changing its fields,
/// as a client never would): registration/start with a fresh channel key, then finish bodies with the
/// channel's MAC over whatever they carry.
/// </summary>
public sealed class HandRegistration : IDisposable
{
    /// <summary>The KSF hand registrations use: cheap, and not the vault's default.</summary>
    public static readonly object Ksf = new { memoryKiB = 256, iterations = 1, parallelism = 1 };

    private static readonly KsfParameters KsfValues = new(256, 1, 1);

    private readonly EphemeralKeyPair _ephemeral;
    private readonly RegistrationChannel _channel;

    private HandRegistration(EphemeralKeyPair ephemeral, RegistrationChannel channel, JsonElement reply, byte[] record, byte[] exportKey)
    {
        _ephemeral = ephemeral;
        _channel = channel;
        Reply = reply;
        Record = record;
        ExportKey = exportKey;
    }

    /// <summary>registration/start's reply.</summary>
    public JsonElement Reply { get; }

    /// <summary>The issued record id, base64.</summary>
    public string RecordId => Reply.GetProperty("recordId").GetString()!;

    /// <summary>The account the vault registers under (the token's).</summary>
    public string Account => Reply.GetProperty("account").GetString()!;

    /// <summary>The RFC 9807 record for the password.</summary>
    public byte[] Record { get; }

    /// <summary>The export key the password yields.</summary>
    public byte[] ExportKey { get; }

    /// <summary>A registration/start body for <paramref name="password"/> with a fresh channel key (a seed for fuzzing).</summary>
    public static string StartBody(string password)
    {
        using var registration = ClientRegistration.Start(Encoding.UTF8.GetBytes(password), out var request);
        using var ephemeral = EphemeralKeyPair.Generate();
        return JsonSerializer.Serialize(new { request = B64(request.ToArray()), clientKey = B64(ephemeral.PublicKey.ToArray()), ksf = Ksf });
    }

    /// <summary>Runs registration/start through <paramref name="post"/> (path, JSON body → reply) against a vault whose key is <paramref name="serverKey"/>.</summary>
    public static async Task<HandRegistration> StartAsync(Func<string, string, Task<JsonElement>> post, byte[] serverKey, string password)
    {
        ArgumentNullException.ThrowIfNull(post);
        using var registration = ClientRegistration.Start(Encoding.UTF8.GetBytes(password), out var request);
        var ephemeral = EphemeralKeyPair.Generate();
        var channel = RegistrationChannel.ForClient(ephemeral, serverKey, "LockboxVault-v1"u8);
        var reply = await post("v1/registration/start", JsonSerializer.Serialize(new { request = B64(request.ToArray()), clientKey = B64(ephemeral.PublicKey.ToArray()), ksf = Ksf }))
            .ConfigureAwait(false);
        var response = RegistrationResponse.Parse(Convert.FromBase64String(reply.GetProperty("response").GetString()!));
        using var registered = registration.Finish(response, new Argon2idKsf(256 * 1024, 1));
        return new HandRegistration(ephemeral, channel, reply, registered.Record.ToArray(), (byte[])registered.ExportKey.Clone());
    }

    /// <summary>
    /// A registration/finish body with its MAC over exactly what it carries: by default this
    /// registration's id and record; any field may be replaced, and the MAC follows it.
    /// </summary>
    public string FinishBody(byte[] wrappedKey, byte[] possessionKey, string? recordId = null, byte[]? record = null, ProofContract? proof = null)
    {
        string id = recordId ?? RecordId;
        byte[] recordBytes = record ?? Record;
        byte[] digest = RegistrationChannel.EscrowDigest(recordBytes, wrappedKey, possessionKey, KsfValues);
        string mac = B64(proof is null
            ? _channel.FinishMac(Account, Convert.FromBase64String(id), digest)
            : _channel.FinishMac(Account, Convert.FromBase64String(id), digest, Convert.FromBase64String(proof.Nonce!), Convert.FromBase64String(proof.Signature!)));
        object body = proof is null
            ? new { recordId = id, record = B64(recordBytes), wrappedKey = B64(wrappedKey), possessionKey = B64(possessionKey), ksf = Ksf, mac }
            : new { recordId = id, record = B64(recordBytes), wrappedKey = B64(wrappedKey), possessionKey = B64(possessionKey), ksf = Ksf, proof, mac };
        return JsonSerializer.Serialize(body);
    }

    /// <summary>Whether registration/finish's reply MAC confirms it stored exactly this body's escrow.</summary>
    public bool Confirms(JsonElement finishReply, byte[] wrappedKey, byte[] possessionKey, string? recordId = null, byte[]? record = null)
    {
        string id = recordId ?? RecordId;
        byte[] digest = RegistrationChannel.EscrowDigest(record ?? Record, wrappedKey, possessionKey, KsfValues);
        return RegistrationChannel.Matches(_channel.StoredMac(Account, Convert.FromBase64String(id), digest), Convert.FromBase64String(finishReply.GetProperty("mac").GetString()!));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _channel.Dispose();
        _ephemeral.Dispose();
    }

    private static string B64(byte[] bytes) => Convert.ToBase64String(bytes);
}
