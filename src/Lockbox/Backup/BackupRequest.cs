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

    /// <summary>The clock; tests inject a fixed one.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;
}

/// <summary>Progress of a running backup.</summary>
public sealed record BackupProgress(long FilesDone, long FilesTotal, long BytesDone, long BytesTotal, long BytesUploaded, string? CurrentFile);

/// <summary>The outcome of a backup.</summary>
public sealed record BackupResult(string SnapshotId, Repository.BackupSummary Summary);
