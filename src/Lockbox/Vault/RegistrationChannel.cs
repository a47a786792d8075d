using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Lockbox.Opaque;

namespace Lockbox.Vault;

/// <summary>
/// The client's side of the channel that authenticates a registration by the pinned vault key
/// (docs/PROTOCOL.md, "Registration"): K = HKDF-SHA512(ikm = c·S, info = "LockboxVault-v1
/// registration channel" ‖ lp(context) ‖ C ‖ S) with a fresh ephemeral key C = c·G and the pinned key
/// S, and every message HMAC-SHA512(K, label ‖ lp(account) ‖ record id ‖ …). Must match the vault
/// byte for byte.
/// </summary>
internal sealed class RegistrationChannel : IDisposable
{
    public const int MacLength = 64;

    private static readonly byte[] ChannelInfo = "LockboxVault-v1 registration channel"u8.ToArray();
    private static readonly byte[] StartLabel = "LockboxVault-v1 registration start"u8.ToArray();
    private static readonly byte[] FinishLabel = "LockboxVault-v1 registration finish"u8.ToArray();
    private static readonly byte[] StoredLabel = "LockboxVault-v1 registration stored"u8.ToArray();

    private readonly byte[] _key = new byte[64];

    /// <summary>K from c·<paramref name="pinnedKey"/>; the pinned key, never one the vault sent.</summary>
    public RegistrationChannel(EphemeralKeyPair ephemeral, ReadOnlySpan<byte> pinnedKey, ReadOnlySpan<byte> context)
    {
        Span<byte> shared = stackalloc byte[32];
        try
        {
            ephemeral.SharedSecret(pinnedKey, shared);
            using var info = new MemoryStream();
            info.Write(ChannelInfo);
            WriteWithLength(info, context);
            info.Write(ephemeral.PublicKey);
            info.Write(pinnedKey);
            HKDF.DeriveKey(HashAlgorithmName.SHA512, shared, _key, salt: default, info.ToArray());
        }
        finally
        {
            CryptographicOperations.ZeroMemory(shared);
        }
    }

    /// <summary>Whether registration/start's <paramref name="mac"/> is the vault's over what this client sent and received.</summary>
    public bool VerifyStart(
        ReadOnlySpan<byte> mac, string account, ReadOnlySpan<byte> recordId, ReadOnlySpan<byte> blinded, ReadOnlySpan<byte> evaluated,
        ReadOnlySpan<byte> serverKey, KsfJson ksf)
    {
        using var hmac = Begin(StartLabel, account, recordId);
        hmac.AppendData(blinded);
        hmac.AppendData(evaluated);
        hmac.AppendData(serverKey);
        hmac.AppendData(Ksf(ksf));
        return Matches(hmac.GetHashAndReset(), mac);
    }

    /// <summary>The client's MAC for registration/finish.</summary>
    public byte[] FinishMac(string account, ReadOnlySpan<byte> recordId, ReadOnlySpan<byte> escrowDigest) => Mac(FinishLabel, account, recordId, escrowDigest);

    /// <summary>Whether registration/finish's reply shows the vault stored exactly this escrow.</summary>
    public bool VerifyStored(ReadOnlySpan<byte> mac, string account, ReadOnlySpan<byte> recordId, ReadOnlySpan<byte> escrowDigest) =>
        Matches(Mac(StoredLabel, account, recordId, escrowDigest), mac);

    /// <summary>SHA-256(record ‖ wrappedKey ‖ possessionKey ‖ KSF), as the vault computes it.</summary>
    public static byte[] EscrowDigest(ReadOnlySpan<byte> record, ReadOnlySpan<byte> wrappedKey, ReadOnlySpan<byte> possessionKey, KsfJson ksf)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(record);
        hash.AppendData(wrappedKey);
        hash.AppendData(possessionKey);
        hash.AppendData(Ksf(ksf));
        return hash.GetHashAndReset();
    }

    public void Dispose() => CryptographicOperations.ZeroMemory(_key);

    private static bool Matches(ReadOnlySpan<byte> expected, ReadOnlySpan<byte> received) =>
        received.Length == MacLength && CryptographicOperations.FixedTimeEquals(expected, received);

    private byte[] Mac(byte[] label, string account, ReadOnlySpan<byte> recordId, ReadOnlySpan<byte> escrowDigest)
    {
        using var hmac = Begin(label, account, recordId);
        hmac.AppendData(escrowDigest);
        return hmac.GetHashAndReset();
    }

    private IncrementalHash Begin(byte[] label, string account, ReadOnlySpan<byte> recordId)
    {
        var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA512, _key);
        hmac.AppendData(label);
        byte[] accountBytes = Encoding.UTF8.GetBytes(account);
        Span<byte> length = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(length, checked((ushort)accountBytes.Length));
        hmac.AppendData(length);
        hmac.AppendData(accountBytes);
        hmac.AppendData(recordId);
        return hmac;
    }

    private static byte[] Ksf(KsfJson ksf)
    {
        byte[] bytes = new byte[12];
        BinaryPrimitives.WriteInt32BigEndian(bytes, ksf.MemoryKiB);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), ksf.Iterations);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(8), ksf.Parallelism);
        return bytes;
    }

    private static void WriteWithLength(MemoryStream stream, ReadOnlySpan<byte> bytes)
    {
        Span<byte> length = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(length, checked((ushort)bytes.Length));
        stream.Write(length);
        stream.Write(bytes);
    }
}
