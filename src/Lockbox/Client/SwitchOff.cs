using Lockbox.Device;
using Lockbox.Repository;
using Lockbox.Standard;
using Lockbox.Storage;
using Lockbox.Vault;

namespace Lockbox.Client;

/// <summary>
/// Turns end-to-end encryption off, the one meaning of disable: every encrypted snapshot is exported
/// as a standard backup, the vault's record is deleted, then the encrypted repository and the
/// device's key. Every step can be run again; nothing encrypted goes before its export is stored.
/// </summary>
internal sealed class SwitchOff(LockboxClientOptions options, DeviceFolder device, IProgress<LockboxProgress>? progress)
{
    private const string Operation = "disable";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        _cancellation = cancellationToken;
        var state = device.LoadState();
        if (state.Pending is { Operation: not Operation } other)
        {
            throw new OperationPendingException(other);
        }

        if (state.Pending is null && state.Mode == BackupMode.Standard)
        {
            throw new LockboxException("End-to-end encryption is not on; there is nothing to disable.");
        }

        using var key = device.LoadKey() ?? throw new LockboxException("This device does not hold the backup key, so it cannot turn end-to-end encryption off.");
        device.SaveState(state with { Pending = new PendingOperation(Operation, BackupMode.Standard, state.Pending?.Step ?? -1) });
        var standard = new StandardBackups(options.Storage);

        if (await options.Storage.ExistsAsync(ObjectName.Config, cancellationToken).ConfigureAwait(false))
        {
            using var repository = await Repository.Repository.OpenAsync(options.Storage, key, cancellationToken).ConfigureAwait(false);
            await ExportAsync(repository, standard, cancellationToken).ConfigureAwait(false);
        }

        if (state.Mode == BackupMode.Password)
        {
            Step(LockboxStep.DeletingVaultRecord, "Deleting the backup key from the key vault");
            try
            {
                await Vault().DisableAsync(key.Bytes.ToArray(), cancellationToken).ConfigureAwait(false);
            }
            catch (VaultKeyDestroyedException)
            {
                // Already gone: a previous run deleted it, or the guesses were used up.
            }
        }

        Step(LockboxStep.DeletingEncrypted, "Deleting the encrypted repository");
        await RepositoryEraser.DeleteAllAsync(options.Storage.Child(StorageChildren.Rotation), cancellationToken).ConfigureAwait(false);
        await RepositoryEraser.DeleteAllAsync(options.Storage, cancellationToken).ConfigureAwait(false);
        device.DeleteKeys();
        if (Directory.Exists(device.WorkFolder))
        {
            Directory.Delete(device.WorkFolder, recursive: true);
        }

        device.SaveState(new DeviceState { Mode = BackupMode.Standard });
        Step(LockboxStep.Done, "Back to standard backups: the storage provider can read them");
    }

    private async Task ExportAsync(Repository.Repository repository, StandardBackups standard, CancellationToken cancellationToken)
    {
        var exported = (await standard.ListAsync(cancellationToken).ConfigureAwait(false)).Select(s => s.Snapshot.Origin).ToHashSet(StringComparer.Ordinal);
        var pending = (await repository.ListSnapshotsAsync(cancellationToken).ConfigureAwait(false))
            .Where(s => !exported.Contains(SnapshotMover.ExportOrigin(s.Id))).ToList();
        var mover = new SnapshotMover(device, options);
        for (int i = 0; i < pending.Count; i++)
        {
            Step(LockboxStep.ExportingSnapshots, $"Exporting snapshot {pending[i].ShortId} ({pending[i].Snapshot.Time:yyyy-MM-dd HH:mm}) as a standard backup", i, pending.Count);
            await mover.ExportAsync(repository, pending[i], standard, cancellationToken).ConfigureAwait(false);
        }
    }

    private VaultClient Vault() => options.Vault ?? throw new LockboxException("Password mode is on, but no key vault is configured to delete the key from.");

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
