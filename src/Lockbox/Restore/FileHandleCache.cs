using Lockbox.Storage;
using Microsoft.Win32.SafeHandles;

namespace Lockbox.Restore;

/// <summary>
/// Keeps restored files open across the many writes a restore makes, without exhausting
/// descriptors. Writes run outside the lock, so workers write to disk in parallel; a handle in use
/// is never closed. A file is created, at its full size, by its first write: creating them all
/// up front kept the restore waiting, and creating them in parallel made the threads spin on the
/// folder's lock in the kernel.
/// </summary>
/// <param name="sizes">Every file to restore, by full path, with its size.</param>
/// <param name="completed">Called with a file's path once all its bytes are written (an empty file: once created); nothing writes to it after.</param>
internal sealed class FileHandleCache(IReadOnlyDictionary<string, long> sizes, Action<string> completed) : IDisposable
{
    private const int MaxOpen = 128;
    private readonly Dictionary<string, Entry> _open = new(StringComparer.Ordinal);
    private readonly HashSet<string> _uncreated = new(sizes.Keys, StringComparer.Ordinal);
    private readonly Dictionary<string, long> _unwritten = new(sizes, StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>Creates the files no write created: the empty ones.</summary>
    public void CreateUnwritten()
    {
        List<string> created;
        lock (_lock)
        {
            foreach (string path in _uncreated)
            {
                StagingFolder.Create(path, sizes[path], FileAccess.Write).Dispose();
            }

            created = [.. _uncreated];
            _uncreated.Clear();
        }

        created.ForEach(completed);
    }

    /// <summary>
    /// Writes <paramref name="data"/> at <paramref name="offset"/>; with <paramref name="direct"/>,
    /// the aligned bulk goes by direct I/O (<see cref="DirectIo"/>), skipping the page cache.
    /// </summary>
    public void Write(string path, ReadOnlySpan<byte> data, long offset, bool direct = false)
    {
        var entry = Acquire(path);
        try
        {
            if (direct)
            {
                // A handle of its own for direct I/O: the flag is per open file, shared by all writers of a handle.
                DirectIo.Write(entry.Handle, entry.Direct(path), data, offset);
            }
            else
            {
                RandomAccess.Write(entry.Handle, data, offset);
            }
        }
        finally
        {
            Release(entry);
        }

        bool complete;
        lock (_lock)
        {
            complete = (_unwritten[path] -= data.Length) == 0;
        }

        if (complete)
        {
            completed(path);
        }
    }

    private Entry Acquire(string path)
    {
        lock (_lock)
        {
            if (!_open.TryGetValue(path, out var entry))
            {
                if (_open.Count >= MaxOpen)
                {
                    CloseIdle();
                }

                entry = new Entry(_uncreated.Remove(path)
                    ? StagingFolder.Create(path, sizes[path], FileAccess.ReadWrite)
                    : File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite));
                _open.Add(path, entry);
            }

            entry.Users++;
            return entry;
        }
    }

    private void Release(Entry entry)
    {
        lock (_lock)
        {
            entry.Users--;
            if (entry.Closed && entry.Users == 0)
            {
                entry.Dispose();
            }
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            CloseIdle();
        }
    }

    private void CloseIdle()
    {
        foreach (var entry in _open.Values)
        {
            entry.Closed = true;
            if (entry.Users == 0)
            {
                entry.Dispose();
            }
        }

        _open.Clear();
    }

    private sealed class Entry(SafeFileHandle handle)
    {
        private readonly Lock _lock = new();
        private SafeFileHandle? _direct;
        private bool _directTried;

        public SafeFileHandle Handle { get; } = handle;

        /// <summary>The direct I/O handle, opened on first use; null where direct I/O is refused.</summary>
        public SafeFileHandle? Direct(string path)
        {
            lock (_lock)
            {
                if (!_directTried)
                {
                    _directTried = true;
                    _direct = DirectIo.OpenDirect(path);
                }

                return _direct;
            }
        }

        public void Dispose()
        {
            Handle.Dispose();
            _direct?.Dispose();
        }

        public int Users { get; set; }

        public bool Closed { get; set; }
    }
}
