using System.Runtime.CompilerServices;

namespace Lockbox.Storage;

/// <summary>
/// A repository in a local folder, the embedded default. Writes go to a temporary file that is
/// flushed to disk and then renamed into place, so an object is either whole or absent. Large
/// aligned writes (packs) use direct I/O (<see cref="DirectIo"/>).
/// </summary>
public sealed class LocalStorage : IStorage, IStreamingStorage
{
    private const string TemporaryPrefix = ".tmp-";
    private readonly string _root;

    /// <summary>Opens (without creating) the repository folder <paramref name="root"/>.</summary>
    public LocalStorage(string root)
    {
        _root = System.IO.Path.GetFullPath(root);
    }

    /// <inheritdoc />
    public string Location => _root;

    /// <inheritdoc />
    public Task WriteAsync(ObjectName name, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();

        // Blocking file calls on the pool: large direct writes keep the CPU free while the disk works.
        return Task.Run(() => Write(name, data.Span), cancellationToken);
    }

    private void Write(ObjectName name, ReadOnlySpan<byte> data)
    {
        string path = FullPath(name);
        string folder = System.IO.Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(folder);
        string temporary = System.IO.Path.Combine(folder, TemporaryPrefix + Guid.NewGuid().ToString("N"));
        try
        {
            using (var handle = File.OpenHandle(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, FileOptions.None, data.Length))
            {
                // Large aligned buffers (packs) go straight to disk; fsync then only has metadata left.
                DirectIo.Write(handle, data, 0);
                RandomAccess.FlushToDisk(handle);
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    ObjectWriter IStreamingStorage.CreateWriter(ObjectName name, long expectedLength)
    {
        string path = FullPath(name);
        string folder = System.IO.Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(folder);
        string temporary = System.IO.Path.Combine(folder, TemporaryPrefix + Guid.NewGuid().ToString("N"));
        return new LocalObjectWriter(temporary, path, File.OpenHandle(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, FileOptions.None, expectedLength));
    }

    /// <summary>Writes into the temporary file; the commit flushes it to disk and renames it into place.</summary>
    private sealed class LocalObjectWriter(string temporary, string path, Microsoft.Win32.SafeHandles.SafeFileHandle handle) : ObjectWriter
    {
        private long _length;
        private bool _committed;

        public override void Write(ReadOnlySpan<byte> data, long offset)
        {
            DirectIo.Write(handle, data, offset);
            _length = Math.Max(_length, offset + data.Length);
        }

        public override Task CommitAsync(CancellationToken cancellationToken) => Task.Run(
            () =>
            {
                // The preallocation may have reserved more than was written.
                RandomAccess.SetLength(handle, _length);
                RandomAccess.FlushToDisk(handle);
                handle.Dispose();
                File.Move(temporary, path, overwrite: true);
                _committed = true;
            },
            cancellationToken);

        public override void Dispose()
        {
            handle.Dispose();
            if (!_committed)
            {
                File.Delete(temporary);
            }
        }
    }

    /// <inheritdoc />
    public async Task<byte[]> ReadAsync(ObjectName name, CancellationToken cancellationToken = default)
    {
        try
        {
            return await File.ReadAllBytesAsync(FullPath(name), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ObjectNotFoundException(name);
        }
    }

    /// <inheritdoc />
    public Task ReadRangeAsync(ObjectName name, long offset, Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.Run(() => ReadRange(name, offset, destination.Span), cancellationToken);
    }

    private void ReadRange(ObjectName name, long offset, Span<byte> destination)
    {
        try
        {
            using var handle = File.OpenHandle(FullPath(name), FileMode.Open, FileAccess.Read, FileShare.Read);
            long size = RandomAccess.GetLength(handle);
            long start = offset < 0 ? size + offset : offset;
            if (start < 0 || start + destination.Length > size)
            {
                throw new EndOfStreamException($"Object {name.Path} is {size} bytes, shorter than the range asked for.");
            }

            int read = 0;
            while (read < destination.Length)
            {
                int n = RandomAccess.Read(handle, destination[read..], start + read);
                if (n == 0)
                {
                    throw new EndOfStreamException($"Object {name.Path} ended early.");
                }

                read += n;
            }
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ObjectNotFoundException(name);
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<StoredObject> ListAsync(ObjectKind kind, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.CompletedTask.ConfigureAwait(false);
        if (kind == ObjectKind.Config)
        {
            var config = new FileInfo(FullPath(ObjectName.Config));
            if (config.Exists)
            {
                yield return new StoredObject(ObjectName.Config, config.Length);
            }

            yield break;
        }

        var folder = new DirectoryInfo(System.IO.Path.Combine(_root, ObjectName.Prefix(kind)));
        if (!folder.Exists)
        {
            yield break;
        }

        foreach (var file in folder.EnumerateFiles("*", SearchOption.AllDirectories))
        {
            cancellationToken.ThrowIfCancellationRequested();
            string relative = System.IO.Path.GetRelativePath(_root, file.FullName).Replace('\\', '/');
            if (!file.Name.StartsWith(TemporaryPrefix, StringComparison.Ordinal) && ObjectName.TryFromPath(kind, relative, out var name))
            {
                yield return new StoredObject(name, file.Length);
            }
        }
    }

    /// <inheritdoc />
    public Task<bool> ExistsAsync(ObjectName name, CancellationToken cancellationToken = default) =>
        Task.FromResult(File.Exists(FullPath(name)));

    /// <inheritdoc />
    public Task DeleteAsync(ObjectName name, CancellationToken cancellationToken = default)
    {
        File.Delete(FullPath(name));
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public IStorage Child(string name) => new LocalStorage(System.IO.Path.Combine(_root, StorageChildren.Validate(name)));

    private string FullPath(ObjectName name) => System.IO.Path.Combine(_root, name.Path);
}
