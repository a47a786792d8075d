using System.Runtime.CompilerServices;

namespace Lockbox.Storage;

/// <summary>
/// A repository in a local folder, the embedded default. Writes go to a temporary file that is
/// flushed to disk and then renamed into place, so an object is either whole or absent.
/// </summary>
public sealed class LocalStorage : IStorage
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
    public async Task WriteAsync(ObjectName name, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        string path = FullPath(name);
        string folder = System.IO.Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(folder);
        string temporary = System.IO.Path.Combine(folder, TemporaryPrefix + Guid.NewGuid().ToString("N"));
        try
        {
            var options = new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Options = FileOptions.Asynchronous,
                PreallocationSize = data.Length,
            };
            await using (var stream = new FileStream(temporary, options))
            {
                await stream.WriteAsync(data, cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
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
    public async Task ReadRangeAsync(ObjectName name, long offset, Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        try
        {
            using var handle = File.OpenHandle(FullPath(name), FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.Asynchronous);
            long size = RandomAccess.GetLength(handle);
            long start = offset < 0 ? size + offset : offset;
            if (start < 0 || start + destination.Length > size)
            {
                throw new EndOfStreamException($"Object {name.Path} is {size} bytes, shorter than the range asked for.");
            }

            int read = 0;
            while (read < destination.Length)
            {
                int n = await RandomAccess.ReadAsync(handle, destination[read..], start + read, cancellationToken).ConfigureAwait(false);
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
            if (!file.Name.StartsWith(TemporaryPrefix, StringComparison.Ordinal))
            {
                yield return new StoredObject(new ObjectName(kind, file.Name), file.Length);
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

    private string FullPath(ObjectName name) => System.IO.Path.Combine(_root, name.Path);
}
