using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Lockbox.Vault.Crypto;

/// <summary>
/// What the original device signs with its possession key (Ed25519, derived from the backup key) to
/// replace, delete or check its escrow. See docs/PROTOCOL.md, "Proof of possession":
/// "LockboxVault-v1 possession" || purpose (1) || nonce (32) || u16be(len(account)) || account || SHA-256(payload).
/// The vault's nonce makes each signature single-use; the account id and payload hash bind it to one action.
/// </summary>
public static class PossessionProof
{
    /// <summary>Length of the vault's challenge nonce.</summary>
    public const int NonceLength = 32;

    private static readonly byte[] Label = "LockboxVault-v1 possession"u8.ToArray();

    /// <summary>The action a proof authorises.</summary>
    public enum Purpose : byte
    {
        /// <summary>Register a new password over the existing record.</summary>
        Replace = 1,

        /// <summary>Delete the record.</summary>
        Delete = 2,

        /// <summary>Ask whether the record still exists.</summary>
        Check = 3,
    }

    /// <summary>The bytes to sign.</summary>
    public static byte[] Message(Purpose purpose, ReadOnlySpan<byte> nonce, string account, ReadOnlySpan<byte> payload)
    {
        ArgumentNullException.ThrowIfNull(account);
        byte[] accountBytes = Encoding.UTF8.GetBytes(account);
        byte[] message = new byte[Label.Length + 1 + NonceLength + 2 + accountBytes.Length + SHA256.HashSizeInBytes];
        Span<byte> m = message;
        Label.CopyTo(m);
        m = m[Label.Length..];
        m[0] = (byte)purpose;
        nonce.CopyTo(m[1..]);
        m = m[(1 + NonceLength)..];
        BinaryPrimitives.WriteUInt16BigEndian(m, checked((ushort)accountBytes.Length));
        accountBytes.CopyTo(m[2..]);
        SHA256.HashData(payload, m[(2 + accountBytes.Length)..]);
        return message;
    }

    /// <summary>The payload of a replacement: everything the new escrow consists of.</summary>
    public static byte[] ReplacementPayload(
        ReadOnlySpan<byte> recordId, ReadOnlySpan<byte> record, ReadOnlySpan<byte> wrappedKey, ReadOnlySpan<byte> possessionKey,
        int memoryKiB, int iterations, int parallelism)
    {
        byte[] payload = new byte[recordId.Length + record.Length + wrappedKey.Length + possessionKey.Length + 12];
        Span<byte> p = payload;
        recordId.CopyTo(p);
        p = p[recordId.Length..];
        record.CopyTo(p);
        p = p[record.Length..];
        wrappedKey.CopyTo(p);
        p = p[wrappedKey.Length..];
        possessionKey.CopyTo(p);
        p = p[possessionKey.Length..];
        BinaryPrimitives.WriteInt32BigEndian(p, memoryKiB);
        BinaryPrimitives.WriteInt32BigEndian(p[4..], iterations);
        BinaryPrimitives.WriteInt32BigEndian(p[8..], parallelism);
        return payload;
    }
}
