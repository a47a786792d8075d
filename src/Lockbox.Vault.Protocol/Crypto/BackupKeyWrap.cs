using System.Security.Cryptography;

namespace Lockbox.Vault.Protocol;

/// <summary>
/// The escrowed backup key: AES-256-GCM under HKDF-SHA512(ikm = export_key, info = "LockboxVault-v1
/// backup key wrap")[0..32] (RFC 5869), associated data "LockboxVault-v1 backup key". Only the
/// password yields export_key (RFC 9807 §6.4.4), so the vault stores it but cannot open it.
/// </summary>
public static class BackupKeyWrap
{
    private static readonly byte[] Info = VaultLabels.Bytes(VaultLabels.BackupKeyWrap);
    private static readonly byte[] Aad = VaultLabels.Bytes(VaultLabels.BackupKeyWrapAad);

    /// <summary>Wraps <paramref name="backupKey"/> under a fresh IV: <see cref="VaultLengths.WrappedKey"/> bytes.</summary>
    public static byte[] Wrap(ReadOnlySpan<byte> exportKey, ReadOnlySpan<byte> backupKey)
    {
        Span<byte> iv = stackalloc byte[AesGcmBox.IvLength];
        RandomNumberGenerator.Fill(iv); // never repeats under one key: a fresh key per ikm, a fresh IV per box
        return Wrap(exportKey, backupKey, iv);
    }

    /// <summary>Unwraps; throws <see cref="CryptographicException"/> on a wrong export key or a damaged box.</summary>
    public static byte[] Unwrap(ReadOnlySpan<byte> exportKey, ReadOnlySpan<byte> wrapped) => DerivedKeyBox.Open(exportKey, Info, wrapped, Aad);

    /// <summary>Wraps under a given IV, for the known-answer vectors.</summary>
    internal static byte[] Wrap(ReadOnlySpan<byte> exportKey, ReadOnlySpan<byte> backupKey, ReadOnlySpan<byte> iv) => DerivedKeyBox.Seal(exportKey, Info, iv, backupKey, Aad);

    /// <summary>The wrap key, for the known-answer vectors.</summary>
    internal static void DeriveKey(ReadOnlySpan<byte> exportKey, Span<byte> key) => DerivedKeyBox.DeriveKey(exportKey, Info, key);
}
