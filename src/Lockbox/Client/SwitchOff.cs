using Lockbox.Device;
using Lockbox.Repository;
using Lockbox.Standard;
using Lockbox.Storage;
using Lockbox.Vault.Client;

namespace Lockbox.Client;

/// <summary>
/// Turns end-to-end encryption off, the one meaning of disable (docs/FORMAT.md §16): every encrypted
/// snapshot is exported as a standard backup and read back, then the vault's record, the encrypted
/// repository and the device's key are deleted. The repository is locked exclusively meanwhile, so no
/// other device's backup slips in after the export.
/// </summary>
internal sealed class SwitchOff(
    LockboxClientOptions options, DeviceFolder device, IProgress<LockboxProgress>? progress, Func<Keys.BackupKey, CancellationToken, Task> deleteEscrow)
    : ResumableOperation(device, progress, "disable")
{
    protected override IReadOnlyList<LockboxStep> Order { get; } =
        [LockboxStep.ExportingSnapshots, LockboxStep.Verifying, LockboxStep.DeletingVaultRecord, LockboxStep.DeletingEncrypted, LockboxStep.ForgettingKey];

    /// <summary>An unfinished enable is undone: disable is the way back to standard backups from any point.</summary>
    protected override bool CanTakeOver(PendingOperation other) => other.Operation == "enable";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var state = Begin(cancellationToken);
        if (state.Pending is null && state.Mode == BackupMode.Standard)
        {
            throw new LockboxException("End-to-end encryption is not on; there is nothing to disable.");
        }

        if (Reached(LockboxStep.ForgettingKey))
        {
            // The repository is gone; only the device's key (perhaps half erased) and cache remain.
            ForgetKey();
            Finish(BackupMode.Standard, "Back to standard backups: the storage provider can read them");
            return;
        }

        bool undoingEnable = state.Pending is { Operation: "enable" };
        using var key = Device.LoadKey();
        if (key is null)
        {
            if (undoingEnable)
            {
                // The enable stopped before it saved a key: nothing was encrypted or escrowed.
                Finish(BackupMode.Standard, "Back to standard backups: the storage provider can read them");
                return;
            }

            throw new LockboxException("This device does not hold the backup key, so it cannot turn end-to-end encryption off.");
        }

        bool wasPassword = state.Mode == BackupMode.Password || state.Pending?.Mode == BackupMode.Password;
        bool vaultToDo = wasPassword && !Reached(LockboxStep.DeletingEncrypted);
        if (vaultToDo && options.Vault is null)
        {
            throw new LockboxException("Password mode is on, but no key vault is configured to delete the key from. Nothing was changed.");
        }

        var storage = options.Storage;
        if (await storage.ExistsAsync(ObjectName.Config, cancellationToken).ConfigureAwait(false))
        {
            using var repository = await Repository.Repository.OpenAsync(storage, key, cancellationToken).ConfigureAwait(false);
            var hold = await RepositoryLock.AcquireAsync(repository, exclusive: true, options.Time, cancellationToken).ConfigureAwait(false);
            await using (hold.ConfigureAwait(false))
            {
                var standard = new StandardBackups(storage);
                var exported = await ExportAsync(repository, standard, cancellationToken).ConfigureAwait(false);

                Enter(LockboxStep.Verifying, BackupMode.Standard, "Reading back the standard backups");
                await standard.VerifyAsync(exported, cancellationToken).ConfigureAwait(false);

                await DeleteVaultRecordAsync(key, vaultToDo, cancellationToken).ConfigureAwait(false);
                Enter(LockboxStep.DeletingEncrypted, BackupMode.Standard, "Deleting the encrypted repository");
                await RepositoryObjects.DeleteRotationCopyAsync(storage, cancellationToken).ConfigureAwait(false);

                // Everything goes while the lock is held, the config last; releasing the lock deletes it.
                await RepositoryObjects.DeleteContentAsync(storage, cancellationToken, keep: hold.Owns).ConfigureAwait(false);
                await storage.DeleteAsync(ObjectName.Config, cancellationToken).ConfigureAwait(false);
            }
        }
        else
        {
            await DeleteVaultRecordAsync(key, vaultToDo, cancellationToken).ConfigureAwait(false);
            Enter(LockboxStep.DeletingEncrypted, BackupMode.Standard, "Deleting the encrypted repository");
            await RepositoryObjects.DeleteAllAsync(storage, cancellationToken).ConfigureAwait(false);
        }

        if (await RepositoryObjects.CountAllAsync(storage, cancellationToken).ConfigureAwait(false) is > 0 and var left)
        {
            throw new LockboxException($"{left} object(s) of the encrypted repository are still listed after deletion; run the command again to delete them.");
        }

        Enter(LockboxStep.ForgettingKey, BackupMode.Standard, "Forgetting the backup key on this device");
        ForgetKey();
        Finish(BackupMode.Standard, "Back to standard backups: the storage provider can read them");
    }

    private void ForgetKey()
    {
        Device.DeleteKeys();
        if (Directory.Exists(Device.CacheFolder))
        {
            Directory.Delete(Device.CacheFolder, recursive: true);
        }
    }

    /// <summary>Exports every snapshot without a standard copy; returns the standard copies of all of them.</summary>
    private async Task<List<StandardSnapshotInfo>> ExportAsync(Repository.Repository repository, StandardBackups standard, CancellationToken cancellationToken)
    {
        Enter(LockboxStep.ExportingSnapshots, BackupMode.Standard, "Exporting the encrypted snapshots as standard backups");
        var snapshots = await repository.ListSnapshotsAsync(cancellationToken).ConfigureAwait(false);
        var origins = snapshots.Select(s => SnapshotMover.ExportOrigin(s.Id)).ToHashSet(StringComparer.Ordinal);
        var standards = await standard.ListAsync(cancellationToken).ConfigureAwait(false);
        var copies = standards.Where(s => s.Snapshot.Origin is { } o && origins.Contains(o)).ToList();
        var done = copies.Select(s => s.Snapshot.Origin).ToHashSet(StringComparer.Ordinal);

        // An unfinished enable may have left the standard snapshot an encrypted one was imported from: that one is its copy.
        var originals = standards.ToDictionary(s => SnapshotMover.ImportTag(s.Id), StringComparer.Ordinal);
        var pending = new List<SnapshotInfo>();
        foreach (var snapshot in snapshots.Where(s => !done.Contains(SnapshotMover.ExportOrigin(s.Id))))
        {
            if (snapshot.Snapshot.Tags.FirstOrDefault(originals.ContainsKey) is { } tag)
            {
                copies.Add(originals[tag]);
            }
            else
            {
                pending.Add(snapshot);
            }
        }

        var mover = new SnapshotMover(Device, options);
        for (int i = 0; i < pending.Count; i++)
        {
            Report(LockboxStep.ExportingSnapshots, $"Exporting snapshot {pending[i].ShortId} ({pending[i].Snapshot.Time:yyyy-MM-dd HH:mm}) as a standard backup", i, pending.Count);
            copies.Add(await mover.ExportAsync(repository, pending[i], standard, cancellationToken).ConfigureAwait(false));
        }

        return copies;
    }

    private async Task DeleteVaultRecordAsync(Keys.BackupKey key, bool toDo, CancellationToken cancellationToken)
    {
        if (!toDo)
        {
            return;
        }

        Enter(LockboxStep.DeletingVaultRecord, BackupMode.Standard, "Deleting the backup key from the key vault");
        await deleteEscrow(key, cancellationToken).ConfigureAwait(false);
    }
}
