using System.Text.Json.Serialization;

namespace Lockbox.Standard;

/// <summary>
/// A standard backup's manifest: stored in the clear, as backups were before end-to-end encryption,
/// so the storage provider can read it and every file it lists (docs/FORMAT.md §16).
/// </summary>
public sealed record StandardSnapshot
{
    /// <summary>The manifest format version.</summary>
    public int Version { get; init; } = 1;

    /// <summary>When the backup was taken.</summary>
    public required DateTimeOffset Time { get; init; }

    /// <summary>The device that took it.</summary>
    public required string Hostname { get; init; }

    /// <summary>Set when the backup was exported from an encrypted snapshot by disable: "encrypted:" and that snapshot's id.</summary>
    public string? Origin { get; init; }

    /// <summary>Every regular file, in ordinal path order.</summary>
    public required IReadOnlyList<StandardFile> Files { get; init; }
}

/// <summary>One file of a standard backup, stored as pieces of at most <see cref="StandardBackups.PieceSize"/> bytes.</summary>
public sealed record StandardFile
{
    /// <summary>The path relative to the chat store, with '/' separators.</summary>
    public required string Path { get; init; }

    /// <summary>The size in bytes.</summary>
    public required long Size { get; init; }

    /// <summary>The SHA-256 of the whole file, lowercase hex.</summary>
    public required string Sha256 { get; init; }

    /// <summary>The pieces, in order, each named by its SHA-256.</summary>
    public required IReadOnlyList<string> Pieces { get; init; }
}

/// <summary>A standard snapshot and the name of the object holding it.</summary>
public sealed record StandardSnapshotInfo(string Id, StandardSnapshot Snapshot);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = false)]
[JsonSerializable(typeof(StandardSnapshot))]
internal sealed partial class StandardJson : JsonSerializerContext;
