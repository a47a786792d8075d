using System.Security.Cryptography;
using Lockbox.Opaque;

namespace Lockbox.Vault.Protocol;

/// <summary>
/// The channel that authenticates a registration by the vault's pinned AKE key, independent of TLS
/// (docs/PROTOCOL.md, "Registration"). RFC 9807 §10.2 requires registration to run over an
/// authenticated channel; this is that channel. With the client's ephemeral key C = c·G and the
/// vault's AKE key S = s·G:
/// K = HKDF-SHA512(salt = none, ikm = s·C = c·S, info = "LockboxVault-v1 registration channel" ‖
/// lp(context) ‖ C ‖ S, 64) (RFC 5869), and each message is HMAC-SHA512(K, label ‖ lp(account) ‖
/// record id ‖ fields) (RFC 2104). Only the vault and the client that made C can compute K, so a proxy
/// can neither change the vault's OPRF evaluation, nor finish another client's registration, nor
/// change what was stored.
/// </summary>
public sealed class RegistrationChannel : IDisposable
{
    private static readonly byte[] ChannelInfo = VaultLabels.Bytes(VaultLabels.RegistrationChannel);
    private static readonly byte[] StartLabel = VaultLabels.Bytes(VaultLabels.RegistrationStart);
    private static readonly byte[] FinishLabel = VaultLabels.Bytes(VaultLabels.RegistrationFinish);
    private static readonly byte[] StoredLabel = VaultLabels.Bytes(VaultLabels.RegistrationStored);

    private readonly byte[] _key = new byte[64];

    private RegistrationChannel(ReadOnlySpan<byte> sharedSecret, ReadOnlySpan<byte> context, ReadOnlySpan<byte> clientKey, ReadOnlySpan<byte> serverKey)
    {
        byte[] info = new byte[ChannelInfo.Length + 2 + context.Length + clientKey.Length + serverKey.Length];
        ChannelInfo.CopyTo(info, 0);
        var rest = LengthPrefixed.Write(info.AsSpan(ChannelInfo.Length), context);
        clientKey.CopyTo(rest);
        serverKey.CopyTo(rest[clientKey.Length..]);
        HKDF.DeriveKey(HashAlgorithmName.SHA512, sharedSecret, _key, salt: default, info);
    }

    /// <summary>The vault's side: K from s·<paramref name="clientKey"/>.</summary>
    /// <exception cref="OpaqueException">The client key is not a valid element (<see cref="OpaqueError.InvalidMessage"/>).</exception>
    public static RegistrationChannel ForVault(ServerSetup setup, ReadOnlySpan<byte> context, ReadOnlySpan<byte> clientKey)
    {
        ArgumentNullException.ThrowIfNull(setup);
        Span<byte> shared = stackalloc byte[32];
        try
        {
            setup.SharedSecret(clientKey, shared);
            return new RegistrationChannel(shared, context, clientKey, setup.PublicKey);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(shared);
        }
    }

    /// <summary>The client's side: K from c·<paramref name="pinnedKey"/>, the key the app pins, never one the vault sent.</summary>
    /// <exception cref="OpaqueException">The pinned key is not a valid element.</exception>
    public static RegistrationChannel ForClient(EphemeralKeyPair ephemeral, ReadOnlySpan<byte> pinnedKey, ReadOnlySpan<byte> context)
    {
        ArgumentNullException.ThrowIfNull(ephemeral);
        Span<byte> shared = stackalloc byte[32];
        try
        {
            ephemeral.SharedSecret(pinnedKey, shared);
            return new RegistrationChannel(shared, context, ephemeral.PublicKey, pinnedKey);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(shared);
        }
    }

    /// <summary>
    /// Vault to client, with registration/start's reply: MAC over lp(account) ‖ record id ‖ blinded
    /// element ‖ evaluated element ‖ server public key ‖ KSF.
    /// </summary>
    public byte[] StartMac(string account, ReadOnlySpan<byte> recordId, ReadOnlySpan<byte> blinded, ReadOnlySpan<byte> evaluated, ReadOnlySpan<byte> serverKey, KsfParameters ksf)
    {
        ArgumentNullException.ThrowIfNull(ksf);
        using var mac = Begin(StartLabel, account, recordId);
        mac.AppendData(blinded);
        mac.AppendData(evaluated);
        mac.AppendData(serverKey);
        Span<byte> encoded = stackalloc byte[KsfParameters.EncodedLength];
        ksf.Encode(encoded);
        mac.AppendData(encoded);
        return mac.GetHashAndReset();
    }

    /// <summary>
    /// Client to vault, with registration/finish: MAC over lp(account) ‖ record id ‖ escrow digest ‖
    /// proof, where proof is 0x00 for a first registration and 0x01 ‖ nonce ‖ signature for a
    /// replacement, so a proxy can neither strip a proof nor add one.
    /// </summary>
    public byte[] FinishMac(string account, ReadOnlySpan<byte> recordId, ReadOnlySpan<byte> escrowDigest, ReadOnlySpan<byte> proofNonce = default, ReadOnlySpan<byte> proofSignature = default)
    {
        using var mac = Begin(FinishLabel, account, recordId);
        mac.AppendData(escrowDigest);
        if (proofNonce.IsEmpty && proofSignature.IsEmpty)
        {
            mac.AppendData([0]);
        }
        else
        {
            mac.AppendData([1]);
            mac.AppendData(proofNonce);
            mac.AppendData(proofSignature);
        }

        return mac.GetHashAndReset();
    }

    /// <summary>Vault to client, in registration/finish's reply once the escrow is stored: MAC over lp(account) ‖ record id ‖ escrow digest.</summary>
    public byte[] StoredMac(string account, ReadOnlySpan<byte> recordId, ReadOnlySpan<byte> escrowDigest) => Mac(StoredLabel, account, recordId, escrowDigest);

    /// <summary>Constant-time comparison of a received MAC with the expected one.</summary>
    public static bool Matches(ReadOnlySpan<byte> expected, ReadOnlySpan<byte> received) =>
        received.Length == VaultLengths.Mac && CryptographicOperations.FixedTimeEquals(expected, received);

    /// <summary>SHA-256(record ‖ wrappedKey ‖ possessionKey ‖ KSF [‖ 0x01 for an NFC password]): what an escrow stores.</summary>
    public static byte[] EscrowDigest(
        ReadOnlySpan<byte> record, ReadOnlySpan<byte> wrappedKey, ReadOnlySpan<byte> possessionKey, KsfParameters ksf, PasswordForm form = PasswordForm.AsTyped)
    {
        ArgumentNullException.ThrowIfNull(ksf);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(record);
        hash.AppendData(wrappedKey);
        hash.AppendData(possessionKey);
        Span<byte> encoded = stackalloc byte[KsfParameters.EncodedLength];
        ksf.Encode(encoded);
        hash.AppendData(encoded);
        // The form follows as one byte, 0x01 for NFC, and nothing for the bytes as typed, so the
        // digests of escrows made before there was a form stay what they were.
        if (form == PasswordForm.Nfc)
        {
            hash.AppendData([(byte)PasswordForm.Nfc]);
        }

        return hash.GetHashAndReset();
    }

    /// <summary>The channel from a given shared secret, for the known-answer vectors.</summary>
    internal static RegistrationChannel FromSharedSecret(ReadOnlySpan<byte> sharedSecret, ReadOnlySpan<byte> context, ReadOnlySpan<byte> clientKey, ReadOnlySpan<byte> serverKey) =>
        new(sharedSecret, context, clientKey, serverKey);

    /// <summary>K, for the known-answer vectors.</summary>
    internal ReadOnlySpan<byte> Key => _key;

    /// <summary>Zeroes K.</summary>
    public void Dispose() => CryptographicOperations.ZeroMemory(_key);

    private byte[] Mac(byte[] label, string account, ReadOnlySpan<byte> recordId, ReadOnlySpan<byte> escrowDigest)
    {
        using var mac = Begin(label, account, recordId);
        mac.AppendData(escrowDigest);
        return mac.GetHashAndReset();
    }

    private IncrementalHash Begin(byte[] label, string account, ReadOnlySpan<byte> recordId)
    {
        var mac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA512, _key);
        mac.AppendData(label);
        LengthPrefixed.Append(mac, LengthPrefixed.Account(account));
        mac.AppendData(recordId);
        return mac;
    }
}
