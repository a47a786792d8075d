using Lockbox.Crypto;

namespace Lockbox.Check;

/// <summary>What <c>check</c> found. Errors name the damaged object; warnings are harmless leftovers.</summary>
public sealed record CheckResult(IReadOnlyList<string> Errors, IReadOnlyList<string> Warnings, int Snapshots, int Packs, long BlobsRead)
{
    /// <summary>True when no error was found.</summary>
    public bool IsHealthy => Errors.Count == 0;

    /// <summary>Every snapshot the damage reaches, with the files it costs; snapshots not listed are whole.</summary>
    public IReadOnlyList<DamagedSnapshot> DamagedSnapshots { get; init; } = [];

    /// <summary>Stored copies found damaged or missing, by pack and blob: a backup stores these blobs again.</summary>
    public IReadOnlyList<(string Pack, BlobId Id)> DamagedCopies { get; init; } = [];
}

/// <summary>
/// A snapshot that damage reaches. <see cref="Time"/> is null when the snapshot object itself
/// cannot be read; <see cref="WholeSnapshot"/> is true when none of its files can be listed (its
/// object or its manifest is damaged); otherwise <see cref="Files"/> lists the files that cannot be
/// restored, and every other file of it can.
/// </summary>
public sealed record DamagedSnapshot(string Id, DateTimeOffset? Time, bool WholeSnapshot, IReadOnlyList<string> Files, string Problem)
{
    /// <summary>The first 8 digits of the id, as shown to users.</summary>
    public string ShortId => Id[..8];
}
