using System.Security.Cryptography;

namespace Lockbox.Vault.Secrets;

/// <summary>AES-256-GCM (NIST SP 800-38D) with a random 96-bit IV: iv || ciphertext || tag.</summary>
internal static class AesGcmBox
{
    public const int IvLength = 12;
    public const int TagLength = 16;
    public const int Overhead = IvLength + TagLength;

    public static byte[] Seal(AesGcm aes, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData)
    {
        byte[] box = new byte[plaintext.Length + Overhead];
        Span<byte> iv = box.AsSpan(0, IvLength);
        RandomNumberGenerator.Fill(iv);
        aes.Encrypt(iv, plaintext, box.AsSpan(IvLength, plaintext.Length), box.AsSpan(IvLength + plaintext.Length), associatedData);
        return box;
    }

    public static byte[] Open(AesGcm aes, ReadOnlySpan<byte> box, ReadOnlySpan<byte> associatedData)
    {
        if (box.Length < Overhead)
        {
            throw new CryptographicException("The sealed box is too short.");
        }

        byte[] plaintext = new byte[box.Length - Overhead];
        aes.Decrypt(box[..IvLength], box.Slice(IvLength, plaintext.Length), box[(IvLength + plaintext.Length)..], plaintext, associatedData);
        return plaintext;
    }
}
