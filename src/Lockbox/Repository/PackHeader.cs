using System.Buffers.Binary;
using Lockbox.Crypto;
using Lockbox.Storage;

namespace Lockbox.Repository;

/// <summary>
/// The encrypted table of contents at the end of a pack (docs/FORMAT.md, "Packs"):
/// sealed(version[1] count[4] entry[46]*count) || sealed_length[4]. Sealed with the metadata key and
/// bound to the pack's name, so a header cannot be moved to another pack.
/// </summary>
internal static class PackHeader
{
    public const byte Version = 1;
    public const int TrailerLength = 4;

    public static byte[] Seal(IReadOnlyList<PackEntry> entries, string packName, Aead metadata)
    {
        byte[] plaintext = new byte[5 + entries.Count * PackEntry.EncodedLength];
        plaintext[0] = Version;
        BinaryPrimitives.WriteInt32LittleEndian(plaintext.AsSpan(1), entries.Count);
        for (int i = 0; i < entries.Count; i++)
        {
            entries[i].WriteTo(plaintext.AsSpan(5 + i * PackEntry.EncodedLength));
        }

        byte[] sealedHeader = new byte[plaintext.Length + Aead.Overhead + TrailerLength];
        metadata.Seal(plaintext, AssociatedData(packName), sealedHeader.AsSpan(0, plaintext.Length + Aead.Overhead));
        BinaryPrimitives.WriteInt32LittleEndian(sealedHeader.AsSpan(sealedHeader.Length - TrailerLength), plaintext.Length + Aead.Overhead);
        return sealedHeader;
    }

    /// <summary>Reads the header from the tail of a pack (two range reads at most).</summary>
    public static async Task<IReadOnlyList<PackEntry>> ReadAsync(IStorage storage, ObjectName pack, long packSize, Aead metadata, CancellationToken cancellationToken)
    {
        if (packSize < TrailerLength + Aead.Overhead)
        {
            throw new CorruptObjectException(pack, "it is too short to hold a header.");
        }

        // Most headers are small: fetch a generous tail once and only go back for a bigger one.
        int guess = (int)Math.Min(packSize, 64 * 1024);
        byte[] tail = await storage.ReadRangeAsync(pack, -guess, guess, cancellationToken).ConfigureAwait(false);
        int sealedLength = BinaryPrimitives.ReadInt32LittleEndian(tail.AsSpan(tail.Length - TrailerLength));
        if (sealedLength < Aead.Overhead + 5 || sealedLength > packSize - TrailerLength)
        {
            throw new CorruptObjectException(pack, "its header length is out of range.");
        }

        ReadOnlyMemory<byte> sealedHeader = sealedLength + TrailerLength <= tail.Length
            ? tail.AsMemory(tail.Length - TrailerLength - sealedLength, sealedLength)
            : await storage.ReadRangeAsync(pack, -(sealedLength + TrailerLength), sealedLength, cancellationToken).ConfigureAwait(false);
        return Open(sealedHeader.Span, pack, packSize - TrailerLength - sealedLength, metadata);
    }

    /// <summary>Opens a sealed header whose blob area is <paramref name="blobAreaLength"/> bytes.</summary>
    public static IReadOnlyList<PackEntry> Open(ReadOnlySpan<byte> sealedHeader, ObjectName pack, long blobAreaLength, Aead metadata)
    {
        if (sealedHeader.Length < Aead.Overhead + 5)
        {
            throw new CorruptObjectException(pack, "its header is too short.");
        }

        byte[] plaintext = new byte[sealedHeader.Length - Aead.Overhead];
        if (!metadata.TryOpen(sealedHeader, AssociatedData(pack.Name), plaintext))
        {
            throw new CorruptObjectException(pack, "its header failed authentication.");
        }

        if (plaintext[0] != Version)
        {
            // Authenticated, so written by a Lockbox: a later version is not damage.
            throw plaintext[0] > 1 ? new UnsupportedVersionException(pack, plaintext[0]) : new CorruptObjectException(pack, $"it has version {plaintext[0]}, which no Lockbox writes.");
        }

        int count = BinaryPrimitives.ReadInt32LittleEndian(plaintext.AsSpan(1));
        if (count < 0 || 5L + (long)count * PackEntry.EncodedLength != plaintext.Length)
        {
            throw new CorruptObjectException(pack, "its header entry count does not match its length.");
        }

        var entries = new PackEntry[count];
        for (int i = 0; i < count; i++)
        {
            var entry = PackEntry.Read(plaintext.AsSpan(5 + i * PackEntry.EncodedLength, PackEntry.EncodedLength));
            if (entry is null || (long)entry.Value.Offset + entry.Value.StoredLength > blobAreaLength)
            {
                throw new CorruptObjectException(pack, $"header entry {i} is out of range.");
            }

            entries[i] = entry.Value;
        }

        return entries;
    }

    private static byte[] AssociatedData(string packName) => [.. "lockbox/v1/pack-header"u8, .. Convert.FromHexString(packName)];
}
