using System.Security.Cryptography;
using Lockbox.Crypto;

namespace Lockbox.Keys;

/// <summary>
/// The keys that protect a repository's contents, all derived from its random 256-bit master key.
/// The master key itself is stored in the config, wrapped under the backup key, so the backup key
/// can change (rotation, escrow) without re-encrypting data.
/// </summary>
internal sealed class MasterKeys : IDisposable
{
    private readonly byte[] _blobIdKey;

    public MasterKeys(ReadOnlySpan<byte> masterKey, ReadOnlySpan<byte> repositoryId)
    {
        byte[] blobKey = KeyDerivation.Derive(masterKey, repositoryId, KeyDerivation.BlobEncryptionLabel);
        byte[] metadataKey = KeyDerivation.Derive(masterKey, repositoryId, KeyDerivation.MetadataEncryptionLabel);
        Blobs = new Aead(blobKey);
        Metadata = new Aead(metadataKey);
        CryptographicOperations.ZeroMemory(blobKey);
        CryptographicOperations.ZeroMemory(metadataKey);
        _blobIdKey = KeyDerivation.Derive(masterKey, repositoryId, KeyDerivation.BlobIdLabel);
        ChunkerKey = KeyDerivation.Derive(masterKey, repositoryId, KeyDerivation.ChunkerLabel);
    }

    /// <summary>Encrypts blob contents.</summary>
    public Aead Blobs { get; }

    /// <summary>Encrypts pack headers, index files and snapshots.</summary>
    public Aead Metadata { get; }

    /// <summary>Seeds the content-defined chunker's gear table, so chunk boundaries reveal nothing.</summary>
    public byte[] ChunkerKey { get; }

    /// <summary>id = HMAC-SHA256(blob-id key, plaintext).</summary>
    public BlobId ComputeId(ReadOnlySpan<byte> plaintext)
    {
        Span<byte> mac = stackalloc byte[BlobId.Length];
        HMACSHA256.HashData(_blobIdKey, plaintext, mac);
        return new BlobId(mac);
    }

    public void Dispose()
    {
        Blobs.Dispose();
        Metadata.Dispose();
        CryptographicOperations.ZeroMemory(_blobIdKey);
        CryptographicOperations.ZeroMemory(ChunkerKey);
    }
}
