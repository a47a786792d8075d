using System.Runtime.ExceptionServices;
using Lockbox.Storage;
using Microsoft.Win32.SafeHandles;

namespace Lockbox.Restore;

/// <summary>
/// Keeps restored files open across the many writes a restore makes, without exhausting
/// descriptors. Writes run outside the lock, so workers write to disk in parallel; a handle in use
/// is never closed. Each file is created, at its full size, once: ahead of the writers by
/// <see cref="CreateAhead"/> on a thread of its own, or by its first write if that comes first.
/// Creating one is outside the cache's lock: on ext4 without a journal, right after many files
/// were deleted, it took 0.15-0.45 ms a file (the allocator skips recently freed inodes), and the
/// writers of other files must not wait for it.
/// </summary>
/// <param name="sizes">Every file to restore, by full path, with its size.</param>
/// <param name="completed">Called with a file's path once all its bytes are written (an empty file: once created); nothing writes to it after.</param>
internal sealed class FileHandleCache(IReadOnlyDictionary<string, long> sizes, Action<string> completed) : IDisposable
{
    private const int MaxOpen = 128;
    private readonly Dictionary<string, Entry> _open = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Creation> _creations = sizes.ToDictionary(f => f.Key, f => new Creation(f.Key, f.Value), StringComparer.Ordinal);
    private readonly Dictionary<string, long> _unwritten = new(sizes, StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>Creates the file at <paramref name="path"/> unless it is; a failure is left for its writer to report.</summary>
    public void CreateAhead(string path) => _creations[path].TryCreate();

    /// <summary>Creates the files no write created: the empty ones.</summary>
    public void CreateUnwritten()
    {
        foreach (var (path, size) in sizes)
        {
            if (size == 0)
            {
                _creations[path].EnsureCreated();
                completed(path);
            }
        }
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
            if (_open.TryGetValue(path, out var open))
            {
                open.Users++;
                return open;
            }
        }

        _creations[path].EnsureCreated();
        var handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        lock (_lock)
        {
            if (_open.TryGetValue(path, out var entry))
            {
                // Another writer opened it meanwhile: one handle per file.
                handle.Dispose();
            }
            else
            {
                if (_open.Count >= MaxOpen)
                {
                    CloseIdle();
                }

                entry = new Entry(handle);
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

    /// <summary>One file's creation: done once, by whichever thread comes first; its failure is kept for the writer.</summary>
    private sealed class Creation(string path, long size)
    {
        private readonly Lock _lock = new();
        private bool _created;
        private ExceptionDispatchInfo? _failure;

        /// <summary>Creates the file unless it is; throws the failure of the attempt that made it, if any.</summary>
        public void EnsureCreated()
        {
            lock (_lock)
            {
                _failure?.Throw();
                if (!_created)
                {
                    try
                    {
                        StagingFolder.Create(path, size, FileAccess.Write).Dispose();
                        _created = true;
                    }
                    catch (Exception e)
                    {
                        _failure = ExceptionDispatchInfo.Capture(e);
                        throw;
                    }
                }
            }
        }

        /// <summary>As <see cref="EnsureCreated"/>, but keeps a failure for the writer instead of throwing it.</summary>
        public void TryCreate()
        {
            try
            {
                EnsureCreated();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }
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
