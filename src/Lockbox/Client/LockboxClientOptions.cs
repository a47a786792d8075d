using Lockbox.Storage;
using Lockbox.Vault.Client;

namespace Lockbox.Client;

/// <summary>What a <see cref="LockboxClient"/> works with.</summary>
public sealed record LockboxClientOptions
{
    /// <summary>Where backups go: a local folder or S3 (see <see cref="RepositoryLocation"/>).</summary>
    public required IStorage Storage { get; init; }

    /// <summary>The device folder: the backup key (mode 0600), the mode and caches (see <see cref="Device.DeviceFolder"/>).</summary>
    public required string DeviceFolder { get; init; }

    /// <summary>The chat store to back up: the folder holding the message database and the media folder. Needed by backup and enable.</summary>
    public string? ChatStore { get; init; }

    /// <summary>The key vault, for password mode; null when the app offers only the 64-digit key.</summary>
    public VaultClient? Vault { get; init; }

    /// <summary>Recorded in snapshots.</summary>
    public string Hostname { get; init; } = Environment.MachineName;

    /// <summary>The clock; tests pass a fixed one.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;
}
