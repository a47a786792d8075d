using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Lockbox.Opaque;
using Lockbox.Vault.Storage;

namespace Lockbox.Vault.Crypto;

/// <summary>
/// The channel that authenticates a registration by the vault's pinned AKE key, independent of TLS
/// (docs/PROTOCOL.md, "Registration"). RFC 9807 §10.2 requires registration to run over an
/// authenticated channel; this is that channel. With the client's ephemeral key C = c·G and the
/// vault's AKE key S = s·G:
/// K = HKDF-SHA512(salt = none, ikm = s·C = c·S, info = "LockboxVault-v1 registration channel" ‖
/// lp(context) ‖ C ‖ S, 64) (RFC 5869), and each message is HMAC-SHA512(K, label ‖ fields) (RFC 2104).
/// Only the vault and the client that made C can compute K, so a proxy can neither change the
/// vault's OPRF evaluation, nor finish another client's registration, nor change what was stored.
/// </summary>
public sealed class RegistrationChannel : IDisposable
{
    /// <summary>Length of the client's ephemeral public key.</summary>
    public const int ClientKeyLength = EphemeralKeyPair.PublicKeyLength;

    /// <summary>Length of each MAC.</summary>
    public const int MacLength = 64;

    private static readonly byte[] ChannelInfo = "LockboxVault-v1 registration channel"u8.ToArray();
    private static readonly byte[] StartLabel = "LockboxVault-v1 registration start"u8.ToArray();
    private static readonly byte[] FinishLabel = "LockboxVault-v1 registration finish"u8.ToArray();
    private static readonly byte[] StoredLabel = "LockboxVault-v1 registration stored"u8.ToArray();

    private readonly byte[] _key = new byte[64];

    private RegistrationChannel(ReadOnlySpan<byte> sharedSecret, ReadOnlySpan<byte> context, ReadOnlySpan<byte> clientKey, ReadOnlySpan<byte> serverKey)
    {
        byte[] info = new byte[ChannelInfo.Length + 2 + context.Length + clientKey.Length + serverKey.Length];
        var w = new SpanWriter(info);
        w.Write(ChannelInfo);
        w.WriteWithLength(context);
        w.Write(clientKey);
        w.Write(serverKey);
        HKDF.DeriveKey(HashAlgorithmName.SHA512, sharedSecret, _key, salt: default, info);
    }

    /// <summary>The vault's side: K from s·<paramref name="clientKey"/>.</summary>
    /// <exception cref="OpaqueException">The client key is not a valid element.</exception>
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
        Span<byte> ksfBytes = stackalloc byte[12];
        WriteKsf(ksf, ksfBytes);
        mac.AppendData(ksfBytes);
        return mac.GetHashAndReset();
    }

    /// <summary>Client to vault, with registration/finish: MAC over lp(account) ‖ record id ‖ escrow digest.</summary>
    public byte[] FinishMac(string account, ReadOnlySpan<byte> recordId, ReadOnlySpan<byte> escrowDigest) => Mac(FinishLabel, account, recordId, escrowDigest);

    /// <summary>Vault to client, in registration/finish's reply once the escrow is stored: MAC over lp(account) ‖ record id ‖ escrow digest.</summary>
    public byte[] StoredMac(string account, ReadOnlySpan<byte> recordId, ReadOnlySpan<byte> escrowDigest) => Mac(StoredLabel, account, recordId, escrowDigest);

    /// <summary>Constant-time comparison of a received MAC with the expected one.</summary>
    public static bool Matches(ReadOnlySpan<byte> expected, ReadOnlySpan<byte> received) =>
        received.Length == MacLength && CryptographicOperations.FixedTimeEquals(expected, received);

    /// <summary>SHA-256(record ‖ wrappedKey ‖ possessionKey ‖ u32be(memoryKiB) ‖ u32be(iterations) ‖ u32be(parallelism)): what an escrow stores.</summary>
    public static byte[] EscrowDigest(ReadOnlySpan<byte> record, ReadOnlySpan<byte> wrappedKey, ReadOnlySpan<byte> possessionKey, KsfParameters ksf)
    {
        ArgumentNullException.ThrowIfNull(ksf);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(record);
        hash.AppendData(wrappedKey);
        hash.AppendData(possessionKey);
        Span<byte> ksfBytes = stackalloc byte[12];
        WriteKsf(ksf, ksfBytes);
        hash.AppendData(ksfBytes);
        return hash.GetHashAndReset();
    }

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
        ArgumentNullException.ThrowIfNull(account);
        var mac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA512, _key);
        mac.AppendData(label);
        byte[] accountBytes = Encoding.UTF8.GetBytes(account);
        Span<byte> length = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(length, checked((ushort)accountBytes.Length));
        mac.AppendData(length);
        mac.AppendData(accountBytes);
        mac.AppendData(recordId);
        return mac;
    }

    private static void WriteKsf(KsfParameters ksf, Span<byte> destination)
    {
        BinaryPrimitives.WriteInt32BigEndian(destination, ksf.MemoryKiB);
        BinaryPrimitives.WriteInt32BigEndian(destination[4..], ksf.Iterations);
        BinaryPrimitives.WriteInt32BigEndian(destination[8..], ksf.Parallelism);
    }

    private ref struct SpanWriter(Span<byte> destination)
    {
        private Span<byte> _rest = destination;

        public void Write(ReadOnlySpan<byte> bytes)
        {
            bytes.CopyTo(_rest);
            _rest = _rest[bytes.Length..];
        }

        public void WriteWithLength(ReadOnlySpan<byte> bytes)
        {
            BinaryPrimitives.WriteUInt16BigEndian(_rest, checked((ushort)bytes.Length));
            _rest = _rest[2..];
            Write(bytes);
        }
    }
}
