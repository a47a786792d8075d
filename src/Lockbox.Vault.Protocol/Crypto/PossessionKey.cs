using System.Security.Cryptography;
using Lockbox.Vault.Protocol.Native;

namespace Lockbox.Vault.Protocol;

/// <summary>
/// The possession key: the Ed25519 key pair (RFC 8032) whose seed is HKDF-SHA512(ikm = backup key,
/// info = "LockboxVault-v1 possession key")[0..32] (RFC 5869). The vault stores only its public key,
/// and a signature with it proves the device holds the backup key (<see cref="PossessionProof"/>).
/// </summary>
public sealed unsafe class PossessionKey : IDisposable
{
    private static readonly byte[] Info = VaultLabels.Bytes(VaultLabels.PossessionKey);

    private readonly byte[] _secretKey = new byte[64]; // libsodium's: seed ‖ public key
    private readonly byte[] _publicKey = new byte[VaultLengths.PossessionKey];

    private PossessionKey(ReadOnlySpan<byte> backupKey)
    {
        Span<byte> seed = stackalloc byte[32];
        try
        {
            HKDF.DeriveKey(HashAlgorithmName.SHA512, backupKey, seed, salt: default, Info);
            fixed (byte* p = _publicKey)
            fixed (byte* k = _secretKey)
            fixed (byte* s = seed)
            {
                if (Sodium.crypto_sign_seed_keypair(p, k, s) != 0)
                {
                    throw new CryptographicException("Ed25519 key derivation failed.");
                }
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seed);
        }
    }

    /// <summary>The public key the vault stores.</summary>
    public ReadOnlySpan<byte> PublicKey => _publicKey;

    /// <summary>Derives the possession key of <paramref name="backupKey"/>; dispose it to zero the secret.</summary>
    public static PossessionKey FromBackupKey(ReadOnlySpan<byte> backupKey)
    {
        if (backupKey.Length != VaultLengths.BackupKey)
        {
            throw new ArgumentException($"The backup key must be {VaultLengths.BackupKey} bytes.", nameof(backupKey));
        }

        return new PossessionKey(backupKey);
    }

    /// <summary>The public key of <paramref name="backupKey"/>'s possession key.</summary>
    public static byte[] PublicKeyOf(ReadOnlySpan<byte> backupKey)
    {
        using var key = FromBackupKey(backupKey);
        return key.PublicKey.ToArray();
    }

    /// <summary>Signs <paramref name="message"/> (deterministic, RFC 8032 §5.1.6).</summary>
    public byte[] Sign(ReadOnlySpan<byte> message)
    {
        byte[] signature = new byte[VaultLengths.Signature];
        fixed (byte* s = signature)
        fixed (byte* m = message)
        fixed (byte* k = _secretKey)
        {
            if (Sodium.crypto_sign_detached(s, null, m, (ulong)message.Length, k) != 0)
            {
                throw new CryptographicException("Ed25519 signing failed.");
            }
        }

        return signature;
    }

    /// <summary>Verifies an Ed25519 signature (RFC 8032 §5.1.7); false for any wrong length.</summary>
    public static bool Verify(ReadOnlySpan<byte> signature, ReadOnlySpan<byte> message, ReadOnlySpan<byte> publicKey)
    {
        if (signature.Length != VaultLengths.Signature || publicKey.Length != VaultLengths.PossessionKey)
        {
            return false;
        }

        fixed (byte* s = signature)
        fixed (byte* m = message)
        fixed (byte* k = publicKey)
        {
            return Sodium.crypto_sign_verify_detached(s, m, (ulong)message.Length, k) == 0;
        }
    }

    /// <summary>Zeroes the secret key.</summary>
    public void Dispose() => CryptographicOperations.ZeroMemory(_secretKey);
}
