using System.Security.Cryptography;
using Lockbox.Crypto;
using Lockbox.Storage;

namespace Lockbox.Repository;

/// <summary>
/// Gathers sealed blobs into one pack of about the target size, then closes it with random padding
/// (to a Padmé length) and the sealed header. Without a writer the whole pack is built in one
/// pooled buffer; with one (a local folder), the buffer holds only the last few MiB and full,
/// aligned stretches are written out as the pack fills, so a pack costs a fraction of its size in memory.
/// </summary>
internal sealed class PackBuilder : IDisposable
{
    /// <summary>With a writer, bytes are written out in stretches of this size.</summary>
    private const int StreamChunk = 4 * 1024 * 1024;

    private readonly int _targetSize;
    private readonly List<PackEntry> _entries = [];
    private readonly ObjectWriter? _writer;
    private PackBuffer? _buffer;

    /// <summary>Bytes of the pack already handed to the writer; the buffer holds the bytes after them.</summary>
    private long _written;
    private int _length;

    /// <param name="targetSize">The pack is full past this many bytes.</param>
    /// <param name="maxBlobSize">The largest sealed blob, so one always fits.</param>
    /// <param name="streaming">Storage that takes the pack in pieces as it fills (a local folder), or null to build it whole in memory.</param>
    public PackBuilder(int targetSize, int maxBlobSize, IStreamingStorage? streaming = null)
    {
        _targetSize = targetSize;
        Name = ObjectIds.NewName();
        _writer = streaming?.CreateWriter(new ObjectName(ObjectKind.Pack, Name), targetSize + maxBlobSize);
        _buffer = PackBuffers.Rent((_writer is null ? targetSize : StreamChunk) + maxBlobSize + Aead.Overhead);
    }

    public string Name { get; }

    public int Count => _entries.Count;

    /// <summary>Bytes in the pack so far; after <see cref="Finish"/>, the whole pack.</summary>
    public int Length => _length;

    public bool IsFull => _length >= _targetSize;

    public IReadOnlyList<PackEntry> Entries => _entries;

    public void Add(BlobCodec.SealedBlob blob)
    {
        var sealedBlob = blob.Sealed.AsSpan(0, blob.SealedLength);
        int buffered = (int)(_length - _written);
        Grow(buffered + sealedBlob.Length);
        sealedBlob.CopyTo(_buffer!.Span[buffered..]);
        _entries.Add(new PackEntry(blob.Id, blob.Type, blob.Encoding, (uint)_length, (uint)sealedBlob.Length, (uint)blob.RawLength));
        _length += sealedBlob.Length;
        if (_writer is not null && _length - _written >= StreamChunk)
        {
            WriteOut(StreamChunk);
        }
    }

    /// <summary>Appends padding and the sealed header. Without a writer, returns the complete pack; with one, writes the rest and returns nothing.</summary>
    public ReadOnlyMemory<byte> Finish(Aead metadata)
    {
        byte[] header = PackHeader.Seal(_entries, Name, metadata);
        long padded = Padding.Padme(_length + header.Length);
        int padding = (int)(padded - _length - header.Length);
        int total = _length + padding + header.Length;
        int buffered = (int)(_length - _written);
        Grow(buffered + padding + header.Length);

        // Random, not zero, padding: zeros would show where the blobs end.
        RandomNumberGenerator.Fill(_buffer!.Span.Slice(buffered, padding));
        header.CopyTo(_buffer.Span[(buffered + padding)..]);
        _length = total;
        if (_writer is null)
        {
            return _buffer.Memory[..total];
        }

        WriteOut((int)(_length - _written));
        return ReadOnlyMemory<byte>.Empty;
    }

    /// <summary>Writes the first <paramref name="count"/> buffered bytes and moves the rest to the front.</summary>
    private void WriteOut(int count)
    {
        int buffered = (int)(_length - _written);
        _writer!.Write(_buffer!.Span[..count], _written);
        _buffer.Span[count..buffered].CopyTo(_buffer.Span);
        _written += count;
    }

    /// <summary>Only when blobs exceed the sizes the builder was made for; keep going rather than fail.</summary>
    private void Grow(int length)
    {
        if (length > _buffer!.Length)
        {
            var bigger = PackBuffers.Rent(length);
            _buffer.Span[..(int)(_length - _written)].CopyTo(bigger.Span);
            PackBuffers.Return(_buffer);
            _buffer = bigger;
        }
    }

    /// <summary>After <see cref="Finish"/> with a writer: makes the pack durable and visible.</summary>
    public Task CommitAsync(CancellationToken cancellationToken) => _writer!.CommitAsync(cancellationToken);

    /// <summary>Gives the buffer back early, once the pack is finished and written.</summary>
    public void ReleaseBuffer()
    {
        if (_buffer is not null)
        {
            PackBuffers.Return(_buffer);
            _buffer = null;
        }
    }

    public void Dispose()
    {
        ReleaseBuffer();
        _writer?.Dispose();
    }
}
