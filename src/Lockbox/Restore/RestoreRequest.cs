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

    /// <summary>Receives progress now and then.</summary>
    public IProgress<RestoreProgress>? Progress { get; init; }

    /// <summary>Delta bytes kept in memory before the rest goes to a file; tests set 0 to spill every one.</summary>
    internal long DeltaMemoryBudget { get; init; } = DeltaStore.MemoryBudget;
}

/// <summary>Progress of a running restore.</summary>
public sealed record RestoreProgress(long BytesDone, long BytesTotal);

/// <summary>The outcome of a restore.</summary>
public sealed record RestoreResult(string SnapshotId, long Files, long Bytes);
