using Microsoft.Win32.SafeHandles;

namespace Lockbox.Restore;

/// <summary>Keeps restored files open across the many writes a pack makes, without exhausting descriptors.</summary>
internal sealed class FileHandleCache : IDisposable
{
    private const int MaxOpen = 128;
    private readonly Dictionary<string, SafeFileHandle> _open = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>
    /// Writes under the lock: writes land in the page cache and are fast, and holding the lock means
    /// no handle is closed while another thread writes through it.
    /// </summary>
    public void Write(string path, ReadOnlySpan<byte> data, long offset)
    {
        lock (_lock)
        {
            RandomAccess.Write(Handle(path), data, offset);
        }
    }

    /// <summary>Reads back what an earlier write put there (a delta's base page).</summary>
    public void Read(string path, Span<byte> data, long offset)
    {
        lock (_lock)
        {
            if (RandomAccess.Read(Handle(path), data, offset) != data.Length)
            {
                throw new EndOfStreamException($"{path} is shorter than its restored content.");
            }
        }
    }

    private SafeFileHandle Handle(string path)
    {
        if (!_open.TryGetValue(path, out var handle))
        {
            if (_open.Count >= MaxOpen)
            {
                CloseAll();
            }

            handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
            _open.Add(path, handle);
        }

        return handle;
    }

    public void Dispose()
    {
        lock (_lock)
        {
            CloseAll();
        }
    }

    private void CloseAll()
    {
        foreach (var handle in _open.Values)
        {
            handle.Dispose();
        }

        _open.Clear();
    }
}
