using System.Security.Cryptography;
using System.Text;
using Lockbox.Opaque;
using Lockbox.Opaque.Ksf;
using Lockbox.Opaque.Messages;
using Lockbox.Vault.Server.Secrets;
using Lockbox.Vault.Server.Storage;

namespace Lockbox.Vault.Tests;

/// <summary>
/// The operator, who runs the vault, its database and its key store, and the thief of the database
/// alone. The operator can guess offline, one Argon2id per guess, and nothing less; neither ever
/// holds the password or the backup key without guessing.
/// </summary>
public class OperatorTests : VaultTestBase
{
    private const string Password = "correct horse battery staple";

    /// <summary>The client's Argon2id (256 KiB, 1 pass), counting each time it runs.</summary>
    private sealed class CountingKsf : IKeyStretching
    {
        private readonly Argon2idKsf _inner = new(256 * 1024, 1);

        public int Runs { get; private set; }

        public void Stretch(ReadOnlySpan<byte> input, Span<byte> output)
        {
            Runs++;
            _inner.Stretch(input, output);
        }
    }

    /// <summary>A stopped vault's database and key file, holding alice's escrow.</summary>
    private async Task<VaultBackend> EscrowedAsync()
    {
        var backend = NewBackend(StoreKind.Sqlite);
        await using (var host = await VaultHost.StartAsync(backend, HostKind.Kestrel, Time))
        {
            await (await host.ClientAsync("alice")).EnableAsync(BackupKey, Password);
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        return backend;
    }

    /// <summary>The database opened by hand, as whoever holds the file opens it.</summary>
    private static async Task<SqliteVaultStore> OpenCopyAsync(VaultBackend backend)
    {
        var store = new SqliteVaultStore(backend.SqliteFile);
        await store.InitializeAsync(default);
        return store;
    }

    [Fact]
    public async Task The_operator_holding_the_database_and_the_key_file_pays_one_argon2id_per_guess()
    {
        var backend = await EscrowedAsync();

        // The operator opens the database and the key file itself, outside the vault's software.
        await using var store = await OpenCopyAsync(backend);
        using var protector = new LocalKeyFileProtector(backend.KeyFile);
        using var keys = await VaultKeys.LoadAsync(store, protector, default);
        var escrow = (await store.GetRecordAsync("alice", default))!;
        var server = new OpaqueServer(keys.Setup, "LockboxVault-v1"u8);

        byte[]? Guess(IEnumerable<string> dictionary, CountingKsf ksf)
        {
            foreach (string guess in dictionary)
            {
                using var client = ClientLogin.Start(Encoding.UTF8.GetBytes(guess), out var ke1);
                using var login = server.StartLogin(RegistrationRecord.Parse(escrow.Record), ke1, CredentialIdentifier.For("alice", escrow.RecordId), null, out var ke2);
                try
                {
                    using var result = client.Finish(ke2, ksf, null, "LockboxVault-v1"u8);
                    return BackupKeyWrap.Unwrap(result.ExportKey, escrow.WrappedKey);
                }
                catch (OpaqueException)
                {
                    // a wrong guess
                }
            }

            return null;
        }

        var without = new CountingKsf();
        Assert.Null(Guess(["123456", "password", "correct horse"], without));
        Assert.Equal(3, without.Runs);
        var with = new CountingKsf();
        Assert.Equal(BackupKey, Guess(["123456", "password", Password], with));
        Assert.Equal(3, with.Runs);
    }

    [Fact]
    public async Task A_database_copy_without_the_key_file_cannot_open_the_vault_secrets()
    {
        var backend = await EscrowedAsync();
        await using var store = await OpenCopyAsync(backend);
        string guessedKeyFile = Path.Combine(backend.Folder, "thief.key"); // the thief's own key file: no other is at hand
        using var protector = new LocalKeyFileProtector(guessedKeyFile);

        await Assert.ThrowsAnyAsync<CryptographicException>(() => VaultKeys.LoadAsync(store, protector, default));
    }

    [Fact]
    public async Task Nothing_the_vault_stores_or_logs_holds_the_password_the_backup_key_or_the_token()
    {
        var backend = NewBackend(StoreKind.Sqlite);
        var logs = new LogCapture();
        string token = VaultHost.Token("alice");
        var extra = new Dictionary<string, string> { ["Logging:LogLevel:Default"] = "Trace" };
        await using (var host = await VaultHost.StartAsync(backend, HostKind.Kestrel, Time, attemptLimit: 3, extra: extra, logs: logs))
        {
            var device = await host.ClientAsync("alice");
            await device.EnableAsync(BackupKey, Password);
            Assert.Equal(BackupKey, await device.RecoverAsync(Password));
            await Assert.ThrowsAsync<VaultWrongPasswordException>(() => device.RecoverAsync("a wrong one"));
            await device.ChangePasswordAsync(BackupKey, Password + " 2");
            for (int i = 0; i < 3; i++)
            {
                await Assert.ThrowsAnyAsync<VaultException>(() => device.RecoverAsync("wrong " + i));
            }

            await device.RequestFreshStartAsync();
            await device.CheckAsync(BackupKey);
            await device.ChangePasswordAsync(BackupKey, Password);
            await device.DisableAsync(BackupKey);
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        var secrets = new Dictionary<string, byte[]>
        {
            ["password"] = Encoding.UTF8.GetBytes(Password),
            ["backup key"] = BackupKey,
            ["backup key, base64"] = Encoding.UTF8.GetBytes(Convert.ToBase64String(BackupKey)),
            ["token"] = Encoding.UTF8.GetBytes(token),
            ["token signature"] = Encoding.UTF8.GetBytes(token.Split('.')[2]),
        };
        foreach (string file in Directory.EnumerateFiles(backend.Folder, "vault.db*"))
        {
            byte[] bytes = await File.ReadAllBytesAsync(file);
            foreach (var (name, secret) in secrets)
            {
                Assert.True(bytes.AsSpan().IndexOf(secret) < 0, $"{Path.GetFileName(file)} holds the {name}");
            }
        }

        Assert.NotEmpty(logs.Lines);
        foreach (string line in logs.Lines)
        {
            foreach (var (name, secret) in secrets)
            {
                Assert.False(line.Contains(Encoding.UTF8.GetString(secret), StringComparison.Ordinal) && name != "backup key", $"a log line holds the {name}: {line}");
            }
        }
    }
}
