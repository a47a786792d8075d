using Microsoft.Extensions.Time.Testing;

namespace Lockbox.Vault.Tests;

/// <summary>Fresh state per test: a temp folder (and PostgreSQL schema), a fixed fake clock, one fixed backup key.</summary>
public abstract class VaultTestBase : IAsyncLifetime
{
    protected static readonly byte[] BackupKey = Enumerable.Range(100, 32).Select(i => (byte)i).ToArray();

    /// <summary>A signature with <paramref name="backupKey"/>'s possession key.</summary>
    protected static byte[] Sign(byte[] backupKey, byte[] message)
    {
        using var key = PossessionKey.FromBackupKey(backupKey);
        return key.Sign(message);
    }

    /// <summary>A valid vault public key that is not the test vault's: what an impostor or a mistyped pin presents.</summary>
    protected static byte[] AnotherVaultKey()
    {
        using var other = Lockbox.Opaque.EphemeralKeyPair.Generate();
        return other.PublicKey.ToArray();
    }

    private readonly List<IAsyncDisposable> _hosts = [];
    private readonly List<VaultBackend> _backends = [];

    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    protected async Task<VaultHost> StartAsync(
        StoreKind store, HostKind kind, int attemptLimit = 10, bool rateLimit = false, IAttemptHook? hook = null, VaultBackend? backend = null,
        IDictionary<string, string>? extra = null, LogCapture? logs = null)
    {
        if (backend is null)
        {
            backend = VaultBackend.Create(store);
            _backends.Add(backend);
        }

        var host = await VaultHost.StartAsync(backend, kind, Time, attemptLimit, rateLimit, hook, extra, logs);
        _hosts.Add(host);
        return host;
    }

    protected VaultBackend NewBackend(StoreKind store)
    {
        var backend = VaultBackend.Create(store);
        _backends.Add(backend);
        return backend;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            await host.DisposeAsync();
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var backend in _backends)
        {
            backend.Dispose();
        }
    }
}
