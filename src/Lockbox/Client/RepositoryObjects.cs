using Lockbox.Storage;

namespace Lockbox.Client;

/// <summary>Whole-repository moves and deletions for disable and rotation; every delete removes every version, on S3.</summary>
internal static class RepositoryObjects
{
    // Locks, then snapshots, so that a half-deleted repository lists no snapshot whose data is gone.
    private static readonly ObjectKind[] ContentKinds = [ObjectKind.Lock, ObjectKind.Snapshot, ObjectKind.Index, ObjectKind.Pack];

    /// <summary>Deletes everything but the config (and the caller's own lock, which <paramref name="keep"/> recognises); returns how many objects went.</summary>
    public static async Task<int> DeleteContentAsync(IStorage storage, CancellationToken cancellationToken, Func<ObjectName, bool>? keep = null)
    {
        int deleted = 0;
        foreach (var kind in ContentKinds)
        {
            foreach (var item in await ListAsync(storage, kind, cancellationToken).ConfigureAwait(false))
            {
                if (keep is null || !keep(item.Name))
                {
                    await storage.DeleteAsync(item.Name, cancellationToken).ConfigureAwait(false);
                    deleted++;
                }
            }
        }

        return deleted;
    }

    /// <summary>Deletes every object, the config last, so a half-deleted repository still says what it was; returns how many went.</summary>
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

    /// <summary>Deletes everything a rotation left under <see cref="StorageChildren.Rotation"/>.</summary>
    public static async Task DeleteRotationCopyAsync(IStorage storage, CancellationToken cancellationToken)
    {
        var child = storage.Child(StorageChildren.Rotation);
        try
        {
            await DeleteAllAsync(child, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            (child as IDisposable)?.Dispose();
        }
    }

    /// <summary>
    /// Makes <paramref name="to"/> a copy of the repository in <paramref name="from"/>: its packs, index
    /// files and snapshots, then its config. The old config is deleted first (every version: it holds
    /// the old master key, wrapped), so the moment the new one is written <paramref name="to"/> is the
    /// new repository. Objects of those kinds that <paramref name="from"/> lacks are deleted.
    /// </summary>
    public static async Task CopyAllAsync(IStorage from, IStorage to, CancellationToken cancellationToken)
    {
        foreach (var kind in new[] { ObjectKind.Pack, ObjectKind.Index, ObjectKind.Snapshot })
        {
            var source = await ListAsync(from, kind, cancellationToken).ConfigureAwait(false);
            var present = (await ListAsync(to, kind, cancellationToken).ConfigureAwait(false)).ToDictionary(o => o.Name, o => o.Size);
            foreach (var item in source)
            {
                // One object at a time: memory stays at one pack. An interrupted run's copies are kept.
                if (!present.TryGetValue(item.Name, out long size) || size != item.Size)
                {
                    await to.WriteAsync(item.Name, await from.ReadAsync(item.Name, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
                }
            }

            var wanted = source.Select(o => o.Name).ToHashSet();
            foreach (var stray in present.Keys.Where(name => !wanted.Contains(name)))
            {
                await to.DeleteAsync(stray, cancellationToken).ConfigureAwait(false);
            }
        }

        byte[] config = await from.ReadAsync(ObjectName.Config, cancellationToken).ConfigureAwait(false);
        await to.DeleteAsync(ObjectName.Config, cancellationToken).ConfigureAwait(false);
        await to.WriteAsync(ObjectName.Config, config, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>How many repository objects (config included) the storage lists.</summary>
    public static async Task<int> CountAllAsync(IStorage storage, CancellationToken cancellationToken)
    {
        int count = await storage.ExistsAsync(ObjectName.Config, cancellationToken).ConfigureAwait(false) ? 1 : 0;
        foreach (var kind in ContentKinds)
        {
            count += (await ListAsync(storage, kind, cancellationToken).ConfigureAwait(false)).Count;
        }

        return count;
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
