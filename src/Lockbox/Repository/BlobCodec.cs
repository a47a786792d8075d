using System.Buffers;
using Lockbox.Crypto;
using Lockbox.Keys;
using Lockbox.Storage;
using ZstdSharp;

namespace Lockbox.Repository;

/// <summary>
/// Turns a blob's plaintext into its stored form and back (docs/FORMAT.md, "Blobs"): optional zstd,
/// then AES-256-GCM with associated data "lockbox/v1/blob" || type || encoding || id. Opening checks
/// the tag, the decompressed length and the keyed id, so a blob swapped, moved or altered is caught.
/// One instance per worker thread: zstd contexts are not thread-safe.
/// </summary>
internal sealed class BlobCodec : IDisposable
{
    private const int CompressionLevel = 3;

    // Database pages are small and many, and compressing them bounds a backup of a large database.
    // On the bench database's 4 KiB pages, zstd level -1 took 650-680 ms and 105.8 MB, level 1
    // 1,070-1,340 ms and 100.9 MB, level -3 480 ms and 112.1 MB: half the CPU for 5% more.
    private const int SmallBlobCompressionLevel = -1;
    private const int SmallBlobLength = 64 * 1024;
    private const int SampleLength = 64 * 1024;

    private readonly MasterKeys _keys;
    private readonly Compressor _compressor = new(CompressionLevel);
    private readonly Compressor _smallCompressor = new(SmallBlobCompressionLevel);
    private readonly Decompressor _decompressor = new();

    public BlobCodec(MasterKeys keys) => _keys = keys;

    /// <summary>A sealed blob ready to append to a pack; <see cref="Sealed"/> is rented and must be returned.</summary>
    public readonly record struct SealedBlob(BlobId Id, BlobType Type, BlobEncoding Encoding, int RawLength, byte[] Sealed, int SealedLength);

    /// <summary>
    /// Seals the <paramref name="length"/> bytes of plaintext in <paramref name="buffer"/> (from
    /// <see cref="BlobBuffers.RentForSealing"/>), taking ownership of it: a blob stored raw (media,
    /// which does not compress) is sealed in place and comes back in the same buffer; a compressed
    /// one in a new buffer, and this one goes back to the pool.
    /// </summary>
    public SealedBlob Seal(BlobId id, BlobType type, byte[] buffer, int length)
    {
        byte[]? compressed = null;
        bool sealedInPlace = false;
        try
        {
            var plaintext = buffer.AsSpan(Aead.NonceLength, length);
            // A delta is already a zstd frame (docs/FORMAT.md §10): compressing it again is wasted work.
            int compressedLength = 0;
            compressed = type == BlobType.Delta ? null : TryCompress(plaintext, out compressedLength);
            var encoding = compressed is null ? BlobEncoding.Raw : BlobEncoding.Zstd;
            var entry = new PackEntry(id, type, encoding, 0, 0, (uint)length);
            Span<byte> aad = stackalloc byte[PackEntry.AssociatedDataLength];
            entry.WriteAssociatedData(aad);
            if (compressed is null)
            {
                _keys.Blobs.Seal(plaintext, aad, buffer.AsSpan(0, length + Aead.Overhead));
                sealedInPlace = true;
                return new SealedBlob(id, type, encoding, length, buffer, length + Aead.Overhead);
            }

            int sealedLength = compressedLength + Aead.Overhead;
            byte[] output = BlobBuffers.Pool.Rent(sealedLength);
            _keys.Blobs.Seal(compressed.AsSpan(0, compressedLength), aad, output.AsSpan(0, sealedLength));
            return new SealedBlob(id, type, encoding, length, output, sealedLength);
        }
        finally
        {
            if (compressed is not null)
            {
                BlobBuffers.Pool.Return(compressed);
            }

            if (!sealedInPlace)
            {
                BlobBuffers.Pool.Return(buffer);
            }
        }
    }

    /// <summary>Opens a stored blob and verifies it; throws <see cref="CorruptObjectException"/> naming the pack and blob.</summary>
    public byte[] Open(ReadOnlySpan<byte> stored, PackEntry entry, ObjectName pack)
    {
        byte[] plaintext = new byte[entry.RawLength];
        OpenInto(stored, entry, pack, plaintext);
        return plaintext;
    }

    /// <summary>Opens a stored blob into <paramref name="plaintext"/> (exactly its raw length) and verifies it.</summary>
    public void OpenInto(ReadOnlySpan<byte> stored, PackEntry entry, ObjectName pack, Span<byte> plaintext)
    {
        if (stored.Length != entry.StoredLength || stored.Length < Aead.Overhead || plaintext.Length != entry.RawLength)
        {
            throw new CorruptObjectException(pack, "its stored length does not match the index.", entry.Id);
        }

        Span<byte> aad = stackalloc byte[PackEntry.AssociatedDataLength];
        entry.WriteAssociatedData(aad);
        bool compressed = entry.Encoding == BlobEncoding.Zstd;

        // Raw blobs decrypt straight into the destination; only compressed ones need a buffer.
        byte[]? payload = compressed ? BlobBuffers.Pool.Rent(stored.Length - Aead.Overhead) : null;
        try
        {
            Span<byte> payloadSpan = compressed ? payload.AsSpan(0, stored.Length - Aead.Overhead) : plaintext;
            if (!compressed && payloadSpan.Length != stored.Length - Aead.Overhead)
            {
                throw new CorruptObjectException(pack, "its length does not match its recorded length.", entry.Id);
            }

            if (!_keys.Blobs.TryOpen(stored, aad, payloadSpan))
            {
                throw new CorruptObjectException(pack, "it failed authentication (damaged, swapped or moved).", entry.Id);
            }

            if (compressed && (!TryDecompress(payloadSpan, plaintext, out int written) || written != plaintext.Length))
            {
                throw new CorruptObjectException(pack, "it does not decompress to its recorded length.", entry.Id);
            }

            if (_keys.ComputeId(plaintext) != entry.Id)
            {
                throw new CorruptObjectException(pack, "its contents do not match its id.", entry.Id);
            }
        }
        finally
        {
            if (payload is not null)
            {
                BlobBuffers.Pool.Return(payload);
            }
        }
    }

    /// <summary>False for anything but zstd frames that fit exactly (trailing bytes included); never throws on bad input.</summary>
    private bool TryDecompress(ReadOnlySpan<byte> payload, Span<byte> plaintext, out int written)
    {
        try
        {
            return _decompressor.TryUnwrap(payload, plaintext, out written);
        }
        catch (ZstdException)
        {
            written = 0;
            return false;
        }
    }

    /// <summary>zstd, skipped when it does not save at least 1/16: media is already compressed.</summary>
    private byte[]? TryCompress(ReadOnlySpan<byte> plaintext, out int length)
    {
        length = 0;
        if (plaintext.Length < 64)
        {
            return null;
        }

        // A sample of a large chunk tells cheaply whether the whole is worth compressing.
        if (plaintext.Length > 2 * SampleLength)
        {
            byte[] sampleBuffer = BlobBuffers.Pool.Rent(Compressor.GetCompressBound(SampleLength));
            int sample = _compressor.Wrap(plaintext[..SampleLength], sampleBuffer);
            BlobBuffers.Pool.Return(sampleBuffer);
            if (sample > SampleLength - SampleLength / 16)
            {
                return null;
            }
        }

        byte[] buffer = BlobBuffers.Pool.Rent(Compressor.GetCompressBound(plaintext.Length));

        length = (plaintext.Length <= SmallBlobLength ? _smallCompressor : _compressor).Wrap(plaintext, buffer);
        if (length > plaintext.Length - plaintext.Length / 16)
        {
            BlobBuffers.Pool.Return(buffer);
            return null;
        }

        return buffer;
    }

    public void Dispose()
    {
        _compressor.Dispose();
        _smallCompressor.Dispose();
        _decompressor.Dispose();
    }
}
