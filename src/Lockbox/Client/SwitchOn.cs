using Lockbox.Device;
using Lockbox.Keys;
using Lockbox.Repository;
using Lockbox.Standard;
using Lockbox.Storage;

namespace Lockbox.Client;

/// <summary>
/// Turns end-to-end encryption on (docs/FORMAT.md §16). Unencrypted objects are deleted only after
/// every unencrypted snapshot has been imported, the encrypted repository has verified blob by blob,
/// and the key has been shown to be recoverable. Every step can be run again, so an interrupted
/// switch is finished by running it again; the device records the last step done.
/// </summary>
internal sealed class SwitchOn(LockboxClientOptions options, DeviceFolder device, IProgress<LockboxProgress>? progress)
{
    private const string Operation = "enable";

    /// <summary>Proves the key can be recovered before anything unencrypted is deleted; throws when it cannot.</summary>
    public delegate Task KeyConfirmation(BackupKey key, CancellationToken cancellationToken);

    public async Task RunAsync(BackupMode mode, KeyConfirmation confirm, Func<BackupKey, CancellationToken, Task>? leaveOldMode, CancellationToken cancellationToken)
    {
        _cancellation = cancellationToken;
        var state = device.LoadState();
        if (state.Pending is { Operation: not Operation } other)
        {
            throw new OperationPendingException(other);
        }

        if (state.Pending is null && state.Mode == mode)
        {
            throw new LockboxException(mode == BackupMode.Password
                ? "Password mode is already on. To set a new password, use `password change`."
                : "64-digit key mode is already on. `key show` prints the key.");
        }

        int done = state.Pending?.Step ?? -1;
        BackupMode from = state.Mode;
        Step(LockboxStep.PreparingKey, "Preparing the backup key on this device");
        using var key = device.LoadKey() ?? NewKey();
        Save(mode, LockboxStep.PreparingKey);

        Step(LockboxStep.CreatingRepository, "Opening the encrypted repository");
        using var repository = await OpenOrCreateAsync(key, cancellationToken).ConfigureAwait(false);
        Save(mode, LockboxStep.CreatingRepository);

        Step(LockboxStep.ConfirmingKey, mode == BackupMode.Password ? "Escrowing the key and logging in to the vault with it" : "Confirming you have the 64-digit key");
        await confirm(key, cancellationToken).ConfigureAwait(false);
        if (leaveOldMode is not null && from != BackupMode.Standard && from != mode)
        {
            await leaveOldMode(key, cancellationToken).ConfigureAwait(false);
        }

        Save(mode, LockboxStep.ConfirmingKey);

        var standard = new StandardBackups(options.Storage);
        var mover = new SnapshotMover(device, options);
        bool imported = await ImportAsync(standard, repository, mover, cancellationToken).ConfigureAwait(false);
        Save(mode, LockboxStep.ImportingSnapshots);

        if (options.ChatStore is not null && done < (int)LockboxStep.BackingUpStore)
        {
            Step(LockboxStep.BackingUpStore, "Backing up the chat store, end-to-end encrypted");
            await repository.BackupAsync(
                new Backup.BackupRequest(options.ChatStore) { Hostname = options.Hostname, CacheFolder = device.CacheFolder, Time = options.Time }, cancellationToken)
                .ConfigureAwait(false);
            imported = true;
        }

        Save(mode, LockboxStep.BackingUpStore);
        if (imported || done < (int)LockboxStep.Verifying)
        {
            await VerifyAsync(repository, standard, cancellationToken).ConfigureAwait(false);
        }

        Save(mode, LockboxStep.Verifying);

        // A standard backup made meanwhile (by another device) must be imported before anything goes.
        if ((await Unimported(standard, repository, cancellationToken).ConfigureAwait(false)).Count > 0)
        {
            await ImportAsync(standard, repository, mover, cancellationToken).ConfigureAwait(false);
            await VerifyAsync(repository, standard, cancellationToken).ConfigureAwait(false);
        }

        var (objects, bytes) = await standard.CountAsync(cancellationToken).ConfigureAwait(false);
        Step(LockboxStep.DeletingUnencrypted, $"Deleting {objects} unencrypted object(s), {bytes / 1048576.0:F1} MiB, from the storage (every version)");
        await standard.DeleteAllAsync(cancellationToken).ConfigureAwait(false);
        Save(mode, LockboxStep.DeletingUnencrypted);

        Step(LockboxStep.ConfirmingDeletion, "Listing the storage to confirm no unencrypted object remains");
        var (left, _) = await standard.CountAsync(cancellationToken).ConfigureAwait(false);
        if (left > 0)
        {
            throw new LockboxException($"{left} unencrypted object(s) are still listed after deletion; run the command again to delete them.");
        }

        if (Directory.Exists(device.WorkFolder))
        {
            Directory.Delete(device.WorkFolder, recursive: true);
        }

        device.SaveState(new DeviceState { Mode = mode });
        Step(LockboxStep.Done, "End-to-end encryption is on");
    }

    private BackupKey NewKey()
    {
        var key = BackupKey.Generate();
        // Saved before anything is encrypted under it: an interruption can never strand data under a lost key.
        device.SaveKey(key);
        return key;
    }

    private async Task<Repository.Repository> OpenOrCreateAsync(BackupKey key, CancellationToken cancellationToken)
    {
        if (await options.Storage.ExistsAsync(ObjectName.Config, cancellationToken).ConfigureAwait(false))
        {
            return await Repository.Repository.OpenAsync(options.Storage, key, cancellationToken).ConfigureAwait(false);
        }

        return await Repository.Repository.InitAsync(options.Storage, key, options.Time, cancellationToken).ConfigureAwait(false);
    }

    private async Task<bool> ImportAsync(StandardBackups standard, Repository.Repository repository, SnapshotMover mover, CancellationToken cancellationToken)
    {
        var pending = await Unimported(standard, repository, cancellationToken).ConfigureAwait(false);
        for (int i = 0; i < pending.Count; i++)
        {
            Step(LockboxStep.ImportingSnapshots, $"Importing unencrypted snapshot {pending[i].Id[..8]} ({pending[i].Snapshot.Time:yyyy-MM-dd HH:mm})", i, pending.Count);
            await mover.ImportAsync(standard, pending[i], repository, cancellationToken).ConfigureAwait(false);
        }

        return pending.Count > 0;
    }

    private static async Task<List<StandardSnapshotInfo>> Unimported(StandardBackups standard, Repository.Repository repository, CancellationToken cancellationToken)
    {
        var tags = (await repository.ListSnapshotsAsync(cancellationToken).ConfigureAwait(false)).SelectMany(s => s.Snapshot.Tags).ToHashSet(StringComparer.Ordinal);
        return [.. (await standard.ListAsync(cancellationToken).ConfigureAwait(false)).Where(s => !tags.Contains(SnapshotMover.ImportTag(s.Id)))];
    }

    private async Task VerifyAsync(Repository.Repository repository, StandardBackups standard, CancellationToken cancellationToken)
    {
        Step(LockboxStep.Verifying, "Verifying the encrypted backup: reading back and authenticating every blob");
        var check = await repository.CheckAsync(readData: true, cancellationToken).ConfigureAwait(false);
        var errors = new List<string>(check.Errors);
        var snapshots = await repository.ListSnapshotsAsync(cancellationToken).ConfigureAwait(false);
        foreach (var original in await standard.ListAsync(cancellationToken).ConfigureAwait(false))
        {
            var copy = snapshots.FirstOrDefault(s => s.Snapshot.Tags.Contains(SnapshotMover.ImportTag(original.Id)));
            if (copy is null)
            {
                errors.Add($"standard snapshot {original.Id[..8]} has no encrypted copy");
                continue;
            }

            var files = await repository.LoadFileSizesAsync(copy, cancellationToken).ConfigureAwait(false);
            foreach (var file in original.Snapshot.Files)
            {
                if (!files.TryGetValue(file.Path, out long size) || size != file.Size)
                {
                    errors.Add($"{file.Path} of standard snapshot {original.Id[..8]} is missing or differs in its encrypted copy {copy.ShortId}");
                }
            }
        }

        if (errors.Count > 0)
        {
            throw new VerificationFailedException(errors);
        }
    }

    private void Save(BackupMode mode, LockboxStep step)
    {
        var state = device.LoadState();
        if (state.Pending is null || state.Pending.Step < (int)step || state.Pending.Mode != mode)
        {
            device.SaveState(state with { Pending = new PendingOperation(Operation, mode, Math.Max((int)step, state.Pending?.Step ?? -1)) });
        }
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
