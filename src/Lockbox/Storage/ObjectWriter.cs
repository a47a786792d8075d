namespace Lockbox.Storage;

/// <summary>
/// Storage that can take an object in pieces as it is produced (a local folder), so that a pack
/// need not be held in memory whole. The object still appears atomically, at <see cref="ObjectWriter.CommitAsync"/>.
/// </summary>
internal interface IStreamingStorage
{
    /// <summary>Starts writing <paramref name="name"/>; nothing is visible until the commit.</summary>
    ObjectWriter CreateWriter(ObjectName name, long expectedLength);
}

/// <summary>An object being written in pieces; disposing it uncommitted deletes what was written.</summary>
internal abstract class ObjectWriter : IDisposable
{
    /// <summary>
    /// Writes <paramref name="data"/> at <paramref name="offset"/>. Aligned offsets and buffers
    /// (<see cref="DirectIo.Alignment"/>) go directly to disk.
    /// </summary>
    public abstract void Write(ReadOnlySpan<byte> data, long offset);

    /// <summary>Makes the object durable and visible under its name.</summary>
    public abstract Task CommitAsync(CancellationToken cancellationToken);

    public abstract void Dispose();
}
