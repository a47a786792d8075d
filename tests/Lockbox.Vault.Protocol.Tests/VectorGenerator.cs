using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Lockbox.Opaque;

namespace Lockbox.Vault.Protocol.Tests;

/// <summary>
/// Computes tests/vectors/vault-protocol-v1.json from fixed inputs with the protocol assembly. The
/// committed file must equal this output (<see cref="KnownAnswerTests"/>), and an independent script
/// (check-vault-protocol.mjs, Node's own crypto) recomputes every output from the file's inputs, so
/// neither the code nor the file can drift alone.
/// </summary>
internal static class VectorGenerator
{
    public const string Account = "alice@example.org";

    public static JsonObject Generate()
    {
        byte[] backupKey = Pattern(32, 0x00, 1);
        byte[] exportKey = Pattern(64, 0x40, 1);
        byte[] sessionKey = Pattern(64, 0x60, 1);
        byte[] recordId = Pattern(VaultLengths.Id, 0x20, 1);
        byte[] loginId = Pattern(VaultLengths.Id, 0x10, 1);
        byte[] nonce = Pattern(VaultLengths.Nonce, 0xe0, 1);
        byte[] record = Pattern(192, 0x00, 3); // RFC 9807 §5.1: client_public_key ‖ masking_key ‖ envelope
        var ksf = KsfParameters.Default;

        byte[] wrapIv = Pattern(AesGcmBox.IvLength, 0xa0, 1);
        byte[] wrapped = BackupKeyWrap.Wrap(exportKey, backupKey, wrapIv);
        byte[] wrapKey = new byte[32];
        BackupKeyWrap.DeriveKey(exportKey, wrapKey);

        byte[] releaseIv = Pattern(AesGcmBox.IvLength, 0xb0, 1);
        byte[] releaseKey = new byte[32];
        KeyRelease.DeriveKey(sessionKey, releaseKey);

        using var possession = PossessionKey.FromBackupKey(backupKey);
        byte[] possessionSeed = new byte[32];
        HKDF.DeriveKey(HashAlgorithmName.SHA512, backupKey, possessionSeed, salt: default, Encoding.ASCII.GetBytes(VaultLabels.PossessionKey));
        byte[] replacement = PossessionProof.ReplacementPayload(recordId, record, wrapped, possession.PublicKey, ksf);

        var root = new JsonObject
        {
            ["description"] = "Known-answer vectors of the lockbox-vault protocol v1 (docs/PROTOCOL.md). Bytes are lowercase hex; text is UTF-8.",
            ["credential_identifier"] = new JsonObject
            {
                ["account"] = Account,
                ["record_id"] = Hex(recordId),
                ["credential_identifier"] = Hex(CredentialIdentifier.For(Account, recordId)),
            },
            ["ksf_encoding"] = new JsonArray(
                KsfEncoding(ksf), KsfEncoding(new KsfParameters(KsfParameters.MinMemoryKiB, 1, 1)), KsfEncoding(new KsfParameters(KsfParameters.MaxMemoryKiB, KsfParameters.MaxIterations, 1))),
            ["backup_key_wrap"] = new JsonObject
            {
                ["export_key"] = Hex(exportKey),
                ["backup_key"] = Hex(backupKey),
                ["iv"] = Hex(wrapIv),
                ["wrap_key"] = Hex(wrapKey),
                ["wrapped_key"] = Hex(wrapped),
            },
            ["key_release"] = new JsonObject
            {
                ["session_key"] = Hex(sessionKey),
                ["login_id"] = Hex(loginId),
                ["wrapped_key"] = Hex(wrapped),
                ["iv"] = Hex(releaseIv),
                ["release_key"] = Hex(releaseKey),
                ["sealed_key"] = Hex(KeyRelease.Seal(sessionKey, loginId, wrapped, releaseIv)),
            },
            ["possession"] = new JsonObject
            {
                ["backup_key"] = Hex(backupKey),
                ["seed"] = Hex(possessionSeed),
                ["public_key"] = Hex(possession.PublicKey),
                ["account"] = Account,
                ["nonce"] = Hex(nonce),
                ["replacement"] = new JsonObject
                {
                    ["record_id"] = Hex(recordId),
                    ["record"] = Hex(record),
                    ["wrapped_key"] = Hex(wrapped),
                    ["possession_key"] = Hex(possession.PublicKey),
                    ["ksf"] = Ksf(ksf),
                    ["payload"] = Hex(replacement),
                },
                ["proofs"] = new JsonArray(
                    Proof(possession, PossessionProof.Purpose.Replace, nonce, replacement),
                    Proof(possession, PossessionProof.Purpose.Delete, nonce, []),
                    Proof(possession, PossessionProof.Purpose.Check, nonce, [])),
            },
            ["registration_channel"] = Channel(recordId, record, wrapped, possession, replacement, nonce, ksf),
            ["login_state"] = LoginState(loginId, recordId),
            ["vault_secrets"] = VaultSecrets(),
        };
        return root;
    }

    /// <summary>The fixed scalars of the channel's two parties; a last byte ≤ 0x0f keeps them below the group order, so canonical.</summary>
    public static byte[] ServerPrivateKey => Pattern(32, 0x03, 7, last: 0x05);

    public static byte[] ClientPrivateKey => Pattern(32, 0x05, 11, last: 0x07);

    public static byte[] OprfSeed => Pattern(64, 0x30, 1);

    public static byte[] StateKey => Pattern(32, 0x70, 1);

    private static JsonObject Channel(byte[] recordId, byte[] record, byte[] wrapped, PossessionKey possession, byte[] replacement, byte[] nonce, KsfParameters ksf)
    {
        using var server = ServerSetup.Import(OprfSeed, ServerPrivateKey);
        using var client = EphemeralKeyPair.FromPrivateKey(ClientPrivateKey);
        using var blindedPair = EphemeralKeyPair.FromPrivateKey(Scalar(3));
        using var evaluatedPair = EphemeralKeyPair.FromPrivateKey(Scalar(5));
        byte[] shared = new byte[32];
        client.SharedSecret(server.PublicKey, shared);
        byte[] context = Encoding.UTF8.GetBytes(VaultLabels.DefaultContext);
        using var channel = RegistrationChannel.FromSharedSecret(shared, context, client.PublicKey, server.PublicKey);
        byte[] digest = RegistrationChannel.EscrowDigest(record, wrapped, possession.PublicKey, ksf);
        byte[] signature = possession.Sign(PossessionProof.Message(PossessionProof.Purpose.Replace, nonce, Account, replacement));

        return new JsonObject
        {
            ["context"] = VaultLabels.DefaultContext,
            ["server_private_key"] = Hex(ServerPrivateKey),
            ["server_public_key"] = Hex(server.PublicKey),
            ["client_private_key"] = Hex(ClientPrivateKey),
            ["client_public_key"] = Hex(client.PublicKey),
            ["shared_secret"] = Hex(shared),
            ["key"] = Hex(channel.Key),
            ["account"] = Account,
            ["record_id"] = Hex(recordId),
            ["blinded_element"] = Hex(blindedPair.PublicKey),
            ["evaluated_element"] = Hex(evaluatedPair.PublicKey),
            ["ksf"] = Ksf(ksf),
            ["start_mac"] = Hex(channel.StartMac(Account, recordId, blindedPair.PublicKey, evaluatedPair.PublicKey, server.PublicKey, ksf)),
            ["record"] = Hex(record),
            ["wrapped_key"] = Hex(wrapped),
            ["possession_key"] = Hex(possession.PublicKey),
            ["escrow_digest"] = Hex(digest),
            ["finish_mac"] = Hex(channel.FinishMac(Account, recordId, digest)),
            ["proof_nonce"] = Hex(nonce),
            ["proof_signature"] = Hex(signature),
            ["finish_mac_with_proof"] = Hex(channel.FinishMac(Account, recordId, digest, nonce, signature)),
            ["stored_mac"] = Hex(channel.StoredMac(Account, recordId, digest)),
        };
    }

    /// <summary>The server's sealed login state (opaque to the client), as LoginStateSealer lays it out.</summary>
    private static JsonObject LoginState(byte[] loginId, byte[] recordId)
    {
        const int attempt = 3;
        const long expiresAtMs = 1_796_601_600_000; // 2026-12-07T00:00:00Z
        byte[] serverState = Pattern(ServerLogin.StateLength, 0x80, 5);
        byte[] info = [.. Encoding.ASCII.GetBytes(VaultLabels.LoginState), .. loginId];
        byte[] key = new byte[32];
        HKDF.Expand(HashAlgorithmName.SHA256, StateKey, key, info);
        byte[] plain = new byte[VaultLengths.Id + 4 + 8 + ServerLogin.StateLength];
        recordId.CopyTo(plain, 0);
        BinaryPrimitives.WriteInt32BigEndian(plain.AsSpan(VaultLengths.Id), attempt);
        BinaryPrimitives.WriteInt64BigEndian(plain.AsSpan(VaultLengths.Id + 4), expiresAtMs);
        serverState.CopyTo(plain, VaultLengths.Id + 12);
        byte[] iv = Pattern(AesGcmBox.IvLength, 0xc0, 1);
        using var aes = new AesGcm(key, AesGcmBox.TagLength);

        return new JsonObject
        {
            ["state_key"] = Hex(StateKey),
            ["login_id"] = Hex(loginId),
            ["state_box_key"] = Hex(key),
            ["account"] = Account,
            ["record_id"] = Hex(recordId),
            ["attempt"] = attempt,
            ["expires_at_ms"] = expiresAtMs,
            ["server_state"] = Hex(serverState),
            ["iv"] = Hex(iv),
            ["sealed_state"] = Hex(AesGcmBox.Seal(aes, iv, plain, Encoding.UTF8.GetBytes(Account))),
        };
    }

    /// <summary>The vault's secrets row under the file provider: OPRF seed ‖ AKE private key ‖ state key, boxed under the key file's key.</summary>
    private static JsonObject VaultSecrets()
    {
        byte[] fileKey = Pattern(32, 0x90, 1);
        byte[] plain = [.. OprfSeed, .. ServerPrivateKey, .. StateKey];
        byte[] iv = Pattern(AesGcmBox.IvLength, 0xd0, 1);
        using var aes = new AesGcm(fileKey, AesGcmBox.TagLength);
        return new JsonObject
        {
            ["key_file"] = Hex(fileKey),
            ["oprf_seed"] = Hex(OprfSeed),
            ["ake_private_key"] = Hex(ServerPrivateKey),
            ["state_key"] = Hex(StateKey),
            ["iv"] = Hex(iv),
            ["aad"] = VaultLabels.VaultSecrets,
            ["box"] = Hex(AesGcmBox.Seal(aes, iv, plain, Encoding.ASCII.GetBytes(VaultLabels.VaultSecrets))),
        };
    }

    private static JsonObject Proof(PossessionKey key, PossessionProof.Purpose purpose, byte[] nonce, byte[] payload)
    {
        byte[] message = PossessionProof.Message(purpose, nonce, Account, payload);
        return new JsonObject
        {
            ["purpose"] = (int)purpose,
            ["payload"] = Hex(payload),
            ["message"] = Hex(message),
            ["signature"] = Hex(key.Sign(message)),
        };
    }

    private static JsonObject KsfEncoding(KsfParameters ksf)
    {
        byte[] encoded = new byte[KsfParameters.EncodedLength];
        ksf.Encode(encoded);
        var node = Ksf(ksf);
        node["encoded"] = Hex(encoded);
        return node;
    }

    private static JsonObject Ksf(KsfParameters ksf) => new()
    {
        ["memory_kib"] = ksf.MemoryKiB,
        ["iterations"] = ksf.Iterations,
        ["parallelism"] = ksf.Parallelism,
    };

    private static byte[] Scalar(byte value)
    {
        byte[] scalar = new byte[32];
        scalar[0] = value;
        return scalar;
    }

    private static byte[] Pattern(int length, int start, int step, int? last = null)
    {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++)
        {
            bytes[i] = (byte)(start + (i * step));
        }

        if (last is { } end)
        {
            bytes[^1] = (byte)end;
        }

        return bytes;
    }

    private static string Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(bytes);
}
