extern alias cli;

using System.Net;
using cli::Lockbox.Cli;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Lockbox.Vault.Tests;

/// <summary>
/// An escrow made before vault-issued record ids (Fixtures/escrow-v1, written by that code and never
/// rewritten) still restores with the password after the upgrade: credential_identifier is unchanged
/// for existing records, the schema is migrated in place, and the old record id joins the retired ones.
/// </summary>
public sealed class UpgradeTests : VaultTestBase, IDisposable
{
    private const string Password = "correct horse battery staple";
    private static readonly string Fixture = Path.Combine(AppContext.BaseDirectory, "Fixtures", "escrow-v1");
    private readonly string _root = Directory.CreateTempSubdirectory("lockbox-upgrade-").FullName;

    private static string PinnedKey => File.ReadAllText(Path.Combine(Fixture, "vault-public-key.txt")).Trim();

    private static byte[] FixtureBackupKey
    {
        get
        {
            using var key = Keys.BackupKey.Parse(File.ReadAllText(Path.Combine(Fixture, "backup-key.txt")));
            return key.Bytes.ToArray();
        }
    }

    /// <summary>A backend holding a copy of the fixture's database and key file.</summary>
    private VaultBackend SqliteFixture()
    {
        var backend = NewBackend(StoreKind.Sqlite);
        File.Copy(Path.Combine(Fixture, "vault.db"), backend.SqliteFile);
        CopyKeyFile(backend);
        return backend;
    }

    /// <summary>The fixture's key file, 0600 as the earlier vault created it (git keeps only 0644).</summary>
    private static void CopyKeyFile(VaultBackend backend)
    {
        File.Copy(Path.Combine(Fixture, "vault.key"), backend.KeyFile);
        File.SetUnixFileMode(backend.KeyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    [Fact]
    public async Task An_escrow_and_pin_made_before_the_upgrade_still_restore_with_the_password()
    {
        var vault = await StartAsync(StoreKind.Sqlite, HostKind.Kestrel, backend: SqliteFixture());
        Assert.Equal(PinnedKey, Convert.ToBase64String(await vault.PublicKeyAsync()));
        string repo = Path.Combine(_root, "repo");
        CopyFolder(Path.Combine(Fixture, "repo"), repo);
        string token = Path.Combine(_root, "token.txt");
        await File.WriteAllTextAsync(token, VaultHost.Token("alice"));
        string target = Path.Combine(_root, "restored");

        var output = new StringWriter();
        var error = new StringWriter();
        int exit = await LockboxCommand.RunAsync(
            ["restore", "--password", "--target", target, "-r", repo, "--device", Path.Combine(_root, "new-phone"),
             "--vault", vault.Http.BaseAddress!.ToString(), "--vault-public-key", PinnedKey, "--vault-token-file", token],
            new Terminal(output, error, interactive: false, new StringReader(Password + "\n")));

        Assert.True(exit == 0, error.ToString());
        Assert.Equal("the chat history, escrowed before the upgrade", await File.ReadAllTextAsync(Path.Combine(target, "media", "note.txt")));
    }

    [Fact]
    public async Task After_the_upgrade_the_old_record_id_is_retired_and_the_owner_can_change_the_password()
    {
        var vault = await StartAsync(StoreKind.Sqlite, HostKind.Kestrel, backend: SqliteFixture());
        var old = (await vault.Store.GetRecordAsync("alice", default))!;
        var issued = await vault.Store.GetRegistrationAsync(old.RecordId, default);
        Assert.NotNull(issued!.ConsumedAtMs);

        using (var registration = await Raw.StartRegistrationAsync(vault, "alice"))
        {
            var response = await Raw.PostTextAsync(vault, "alice", "v1/registration/finish",
                registration.FinishBody(new byte[60], PossessionKey.PublicKeyOf(FixtureBackupKey), Convert.ToBase64String(old.RecordId)));
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }

        // The owner is told to renew it, and renewing it clears the warning.
        var device = await vault.ClientAsync("alice", Convert.FromBase64String(PinnedKey));
        Assert.True((await device.CheckAsync(FixtureBackupKey)).Legacy);
        await device.ChangePasswordAsync(FixtureBackupKey, "a new password");
        Assert.Equal(FixtureBackupKey, await device.RecoverAsync("a new password"));
        Assert.False((await device.CheckAsync(FixtureBackupKey)).Legacy);
    }

    [Fact]
    public async Task A_migrated_database_keeps_no_table_or_secret_that_an_earlier_vault_would_serve()
    {
        var backend = SqliteFixture();
        await using (var vault = await VaultHost.StartAsync(backend, HostKind.Kestrel, Time))
        {
            Assert.Equal(PinnedKey, Convert.ToBase64String(await vault.PublicKeyAsync()));
        }

        SqliteConnection.ClearAllPools();
        await using var sqlite = new SqliteConnection($"Data Source={backend.SqliteFile}");
        await sqlite.OpenAsync();
        await using var names = sqlite.CreateCommand();
        names.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' UNION ALL SELECT name FROM vault_secrets";
        var found = new List<string>();
        await using (var rows = await names.ExecuteReaderAsync())
        {
            while (await rows.ReadAsync())
            {
                found.Add(rows.GetString(0));
            }
        }

        // An earlier binary creates and reads vault_escrows and the secrets row "opaque-v1": it finds neither,
        // so it would make its own secrets and serve as another vault, under a key no client pins.
        Assert.DoesNotContain("vault_escrows", found);
        Assert.DoesNotContain("opaque-v1", found);
        Assert.Contains("vault_accounts", found);
        Assert.Contains("opaque-v2", found);
    }

    [Fact]
    public async Task A_postgres_vault_of_the_earlier_schema_is_migrated_and_its_escrow_still_recovers()
    {
        if (!TestEnvironment.MustRun(TestEnvironment.PostgresVariable))
        {
            return;
        }

        // The earlier schema, as that code created it, holding the fixture's rows.
        var backend = NewBackend(StoreKind.Postgres);
        CopyKeyFile(backend);
        await using (var postgres = new NpgsqlConnection(backend.PostgresConnectionString))
        await using (var sqlite = new SqliteConnection($"Data Source={Path.Combine(Fixture, "vault.db")};Mode=ReadOnly"))
        {
            await postgres.OpenAsync();
            await sqlite.OpenAsync();
            await using (var create = new NpgsqlCommand(VaultSchema.Migrations("BYTEA")[0], postgres))
            {
                await create.ExecuteNonQueryAsync();
            }

            foreach (string table in new[] { "vault_secrets", "vault_escrows" })
            {
                await using var read = sqlite.CreateCommand();
                read.CommandText = $"SELECT * FROM {table}";
                await using var rows = await read.ExecuteReaderAsync();
                while (await rows.ReadAsync())
                {
                    var names = Enumerable.Range(0, rows.FieldCount).Select(rows.GetName).ToArray();
                    await using var insert = new NpgsqlCommand($"INSERT INTO {table} ({string.Join(",", names)}) VALUES ({string.Join(",", names.Select(n => "@" + n))})", postgres);
                    for (int i = 0; i < rows.FieldCount; i++)
                    {
                        insert.Parameters.AddWithValue(names[i], rows.GetValue(i) is long l && names[i] != "attempt_expires" ? (int)l : rows.GetValue(i));
                    }

                    await insert.ExecuteNonQueryAsync();
                }
            }
        }

        var vault = await StartAsync(StoreKind.Postgres, HostKind.Kestrel, backend: backend);
        var device = await vault.ClientAsync("alice", Convert.FromBase64String(PinnedKey), memoryKiB: 64 * 1024, iterations: 3);
        Assert.Equal(FixtureBackupKey, await device.RecoverAsync(Password));
        Assert.NotNull((await vault.Store.GetRegistrationAsync((await vault.Store.GetRecordAsync("alice", default))!.RecordId, default))!.ConsumedAtMs);
    }

    private static void CopyFolder(string from, string to)
    {
        foreach (string file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            string destination = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination);
        }
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
