using System.Text.Json.Serialization;

namespace Lockbox.Device;

/// <summary>How this device's backups are kept.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<BackupMode>))]
public enum BackupMode
{
    /// <summary>Not end-to-end encrypted: the storage provider can read the backups. Where every device starts.</summary>
    Standard,

    /// <summary>End-to-end encrypted; the user keeps the 64-digit key.</summary>
    Key,

    /// <summary>End-to-end encrypted; the key is escrowed in the key vault behind a password.</summary>
    Password,
}

/// <summary>
/// A multi-step operation that has not finished. Every step before <see cref="Step"/> is done;
/// <see cref="Step"/> itself had started, and running the operation again redoes it.
/// </summary>
/// <param name="Operation">"enable", "disable" or "rotate".</param>
/// <param name="Mode">The mode the operation ends in.</param>
/// <param name="Step">The name of the step that had started (a <c>LockboxStep</c> name).</param>
public sealed record PendingOperation(string Operation, BackupMode Mode, string Step);

/// <summary>The device's state file.</summary>
public sealed record DeviceState
{
    /// <summary>The current mode.</summary>
    public BackupMode Mode { get; init; } = BackupMode.Standard;

    /// <summary>An unfinished operation, or null.</summary>
    public PendingOperation? Pending { get; init; }

    /// <summary>
    /// The newest snapshot this device wrote or saw, per repository and per (hostname, source) group
    /// of its own hostname (docs/FORMAT.md §13, §18): if the storage later shows none at least as new,
    /// it may be hiding snapshots or serving an older state. Null (and not written) until the first
    /// backup, so a state file from before it existed loads unchanged.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<NewestSnapshot>? NewestSnapshots { get; init; }
}

/// <summary>The newest snapshot of one (hostname, source) group of one repository that this device wrote or saw.</summary>
/// <param name="Repository">The repository id (64 hex digits, the config's).</param>
/// <param name="Hostname">The snapshots' hostname (this device's).</param>
/// <param name="Source">The snapshots' absolute source folder.</param>
/// <param name="Time">The snapshot's time, as recorded in it.</param>
/// <param name="Snapshot">Its id.</param>
public sealed record NewestSnapshot(string Repository, string Hostname, string Source, DateTimeOffset Time, string Snapshot);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(DeviceState))]
internal sealed partial class DeviceJson : JsonSerializerContext;
