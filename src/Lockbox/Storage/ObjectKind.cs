namespace Lockbox.Storage;

/// <summary>The kinds of object a repository keeps; each lives under its own prefix (see docs/FORMAT.md).</summary>
public enum ObjectKind
{
    /// <summary>The repository config, a single object named "config".</summary>
    Config,

    /// <summary>Pack files holding encrypted blobs, under "data/".</summary>
    Pack,

    /// <summary>Encrypted index files, under "index/".</summary>
    Index,

    /// <summary>Encrypted snapshot manifests, under "snapshots/".</summary>
    Snapshot,

    /// <summary>Lock files, under "locks/".</summary>
    Lock,

    /// <summary>A standard (not end-to-end encrypted) backup's manifest, in the clear, under "standard/snapshots/".</summary>
    StandardSnapshot,

    /// <summary>A file of a standard backup, in the clear, named by its SHA-256, under "standard/files/".</summary>
    StandardFile,
}
