using System.Buffers.Binary;
using Lockbox.Crypto;

namespace Lockbox.Repository;

/// <summary>
/// One blob's place in a pack, as pack headers and index files store it (46 bytes):
/// type[1] encoding[1] offset[4] stored_length[4] raw_length[4] id[32], integers little-endian.
/// </summary>
internal readonly record struct PackEntry(BlobId Id, BlobType Type, BlobEncoding Encoding, uint Offset, uint StoredLength, uint RawLength)
{
    /// <summary>Encoded size.</summary>
    public const int EncodedLength = 46;

    /// <summary>The longest blob: the format caps the chunker's maximum at 64 MiB (docs/FORMAT.md §4), and pages and tree blobs are shorter.</summary>
    public const uint MaxRawLength = 64 * 1024 * 1024;

    /// <summary>The longest stored blob: zstd's worst case over <see cref="MaxRawLength"/> bytes, plus nonce and tag, with room to spare.</summary>
    public const uint MaxStoredLength = MaxRawLength + (1024 * 1024);

    internal void WriteTo(Span<byte> destination)
    {
        destination[0] = (byte)Type;
        destination[1] = (byte)Encoding;
        BinaryPrimitives.WriteUInt32LittleEndian(destination[2..], Offset);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[6..], StoredLength);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[10..], RawLength);
        Id.WriteTo(destination[14..]);
    }

    /// <summary>Reads an entry; null if a field is out of range, so no reader ever sizes a buffer from a length no blob can have.</summary>
    internal static PackEntry? Read(ReadOnlySpan<byte> source)
    {
        var type = (BlobType)source[0];
        var encoding = (BlobEncoding)source[1];
        uint storedLength = BinaryPrimitives.ReadUInt32LittleEndian(source[6..]);
        uint rawLength = BinaryPrimitives.ReadUInt32LittleEndian(source[10..]);
        if (type > BlobType.Delta || encoding > BlobEncoding.Zstd || rawLength > MaxRawLength || storedLength > MaxStoredLength)
        {
            return null;
        }

        return new PackEntry(
            new BlobId(source.Slice(14, BlobId.Length)),
            type,
            encoding,
            BinaryPrimitives.ReadUInt32LittleEndian(source[2..]),
            storedLength,
            rawLength);
    }

    /// <summary>Associated data binding a sealed blob to its id, type and encoding.</summary>
    internal void WriteAssociatedData(Span<byte> destination)
    {
        BlobAad.CopyTo(destination);
        destination[BlobAad.Length] = (byte)Type;
        destination[BlobAad.Length + 1] = (byte)Encoding;
        Id.WriteTo(destination[(BlobAad.Length + 2)..]);
    }

    internal static ReadOnlySpan<byte> BlobAad => "lockbox/v1/blob"u8;

    internal static int AssociatedDataLength => BlobAad.Length + 2 + BlobId.Length;
}
