using Lockbox.Device;
using Lockbox.Keys;
using Lockbox.Repository;
using Lockbox.Storage;

namespace Lockbox.Client;

/// <summary>
/// Replaces the backup key (docs/FORMAT.md §17). Every snapshot is re-encrypted into a new repository
/// in the storage's "rotation" child, which must verify, and whose key must be shown recoverable,
/// before the old repository is deleted; the new one is then copied into place, config last, and
/// verified there before the child goes. The old repository is locked exclusively until it is
/// replaced, and the device keeps both keys until the end.
/// </summary>
internal sealed class KeyRotation(LockboxClientOptions options, DeviceFolder device, IProgress<LockboxProgress>? progress)
    : ResumableOperation(device, progress, "rotate")
{
    protected override IReadOnlyList<LockboxStep> Order { get; } =
    [
        LockboxStep.PreparingKey, LockboxStep.CopyingSnapshots, LockboxStep.Verifying, LockboxStep.ConfirmingKey,
        LockboxStep.DeletingEncrypted, LockboxStep.MovingRepository, LockboxStep.SwitchingKey,
    ];

    public async Task RunAsync(KeyConfirmation confirmNewKey, CancellationToken cancellationToken)
    {
        var state = Begin(cancellationToken);
        var mode = state.Mode;
        if (mode == BackupMode.Standard)
        {
            throw new LockboxException("End-to-end encryption is not on; there is no key to rotate.");
        }

        using var next = Device.LoadNextKey();
        if (state.Pending is not null && next is null)
        {
            // The next key is saved before the rotation is first recorded, and removed only by
            // promoting it: the previous run got that far, and the device key is already the new one.
            await RepositoryObjects.DeleteRotationCopyAsync(options.Storage, cancellationToken).ConfigureAwait(false);
            using (var promoted = Device.LoadKey() ?? throw new LockboxException("This device does not hold the backup key."))
            {
                await PruneCacheAsync(promoted, cancellationToken).ConfigureAwait(false);
            }

            Finish(mode, "The backup key is replaced; the old key opens nothing");
            return;
        }

        using var oldKey = Device.LoadKey() ?? throw new LockboxException("This device does not hold the backup key, so it cannot rotate it.");
        if (state.Pending is null)
        {
            // Before anything is recorded: a key gone stale (another device rotated it) stops here, not half way.
            await Repository.Repository.CheckKeyAsync(options.Storage, oldKey, cancellationToken).ConfigureAwait(false);
        }

        using var newKey = next ?? NewKey();
        Enter(LockboxStep.PreparingKey, mode, "Preparing the new backup key on this device");

        var child = options.Storage.Child(StorageChildren.Rotation);
        try
        {
            if (!Reached(LockboxStep.SwitchingKey))
            {
                if (!Reached(LockboxStep.MovingRepository))
                {
                    await ReplaceAsync(oldKey, newKey, child, mode, confirmNewKey, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    // Resumed after the old repository went: the killed run's lock, sealed under the old key, goes too.
                    await MoveAsync(child, mode, cancellationToken).ConfigureAwait(false);
                    foreach (var stale in await RepositoryObjects.ListAsync(options.Storage, ObjectKind.Lock, cancellationToken).ConfigureAwait(false))
                    {
                        await options.Storage.DeleteAsync(stale.Name, cancellationToken).ConfigureAwait(false);
                    }
                }

                // The child stays whole until the copy in place has verified.
                await VerifyAsync(options.Storage, newKey, await CountSnapshotsAsync(child, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
                Enter(LockboxStep.SwitchingKey, mode, "Switching this device to the new key");
            }

            await RepositoryObjects.DeleteAllAsync(child, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            (child as IDisposable)?.Dispose();
        }

        Device.PromoteNextKey();
        await PruneCacheAsync(newKey, cancellationToken).ConfigureAwait(false);
        Finish(mode, "The backup key is replaced; the old key opens nothing");
    }

    /// <summary>Under an exclusive lock on the old repository: build, verify and confirm the new one, delete the old, move the new in.</summary>
    private async Task ReplaceAsync(BackupKey oldKey, BackupKey newKey, IStorage child, BackupMode mode, KeyConfirmation confirmNewKey, CancellationToken cancellationToken)
    {
        using var old = await Repository.Repository.OpenAsync(options.Storage, oldKey, cancellationToken).ConfigureAwait(false);
        var hold = await RepositoryLock.AcquireAsync(old, exclusive: true, options.Time, cancellationToken).ConfigureAwait(false);
        await using (hold.ConfigureAwait(false))
        {
            if (!Reached(LockboxStep.DeletingEncrypted))
            {
                await BuildAsync(old, newKey, child, mode, cancellationToken).ConfigureAwait(false);
                Enter(LockboxStep.ConfirmingKey, mode, mode == BackupMode.Password ? "Escrowing the new key and logging in to the vault with it" : "Confirming you have the new 64-digit key");
                await confirmNewKey(newKey, cancellationToken).ConfigureAwait(false);
            }

            Enter(LockboxStep.DeletingEncrypted, mode, "Deleting the repository under the old key");
            await RepositoryObjects.DeleteContentAsync(options.Storage, cancellationToken, keep: hold.Owns).ConfigureAwait(false);
            await MoveAsync(child, mode, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task BuildAsync(Repository.Repository from, BackupKey newKey, IStorage child, BackupMode mode, CancellationToken cancellationToken)
    {
        Enter(LockboxStep.CopyingSnapshots, mode, "Re-encrypting every snapshot under the new key");
        using var to = await child.ExistsAsync(ObjectName.Config, cancellationToken).ConfigureAwait(false)
            ? await Repository.Repository.OpenAsync(child, newKey, cancellationToken).ConfigureAwait(false)
            : await Repository.Repository.InitAsync(child, newKey, options.Time, cancellationToken).ConfigureAwait(false);

        // A snapshot an interrupted run already copied has the same time, device, tags and size; each is
        // copied once (counted, so that two alike snapshots are both copied).
        var copied = (await to.ListSnapshotsAsync(cancellationToken).ConfigureAwait(false)).GroupBy(Identity).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var snapshots = await from.ListSnapshotsAsync(cancellationToken).ConfigureAwait(false);
        var pending = new List<SnapshotInfo>();
        foreach (var snapshot in snapshots)
        {
            if (copied.TryGetValue(Identity(snapshot), out int left) && left > 0)
            {
                copied[Identity(snapshot)] = left - 1;
                continue;
            }

            pending.Add(snapshot);
        }

        var mover = new SnapshotMover(Device, options);
        for (int i = 0; i < pending.Count; i++)
        {
            Report(LockboxStep.CopyingSnapshots, $"Re-encrypting snapshot {pending[i].ShortId} ({pending[i].Snapshot.Time:yyyy-MM-dd HH:mm}) under the new key", i, pending.Count);
            await mover.CopyAsync(from, pending[i], to, cancellationToken).ConfigureAwait(false);
        }

        Enter(LockboxStep.Verifying, mode, "Verifying the new repository: reading back and authenticating every blob");
        await VerifyAsync(child, newKey, snapshots.Count, cancellationToken).ConfigureAwait(false);
    }

    private async Task MoveAsync(IStorage child, BackupMode mode, CancellationToken cancellationToken)
    {
        Enter(LockboxStep.MovingRepository, mode, "Moving the new repository into place");
        await RepositoryObjects.CopyAllAsync(child, options.Storage, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Every blob of the repository under <paramref name="key"/> authenticates, and it holds <paramref name="expected"/> snapshots.</summary>
    private static async Task VerifyAsync(IStorage storage, BackupKey key, int expected, CancellationToken cancellationToken)
    {
        using var repository = await Repository.Repository.OpenAsync(storage, key, cancellationToken).ConfigureAwait(false);
        var check = await repository.CheckHoldingLockAsync(readData: true, cancellationToken).ConfigureAwait(false);
        if (!check.IsHealthy || check.Snapshots != expected)
        {
            throw new VerificationFailedException(check.IsHealthy ? [$"the new repository holds {check.Snapshots} snapshot(s), not {expected}"] : check.Errors);
        }
    }

    /// <summary>How many snapshot objects the storage lists: counted, not opened.</summary>
    private static async Task<int> CountSnapshotsAsync(IStorage storage, CancellationToken cancellationToken) =>
        (await RepositoryObjects.ListAsync(storage, ObjectKind.Snapshot, cancellationToken).ConfigureAwait(false)).Count;

    /// <summary>Deletes the base copies kept for repositories other than the current one: plaintext the device no longer needs.</summary>
    private async Task PruneCacheAsync(BackupKey key, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(Device.CacheFolder))
        {
            return;
        }

        string id = await Repository.Repository.CheckKeyAsync(options.Storage, key, cancellationToken).ConfigureAwait(false);
        string keep = Path.GetFileName(Backup.CacheFolders.Resolve(Device.CacheFolder, id));
        foreach (string folder in Directory.EnumerateDirectories(Device.CacheFolder))
        {
            if (Path.GetFileName(folder) != keep)
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    private static string Identity(SnapshotInfo s) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{s.Snapshot.Time:O}|{s.Snapshot.Hostname}|{string.Join(',', s.Snapshot.Tags)}|{s.Snapshot.Summary.Files}|{s.Snapshot.Summary.Bytes}");

    private BackupKey NewKey()
    {
        var key = BackupKey.Generate();
        Device.SaveNextKey(key);
        return key;
    }
}
