using System.Buffers;
using System.Collections.Concurrent;

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
/// Pack-sized buffers (about 20 MiB) for building, reading and checking packs. Arrays are sized to
/// the request (rounded to 1 MiB, not to a power of two), left uninitialized so that only the bytes
/// actually written become resident, and at most two are kept (one filling, one uploading). Peak
/// memory stays a few packs whatever the size of the repository.
/// </summary>
internal static class PackBuffers
{
    private const int MaxRetained = 2;
    private const int Granularity = 1024 * 1024;
    private static readonly ConcurrentBag<byte[]> Free = [];

    public static byte[] Rent(int length)
    {
        while (Free.TryTake(out byte[]? buffer))
        {
            if (buffer.Length >= length)
            {
                return buffer;
            }
        }

        // Uninitialized: every byte handed out is overwritten before it is read or stored.
        return GC.AllocateUninitializedArray<byte>((length + Granularity - 1) / Granularity * Granularity);
    }

    public static void Return(byte[] buffer)
    {
        if (buffer.Length > 0 && Free.Count < MaxRetained)
        {
            Free.Add(buffer);
        }
    }
}
