using System.Security.Cryptography;

namespace Lockbox.Keys;

/// <summary>
/// Every key Lockbox derives, each with its own HKDF-SHA256 label (RFC 5869), salted with the
/// repository id so no two repositories share a derived key. See docs/FORMAT.md, "Key hierarchy".
/// </summary>
internal static class KeyDerivation
{
    public const int KeyLength = 32;

    // Keys derived from the backup key: they only wrap and check; they never touch data.
    public static readonly byte[] WrapLabel = "lockbox/v1/backup-key/wrap"u8.ToArray();
    public static readonly byte[] CheckLabel = "lockbox/v1/backup-key/check"u8.ToArray();

    // Keys derived from the master key.
    public static readonly byte[] BlobEncryptionLabel = "lockbox/v1/master/blob-encryption"u8.ToArray();
    public static readonly byte[] MetadataEncryptionLabel = "lockbox/v1/master/metadata-encryption"u8.ToArray();
    public static readonly byte[] BlobIdLabel = "lockbox/v1/master/blob-id"u8.ToArray();
    public static readonly byte[] ChunkerLabel = "lockbox/v1/master/chunker"u8.ToArray();

    public static byte[] Derive(ReadOnlySpan<byte> inputKey, ReadOnlySpan<byte> repositoryId, ReadOnlySpan<byte> label, int length = KeyLength)
    {
        byte[] output = new byte[length];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, inputKey, output, repositoryId, label);
        return output;
    }
}
