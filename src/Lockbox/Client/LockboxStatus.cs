using Lockbox.Device;

namespace Lockbox.Client;

/// <summary>Where a device's backups stand.</summary>
/// <param name="Mode">Standard, 64-digit key or password.</param>
/// <param name="Pending">An unfinished enable, disable or rotation; run it again to finish it.</param>
/// <param name="EncryptedSnapshots">Snapshots in the encrypted repository (0 when this device holds no key).</param>
/// <param name="LastBackup">When the newest encrypted snapshot was taken.</param>
/// <param name="StandardSnapshots">Standard (not end-to-end encrypted) snapshots in the storage.</param>
/// <param name="UnencryptedObjects">Objects the storage provider can read.</param>
/// <param name="Escrow">In password mode, whether the vault still holds the key; null otherwise.</param>
public sealed record LockboxStatus(
    BackupMode Mode, PendingOperation? Pending, int EncryptedSnapshots, DateTimeOffset? LastBackup, int StandardSnapshots, int UnencryptedObjects, VaultEscrow? Escrow);

/// <summary>The vault's escrow of this device's key.</summary>
/// <param name="Held">False when the key was destroyed (too many wrong passwords) or deleted; <c>ChangePasswordAsync</c> escrows it again.</param>
/// <param name="FailedAttempts">Wrong passwords since the last right one.</param>
public sealed record VaultEscrow(bool Held, int FailedAttempts);

/// <summary>Which snapshot to restore, and how.</summary>
public sealed record LockboxRestoreOptions
{
    /// <summary>A snapshot id, a unique prefix of one, or "latest".</summary>
    public string Snapshot { get; init; } = "latest";

    /// <summary>Only these files or folders; all when empty.</summary>
    public IReadOnlyList<string> Include { get; init; } = [];

    /// <summary>Replace a non-empty target, swapped out only once the restore is complete.</summary>
    public bool ReplaceExisting { get; init; }
}

/// <summary>A backup made.</summary>
/// <param name="Mode">Standard or end-to-end encrypted.</param>
/// <param name="SnapshotId">The snapshot's id.</param>
/// <param name="Files">Files backed up.</param>
/// <param name="Bytes">Their total size.</param>
/// <param name="UploadedBytes">Bytes sent to the storage.</param>
/// <param name="Skipped">Items not backed up, with the reason.</param>
public sealed record LockboxBackupResult(BackupMode Mode, string SnapshotId, long Files, long Bytes, long UploadedBytes, IReadOnlyList<string> Skipped);
