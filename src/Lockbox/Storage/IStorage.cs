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

    /// <summary>
    /// Fills <paramref name="destination"/> with the bytes at <paramref name="offset"/>; a negative
    /// offset counts from the end. Reading into the caller's buffer lets hot paths reuse pooled memory.
    /// </summary>
    /// <exception cref="ObjectNotFoundException">No such object.</exception>
    /// <exception cref="EndOfStreamException">The object is shorter than the range.</exception>
    Task ReadRangeAsync(ObjectName name, long offset, Memory<byte> destination, CancellationToken cancellationToken = default);

    /// <summary>Lists the objects of one kind with their sizes.</summary>
    IAsyncEnumerable<StoredObject> ListAsync(ObjectKind kind, CancellationToken cancellationToken = default);

    /// <summary>Whether the object exists.</summary>
    Task<bool> ExistsAsync(ObjectName name, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes an object; deleting a missing object is not an error. Where storage keeps old
    /// versions (a versioned S3 bucket), every version goes, so deleted data is gone for good.
    /// </summary>
    Task DeleteAsync(ObjectName name, CancellationToken cancellationToken = default);

    /// <summary>
    /// The storage rooted at the folder (or key prefix) <paramref name="name"/> below this one. Its
    /// objects are not listed by this storage's <see cref="ListAsync"/>: key rotation builds the new
    /// repository there, beside the old one.
    /// </summary>
    IStorage Child(string name);
}

/// <summary>An object found by <see cref="IStorage.ListAsync"/>.</summary>
public readonly record struct StoredObject(ObjectName Name, long Size);

/// <summary>Conveniences over <see cref="IStorage"/>.</summary>
public static class StorageExtensions
{
    /// <summary>Reads <paramref name="length"/> bytes at <paramref name="offset"/> into a new array; a negative offset counts from the end.</summary>
    public static async Task<byte[]> ReadRangeAsync(this IStorage storage, ObjectName name, long offset, int length, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        byte[] buffer = new byte[length];
        await storage.ReadRangeAsync(name, offset, buffer, cancellationToken).ConfigureAwait(false);
        return buffer;
    }
}
