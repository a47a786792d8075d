using System.Security.Cryptography;
using Lockbox.Backup;
using Lockbox.Device;
using Lockbox.Keys;
using Lockbox.Repository;
using Lockbox.Restore;
using Lockbox.Standard;
using Lockbox.Storage;
using Lockbox.Vault.Client;

namespace Lockbox.Client;

/// <summary>
/// What a messaging app calls: one device's chat backups. The device starts in standard mode
/// (backups the storage provider can read); <see cref="EnableWithKeyAsync"/> or
/// <see cref="EnableWithPasswordAsync"/> switches end-to-end encryption on, and
/// <see cref="DisableAsync"/> back off. The device keeps its backup key in its folder
/// (<see cref="DeviceFolder"/>, mode 0600). Every method is safe to run again after an interruption,
/// and one process at a time uses a device folder.
/// </summary>
/// <remarks>
/// Failures are <see cref="LockboxException"/>s: <see cref="WrongKeyException"/>,
/// <see cref="CorruptObjectException"/>, <see cref="KeyNotConfirmedException"/>,
/// <see cref="VerificationFailedException"/>, <see cref="OperationPendingException"/>, and from the
/// vault <see cref="VaultWrongPasswordException"/> (with the tries left),
/// <see cref="VaultKeyDestroyedException"/> and <see cref="VaultUnreachableException"/>.
/// </remarks>
public sealed class LockboxClient
{
    private readonly LockboxClientOptions _options;
    private readonly DeviceFolder _device;

    /// <summary>Creates a client; nothing is read or written until a method runs.</summary>
    public LockboxClient(LockboxClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _device = new DeviceFolder(options.DeviceFolder);
    }

    /// <summary>The mode, any unfinished operation, the snapshots on each side and, in password mode, the escrow.</summary>
    public async Task<LockboxStatus> GetStatusAsync(CancellationToken cancellationToken = default)
    {
        var state = _device.LoadState();
        var (standardSnapshots, unencrypted, _) = await new StandardBackups(_options.Storage).CountAsync(cancellationToken).ConfigureAwait(false);
        IReadOnlyList<SnapshotInfo> encrypted = [];
        IReadOnlyList<string> damaged = [];
        RollbackWarning? rollback = null;
        using var key = _device.LoadKey();
        // While an operation is unfinished the repository may be half moved (rotation): report the device's view only.
        if (key is not null && state.Pending is null && await _options.Storage.ExistsAsync(ObjectName.Config, cancellationToken).ConfigureAwait(false))
        {
            using var repository = await Repository.Repository.OpenAsync(_options.Storage, key, cancellationToken).ConfigureAwait(false);
            var listing = await repository.ReadSnapshotsAsync(cancellationToken).ConfigureAwait(false);
            encrypted = listing.Intact;
            damaged = [.. listing.Damaged.Select(d => d.Name.Name)];
            rollback = _device.CheckSnapshots(repository.Id, listing, _options.Hostname, _options.ChatStore);
        }

        EscrowStatus? escrow = null;
        string? notChecked = null;
        if (state.Mode == BackupMode.Password && state.Pending is null && key is not null && _options.Vault is { } vault)
        {
            using var bytes = new KeyCopy(key);
            try
            {
                escrow = await vault.CheckAsync(bytes.Memory, cancellationToken).ConfigureAwait(false);
            }
            catch (LockboxException e)
            {
                // The mode and the snapshots are this device's and the storage's to tell; the vault's part waits.
                notChecked = e.Message;
            }
        }

        return new LockboxStatus(state.Mode, state.Pending, encrypted.Count, encrypted.Count > 0 ? encrypted[^1].Snapshot.Time : null, standardSnapshots, unencrypted, escrow)
        {
            EscrowNotChecked = notChecked,
            DamagedSnapshots = damaged,
            RollbackWarning = rollback,
        };
    }

    /// <summary>
    /// The encrypted snapshots, oldest first, and those that cannot be read; checked against the
    /// newest snapshot this device wrote or saw (<see cref="LockboxSnapshots.RollbackWarning"/>).
    /// </summary>
    public async Task<LockboxSnapshots> ListSnapshotsAsync(CancellationToken cancellationToken = default)
    {
        using var key = RequireKey();
        using var repository = await Repository.Repository.OpenAsync(_options.Storage, key, cancellationToken).ConfigureAwait(false);
        var listing = await repository.ReadSnapshotsAsync(cancellationToken).ConfigureAwait(false);
        return new LockboxSnapshots(listing.Intact, listing.Damaged)
        {
            RollbackWarning = _device.CheckSnapshots(repository.Id, listing, _options.Hostname, _options.ChatStore),
        };
    }

    /// <summary>The device's mode, read from its folder alone (no storage or vault is asked).</summary>
    public BackupMode GetMode() => _device.LoadState().Mode;

    /// <summary>The unfinished enable, disable or rotation, if any, read from the device folder alone.</summary>
    public PendingOperation? GetPending() => _device.LoadState().Pending;

    /// <summary>Backs up the chat store: end-to-end encrypted when that is on, else a standard backup.</summary>
    /// <exception cref="OperationPendingException">A switch has not finished; backups wait for it.</exception>
    public async Task<LockboxBackupResult> BackupAsync(IProgress<LockboxProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        using var exclusive = _device.Acquire();
        var state = _device.LoadState();
        if (state.Pending is not null)
        {
            throw new OperationPendingException(state.Pending);
        }

        string store = _options.ChatStore ?? throw new LockboxException("No chat store is configured to back up.");
        if (state.Mode == BackupMode.Standard)
        {
            if (await _options.Storage.ExistsAsync(ObjectName.Config, cancellationToken).ConfigureAwait(false))
            {
                // Another device turned end-to-end encryption on: no more plaintext may go up from here.
                throw new LockboxException(
                    "End-to-end encryption is on for these backups, turned on from another device, so this device will not upload an unencrypted copy. Restore on this device with `restore --password` or `restore --key-file` to back up again.");
            }

            progress?.Report(new LockboxProgress(LockboxStep.BackingUp, "Standard backup (not end-to-end encrypted)"));
            var made = await new StandardBackups(_options.Storage).BackupAsync(store, _options.Time.GetUtcNow(), _options.Hostname, scratch: _device.WorkFolder, cancellationToken: cancellationToken).ConfigureAwait(false);
            var files = made.Snapshot.Snapshot.Files;
            return new LockboxBackupResult(BackupMode.Standard, made.Snapshot.Id, files.Count, files.Sum(f => f.Size), made.UploadedBytes, []);
        }

        using var key = RequireKey();
        using var repository = await Repository.Repository.OpenAsync(_options.Storage, key, cancellationToken).ConfigureAwait(false);
        string source = Path.GetFullPath(store);
        var request = new BackupRequest(store)
        {
            Hostname = _options.Hostname,
            CacheFolder = _device.CacheFolder,
            Time = _options.Time,
            ExpectNewest = SnapshotMemory.Expected(state, repository.Id, _options.Hostname, source),
            Progress = progress is null ? null : new ForwardingProgress<BackupProgress>(p => progress.Report(
                new LockboxProgress(LockboxStep.BackingUp, p.CurrentFile ?? "", p.BytesDone, p.BytesTotal))),
        };
        var result = await repository.BackupAsync(request, cancellationToken).ConfigureAwait(false);
        _device.SaveState(SnapshotMemory.Written(_device.LoadState(), repository.Id, _options.Hostname, source, result.Time, result.SnapshotId));
        var backedUp = new LockboxBackupResult(state.Mode, result.SnapshotId, result.Summary.Files, result.Summary.Bytes, result.Summary.UploadedBytes, result.Summary.Skipped)
        {
            RollbackWarning = result.RollbackWarning,
        };
        return state.Mode == BackupMode.Password ? await WithEscrowCheckAsync(backedUp, key, cancellationToken).ConfigureAwait(false) : backedUp;
    }

    /// <summary>
    /// A backup in password mode ends by asking the vault about the escrow: anyone with the account's
    /// token can burn its guesses or ask for a fresh start, and only this device can put it right, so
    /// it should hear of it. The backup stands whatever the vault answers.
    /// </summary>
    private async Task<LockboxBackupResult> WithEscrowCheckAsync(LockboxBackupResult made, BackupKey key, CancellationToken cancellationToken)
    {
        if (_options.Vault is not { } vault)
        {
            return made with { EscrowNotChecked = "no key vault is configured" };
        }

        try
        {
            using var bytes = new KeyCopy(key);
            return made with { Escrow = await vault.CheckAsync(bytes.Memory, cancellationToken).ConfigureAwait(false) };
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The app's token source may fail in its own way; the backup is made either way.
            return made with { EscrowNotChecked = e.Message };
        }
    }

    /// <summary>
    /// Switches end-to-end encryption on with a 64-digit key the user keeps. <paramref name="showKeyAndReadItBack"/>
    /// shows the key and returns what the user typed back; unencrypted copies are deleted only when it matches.
    /// Running it again after an interruption shows the same key.
    /// </summary>
    /// <exception cref="KeyNotConfirmedException">The typed key does not match; nothing was deleted.</exception>
    public Task EnableWithKeyAsync(
        Func<BackupKey, CancellationToken, ValueTask<string>> showKeyAndReadItBack, IProgress<LockboxProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(showKeyAndReadItBack);
        return WhileHoldingAsync(() => new SwitchOn(_options, _device, progress).RunAsync(
            BackupMode.Key,
            (key, token) => ConfirmTypedKeyAsync(key, showKeyAndReadItBack, token),
            null,
            DeleteEscrowAsync,
            cancellationToken));
    }

    /// <summary>
    /// Switches end-to-end encryption on with a password: the key is escrowed in the vault, then
    /// recovered with a test login, before any unencrypted copy is deleted.
    /// </summary>
    /// <exception cref="WeakPasswordException">The password does not clear <see cref="PasswordPolicy"/>'s floor; nothing was started.</exception>
    public Task EnableWithPasswordAsync(string password, IProgress<LockboxProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(password);
        PasswordPolicy.RequireSettable(password);
        var vault = RequireVault();
        return WhileHoldingAsync(() => new SwitchOn(_options, _device, progress).RunAsync(
            BackupMode.Password,
            async (key, token) =>
            {
                using (var bytes = new KeyCopy(key))
                {
                    await vault.ChangePasswordAsync(bytes.Memory, password, token).ConfigureAwait(false);
                }

                await ConfirmLoginAsync(key, password, token).ConfigureAwait(false);
            },
            async (key, token) =>
            {
                using var bytes = new KeyCopy(key);
                if ((await vault.CheckAsync(bytes.Memory, token).ConfigureAwait(false)).State != EscrowState.Held)
                {
                    throw new KeyNotConfirmedException("The vault no longer holds the key (too many wrong passwords were tried meanwhile); nothing was deleted. Run the command again to escrow it afresh.");
                }
            },
            null,
            cancellationToken));
    }

    /// <summary>Restores with the 64-digit key (on a new device); the device then keeps the key and backs up in key mode.</summary>
    /// <exception cref="WrongKeyException">The key does not open the backups; nothing was written.</exception>
    public Task<RestoreResult> RestoreWithKeyAsync(BackupKey key, string target, LockboxRestoreOptions? restore = null, IProgress<LockboxProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return RestoreAsync(key, BackupMode.Key, target, restore, progress, cancellationToken);
    }

    /// <summary>Restores with the password (on a new device): the vault releases the key after an OPAQUE login.</summary>
    /// <exception cref="VaultWrongPasswordException">Wrong password; <see cref="VaultWrongPasswordException.TriesLeft"/> says how many tries remain.</exception>
    /// <exception cref="VaultKeyDestroyedException">Too many wrong passwords: the key is gone for good.</exception>
    public async Task<RestoreResult> RestoreWithPasswordAsync(
        string password, string target, LockboxRestoreOptions? restore = null, IProgress<LockboxProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(password);
        byte[] raw = await RequireVault().RecoverAsync(password, cancellationToken).ConfigureAwait(false);
        try
        {
            using var key = BackupKey.FromBytes(raw);
            return await RestoreAsync(key, BackupMode.Password, target, restore, progress, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(raw);
        }
    }

    /// <summary>
    /// Restores a standard (not end-to-end encrypted) backup, on a device that never turned end-to-end
    /// encryption on. Files go to a staging folder beside <paramref name="target"/>, moved in only when
    /// all are written and their hashes match.
    /// </summary>
    /// <returns>The standard snapshot's id and what it held.</returns>
    public async Task<RestoreResult> RestoreStandardAsync(string target, string snapshot = "latest", CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(target);
        var standard = new StandardBackups(_options.Storage);
        var all = await standard.ListAsync(cancellationToken).ConfigureAwait(false);
        var matches = snapshot == "latest" ? all.TakeLast(1).ToList() : all.Where(s => s.Id.StartsWith(snapshot, StringComparison.Ordinal)).ToList();
        var chosen = matches.Count switch
        {
            1 => matches[0],
            0 => throw new LockboxException(all.Count == 0 ? "There is no standard backup to restore." : $"No standard snapshot {snapshot}."),
            _ => throw new LockboxException($"Snapshot id {snapshot} is ambiguous; give more digits."),
        };
        string full = Path.GetFullPath(target);
        if (Directory.Exists(full) && Directory.EnumerateFileSystemEntries(full).Any())
        {
            throw new LockboxException($"The target folder {full} is not empty.");
        }

        string staging = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.lockbox-{Guid.NewGuid():N}");
        try
        {
            await standard.RestoreAsync(chosen, staging, cancellationToken).ConfigureAwait(false);
            Directory.CreateDirectory(staging);
            if (Directory.Exists(full))
            {
                Directory.Delete(full);
            }

            Directory.Move(staging, full);
        }
        catch
        {
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }

            throw;
        }

        return new RestoreResult(chosen.Id, chosen.Snapshot.Files.Count, chosen.Snapshot.Files.Sum(f => f.Size));
    }

    /// <summary>Sets a new password on the device that holds the key; the old password is not needed. Also re-escrows a destroyed key.</summary>
    public async Task ChangePasswordAsync(string newPassword, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(newPassword);
        PasswordPolicy.RequireSettable(newPassword);
        using var exclusive = _device.Acquire();
        if (_device.LoadState() is not { Mode: BackupMode.Password, Pending: null })
        {
            throw new LockboxException("Password mode is not on; turn it on with enable --password.");
        }

        using var key = RequireKey();
        using (var bytes = new KeyCopy(key))
        {
            await RequireVault().ChangePasswordAsync(bytes.Memory, newPassword, cancellationToken).ConfigureAwait(false);
        }

        await ConfirmLoginAsync(key, newPassword, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// For a user who lost the device that holds the key (and the password): asks the vault to forget
    /// the account's escrow after its cool-down, so a new key can be escrowed. The device that holds the
    /// key cancels it by running (any check of the escrow is a proof of possession).
    /// </summary>
    /// <returns>When the vault will forget the escrow; null when it holds none, so one can be registered now.</returns>
    public Task<DateTimeOffset?> RequestFreshStartAsync(CancellationToken cancellationToken = default) => RequireVault().RequestFreshStartAsync(cancellationToken);

    /// <summary>
    /// Goes back to standard backups: exports every encrypted snapshot as a standard backup, deletes
    /// the vault's record, the encrypted repository and the device's key. The app must warn and ask first.
    /// </summary>
    public Task DisableAsync(IProgress<LockboxProgress>? progress = null, CancellationToken cancellationToken = default) =>
        WhileHoldingAsync(() => new SwitchOff(_options, _device, progress, DeleteEscrowAsync).RunAsync(cancellationToken));

    /// <summary>
    /// Replaces the backup key and re-encrypts every snapshot under it; afterwards the old key opens
    /// nothing. In password mode pass the password (it may be the same) to re-escrow the new key; in
    /// key mode pass <paramref name="showKeyAndReadItBack"/> to show the new key and read it back.
    /// </summary>
    public Task RotateKeyAsync(
        string? password, Func<BackupKey, CancellationToken, ValueTask<string>>? showKeyAndReadItBack,
        IProgress<LockboxProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var mode = _device.LoadState().Mode;
        if (mode == BackupMode.Password && !string.IsNullOrEmpty(password))
        {
            PasswordPolicy.RequireSettable(password); // before anything is re-encrypted
        }

        KeyConfirmation confirm = mode switch
        {
            BackupMode.Password when !string.IsNullOrEmpty(password) => (key, token) => ReescrowAsync(key, password, token),
            BackupMode.Key when showKeyAndReadItBack is not null => (key, token) => ConfirmTypedKeyAsync(key, showKeyAndReadItBack, token),
            BackupMode.Password => throw new ArgumentException("Password mode: the password is needed to escrow the new key.", nameof(password)),
            BackupMode.Key => throw new ArgumentException("Key mode: the new key must be shown and read back.", nameof(showKeyAndReadItBack)),
            _ => throw new LockboxException("End-to-end encryption is not on; there is no key to rotate."),
        };
        return WhileHoldingAsync(() => new KeyRotation(_options, _device, progress).RunAsync(confirm, cancellationToken));
    }

    /// <summary>The backup key this device holds, as 64 digits are shown from it; null when it holds none.</summary>
    public BackupKey? LoadDeviceKey() => _device.LoadKey();

    private async Task<RestoreResult> RestoreAsync(BackupKey key, BackupMode mode, string target, LockboxRestoreOptions? restore, IProgress<LockboxProgress>? progress, CancellationToken cancellationToken)
    {
        restore ??= new LockboxRestoreOptions();
        using var exclusive = _device.Acquire();
        using var repository = await Repository.Repository.OpenAsync(_options.Storage, key, cancellationToken).ConfigureAwait(false);

        // Before the restore picks "latest": an older state served back would restore older chats.
        var rollback = _device.CheckSnapshots(repository.Id, await repository.ReadSnapshotsAsync(cancellationToken).ConfigureAwait(false), _options.Hostname, _options.ChatStore);
        var request = new RestoreRequest(restore.Snapshot, target)
        {
            Include = restore.Include,
            ReplaceExisting = restore.ReplaceExisting,
            Partial = restore.Partial,
            Progress = progress is null ? null : new ForwardingProgress<RestoreProgress>(p => progress.Report(
                new LockboxProgress(LockboxStep.Restoring, "Restoring", p.BytesDone, p.BytesTotal))),
        };
        var result = await repository.RestoreAsync(request, cancellationToken).ConfigureAwait(false);

        // A new phone carries on backing up under the key it restored with, and so does a device whose
        // key went stale (another device rotated it): the key that just restored is the current one.
        if (_device.LoadState() is { Pending: null } state)
        {
            using var held = _device.LoadKey();
            if (held is null || !CryptographicOperations.FixedTimeEquals(held.Bytes, key.Bytes))
            {
                _device.SaveKey(key);
                _device.SaveState(state with { Mode = mode });
            }
            else if (state.Mode == BackupMode.Standard)
            {
                _device.SaveState(state with { Mode = mode });
            }
        }

        return result with { RollbackWarning = rollback };
    }

    private async Task WhileHoldingAsync(Func<Task> operation)
    {
        using var exclusive = _device.Acquire();
        await operation().ConfigureAwait(false);
    }

    private static async Task ConfirmTypedKeyAsync(BackupKey key, Func<BackupKey, CancellationToken, ValueTask<string>> showKeyAndReadItBack, CancellationToken cancellationToken)
    {
        string typed = await showKeyAndReadItBack(key, cancellationToken).ConfigureAwait(false);
        BackupKey parsed;
        try
        {
            parsed = BackupKey.Parse(typed);
        }
        catch (FormatException)
        {
            throw new KeyNotConfirmedException("What you typed is not a 64-digit key; nothing was deleted. Run the command again: it shows the same key.");
        }

        using (parsed)
        {
            if (!CryptographicOperations.FixedTimeEquals(parsed.Bytes, key.Bytes))
            {
                throw new KeyNotConfirmedException("The key you typed does not match; nothing was deleted. Run the command again: it shows the same key.");
            }
        }
    }

    private async Task ConfirmLoginAsync(BackupKey key, string password, CancellationToken cancellationToken)
    {
        byte[] recovered = await RequireVault().RecoverAsync(password, cancellationToken).ConfigureAwait(false);
        try
        {
            if (!CryptographicOperations.FixedTimeEquals(recovered, key.Bytes))
            {
                throw new KeyNotConfirmedException("The test login to the vault returned another key; nothing was deleted.");
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(recovered);
        }
    }

    private async Task ReescrowAsync(BackupKey newKey, string password, CancellationToken cancellationToken)
    {
        var vault = RequireVault();
        using var next = new KeyCopy(newKey);
        // Run again after the new key was escrowed, the vault already proves possession of the new key.
        switch ((await vault.CheckAsync(next.Memory, cancellationToken).ConfigureAwait(false)).State)
        {
            case EscrowState.Held:
                break;
            case EscrowState.Destroyed:
                await vault.ChangePasswordAsync(next.Memory, password, cancellationToken).ConfigureAwait(false);
                break;
            default:
                using (var oldKey = RequireKey())
                using (var current = new KeyCopy(oldKey))
                {
                    switch ((await vault.CheckAsync(current.Memory, cancellationToken).ConfigureAwait(false)).State)
                    {
                        case EscrowState.Held or EscrowState.Destroyed:
                            // The record, or the tombstone the guess limit left, moves to the new key.
                            await vault.ReplaceKeyAsync(current.Memory, next.Memory, password, cancellationToken).ConfigureAwait(false);
                            break;
                        case EscrowState.None:
                            await vault.EnableAsync(next.Memory, password, cancellationToken).ConfigureAwait(false);
                            break;
                        default:
                            throw new VaultEscrowExistsException();
                    }
                }

                break;
        }

        await ConfirmLoginAsync(newKey, password, cancellationToken).ConfigureAwait(false);
    }

    private async Task DeleteEscrowAsync(BackupKey key, CancellationToken cancellationToken)
    {
        if (_options.Vault is null)
        {
            throw new LockboxException("Leaving password mode deletes the key from the vault, but no key vault is configured.");
        }

        try
        {
            using var bytes = new KeyCopy(key);
            await _options.Vault.DisableAsync(bytes.Memory, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is VaultNoEscrowException or VaultEscrowExistsException)
        {
            // Nothing of this device's is left to delete: a previous run deleted it, a fresh start
            // removed it, or another device's key controls the account's escrow now.
        }
    }

    private BackupKey RequireKey() => _device.LoadKey() ?? throw new LockboxException($"This device holds no backup key (looked in {_device.Path}).");

    private VaultClient RequireVault() => _options.Vault ?? throw new LockboxException("No key vault is configured for password mode.");

    /// <summary>Reports on the caller's thread, so progress arrives in order and before the step runs.</summary>
    private sealed class ForwardingProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
