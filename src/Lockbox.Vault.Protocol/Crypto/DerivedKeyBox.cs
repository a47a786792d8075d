using System.Security.Cryptography;

namespace Lockbox.Vault.Protocol;

/// <summary>
/// An <see cref="AesGcmBox"/> under a key derived for one purpose: HKDF-SHA512(salt = none, ikm,
/// info)[0..32] (RFC 5869). The backup-key wrap and the key release are this, each with its own label;
/// the derived key lives on the stack and is zeroed before returning.
/// </summary>
internal static class DerivedKeyBox
{
    private const int KeyLength = 32;

    public static byte[] Seal(ReadOnlySpan<byte> ikm, byte[] info, ReadOnlySpan<byte> iv, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData)
    {
        Span<byte> key = stackalloc byte[KeyLength];
        try
        {
            DeriveKey(ikm, info, key);
            using var aes = new AesGcm(key, AesGcmBox.TagLength);
            return AesGcmBox.Seal(aes, iv, plaintext, associatedData);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>Opens; throws <see cref="CryptographicException"/> on a wrong ikm, tampering or a short box.</summary>
    public static byte[] Open(ReadOnlySpan<byte> ikm, byte[] info, ReadOnlySpan<byte> box, ReadOnlySpan<byte> associatedData)
    {
        Span<byte> key = stackalloc byte[KeyLength];
        try
        {
            DeriveKey(ikm, info, key);
            using var aes = new AesGcm(key, AesGcmBox.TagLength);
            return AesGcmBox.Open(aes, box, associatedData);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    public static void DeriveKey(ReadOnlySpan<byte> ikm, byte[] info, Span<byte> key) => HKDF.DeriveKey(HashAlgorithmName.SHA512, ikm, key, salt: default, info);
}
