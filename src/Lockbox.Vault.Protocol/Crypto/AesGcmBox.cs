using System.Security.Cryptography;

namespace Lockbox.Vault.Protocol;

/// <summary>
/// The protocol's one box: AES-256-GCM (NIST SP 800-38D) with a random 96-bit IV and a 128-bit tag,
/// laid out iv ‖ ciphertext ‖ tag. The wrapped backup key, the released key, the login state and the
/// vault's secrets under a key file are all this box, each under a key of its own.
/// </summary>
public static class AesGcmBox
{
    /// <summary>IV length.</summary>
    public const int IvLength = 12;

    /// <summary>Tag length.</summary>
    public const int TagLength = 16;

    /// <summary>Bytes a box adds to its plaintext.</summary>
    public const int Overhead = IvLength + TagLength;

    /// <summary>Seals under <paramref name="key"/> (32 bytes) with a fresh random IV.</summary>
    public static byte[] Seal(ReadOnlySpan<byte> key, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData)
    {
        using var aes = new AesGcm(key, TagLength);
        return Seal(aes, plaintext, associatedData);
    }

    /// <summary>Seals with <paramref name="aes"/> and a fresh random IV.</summary>
    public static byte[] Seal(AesGcm aes, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData)
    {
        Span<byte> iv = stackalloc byte[IvLength];
        RandomNumberGenerator.Fill(iv);
        return Seal(aes, iv, plaintext, associatedData);
    }

    /// <summary>Seals with a given IV. Every caller in the protocol draws it from the CSPRNG or, for the known-answer vectors, fixes it; an IV must never repeat under one key.</summary>
    public static byte[] Seal(AesGcm aes, ReadOnlySpan<byte> iv, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData)
    {
        ArgumentNullException.ThrowIfNull(aes);
        if (iv.Length != IvLength)
        {
            throw new ArgumentException($"The IV must be {IvLength} bytes.", nameof(iv));
        }

        byte[] box = new byte[plaintext.Length + Overhead];
        iv.CopyTo(box);
        aes.Encrypt(box.AsSpan(0, IvLength), plaintext, box.AsSpan(IvLength, plaintext.Length), box.AsSpan(IvLength + plaintext.Length), associatedData);
        return box;
    }

    /// <summary>Opens a box sealed under <paramref name="key"/>; throws <see cref="CryptographicException"/> on a wrong key, tampering or a short box.</summary>
    public static byte[] Open(ReadOnlySpan<byte> key, ReadOnlySpan<byte> box, ReadOnlySpan<byte> associatedData)
    {
        using var aes = new AesGcm(key, TagLength);
        return Open(aes, box, associatedData);
    }

    /// <summary>Opens a box with <paramref name="aes"/>; throws <see cref="CryptographicException"/> on a wrong key, tampering or a short box.</summary>
    public static byte[] Open(AesGcm aes, ReadOnlySpan<byte> box, ReadOnlySpan<byte> associatedData)
    {
        ArgumentNullException.ThrowIfNull(aes);
        if (box.Length < Overhead)
        {
            throw new CryptographicException("The sealed box is too short.");
        }

        byte[] plaintext = new byte[box.Length - Overhead];
        aes.Decrypt(box[..IvLength], box.Slice(IvLength, plaintext.Length), box[(IvLength + plaintext.Length)..], plaintext, associatedData);
        return plaintext;
    }
}
