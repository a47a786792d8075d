using Lockbox.Backup;
using Lockbox.Check;
using Lockbox.Repair;
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

    /// <summary>
    /// Restores a snapshot (or some of its paths) into a new folder, swapped in when complete. It
    /// holds a shared lock, so prune and repair wait for it; on a storage credential that cannot
    /// write a lock it reads without one (docs/FORMAT.md §9).
    /// </summary>
    public static async Task<RestoreResult> RestoreAsync(this Repository repository, RestoreRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(repository);
        ArgumentNullException.ThrowIfNull(request);
        var shared = await RepositoryLock.AcquireForReadingAsync(repository, TimeProvider.System, cancellationToken).ConfigureAwait(false);
        try
        {
            return await new Restorer(repository, request).RunAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (shared is not null)
            {
                await shared.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>A restore by an operation that already holds a lock on the repository (key rotation, switching off).</summary>
    internal static Task<RestoreResult> RestoreHoldingLockAsync(this Repository repository, RestoreRequest request, CancellationToken cancellationToken) =>
        new Restorer(repository, request).RunAsync(cancellationToken);

    /// <summary>
    /// Verifies structure, and with <paramref name="readData"/> every blob, under a shared lock
    /// (without one on a credential that cannot write it: see docs/FORMAT.md §9).
    /// </summary>
    public static async Task<CheckResult> CheckAsync(this Repository repository, bool readData, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(repository);
        var shared = await RepositoryLock.AcquireForReadingAsync(repository, TimeProvider.System, cancellationToken).ConfigureAwait(false);
        try
        {
            var result = await new Checker(repository).RunAsync(readData, cancellationToken).ConfigureAwait(false);
            return shared is not null ? result : result with
            {
                Warnings = [.. result.Warnings, "The storage credential cannot write a lock object, so this check ran without one: a prune or repair running at the same time can make packs look missing. Check again when none runs."],
            };
        }
        finally
        {
            if (shared is not null)
            {
                await shared.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>A check by an operation that owns the repository already (verifying a repository it is building).</summary>
    internal static Task<CheckResult> CheckHoldingLockAsync(this Repository repository, bool readData, CancellationToken cancellationToken) =>
        new Checker(repository).RunAsync(readData, cancellationToken);

    /// <summary>
    /// Verifies as <see cref="CheckAsync(Repository, bool, CancellationToken)"/> does, and records the
    /// damaged copies found in the device cache the backups use (<see cref="BackupRequest.CacheFolder"/>),
    /// so that the next backup from this device stores those blobs again.
    /// </summary>
    public static async Task<CheckResult> CheckAsync(this Repository repository, bool readData, string? cacheFolder, CancellationToken cancellationToken = default)
    {
        var result = await repository.CheckAsync(readData, cancellationToken).ConfigureAwait(false);
        KnownDamage.Remember(cacheFolder, repository.Id, result, readData);
        return result;
    }

    /// <summary>Deletes the snapshots the policy does not keep; returns them. Space is reclaimed by prune.</summary>
    public static async Task<IReadOnlyList<SnapshotInfo>> ForgetAsync(this Repository repository, RetentionPolicy policy, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(repository);
        ArgumentNullException.ThrowIfNull(policy);
        if (policy.IsEmpty)
        {
            throw new LockboxException("A retention policy must keep something (a --keep-… rule).");
        }

        // A policy weighs the snapshots it can read; one that cannot be read is kept until it is
        // forgotten by its id.
        var (_, forget) = policy.Apply((await repository.ReadSnapshotsAsync(cancellationToken).ConfigureAwait(false)).Intact);
        foreach (var snapshot in forget)
        {
            await repository.Storage.DeleteAsync(new Storage.ObjectName(Storage.ObjectKind.Snapshot, snapshot.Id), cancellationToken).ConfigureAwait(false);
        }

        return forget;
    }

    /// <summary>
    /// Deletes the snapshots named by id or unique id prefix, damaged ones included; returns the
    /// full ids. Every id is resolved before anything is deleted. Space is reclaimed by prune.
    /// </summary>
    public static Task<IReadOnlyList<string>> ForgetAsync(this Repository repository, IReadOnlyList<string> ids, CancellationToken cancellationToken = default) =>
        repository.ForgetAsync(ids, force: false, cancellationToken);

    /// <summary>
    /// Deletes the snapshots named by id or unique id prefix, damaged ones included; returns the
    /// full ids. Every id is resolved before anything is deleted. Space is reclaimed by prune.
    /// Unless <paramref name="force"/>, a snapshot that is the newest of its (hostname, source) group
    /// is refused: the device that made it remembers it and would take its absence for a rollback
    /// (docs/FORMAT.md §13).
    /// </summary>
    public static async Task<IReadOnlyList<string>> ForgetAsync(this Repository repository, IReadOnlyList<string> ids, bool force, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(repository);
        ArgumentNullException.ThrowIfNull(ids);
        var listing = await repository.ReadSnapshotsAsync(cancellationToken).ConfigureAwait(false);
        var names = listing.Intact.Select(s => s.Id).Concat(listing.Damaged.Select(d => d.Name.Name)).ToList();
        var chosen = new List<string>();
        foreach (string id in ids)
        {
            var matches = names.Where(n => n.StartsWith(id, StringComparison.Ordinal)).ToList();
            chosen.Add(matches.Count switch
            {
                1 => matches[0],
                0 => throw new LockboxException($"No snapshot {id}; nothing was forgotten."),
                _ => throw new LockboxException($"Snapshot id {id} is ambiguous; give more digits. Nothing was forgotten."),
            });
        }

        if (!force)
        {
            var doomed = chosen.ToHashSet(StringComparer.Ordinal);
            foreach (var group in listing.Intact.GroupBy(s => (s.Snapshot.Hostname, s.Snapshot.Source)))
            {
                var newest = group.MaxBy(s => s.Snapshot.Time)!;
                var left = group.Where(s => !doomed.Contains(s.Id)).ToList();
                if (doomed.Contains(newest.Id) && (left.Count == 0 || left.Max(s => s.Snapshot.Time) < newest.Snapshot.Time))
                {
                    throw new LockboxException(
                        $"Snapshot {newest.ShortId} is the newest of {group.Key.Hostname} ({group.Key.Source}); the device that made it remembers it, and without it that device "
                        + "would warn that the storage may be hiding or rolling back its backups. Nothing was forgotten. Pass --force to forget it anyway (that device's next backup ends the warning).");
                }
            }
        }

        foreach (string name in chosen.Distinct(StringComparer.Ordinal))
        {
            await repository.Storage.DeleteAsync(new Storage.ObjectName(Storage.ObjectKind.Snapshot, name), cancellationToken).ConfigureAwait(false);
        }

        return [.. chosen.Distinct(StringComparer.Ordinal)];
    }

    /// <summary>Removes data no snapshot uses. Refuses to run while a backup holds the repository.</summary>
    public static Task<PruneResult> PruneAsync(this Repository repository, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(repository);
        return new Pruner(repository).RunAsync(time ?? TimeProvider.System, cancellationToken);
    }

    /// <summary>
    /// Rebuilds the index from the pack headers under the exclusive lock: every listed pack whose
    /// header is readable is indexed anew, then the old index files are deleted.
    /// </summary>
    public static Task<IndexRepairResult> RepairIndexAsync(this Repository repository, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(repository);
        return IndexRepair.RunAsync(repository, time ?? TimeProvider.System, cancellationToken);
    }

    /// <summary>
    /// Rewrites each snapshot that references missing data without the files that lost data, and
    /// forgets the snapshots nothing of which can be kept; with <paramref name="dryRun"/> only says so.
    /// </summary>
    /// <exception cref="IndexNeedsRepairException">The index does not agree with the pack headers: run <see cref="RepairIndexAsync"/> first.</exception>
    public static Task<SnapshotRepairResult> RepairSnapshotsAsync(this Repository repository, bool dryRun, SnapshotRepairOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(repository);
        return new SnapshotRepair(repository).RunAsync(dryRun, options ?? new SnapshotRepairOptions(), cancellationToken);
    }
}
