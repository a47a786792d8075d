using System.Security.Cryptography;

namespace Lockbox.Vault.Protocol;

/// <summary>
/// The wrapped key on its way back after a verified KE3: AES-256-GCM under HKDF-SHA512(ikm =
/// session_key, info = "LockboxVault-v1 key release")[0..32] (RFC 5869), with the login id as
/// associated data. Only the party that completed this OPAQUE login can open it.
/// </summary>
public static class KeyRelease
{
    private static readonly byte[] Info = VaultLabels.Bytes(VaultLabels.KeyRelease);

    /// <summary>The vault's side: <see cref="VaultLengths.SealedKey"/> bytes, under a fresh IV.</summary>
    public static byte[] Seal(ReadOnlySpan<byte> sessionKey, ReadOnlySpan<byte> loginId, ReadOnlySpan<byte> wrappedKey)
    {
        Span<byte> iv = stackalloc byte[AesGcmBox.IvLength];
        RandomNumberGenerator.Fill(iv); // never repeats under one key: a fresh key per ikm, a fresh IV per box
        return Seal(sessionKey, loginId, wrappedKey, iv);
    }

    /// <summary>The client's side; throws <see cref="CryptographicException"/> when it does not open.</summary>
    public static byte[] Open(ReadOnlySpan<byte> sessionKey, ReadOnlySpan<byte> loginId, ReadOnlySpan<byte> sealedKey) => DerivedKeyBox.Open(sessionKey, Info, sealedKey, loginId);

    /// <summary>Seals under a given IV, for the known-answer vectors.</summary>
    internal static byte[] Seal(ReadOnlySpan<byte> sessionKey, ReadOnlySpan<byte> loginId, ReadOnlySpan<byte> wrappedKey, ReadOnlySpan<byte> iv) =>
        DerivedKeyBox.Seal(sessionKey, Info, iv, wrappedKey, loginId);

    /// <summary>The release key, for the known-answer vectors.</summary>
    internal static void DeriveKey(ReadOnlySpan<byte> sessionKey, Span<byte> key) => DerivedKeyBox.DeriveKey(sessionKey, Info, key);
}
