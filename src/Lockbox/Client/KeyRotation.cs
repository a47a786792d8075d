using Lockbox.Device;
using Lockbox.Keys;
using Lockbox.Repository;
using Lockbox.Storage;

namespace Lockbox.Client;

/// <summary>
/// Replaces the backup key (docs/FORMAT.md §17). Every snapshot is re-encrypted into a new
/// repository built in the storage's "rotation" child, which is verified and whose key is shown
/// recoverable before the old repository is deleted; then the new one is copied into place, config
/// last, and the child removed. The device keeps both keys until the end, and records each step.
/// </summary>
internal sealed class KeyRotation(LockboxClientOptions options, DeviceFolder device, IProgress<LockboxProgress>? progress)
{
    private const string Operation = "rotate";

    public async Task RunAsync(SwitchOn.KeyConfirmation confirmNewKey, CancellationToken cancellationToken)
    {
        _cancellation = cancellationToken;
        var state = device.LoadState();
        if (state.Pending is { Operation: not Operation } other)
        {
            throw new OperationPendingException(other);
        }

        if (state.Mode == BackupMode.Standard)
        {
            throw new LockboxException("End-to-end encryption is not on; there is no key to rotate.");
        }

        int done = state.Pending?.Step ?? -1;
        Step(LockboxStep.PreparingKey, "Preparing the new backup key on this device");
        using var oldKey = device.LoadKey() ?? throw new LockboxException("This device does not hold the backup key, so it cannot rotate it.");
        using var newKey = device.LoadNextKey() ?? NewKey();
        Save(state, LockboxStep.PreparingKey);
        var child = options.Storage.Child(StorageChildren.Rotation);
        try
        {
            if (done < (int)LockboxStep.DeletingEncrypted)
            {
                await BuildAsync(oldKey, newKey, child, cancellationToken).ConfigureAwait(false);
                Save(state, LockboxStep.Verifying);

                Step(LockboxStep.ConfirmingKey, state.Mode == BackupMode.Password ? "Escrowing the new key and logging in to the vault with it" : "Confirming you have the new 64-digit key");
                await confirmNewKey(newKey, cancellationToken).ConfigureAwait(false);
                Save(state, LockboxStep.ConfirmingKey);

                Step(LockboxStep.DeletingEncrypted, "Deleting the repository under the old key");
                await RepositoryEraser.DeleteContentAsync(options.Storage, cancellationToken).ConfigureAwait(false);
                Save(state, LockboxStep.DeletingEncrypted);
            }

            if (done < (int)LockboxStep.MovingRepository)
            {
                Step(LockboxStep.MovingRepository, "Moving the new repository into place");
                await RepositoryEraser.CopyAllAsync(child, options.Storage, cancellationToken).ConfigureAwait(false);
                Save(state, LockboxStep.MovingRepository);
            }

            await RepositoryEraser.DeleteAllAsync(child, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            (child as IDisposable)?.Dispose();
        }

        device.PromoteNextKey();
        device.SaveState(new DeviceState { Mode = state.Mode });
        Step(LockboxStep.Done, "The backup key is replaced; the old key opens nothing");
    }

    private async Task BuildAsync(BackupKey oldKey, BackupKey newKey, IStorage child, CancellationToken cancellationToken)
    {
        using var from = await Repository.Repository.OpenAsync(options.Storage, oldKey, cancellationToken).ConfigureAwait(false);
        using var to = await ExistsAsync(child, cancellationToken).ConfigureAwait(false)
            ? await Repository.Repository.OpenAsync(child, newKey, cancellationToken).ConfigureAwait(false)
            : await Repository.Repository.InitAsync(child, newKey, options.Time, cancellationToken).ConfigureAwait(false);

        // A snapshot an interrupted run already copied has the same time, device, tags and size; each is
        // copied once (counted, so that two alike snapshots are both copied).
        var copied = (await to.ListSnapshotsAsync(cancellationToken).ConfigureAwait(false)).GroupBy(Identity).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var pending = new List<SnapshotInfo>();
        foreach (var snapshot in await from.ListSnapshotsAsync(cancellationToken).ConfigureAwait(false))
        {
            if (copied.TryGetValue(Identity(snapshot), out int left) && left > 0)
            {
                copied[Identity(snapshot)] = left - 1;
                continue;
            }

            pending.Add(snapshot);
        }

        var mover = new SnapshotMover(device, options);
        for (int i = 0; i < pending.Count; i++)
        {
            Step(LockboxStep.CopyingSnapshots, $"Re-encrypting snapshot {pending[i].ShortId} ({pending[i].Snapshot.Time:yyyy-MM-dd HH:mm}) under the new key", i, pending.Count);
            await mover.CopyAsync(from, pending[i], to, cancellationToken).ConfigureAwait(false);
        }

        Step(LockboxStep.Verifying, "Verifying the new repository: reading back and authenticating every blob");
        var check = await to.CheckAsync(readData: true, cancellationToken).ConfigureAwait(false);
        int expected = (await from.ListSnapshotsAsync(cancellationToken).ConfigureAwait(false)).Count;
        if (!check.IsHealthy || check.Snapshots != expected)
        {
            throw new VerificationFailedException(check.IsHealthy ? [$"the new repository holds {check.Snapshots} snapshot(s), not {expected}"] : check.Errors);
        }
    }

    private static string Identity(SnapshotInfo s) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{s.Snapshot.Time:O}|{s.Snapshot.Hostname}|{string.Join(',', s.Snapshot.Tags)}|{s.Snapshot.Summary.Files}|{s.Snapshot.Summary.Bytes}");

    private static Task<bool> ExistsAsync(IStorage storage, CancellationToken cancellationToken) => storage.ExistsAsync(ObjectName.Config, cancellationToken);

    private BackupKey NewKey()
    {
        var key = BackupKey.Generate();
        device.SaveNextKey(key);
        return key;
    }

    private void Save(DeviceState state, LockboxStep step)
    {
        var current = device.LoadState();
        int last = Math.Max((int)step, current.Pending?.Step ?? -1);
        device.SaveState(state with { Pending = new PendingOperation(Operation, state.Mode, last) });
    }

    private CancellationToken _cancellation;

    /// <summary>Reports the step, then stops if cancelled: an interruption lands at a step boundary, before the step's work.</summary>
    private void Step(LockboxStep step, string description, long done = 0, long total = 0)
    {
        progress?.Report(new LockboxProgress(step, description, done, total));
        if (step != LockboxStep.Done)
        {
            _cancellation.ThrowIfCancellationRequested();
        }
    }
}
