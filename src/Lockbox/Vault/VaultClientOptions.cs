namespace Lockbox.Vault.Client;

/// <summary>What the app ships with to talk to its vault.</summary>
public sealed class VaultClientOptions
{
    /// <summary>
    /// The vault's OPAQUE public key (32 bytes), shipped in the app's configuration. It is never fetched
    /// and trusted on first use: registration and recovery fail if the vault presents another key.
    /// </summary>
    public required byte[] PinnedPublicKey { get; init; }

    /// <summary>The vault's OPAQUE context string; "LockboxVault-v1" unless the vault is configured otherwise.</summary>
    public string Context { get; init; } = "LockboxVault-v1";

    /// <summary>Argon2id memory in KiB for new registrations: 64 MiB by default.</summary>
    public int KsfMemoryKiB { get; init; } = 64 * 1024;

    /// <summary>Argon2id passes for new registrations: 3 by default.</summary>
    public int KsfIterations { get; init; } = 3;

    /// <summary>The largest Argon2id memory the client accepts from a vault at recovery (guards against a hostile vault).</summary>
    public int MaxKsfMemoryKiB { get; init; } = 1024 * 1024;

    /// <summary>
    /// The account the app expects its token to be for. When set, the client asks the vault whose
    /// token it holds (POST /v1/challenge) before a login or registration, and refuses on a difference,
    /// so a token for another account never spends that account's tries.
    /// </summary>
    public string? Account { get; init; }

    /// <summary>Returns the account's bearer token (from the messaging service).</summary>
    public required Func<CancellationToken, ValueTask<string>> AccessToken { get; init; }
}
