using Lockbox.Device;

namespace Lockbox.Client;

/// <summary>Where a device's backups stand.</summary>
/// <param name="Mode">Standard, 64-digit key or password.</param>
/// <param name="Pending">An unfinished enable, disable or rotation; run it again to finish it.</param>
/// <param name="EncryptedSnapshots">Snapshots in the encrypted repository (0 when this device holds no key).</param>
/// <param name="LastBackup">When the newest encrypted snapshot was taken.</param>
/// <param name="StandardSnapshots">Standard (not end-to-end encrypted) snapshots in the storage.</param>
/// <param name="UnencryptedObjects">Objects the storage provider can read.</param>
/// <param name="Escrow">
/// In password mode, what the vault holds for this device's key (held, destroyed by the guess limit,
/// nothing, or another key's); <c>ChangePasswordAsync</c> escrows the key again unless another key
/// controls the escrow. Null otherwise.
/// </param>
public sealed record LockboxStatus(
    BackupMode Mode, PendingOperation? Pending, int EncryptedSnapshots, DateTimeOffset? LastBackup, int StandardSnapshots, int UnencryptedObjects, Vault.Client.EscrowStatus? Escrow)
{
    /// <summary>In password mode, why the vault could not be asked (it is down, or refused the settings); the rest of the status stands.</summary>
    public string? EscrowNotChecked { get; init; }

    /// <summary>Encrypted snapshot objects that cannot be read (not counted in <see cref="EncryptedSnapshots"/>), by id.</summary>
    public IReadOnlyList<string> DamagedSnapshots { get; init; } = [];

    /// <summary>Set when the storage shows no snapshot as new as the newest this device wrote or saw (docs/FORMAT.md §13); show it prominently.</summary>
    public Repository.RollbackWarning? RollbackWarning { get; init; }
}

/// <summary>The encrypted snapshots.</summary>
/// <param name="Snapshots">Those that can be read, oldest first.</param>
/// <param name="Damaged">Snapshot objects that cannot be read.</param>
public sealed record LockboxSnapshots(IReadOnlyList<Repository.SnapshotInfo> Snapshots, IReadOnlyList<Repository.DamagedObject> Damaged)
{
    /// <summary>Set when the storage shows no snapshot as new as the newest this device wrote or saw (docs/FORMAT.md §13); show it prominently.</summary>
    public Repository.RollbackWarning? RollbackWarning { get; init; }
}

/// <summary>Which snapshot to restore, and how.</summary>
public sealed record LockboxRestoreOptions
{
    /// <summary>A snapshot id, a unique prefix of one, or "latest".</summary>
    public string Snapshot { get; init; } = "latest";

    /// <summary>Only these files or folders; all when empty.</summary>
    public IReadOnlyList<string> Include { get; init; } = [];

    /// <summary>Replace a non-empty target, swapped out only once the restore is complete.</summary>
    public bool ReplaceExisting { get; init; }

    /// <summary>Restore every file that verifies and list the rest (<see cref="Restore.RestoreResult.NotRestored"/>), instead of all or nothing.</summary>
    public bool Partial { get; init; }
}

/// <summary>A backup made.</summary>
/// <param name="Mode">Standard or end-to-end encrypted.</param>
/// <param name="SnapshotId">The snapshot's id.</param>
/// <param name="Files">Files backed up.</param>
/// <param name="Bytes">Their total size.</param>
/// <param name="UploadedBytes">Bytes sent to the storage.</param>
/// <param name="Skipped">Items not backed up, with the reason.</param>
public sealed record LockboxBackupResult(BackupMode Mode, string SnapshotId, long Files, long Bytes, long UploadedBytes, IReadOnlyList<string> Skipped)
{
    /// <summary>
    /// In password mode, what the vault holds for this device's key, checked after the backup (so the
    /// app can warn that the escrow is gone, that a fresh start was asked for, or that another key
    /// controls it); null otherwise, or when it could not be checked.
    /// </summary>
    public Vault.Client.EscrowStatus? Escrow { get; init; }

    /// <summary>In password mode, why the escrow could not be checked; the backup itself was made.</summary>
    public string? EscrowNotChecked { get; init; }

    /// <summary>
    /// Set when the storage showed no snapshot as new as the newest this device wrote or saw
    /// (docs/FORMAT.md §13): the provider may be hiding backups or rolling them back. This backup then
    /// took no parent (<see cref="Repository.RollbackWarning.ParentWithheld"/>) and is complete on its own.
    /// </summary>
    public Repository.RollbackWarning? RollbackWarning { get; init; }
}
