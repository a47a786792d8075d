using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Lockbox.Storage;

namespace Lockbox.Fuzzing;

/// <summary>An in-memory <see cref="IStorage"/>, so a fuzzed object is read exactly as storage would hand it over.</summary>
public sealed class MemoryStorage : IStorage
{
    private readonly ConcurrentDictionary<ObjectName, byte[]> _objects = new();
    private readonly ConcurrentDictionary<string, MemoryStorage> _children = new();

    /// <inheritdoc />
    public string Location => "memory";

    /// <summary>Puts an object, replacing any.</summary>
    public void Put(ObjectName name, byte[] data) => _objects[name] = data;

    /// <inheritdoc />
    public Task WriteAsync(ObjectName name, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        _objects[name] = data.ToArray();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<byte[]> ReadAsync(ObjectName name, CancellationToken cancellationToken = default) =>
        _objects.TryGetValue(name, out var data) ? Task.FromResult((byte[])data.Clone()) : throw new ObjectNotFoundException(name);

    /// <inheritdoc />
    public Task ReadRangeAsync(ObjectName name, long offset, Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        if (!_objects.TryGetValue(name, out var data))
        {
            throw new ObjectNotFoundException(name);
        }

        long start = offset < 0 ? data.Length + offset : offset;
        if (start < 0 || start + destination.Length > data.Length)
        {
            throw new EndOfStreamException($"{name.Path} is shorter than the range.");
        }

        data.AsMemory((int)start, destination.Length).CopyTo(destination);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<StoredObject> ListAsync(ObjectKind kind, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        foreach (var (name, data) in _objects.Where(o => o.Key.Kind == kind).OrderBy(o => o.Key.Name, StringComparer.Ordinal))
        {
            yield return new StoredObject(name, data.Length);
        }
    }

    /// <inheritdoc />
    public Task<bool> ExistsAsync(ObjectName name, CancellationToken cancellationToken = default) => Task.FromResult(_objects.ContainsKey(name));

    /// <inheritdoc />
    public Task DeleteAsync(ObjectName name, CancellationToken cancellationToken = default)
    {
        _objects.TryRemove(name, out _);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public IStorage Child(string name) => _children.GetOrAdd(name, _ => new MemoryStorage());
}
