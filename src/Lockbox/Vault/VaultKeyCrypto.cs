using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Lockbox.Vault;

/// <summary>
/// The client's key hierarchy around the vault (docs/PROTOCOL.md, "Key hierarchy"): the backup key
/// wrapped under HKDF(export_key), the Ed25519 possession key derived from the backup key, and the
/// opening of the key released under HKDF(session_key). HKDF is RFC 5869 with SHA-512; AES-256-GCM is
/// NIST SP 800-38D; Ed25519 is RFC 8032 through libsodium.
/// </summary>
internal static partial class VaultKeyCrypto
{
    public const int BackupKeyLength = 32;
    public const int WrappedKeyLength = 12 + BackupKeyLength + 16;
    public const int PossessionPublicKeyLength = 32;
    public const int SignatureLength = 64;

    private static readonly byte[] WrapInfo = "LockboxVault-v1 backup key wrap"u8.ToArray();
    private static readonly byte[] WrapAad = "LockboxVault-v1 backup key"u8.ToArray();
    private static readonly byte[] PossessionInfo = "LockboxVault-v1 possession key"u8.ToArray();
    private static readonly byte[] ReleaseInfo = "LockboxVault-v1 key release"u8.ToArray();

    static VaultKeyCrypto()
    {
        if (sodium_init() < 0)
        {
            throw new InvalidOperationException("libsodium failed to initialise.");
        }
    }

    /// <summary>AES-256-GCM(HKDF(export_key), backup key): iv (12) || ciphertext (32) || tag (16).</summary>
    public static byte[] WrapBackupKey(ReadOnlySpan<byte> exportKey, ReadOnlySpan<byte> backupKey)
    {
        Span<byte> key = stackalloc byte[32];
        try
        {
            HKDF.DeriveKey(HashAlgorithmName.SHA512, exportKey, key, default, WrapInfo);
            using var aes = new AesGcm(key, 16);
            byte[] box = new byte[WrappedKeyLength];
            RandomNumberGenerator.Fill(box.AsSpan(0, 12));
            aes.Encrypt(box.AsSpan(0, 12), backupKey, box.AsSpan(12, BackupKeyLength), box.AsSpan(12 + BackupKeyLength), WrapAad);
            return box;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>Reverses <see cref="WrapBackupKey"/>; throws <see cref="CryptographicException"/> on a wrong export key.</summary>
    public static byte[] UnwrapBackupKey(ReadOnlySpan<byte> exportKey, ReadOnlySpan<byte> wrapped)
    {
        Span<byte> key = stackalloc byte[32];
        try
        {
            HKDF.DeriveKey(HashAlgorithmName.SHA512, exportKey, key, default, WrapInfo);
            using var aes = new AesGcm(key, 16);
            return Open(aes, wrapped, WrapAad);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>Opens the key the vault released under HKDF(session_key), bound to the login id.</summary>
    public static byte[] OpenReleasedKey(ReadOnlySpan<byte> sessionKey, ReadOnlySpan<byte> loginId, ReadOnlySpan<byte> sealedKey)
    {
        Span<byte> key = stackalloc byte[32];
        try
        {
            HKDF.DeriveKey(HashAlgorithmName.SHA512, sessionKey, key, default, ReleaseInfo);
            using var aes = new AesGcm(key, 16);
            return Open(aes, sealedKey, loginId);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>The possession public key: Ed25519 from seed = HKDF(backup key, "possession key").</summary>
    public static byte[] PossessionPublicKey(ReadOnlySpan<byte> backupKey)
    {
        byte[] publicKey = new byte[PossessionPublicKeyLength];
        WithSecretKey(backupKey, secretKey => secretKey.AsSpan(32, 32).CopyTo(publicKey)); // libsodium: sk = seed || pk
        return publicKey;
    }

    /// <summary>Signs <paramref name="message"/> with the possession key.</summary>
    public static unsafe byte[] Sign(ReadOnlySpan<byte> backupKey, byte[] message)
    {
        byte[] signature = new byte[SignatureLength];
        WithSecretKey(backupKey, secretKey =>
        {
            fixed (byte* s = signature)
            fixed (byte* m = message)
            fixed (byte* k = secretKey)
            {
                if (crypto_sign_detached(s, null, m, (ulong)message.Length, k) != 0)
                {
                    throw new CryptographicException("Ed25519 signing failed.");
                }
            }
        });
        return signature;
    }

    private static unsafe void WithSecretKey(ReadOnlySpan<byte> backupKey, Action<byte[]> use)
    {
        byte[] seed = new byte[32];
        byte[] secretKey = new byte[64];
        byte[] publicKey = new byte[32];
        try
        {
            HKDF.DeriveKey(HashAlgorithmName.SHA512, backupKey, seed, default, PossessionInfo);
            fixed (byte* p = publicKey)
            fixed (byte* k = secretKey)
            fixed (byte* s = seed)
            {
                if (crypto_sign_seed_keypair(p, k, s) != 0)
                {
                    throw new CryptographicException("Ed25519 key derivation failed.");
                }
            }

            use(secretKey);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seed);
            CryptographicOperations.ZeroMemory(secretKey);
        }
    }

    private static byte[] Open(AesGcm aes, ReadOnlySpan<byte> box, ReadOnlySpan<byte> aad)
    {
        if (box.Length < 28)
        {
            throw new CryptographicException("The sealed key is too short.");
        }

        byte[] plaintext = new byte[box.Length - 28];
        aes.Decrypt(box[..12], box.Slice(12, plaintext.Length), box[(12 + plaintext.Length)..], plaintext, aad);
        return plaintext;
    }

    [LibraryImport("libsodium")]
    private static partial int sodium_init();

    [LibraryImport("libsodium")]
    private static unsafe partial int crypto_sign_seed_keypair(byte* publicKey, byte* secretKey, byte* seed);

    [LibraryImport("libsodium")]
    private static unsafe partial int crypto_sign_detached(byte* signature, ulong* signatureLength, byte* message, ulong messageLength, byte* secretKey);
}
