using System.Collections.Concurrent;
using Lockbox.Crypto;
using Lockbox.Storage;
using Microsoft.Win32.SafeHandles;

namespace Lockbox.Restore;

/// <summary>
/// The verified deltas of a restore, by id, until their base page is restored. They are held in
/// memory up to a budget (<see cref="MemoryBudget"/> bytes by default); past it they go to a file in the staging folder
/// (deleted when closed), so memory stays bounded however many pages of a database changed since
/// its last rebase. Safe for the restore's workers to add and read at once.
/// </summary>
internal sealed class DeltaStore(string folder, long memoryBudget = DeltaStore.MemoryBudget) : IDisposable
{
    /// <summary>Delta bytes kept in memory before the rest is spilled.</summary>
    public const long MemoryBudget = 8L * 1024 * 1024;

    private readonly ConcurrentDictionary<BlobId, Stored> _deltas = new();
    private readonly Lock _open = new();
    private SafeFileHandle? _spill;
    private long _inMemory;
    private long _spilled;

    public void Add(BlobId id, byte[] delta, ObjectName pack)
    {
        if (Interlocked.Add(ref _inMemory, delta.Length) <= memoryBudget)
        {
            _deltas[id] = new Stored(delta, 0, delta.Length, pack);
            return;
        }

        Interlocked.Add(ref _inMemory, -delta.Length);
        long offset = Interlocked.Add(ref _spilled, delta.Length) - delta.Length;
        RandomAccess.Write(Spill(), delta, offset);
        _deltas[id] = new Stored(null, offset, delta.Length, pack);
    }

    /// <summary>The delta <paramref name="id"/>, read into <paramref name="scratch"/> when it was spilled; the span is valid until the next call with the same scratch.</summary>
    public bool TryGet(BlobId id, ref byte[] scratch, out ReadOnlySpan<byte> delta, out ObjectName pack)
    {
        if (!_deltas.TryGetValue(id, out var stored))
        {
            delta = default;
            pack = default;
            return false;
        }

        pack = stored.Pack;
        if (stored.Bytes is not null)
        {
            delta = stored.Bytes;
            return true;
        }

        if (scratch.Length < stored.Length)
        {
            scratch = new byte[Math.Max(stored.Length, 4096)];
        }

        var into = scratch.AsSpan(0, stored.Length);
        if (RandomAccess.Read(_spill!, into, stored.Offset) != stored.Length)
        {
            throw new IOException("The restore's delta spill file is shorter than written.");
        }

        delta = into;
        return true;
    }

    public void Dispose() => _spill?.Dispose();

    private SafeFileHandle Spill()
    {
        if (_spill is { } open)
        {
            return open;
        }

        lock (_open)
        {
            return _spill ??= File.OpenHandle(
                Path.Combine(folder, $".lockbox-deltas-{Guid.NewGuid():N}"), FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, FileOptions.DeleteOnClose);
        }
    }

    private readonly record struct Stored(byte[]? Bytes, long Offset, int Length, ObjectName Pack);
}
