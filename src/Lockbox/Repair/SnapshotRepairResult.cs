namespace Lockbox.Repair;

/// <summary>How <c>repair snapshots</c> runs.</summary>
public sealed record SnapshotRepairOptions
{
    /// <summary>
    /// Also download every pack and authenticate every blob, so that a blob damaged inside an
    /// intact pack (bit rot) counts as missing too. Without it, a blob is missing when no readable
    /// header of a listed pack holds it.
    /// </summary>
    public bool ReadData { get; init; }

    /// <summary>
    /// Called with the plan, under the lock, before anything changes; returning false (or throwing)
    /// changes nothing. Not called on a dry run or when there is nothing to do.
    /// </summary>
    public Func<SnapshotRepairResult, bool>? Confirm { get; init; }

    /// <summary>The clock for the lock.</summary>
    public TimeProvider? Time { get; init; }
}

/// <summary>What <c>repair snapshots</c> did, or on a dry run would do.</summary>
public sealed record SnapshotRepairResult
{
    /// <summary>Whether nothing was changed because this was a dry run.</summary>
    public required bool DryRun { get; init; }

    /// <summary>Whether every blob was downloaded and authenticated.</summary>
    public required bool ReadData { get; init; }

    /// <summary>Snapshots whose every file is whole: left as they are.</summary>
    public required int Whole { get; init; }

    /// <summary>Snapshots rewritten without the files whose data is missing.</summary>
    public required IReadOnlyList<RepairedSnapshot> Repaired { get; init; }

    /// <summary>Snapshots deleted: their object or their file list cannot be read, or no file of theirs is whole.</summary>
    public required IReadOnlyList<ForgottenSnapshot> Forgotten { get; init; }

    /// <summary>Packs the index names that the storage's complete listing does not hold.</summary>
    public required IReadOnlyList<string> MissingPacks { get; init; }

    /// <summary>Stored copies of blobs that failed authentication (found with <see cref="ReadData"/>).</summary>
    public required int DamagedCopies { get; init; }

    /// <summary>True when every snapshot is whole.</summary>
    public bool NothingToDo => Repaired.Count == 0 && Forgotten.Count == 0;
}

/// <summary>A snapshot rewritten without <see cref="DroppedFiles"/>; every other file of it is kept.</summary>
/// <param name="Id">The original snapshot's id (deleted once the new one is verified).</param>
/// <param name="Time">The snapshot's time, kept by the new one.</param>
/// <param name="DroppedFiles">The files left out: some of their content is missing.</param>
/// <param name="KeptFiles">The files the new snapshot keeps.</param>
public sealed record RepairedSnapshot(string Id, DateTimeOffset Time, IReadOnlyList<string> DroppedFiles, long KeptFiles)
{
    /// <summary>The new snapshot's id; null on a dry run.</summary>
    public string? NewId { get; init; }

    /// <summary>The first 8 digits of the original id.</summary>
    public string ShortId => Id[..8];
}

/// <summary>A snapshot deleted by repair, and why.</summary>
/// <param name="Id">Its id.</param>
/// <param name="Time">Its time; null when the snapshot object itself cannot be read.</param>
/// <param name="Problem">Why nothing of it can be kept.</param>
public sealed record ForgottenSnapshot(string Id, DateTimeOffset? Time, string Problem)
{
    /// <summary>The first 8 digits of the id.</summary>
    public string ShortId => Id[..8];
}

/// <summary>
/// <c>repair snapshots</c> refused because the index does not agree with the pack headers: it
/// could not tell a lost blob from a wrong index entry. It changed nothing.
/// </summary>
public sealed class IndexNeedsRepairException : Repository.LockboxException
{
    /// <summary>Creates the exception.</summary>
    public IndexNeedsRepairException(string problem)
        : base($"The index does not agree with the pack headers ({problem}), so repair cannot tell which data is really missing and changed nothing. Run `lockbox repair index` first, then this again.")
    {
    }
}
