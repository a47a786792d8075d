namespace Lockbox.Backup;

/// <summary>What to back up and how.</summary>
/// <param name="Source">The folder holding the chat store (message database and media).</param>
public sealed record BackupRequest(string Source)
{
    /// <summary>Recorded in the snapshot; defaults to this machine's name.</summary>
    public string Hostname { get; init; } = Environment.MachineName;

    /// <summary>Labels recorded in the snapshot.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>Receives progress now and then.</summary>
    public IProgress<BackupProgress>? Progress { get; init; }

    /// <summary>
    /// Where the device keeps the base copies of its databases (for page deltas); null for
    /// <c>$XDG_CACHE_HOME/lockbox</c> or <c>~/.cache/lockbox</c>. Losing it costs only upload size.
    /// </summary>
    public string? CacheFolder { get; init; }

    /// <summary>
    /// The time recorded in the snapshot, when it is not now: a snapshot carried over from a standard
    /// backup or from before a key rotation keeps the time it was first taken.
    /// </summary>
    public DateTimeOffset? SnapshotTime { get; init; }

    /// <summary>The clock; tests inject a fixed one.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>
    /// The newest snapshot time of this hostname and source the caller wrote or saw (a device's
    /// memory, docs/FORMAT.md §13), or null. When the repository shows no snapshot of the group at
    /// least this new, the storage may be hiding snapshots or serving an older state: the backup then
    /// takes no parent (every file is read and chunked again, deduplicated against what is stored; no
    /// page delta against the cached base) and <see cref="BackupResult.RollbackWarning"/> says so.
    /// </summary>
    public DateTimeOffset? ExpectNewest { get; init; }
}

/// <summary>Progress of a running backup.</summary>
public sealed record BackupProgress(long FilesDone, long FilesTotal, long BytesDone, long BytesTotal, long BytesUploaded, string? CurrentFile);

/// <summary>The outcome of a backup.</summary>
public sealed record BackupResult(string SnapshotId, Repository.BackupSummary Summary)
{
    /// <summary>The time recorded in the snapshot.</summary>
    public DateTimeOffset Time { get; init; }

    /// <summary>Set when <see cref="BackupRequest.ExpectNewest"/> was not met: the backup took no parent.</summary>
    public Repository.RollbackWarning? RollbackWarning { get; init; }
}

internal static class CacheFolders
{
    public static string Resolve(string? configured, string repositoryId)
    {
        string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        string root = configured
            ?? (string.IsNullOrEmpty(xdg)
                ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "lockbox")
                : Path.Combine(xdg, "lockbox"));
        return Path.Combine(root, repositoryId[..16]);
    }
}
