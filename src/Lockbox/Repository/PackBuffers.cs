using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime;
using System.Runtime.InteropServices;
using Lockbox.Crypto;
using Lockbox.Storage;

namespace Lockbox.Repository;

/// <summary>
/// Blob-sized buffers (up to a few MiB): chunk copies, sealed and compressed blobs, restored
/// plaintext. A bounded pool of its own, because the shared pool keeps arrays per thread and per
/// core and, with I/O on many thread-pool threads, would hold far more than the pipeline needs.
/// </summary>
internal static class BlobBuffers
{
    private static volatile ArrayPool<byte> _pool = NewPool();

    public static ArrayPool<byte> Pool => _pool;

    /// <summary>
    /// Gives the buffers the pool holds back to the operating system: a fresh pool takes over (arrays
    /// still in use come back to it), and the large-object heap is compacted once. For a change of phase after which the pooled sizes sit idle: a backup's
    /// media chunks (MiBs) before its database's pages (KiBs) kept about 24 MB resident for nothing.
    /// </summary>
    public static void Trim()
    {
        _pool = NewPool();
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
    }

    /// <summary>
    /// A pooled copy of <paramref name="plaintext"/> at offset <see cref="Aead.NonceLength"/>, with
    /// room for the tag after it, so that <see cref="BlobCodec.Seal"/> can seal it where it lies.
    /// </summary>
    public static byte[] RentForSealing(ReadOnlySpan<byte> plaintext)
    {
        byte[] buffer = RentRoomForSealing(plaintext.Length, out var room);
        plaintext.CopyTo(room);
        return buffer;
    }

    /// <summary>A pooled buffer laid out as <see cref="RentForSealing"/>'s, with <paramref name="plaintext"/> the room for the <paramref name="length"/> bytes to fill.</summary>
    public static byte[] RentRoomForSealing(int length, out Span<byte> plaintext)
    {
        byte[] buffer = Pool.Rent(length + Aead.Overhead);
        plaintext = buffer.AsSpan(Aead.NonceLength, length);
        return buffer;
    }

    private static ArrayPool<byte> NewPool() => ArrayPool<byte>.Create(maxArrayLength: 16 * 1024 * 1024, maxArraysPerBucket: 4);
}

/// <summary>
/// A pack-sized buffer in native memory, aligned for direct I/O (<see cref="DirectIo.Alignment"/>),
/// so that packs go between memory and disk without a copy through the page cache. Outside the GC
/// heap: it never makes the collector run, and only the pages actually written become resident
/// (in steps of a huge page where it has them: <see cref="DirectIo.AllocateBuffer"/>).
/// </summary>
internal sealed unsafe class PackBuffer : MemoryManager<byte>
{
    private byte* _pointer;

    public PackBuffer(int length)
    {
        Length = length;
        _pointer = DirectIo.AllocateBuffer(length);
    }

    public int Length { get; }

    public Span<byte> Span => GetSpan();

    public override Span<byte> GetSpan() => new(_pointer, Length);

    public override MemoryHandle Pin(int elementIndex = 0) => new(_pointer + elementIndex);

    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing)
    {
        if (_pointer is not null)
        {
            DirectIo.FreeBuffer(_pointer, Length);
            _pointer = null;
        }
    }
}

/// <summary>
/// Pack-sized buffers (about 20 MiB) for building, reading and checking packs. Buffers are sized to
/// the request (rounded to 1 MiB, not to a power of two), left uninitialized so that only the bytes
/// actually written become resident, and at most two are kept (one filling, one uploading). Peak
/// memory stays a few packs whatever the size of the repository.
/// </summary>
internal static class PackBuffers
{
    private const int MaxRetained = 2;
    private const int Granularity = 1024 * 1024;
    private static readonly ConcurrentBag<PackBuffer> Free = [];

    public static PackBuffer Rent(int length)
    {
        while (Free.TryTake(out PackBuffer? buffer))
        {
            if (buffer.Length >= length)
            {
                return buffer;
            }

            ((IDisposable)buffer).Dispose();
        }

        // Uninitialized: every byte handed out is overwritten before it is read or stored.
        return new PackBuffer((int)(((long)length + Granularity - 1) / Granularity * Granularity));
    }

    public static void Return(PackBuffer buffer)
    {
        if (Free.Count < MaxRetained)
        {
            Free.Add(buffer);
        }
        else
        {
            ((IDisposable)buffer).Dispose();
        }
    }
}
