using Lockbox.Storage;

namespace Lockbox.Client;

/// <summary>Deletes an encrypted repository's objects (every version, on S3), the config last so that a half-deleted repository still says what it was.</summary>
internal static class RepositoryEraser
{
    private static readonly ObjectKind[] DataKinds = [ObjectKind.Snapshot, ObjectKind.Index, ObjectKind.Pack, ObjectKind.Lock];

    /// <summary>Deletes everything but the config; returns how many objects went.</summary>
    public static async Task<int> DeleteContentAsync(IStorage storage, CancellationToken cancellationToken)
    {
        int deleted = 0;
        foreach (var kind in DataKinds)
        {
            foreach (var item in await ListAsync(storage, kind, cancellationToken).ConfigureAwait(false))
            {
                await storage.DeleteAsync(item.Name, cancellationToken).ConfigureAwait(false);
                deleted++;
            }
        }

        return deleted;
    }

    /// <summary>Deletes every object, the config last; returns how many went.</summary>
    public static async Task<int> DeleteAllAsync(IStorage storage, CancellationToken cancellationToken)
    {
        int deleted = await DeleteContentAsync(storage, cancellationToken).ConfigureAwait(false);
        if (await storage.ExistsAsync(ObjectName.Config, cancellationToken).ConfigureAwait(false))
        {
            await storage.DeleteAsync(ObjectName.Config, cancellationToken).ConfigureAwait(false);
            deleted++;
        }

        return deleted;
    }

    /// <summary>
    /// Copies every object of <paramref name="from"/> into <paramref name="to"/>, the config last:
    /// until the config is replaced, <paramref name="to"/> is not yet the new repository.
    /// </summary>
    public static async Task CopyAllAsync(IStorage from, IStorage to, CancellationToken cancellationToken)
    {
        foreach (var kind in new[] { ObjectKind.Pack, ObjectKind.Index, ObjectKind.Snapshot })
        {
            foreach (var item in await ListAsync(from, kind, cancellationToken).ConfigureAwait(false))
            {
                // One object at a time: memory stays at one pack.
                await to.WriteAsync(item.Name, await from.ReadAsync(item.Name, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
            }
        }

        await to.WriteAsync(ObjectName.Config, await from.ReadAsync(ObjectName.Config, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Every object of <paramref name="kind"/>, listed before any is touched.</summary>
    public static async Task<List<StoredObject>> ListAsync(IStorage storage, ObjectKind kind, CancellationToken cancellationToken)
    {
        var items = new List<StoredObject>();
        await foreach (var item in storage.ListAsync(kind, cancellationToken).ConfigureAwait(false))
        {
            items.Add(item);
        }

        return items;
    }
}
