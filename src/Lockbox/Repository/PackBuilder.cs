using System.Buffers;
using System.Security.Cryptography;
using Lockbox.Crypto;

namespace Lockbox.Repository;

/// <summary>
/// Gathers sealed blobs into one pack of about the target size, then closes it with random padding
/// (to a Padmé length) and the sealed header. The buffer is pooled: one pack's worth of memory.
/// </summary>
internal sealed class PackBuilder : IDisposable
{
    private readonly int _targetSize;
    private readonly List<PackEntry> _entries = [];
    private PackBuffer? _buffer;
    private int _length;

    public PackBuilder(int targetSize, int maxBlobSize)
    {
        _targetSize = targetSize;
        _buffer = PackBuffers.Rent(targetSize + maxBlobSize + Aead.Overhead);
        Name = ObjectIds.NewName();
    }

    public string Name { get; }

    public int Count => _entries.Count;

    /// <summary>Bytes in the pack so far; after <see cref="Finish"/>, the whole pack.</summary>
    public int Length => _length;

    public bool IsFull => _length >= _targetSize;

    public IReadOnlyList<PackEntry> Entries => _entries;

    public void Add(BlobCodec.SealedBlob blob)
    {
        Grow(_length + blob.SealedLength);
        blob.Sealed.AsSpan(0, blob.SealedLength).CopyTo(_buffer!.Span[_length..]);
        _entries.Add(new PackEntry(blob.Id, blob.Type, blob.Encoding, (uint)_length, (uint)blob.SealedLength, (uint)blob.RawLength));
        _length += blob.SealedLength;
    }

    /// <summary>Appends padding and the sealed header; returns the complete pack bytes.</summary>
    public ReadOnlyMemory<byte> Finish(Aead metadata)
    {
        byte[] header = PackHeader.Seal(_entries, Name, metadata);
        long padded = Padding.Padme(_length + header.Length);
        int padding = (int)(padded - _length - header.Length);
        int total = _length + padding + header.Length;
        Grow(total);

        // Random, not zero, padding: zeros would show where the blobs end.
        RandomNumberGenerator.Fill(_buffer!.Span.Slice(_length, padding));
        header.CopyTo(_buffer.Span[(_length + padding)..]);
        _length = total;
        return _buffer.Memory[..total];
    }

    /// <summary>Only when blobs exceed the sizes the builder was made for; keep going rather than fail.</summary>
    private void Grow(int length)
    {
        if (length > _buffer!.Length)
        {
            var bigger = PackBuffers.Rent(length);
            _buffer.Span[.._length].CopyTo(bigger.Span);
            PackBuffers.Return(_buffer);
            _buffer = bigger;
        }
    }

    public void Dispose()
    {
        if (_buffer is not null)
        {
            PackBuffers.Return(_buffer);
            _buffer = null;
        }
    }
}
