using Lockbox.Storage;

namespace Lockbox.Repository;

/// <summary>A stored object that could not be read, and why.</summary>
public sealed record DamagedObject(ObjectName Name, string Problem);

/// <summary>The snapshots that could be read, oldest first, and the snapshot objects that could not.</summary>
public sealed record SnapshotListing(IReadOnlyList<SnapshotInfo> Intact, IReadOnlyList<DamagedObject> Damaged);

/// <summary>
/// An operation that must account for every snapshot met one it cannot read, so it cannot tell
/// which data that snapshot uses; it changed nothing.
/// </summary>
public sealed class DamagedSnapshotException : LockboxException
{
    /// <summary>Creates the exception for the unreadable snapshots.</summary>
    public DamagedSnapshotException(IReadOnlyList<DamagedObject> damaged)
        : base($"{Describe(damaged)} cannot be read, so Lockbox cannot tell which data {(damaged.Count == 1 ? "it uses" : "they use")} and changed nothing. "
            + $"`lockbox forget {string.Join(' ', damaged.Select(d => d.Name.Name[..8]))}` removes {(damaged.Count == 1 ? "it" : "them")}; then run this again.")
    {
        Damaged = damaged;
    }

    /// <summary>The snapshot objects that could not be read.</summary>
    public IReadOnlyList<DamagedObject> Damaged { get; }

    private static string Describe(IReadOnlyList<DamagedObject> damaged) =>
        damaged.Count == 1 ? $"Snapshot {damaged[0].Name.Path} ({damaged[0].Problem})" : $"{damaged.Count} snapshots ({string.Join(", ", damaged.Select(d => d.Name.Path))})";
}
