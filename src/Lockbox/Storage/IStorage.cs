namespace Lockbox.Storage;

/// <summary>
/// Where a repository's objects live: a local folder or an S3 bucket. Objects are immutable once
/// written, except the config at creation; every write is all-or-nothing, so a reader never sees a
/// partly written object. Implementations are thread-safe.
/// </summary>
public interface IStorage
{
    /// <summary>A human-readable location, for messages; never contains credentials.</summary>
    string Location { get; }

    /// <summary>Stores <paramref name="data"/> under <paramref name="name"/>, atomically.</summary>
    Task WriteAsync(ObjectName name, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default);

    /// <summary>Reads a whole object.</summary>
    /// <exception cref="ObjectNotFoundException">No such object.</exception>
    Task<byte[]> ReadAsync(ObjectName name, CancellationToken cancellationToken = default);

    /// <summary>Reads <paramref name="length"/> bytes at <paramref name="offset"/>; a negative offset counts from the end.</summary>
    /// <exception cref="ObjectNotFoundException">No such object.</exception>
    Task<byte[]> ReadRangeAsync(ObjectName name, long offset, int length, CancellationToken cancellationToken = default);

    /// <summary>Lists the objects of one kind with their sizes.</summary>
    IAsyncEnumerable<StoredObject> ListAsync(ObjectKind kind, CancellationToken cancellationToken = default);

    /// <summary>Whether the object exists.</summary>
    Task<bool> ExistsAsync(ObjectName name, CancellationToken cancellationToken = default);

    /// <summary>Deletes an object; deleting a missing object is not an error.</summary>
    Task DeleteAsync(ObjectName name, CancellationToken cancellationToken = default);
}

/// <summary>An object found by <see cref="IStorage.ListAsync"/>.</summary>
public readonly record struct StoredObject(ObjectName Name, long Size);
