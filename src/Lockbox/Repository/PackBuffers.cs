using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Lockbox.Storage;

namespace Lockbox.Repository;

/// <summary>
/// Blob-sized buffers (up to a few MiB): chunk copies, sealed and compressed blobs, restored
/// plaintext. A bounded pool of its own, because the shared pool keeps arrays per thread and per
/// core and, with I/O on many thread-pool threads, would hold far more than the pipeline needs.
/// </summary>
internal static class BlobBuffers
{
    public static ArrayPool<byte> Pool { get; } = ArrayPool<byte>.Create(maxArrayLength: 16 * 1024 * 1024, maxArraysPerBucket: 4);
}

/// <summary>
/// A pack-sized buffer in native memory, aligned for direct I/O (<see cref="DirectIo.Alignment"/>),
/// so that packs go between memory and disk without a copy through the page cache. Outside the GC
/// heap: it never makes the collector run, and only the pages actually written become resident.
/// </summary>
internal sealed unsafe class PackBuffer : MemoryManager<byte>
{
    private byte* _pointer;

    public PackBuffer(int length)
    {
        Length = length;
        _pointer = (byte*)NativeMemory.AlignedAlloc((nuint)length, DirectIo.Alignment);
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
            NativeMemory.AlignedFree(_pointer);
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
