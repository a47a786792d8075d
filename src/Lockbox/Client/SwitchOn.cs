using Lockbox.Device;
using Lockbox.Keys;
using Lockbox.Repository;
using Lockbox.Standard;
using Lockbox.Storage;

namespace Lockbox.Client;

/// <summary>
/// Turns end-to-end encryption on (docs/FORMAT.md §16). A standard snapshot is deleted only after it
/// has been imported and the encrypted repository has verified blob by blob in the same run, and
/// only once the key has been shown to be recoverable. Running it again finishes an interrupted switch.
/// </summary>
internal sealed class SwitchOn(LockboxClientOptions options, DeviceFolder device, IProgress<LockboxProgress>? progress)
    : ResumableOperation(device, progress, "enable")
{
    protected override IReadOnlyList<LockboxStep> Order { get; } =
    [
        LockboxStep.PreparingKey, LockboxStep.CreatingRepository, LockboxStep.ConfirmingKey, LockboxStep.ImportingSnapshots,
        LockboxStep.BackingUpStore, LockboxStep.Verifying, LockboxStep.DeletingUnencrypted, LockboxStep.ConfirmingDeletion,
    ];

    /// <param name="mode">Key or password.</param>
    /// <param name="confirm">Proves the key can be recovered; throws when it cannot.</param>
    /// <param name="recheck">Checks, just before unencrypted objects are deleted, that the key is still recoverable.</param>
    /// <param name="leavePasswordMode">Deletes the escrow, when switching from password mode to key mode.</param>
    /// <param name="cancellationToken">Stops the switch at the next step boundary.</param>
    public async Task RunAsync(BackupMode mode, KeyConfirmation confirm, KeyConfirmation? recheck, KeyConfirmation? leavePasswordMode, CancellationToken cancellationToken)
    {
        var state = Begin(cancellationToken);
        if (state.Pending is null && state.Mode == mode)
        {
            throw new LockboxException(mode == BackupMode.Password
                ? "Password mode is already on. To set a new password, use `password change`."
                : "64-digit key mode is already on. `key show` prints the key.");
        }

        bool wasPassword = state.Mode == BackupMode.Password || state.Pending?.Mode == BackupMode.Password;
        var storage = options.Storage;
        using var existing = Device.LoadKey();
        if (state.Pending is null && await storage.ExistsAsync(ObjectName.Config, cancellationToken).ConfigureAwait(false))
        {
            // Checked before anything is written: another device already turned encryption on here,
            // or this device's key went stale (another device rotated it).
            if (existing is null)
            {
                throw new LockboxException(
                    "End-to-end encryption is already on for these backups, turned on from another device. Restore on this device with `restore --password` or `restore --key-file` to use them.");
            }

            await Repository.Repository.CheckKeyAsync(storage, existing, cancellationToken).ConfigureAwait(false);
        }

        Enter(LockboxStep.PreparingKey, mode, "Preparing the backup key on this device");
        using var key = existing ?? NewKey();

        Enter(LockboxStep.CreatingRepository, mode, "Opening the encrypted repository");
        using var repository = await storage.ExistsAsync(ObjectName.Config, cancellationToken).ConfigureAwait(false)
            ? await Repository.Repository.OpenAsync(storage, key, cancellationToken).ConfigureAwait(false)
            : await Repository.Repository.InitAsync(storage, key, options.Time, cancellationToken).ConfigureAwait(false);

        Enter(LockboxStep.ConfirmingKey, mode, mode == BackupMode.Password ? "Escrowing the key and logging in to the vault with it" : "Confirming you have the 64-digit key");
        await confirm(key, cancellationToken).ConfigureAwait(false);
        if (mode == BackupMode.Key && wasPassword && leavePasswordMode is not null)
        {
            await leavePasswordMode(key, cancellationToken).ConfigureAwait(false);
        }

        var standard = new StandardBackups(storage);
        bool storeBackedUp = Reached(LockboxStep.Verifying);
        while (true)
        {
            Enter(LockboxStep.ImportingSnapshots, mode, "Importing the unencrypted snapshots");
            await ImportAsync(standard, repository, cancellationToken).ConfigureAwait(false);

            if (options.ChatStore is not null && !storeBackedUp)
            {
                Enter(LockboxStep.BackingUpStore, mode, "Backing up the chat store, end-to-end encrypted");
                await repository.BackupAsync(
                    new Backup.BackupRequest(options.ChatStore) { Hostname = options.Hostname, CacheFolder = Device.CacheFolder, Time = options.Time }, cancellationToken)
                    .ConfigureAwait(false);
                storeBackedUp = true;
            }

            Enter(LockboxStep.Verifying, mode, "Verifying the encrypted backup: reading back and authenticating every blob");
            var verified = await VerifyAsync(storage, key, standard, cancellationToken).ConfigureAwait(false);

            // The key must still be recoverable now, not only when it was confirmed (the escrow can be
            // destroyed meanwhile by someone burning the guesses).
            if (recheck is not null)
            {
                await recheck(key, cancellationToken).ConfigureAwait(false);
            }

            var (_, objects, bytes) = await standard.CountAsync(cancellationToken).ConfigureAwait(false);
            Enter(LockboxStep.DeletingUnencrypted, mode, $"Deleting {objects} unencrypted object(s), {bytes / 1048576.0:F1} MiB, from the storage (every version)");
            // Only manifests verified above go; one that appeared meanwhile (another device still in
            // standard mode) sends the switch round again. A backup still uploading when its pieces go
            // finds the repository before it writes its manifest, and stops (StandardBackups).
            if (await standard.DeleteAsync(verified, cancellationToken).ConfigureAwait(false) == 0)
            {
                break;
            }
        }

        Enter(LockboxStep.ConfirmingDeletion, mode, "Listing the storage to confirm no unencrypted object remains");
        var (_, left, _) = await standard.CountAsync(cancellationToken).ConfigureAwait(false);
        if (left > 0)
        {
            throw new LockboxException($"{left} unencrypted object(s) are still listed after deletion; run the command again to delete them.");
        }

        Finish(mode, "End-to-end encryption is on");
    }

    private BackupKey NewKey()
    {
        var key = BackupKey.Generate();
        // Saved before anything is encrypted under it: an interruption can never strand data under a lost key.
        Device.SaveKey(key);
        return key;
    }

    private async Task ImportAsync(StandardBackups standard, Repository.Repository repository, CancellationToken cancellationToken)
    {
        var storage = options.Storage;
        var tags = (await repository.ListSnapshotsAsync(cancellationToken).ConfigureAwait(false)).SelectMany(s => s.Snapshot.Tags).ToHashSet(StringComparer.Ordinal);
        var pending = (await standard.ListAsync(cancellationToken).ConfigureAwait(false)).Where(s => !tags.Contains(SnapshotMover.ImportTag(s.Id))).ToList();
        var mover = new SnapshotMover(Device, options);
        for (int i = 0; i < pending.Count; i++)
        {
            Report(LockboxStep.ImportingSnapshots, $"Importing unencrypted snapshot {pending[i].Id[..8]} ({pending[i].Snapshot.Time:yyyy-MM-dd HH:mm})", i, pending.Count);
            try
            {
                await mover.ImportAsync(standard, pending[i], repository, cancellationToken).ConfigureAwait(false);
            }
            catch (ObjectNotFoundException)
            {
                // A manifest whose pieces are gone never completed (its backup stopped when it found the
                // repository): nothing in storage can restore it, so it goes too.
                Report(LockboxStep.ImportingSnapshots, $"warning: unencrypted snapshot {pending[i].Id[..8]} is incomplete (pieces missing); deleting it");
                await storage.DeleteAsync(new ObjectName(ObjectKind.StandardSnapshot, pending[i].Id), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Opens the repository afresh, from its stored index as a new phone would, checks every blob and
    /// every standard snapshot's encrypted copy; returns the standard snapshots verified.
    /// </summary>
    private static async Task<IReadOnlyList<StandardSnapshotInfo>> VerifyAsync(IStorage storage, BackupKey key, StandardBackups standard, CancellationToken cancellationToken)
    {
        using var repository = await Repository.Repository.OpenAsync(storage, key, cancellationToken).ConfigureAwait(false);
        var check = await repository.CheckHoldingLockAsync(readData: true, cancellationToken).ConfigureAwait(false);
        var errors = new List<string>(check.Errors);
        var snapshots = await repository.ListSnapshotsAsync(cancellationToken).ConfigureAwait(false);
        var verified = new List<StandardSnapshotInfo>();
        foreach (var original in await standard.ListAsync(cancellationToken).ConfigureAwait(false))
        {
            var copy = snapshots.FirstOrDefault(s => s.Snapshot.Tags.Contains(SnapshotMover.ImportTag(original.Id)));
            if (copy is null)
            {
                continue; // appeared after the import: the next round imports it
            }

            var files = await repository.LoadFileSizesAsync(copy, cancellationToken).ConfigureAwait(false);
            var differing = original.Snapshot.Files.Where(f => !files.TryGetValue(f.Path, out long size) || size != f.Size).ToList();
            errors.AddRange(differing.Select(f => $"{f.Path} of standard snapshot {original.Id[..8]} is missing or differs in its encrypted copy {copy.ShortId}"));
            if (differing.Count == 0)
            {
                verified.Add(original);
            }
        }

        return errors.Count > 0 ? throw new VerificationFailedException(errors) : verified;
    }
}

/// <summary>Proves a key can be recovered (a test login to the vault, or the user typing it back); throws when it cannot.</summary>
internal delegate Task KeyConfirmation(BackupKey key, CancellationToken cancellationToken);
