namespace Lockbox.Restore;

/// <summary>What to restore and where.</summary>
/// <param name="Snapshot">A snapshot id, unique prefix, or "latest".</param>
/// <param name="Target">The folder to restore into. It must not exist or be empty, unless <see cref="ReplaceExisting"/>.</param>
public sealed record RestoreRequest(string Snapshot, string Target)
{
    /// <summary>Paths (files or folders, relative to the snapshot's source) to restore; empty for everything.</summary>
    public IReadOnlyList<string> Include { get; init; } = [];

    /// <summary>
    /// Replace a non-empty target folder. The old folder is moved aside only after the new one is
    /// complete, then deleted, so a failure leaves it untouched.
    /// </summary>
    public bool ReplaceExisting { get; init; }

    /// <summary>
    /// Restore every file that verifies even when others cannot be (a damaged or missing pack), and
    /// list those in <see cref="RestoreResult.NotRestored"/>. Without it a restore is all or nothing.
    /// </summary>
    public bool Partial { get; init; }

    /// <summary>Receives progress now and then.</summary>
    public IProgress<RestoreProgress>? Progress { get; init; }

    /// <summary>Delta bytes kept in memory before the rest goes to a file; tests set 0 to spill every one.</summary>
    internal long DeltaMemoryBudget { get; init; } = DeltaStore.MemoryBudget;
}

/// <summary>Progress of a running restore.</summary>
public sealed record RestoreProgress(long BytesDone, long BytesTotal);

/// <summary>The outcome of a restore.</summary>
public sealed record RestoreResult(string SnapshotId, long Files, long Bytes)
{
    /// <summary>Files a partial restore left out, each with the damage that kept it out; empty otherwise.</summary>
    public IReadOnlyList<UnrestoredFile> NotRestored { get; init; } = [];

    /// <summary>
    /// Set by the client when the storage shows no snapshot as new as the newest this device wrote or
    /// saw (docs/FORMAT.md §13): what was restored may be older than the device's last backup.
    /// </summary>
    public Repository.RollbackWarning? RollbackWarning { get; init; }
}

/// <summary>A file a partial restore could not restore, and why.</summary>
public sealed record UnrestoredFile(string Path, string Problem);
