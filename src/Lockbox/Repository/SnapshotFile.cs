using System.Text.Json;
using Lockbox.Crypto;
using Lockbox.Storage;
using ZstdSharp;

namespace Lockbox.Repository;

/// <summary>A snapshot object on storage: sealed(zstd(JSON)), bound to its name.</summary>
internal static class SnapshotFile
{
    /// <summary>The longest snapshot JSON a reader accepts (docs/FORMAT.md §8), so a frame claiming more never sizes a buffer.</summary>
    public const int MaxJsonLength = 64 * 1024 * 1024;

    public static byte[] Seal(Snapshot snapshot, string name, Aead metadata)
    {
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(snapshot, RepositoryJson.Default.Snapshot);
        using var compressor = new Compressor(3);
        return metadata.Seal(compressor.Wrap(json), AssociatedData(name));
    }

    public static Snapshot Open(ReadOnlySpan<byte> sealedBytes, ObjectName name, Aead metadata)
    {
        if (sealedBytes.Length < Aead.Overhead)
        {
            throw new CorruptObjectException(name, "it is too short.");
        }

        byte[] compressed = new byte[sealedBytes.Length - Aead.Overhead];
        if (!metadata.TryOpen(sealedBytes, AssociatedData(name.Name), compressed))
        {
            throw new CorruptObjectException(name, "it failed authentication.");
        }

        Snapshot snapshot;
        try
        {
            using var decompressor = new Decompressor();
            byte[] json = decompressor.Unwrap(compressed, MaxJsonLength).ToArray();
            snapshot = JsonSerializer.Deserialize(json, RepositoryJson.Default.Snapshot)
                ?? throw new CorruptObjectException(name, "it is empty.");
        }
        catch (Exception e) when (e is JsonException or ZstdException)
        {
            // Authenticated but unreadable: written by a broken or newer writer.
            throw new CorruptObjectException(name, "it is not a valid snapshot.", inner: e);
        }

        return Validate(snapshot, name);
    }

    /// <summary>JSON allows null and any string where the format has a value; a snapshot is used only once every field is one.</summary>
    private static Snapshot Validate(Snapshot snapshot, ObjectName name)
    {
        if (snapshot.Version != 1)
        {
            // Authenticated, so written by a Lockbox: a later version is not damage.
            throw snapshot.Version > 1 ? new UnsupportedVersionException(name, snapshot.Version) : new CorruptObjectException(name, $"it has version {snapshot.Version}, which no Lockbox writes.");
        }

        if (snapshot.Hostname is null || snapshot.Source is null || snapshot.Tags is null || snapshot.Tags.Contains(null!)
            || snapshot.Summary is null || snapshot.Summary.Skipped is null || snapshot.Summary.Skipped.Contains(null!))
        {
            throw new CorruptObjectException(name, "it lacks a required field.");
        }

        if (snapshot.Manifest is null || snapshot.Manifest.Any(id => id is null || !BlobId.IsHex(id)))
        {
            throw new CorruptObjectException(name, "its manifest is not a list of blob ids.");
        }

        return snapshot;
    }

    private static byte[] AssociatedData(string name) => [.. "lockbox/v1/snapshot"u8, .. Convert.FromHexString(name)];
}
