using System.Security.Cryptography;

namespace Lockbox.Vault.Crypto;

/// <summary>
/// Transport of the wrapped backup key after a verified KE3: AES-256-GCM under
/// HKDF-SHA512(ikm = session_key, info = "LockboxVault-v1 key release") (RFC 5869), with the login
/// id as associated data. Only the party that completed this OPAQUE login can open it.
/// </summary>
public static class KeyRelease
{
    private static readonly byte[] Info = "LockboxVault-v1 key release"u8.ToArray();

    /// <summary>Encrypts <paramref name="wrappedKey"/> for the client: iv (12) || ciphertext || tag (16).</summary>
    public static byte[] Seal(ReadOnlySpan<byte> sessionKey, ReadOnlySpan<byte> loginId, ReadOnlySpan<byte> wrappedKey)
    {
        Span<byte> key = stackalloc byte[32];
        try
        {
            HKDF.DeriveKey(HashAlgorithmName.SHA512, sessionKey, key, salt: default, Info);
            using var aes = new AesGcm(key, 16);
            return Secrets.AesGcmBox.Seal(aes, wrappedKey, loginId);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }
}
