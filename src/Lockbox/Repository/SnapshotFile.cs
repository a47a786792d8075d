using System.Text.Json;
using Lockbox.Crypto;
using Lockbox.Storage;
using ZstdSharp;

namespace Lockbox.Repository;

/// <summary>A snapshot object on storage: sealed(zstd(JSON)), bound to its name.</summary>
internal static class SnapshotFile
{
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

        try
        {
            using var decompressor = new Decompressor();
            byte[] json = decompressor.Unwrap(compressed).ToArray();
            return JsonSerializer.Deserialize(json, RepositoryJson.Default.Snapshot)
                ?? throw new CorruptObjectException(name, "it is empty.");
        }
        catch (Exception e) when (e is JsonException or ZstdException)
        {
            // Authenticated but unreadable: written by a broken or newer writer.
            throw new CorruptObjectException(name, "it is not a valid snapshot.", inner: e);
        }
    }

    private static byte[] AssociatedData(string name) => [.. "lockbox/v1/snapshot"u8, .. Convert.FromHexString(name)];
}
