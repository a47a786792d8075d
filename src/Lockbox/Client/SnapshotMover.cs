using Lockbox.Backup;
using Lockbox.Device;
using Lockbox.Repository;
using Lockbox.Restore;
using Lockbox.Standard;

namespace Lockbox.Client;

/// <summary>
/// Carries snapshots between a standard backup and an encrypted repository, or between two
/// repositories under different keys: each is restored into the device's work folder and backed
/// up again, keeping its time, device and tags. Disk use is one snapshot; memory is the engine's.
/// </summary>
internal sealed class SnapshotMover(DeviceFolder device, LockboxClientOptions options)
{
    private string Scratch => Path.Combine(device.WorkFolder, "snapshot");

    /// <summary>Imports a standard snapshot into <paramref name="target"/>, tagged with its origin.</summary>
    public async Task ImportAsync(StandardBackups from, StandardSnapshotInfo snapshot, Repository.Repository target, CancellationToken cancellationToken)
    {
        string folder = FreshScratch();
        await from.RestoreAsync(snapshot, folder, cancellationToken).ConfigureAwait(false);
        await BackupIntoAsync(target, folder, snapshot.Snapshot.Time, snapshot.Snapshot.Hostname, [ImportTag(snapshot.Id)], cancellationToken).ConfigureAwait(false);
        Directory.Delete(folder, recursive: true);
    }

    /// <summary>Re-encrypts an encrypted snapshot into <paramref name="target"/>.</summary>
    public async Task CopyAsync(Repository.Repository from, SnapshotInfo snapshot, Repository.Repository target, CancellationToken cancellationToken)
    {
        string folder = await RestoreAsync(from, snapshot, cancellationToken).ConfigureAwait(false);
        await BackupIntoAsync(target, folder, snapshot.Snapshot.Time, snapshot.Snapshot.Hostname, snapshot.Snapshot.Tags, cancellationToken).ConfigureAwait(false);
        Directory.Delete(folder, recursive: true);
    }

    /// <summary>Exports an encrypted snapshot as a standard backup, marked with its origin.</summary>
    public async Task<StandardSnapshotInfo> ExportAsync(Repository.Repository from, SnapshotInfo snapshot, StandardBackups target, CancellationToken cancellationToken)
    {
        string folder = await RestoreAsync(from, snapshot, cancellationToken).ConfigureAwait(false);
        var made = await target.BackupAsync(folder, snapshot.Snapshot.Time, snapshot.Snapshot.Hostname, ExportOrigin(snapshot.Id), device.WorkFolder, cancellationToken).ConfigureAwait(false);
        Directory.Delete(folder, recursive: true);
        return made.Snapshot;
    }

    /// <summary>The tag an imported snapshot carries: the standard snapshot it came from.</summary>
    public static string ImportTag(string standardId) => "imported-from-standard:" + standardId;

    /// <summary>The origin an exported standard snapshot records.</summary>
    public static string ExportOrigin(string snapshotId) => "encrypted:" + snapshotId;

    private async Task<string> RestoreAsync(Repository.Repository from, SnapshotInfo snapshot, CancellationToken cancellationToken)
    {
        string folder = FreshScratch();
        await from.RestoreHoldingLockAsync(new RestoreRequest(snapshot.Id, folder), cancellationToken).ConfigureAwait(false);
        return folder;
    }

    private Task<BackupResult> BackupIntoAsync(Repository.Repository target, string folder, DateTimeOffset time, string hostname, IReadOnlyList<string> tags, CancellationToken cancellationToken) =>
        target.BackupAsync(
            new BackupRequest(folder) { SnapshotTime = time, Hostname = hostname, Tags = tags, CacheFolder = device.CacheFolder, Time = options.Time },
            cancellationToken);

    private string FreshScratch()
    {
        if (Directory.Exists(Scratch))
        {
            Directory.Delete(Scratch, recursive: true);
        }

        Directory.CreateDirectory(device.WorkFolder);
        return Scratch;
    }
}
