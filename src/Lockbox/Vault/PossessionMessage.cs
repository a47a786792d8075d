using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Lockbox.Vault;

/// <summary>
/// The bytes a proof of possession signs (docs/PROTOCOL.md): "LockboxVault-v1 possession" || purpose
/// || nonce (32) || u16be(len(account)) || account || SHA-256(payload). Must match the vault byte for byte.
/// </summary>
internal static class PossessionMessage
{
    public const byte Replace = 1;
    public const byte Delete = 2;
    public const byte Check = 3;

    private static readonly byte[] Label = "LockboxVault-v1 possession"u8.ToArray();

    public static byte[] Build(byte purpose, ReadOnlySpan<byte> nonce, string account, ReadOnlySpan<byte> payload)
    {
        byte[] accountBytes = Encoding.UTF8.GetBytes(account);
        using var buffer = new MemoryStream();
        buffer.Write(Label);
        buffer.WriteByte(purpose);
        buffer.Write(nonce);
        Span<byte> length = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(length, checked((ushort)accountBytes.Length));
        buffer.Write(length);
        buffer.Write(accountBytes);
        buffer.Write(SHA256.HashData(payload));
        return buffer.ToArray();
    }

    public static byte[] ReplacementPayload(byte[] recordId, byte[] record, byte[] wrappedKey, byte[] possessionKey, int memoryKiB, int iterations, int parallelism)
    {
        using var buffer = new MemoryStream();
        buffer.Write(recordId);
        buffer.Write(record);
        buffer.Write(wrappedKey);
        buffer.Write(possessionKey);
        Span<byte> ints = stackalloc byte[12];
        BinaryPrimitives.WriteInt32BigEndian(ints, memoryKiB);
        BinaryPrimitives.WriteInt32BigEndian(ints[4..], iterations);
        BinaryPrimitives.WriteInt32BigEndian(ints[8..], parallelism);
        buffer.Write(ints);
        return buffer.ToArray();
    }
}
