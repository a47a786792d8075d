using System.Text.Json.Serialization;

namespace Lockbox.Repository;

/// <summary>
/// A snapshot manifest (docs/FORMAT.md, "Snapshots"): when, from where, and the tree blobs that
/// hold its file list. Written last, so it exists only once everything it names is stored.
/// </summary>
public sealed record Snapshot
{
    /// <summary>Format version of this record.</summary>
    [JsonPropertyName("version")]
    public int Version { get; init; } = 1;

    /// <summary>When the backup started.</summary>
    [JsonPropertyName("time")]
    public required DateTimeOffset Time { get; init; }

    /// <summary>The device's host name.</summary>
    [JsonPropertyName("hostname")]
    public required string Hostname { get; init; }

    /// <summary>The absolute source folder that was backed up.</summary>
    [JsonPropertyName("source")]
    public required string Source { get; init; }

    /// <summary>User labels.</summary>
    [JsonPropertyName("tags")]
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>The snapshot this one was made incrementally from, if any.</summary>
    [JsonPropertyName("parent")]
    public string? Parent { get; init; }

    /// <summary>Tree blobs whose concatenation is the manifest: one JSON <see cref="FileEntry"/> per line.</summary>
    [JsonPropertyName("manifest")]
    public required IReadOnlyList<string> Manifest { get; init; }

    /// <summary>Figures about the backup that made this snapshot.</summary>
    [JsonPropertyName("summary")]
    public required BackupSummary Summary { get; init; }
}

/// <summary>Figures about one backup.</summary>
public sealed record BackupSummary
{
    /// <summary>Files in the snapshot.</summary>
    [JsonPropertyName("files")]
    public long Files { get; init; }

    /// <summary>Total size of those files.</summary>
    [JsonPropertyName("bytes")]
    public long Bytes { get; init; }

    /// <summary>Blobs this backup stored that the repository did not have.</summary>
    [JsonPropertyName("newBlobs")]
    public long NewBlobs { get; init; }

    /// <summary>Plaintext bytes of those blobs.</summary>
    [JsonPropertyName("newBytes")]
    public long NewBytes { get; init; }

    /// <summary>Bytes this backup uploaded (packs, index, snapshot), as the provider sees them.</summary>
    [JsonPropertyName("uploadedBytes")]
    public long UploadedBytes { get; init; }

    /// <summary>Files skipped, such as symlinks, with the reason.</summary>
    [JsonPropertyName("skipped")]
    public IReadOnlyList<string> Skipped { get; init; } = [];
}

/// <summary>One line of a manifest: a file or folder, relative to the snapshot's source.</summary>
public sealed record FileEntry
{
    /// <summary>Path relative to the source, '/'-separated.</summary>
    [JsonPropertyName("path")]
    public required string Path { get; init; }

    /// <summary>"file" or "dir".</summary>
    [JsonPropertyName("type")]
    public required string Type { get; init; }

    /// <summary>Unix permission bits.</summary>
    [JsonPropertyName("mode")]
    public int Mode { get; init; }

    /// <summary>Last write time.</summary>
    [JsonPropertyName("mtime")]
    public DateTimeOffset ModifiedTime { get; init; }

    /// <summary>Size in bytes (files only).</summary>
    [JsonPropertyName("size")]
    public long Size { get; init; }

    /// <summary>The data blobs whose concatenation is the file, in order.</summary>
    [JsonPropertyName("content")]
    public IReadOnlyList<string>? Content { get; init; }

    /// <summary>Whether this file is an SQLite database copied through the online backup API.</summary>
    [JsonPropertyName("sqlite")]
    public bool IsSqliteDatabase { get; init; }

    /// <summary>Folder entry type name.</summary>
    public const string DirectoryType = "dir";

    /// <summary>File entry type name.</summary>
    public const string FileType = "file";
}

/// <summary>A snapshot with its storage name, for listing.</summary>
public sealed record SnapshotInfo(string Id, Snapshot Snapshot)
{
    /// <summary>The first 8 digits of the id, as shown to users.</summary>
    public string ShortId => Id[..8];
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(Snapshot))]
[JsonSerializable(typeof(FileEntry))]
internal sealed partial class RepositoryJson : JsonSerializerContext;
