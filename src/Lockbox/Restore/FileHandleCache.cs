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
            if (!_open.TryGetValue(path, out var handle))
            {
                if (_open.Count >= MaxOpen)
                {
                    CloseAll();
                }

                handle = File.OpenHandle(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
                _open.Add(path, handle);
            }

            RandomAccess.Write(handle, data, offset);
        }
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
