using Lockbox.Backup;
using Lockbox.Check;
using Lockbox.Restore;
using Lockbox.Retention;

namespace Lockbox.Repository;

/// <summary>The operations a user runs against an open repository.</summary>
public static class RepositoryOperations
{
    /// <summary>Backs up a chat store; the snapshot is written last, so an interruption leaves earlier snapshots intact.</summary>
    public static async Task<BackupResult> BackupAsync(this Repository repository, BackupRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(repository);
        ArgumentNullException.ThrowIfNull(request);
        await using var shared = await RepositoryLock.AcquireAsync(repository, exclusive: false, request.Time, cancellationToken).ConfigureAwait(false);
        return await new Archiver(repository, request).RunAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Restores a snapshot (or some of its paths) into a new folder, swapped in when complete.</summary>
    public static Task<RestoreResult> RestoreAsync(this Repository repository, RestoreRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(repository);
        ArgumentNullException.ThrowIfNull(request);
        return new Restorer(repository, request).RunAsync(cancellationToken);
    }

    /// <summary>Verifies structure, and with <paramref name="readData"/> every blob.</summary>
    public static Task<CheckResult> CheckAsync(this Repository repository, bool readData, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(repository);
        return new Checker(repository).RunAsync(readData, cancellationToken);
    }

    /// <summary>Deletes the snapshots the policy does not keep; returns them. Space is reclaimed by prune.</summary>
    public static async Task<IReadOnlyList<SnapshotInfo>> ForgetAsync(this Repository repository, RetentionPolicy policy, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(repository);
        ArgumentNullException.ThrowIfNull(policy);
        if (policy.IsEmpty)
        {
            throw new LockboxException("A retention policy must keep something (--keep-last or --keep-daily).");
        }

        var (_, forget) = policy.Apply(await repository.ListSnapshotsAsync(cancellationToken).ConfigureAwait(false));
        foreach (var snapshot in forget)
        {
            await repository.Storage.DeleteAsync(new Storage.ObjectName(Storage.ObjectKind.Snapshot, snapshot.Id), cancellationToken).ConfigureAwait(false);
        }

        return forget;
    }

    /// <summary>Removes data no snapshot uses. Refuses to run while a backup holds the repository.</summary>
    public static Task<PruneResult> PruneAsync(this Repository repository, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(repository);
        return new Pruner(repository).RunAsync(time ?? TimeProvider.System, cancellationToken);
    }
}
