using System.Net.Http.Json;
using System.Text.Json;

namespace Lockbox.Vault.Tests;

/// <summary>
/// The SQLite database's folder is 0700 and every file in it 0600, the -wal and -shm that SQLite
/// creates later included, whatever the umask: another local user reads none of it.
/// </summary>
public sealed class FilePermissionTests : VaultTestBase
{
    private const UnixFileMode Folder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode File0600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    [Fact]
    public async Task The_database_folder_stays_0700_and_every_file_in_it_0600_through_registration_lockout_and_kill_9()
    {
        var backend = NewBackend(StoreKind.Sqlite);
        string folder = Path.Combine(backend.Folder, "vault-data"); // missing: the vault creates it
        string[] paths = [$"--Vault:Storage:SqlitePath={folder}/vault.db", $"--Vault:Keys:FilePath={folder}/vault.key", "--Vault:AttemptLimit=10"];
        // umask 000: without the vault's care every file would be 0666 and the folder 0777.
        await using var vault = new VaultProcess(backend, TestPorts.Free(), paths, umask: "000");
        await vault.StartAsync();
        using var http = new HttpClient { BaseAddress = vault.Address };
        var pinned = Convert.FromBase64String((await http.GetFromJsonAsync<JsonElement>("v1/vault-info")).GetProperty("publicKey").GetString()!);
        var client = new VaultClient(http, new VaultClientOptions
        {
            PinnedPublicKey = pinned,
            AccessToken = _ => ValueTask.FromResult(VaultHost.Token("alice")),
            KsfMemoryKiB = 8,
            KsfIterations = 1,
        });

        await client.EnableAsync(BackupKey, "correct horse");
        AssertPrivate(folder, "after a registration");

        for (int i = 1; i < 10; i++)
        {
            await Assert.ThrowsAsync<VaultWrongPasswordException>(() => client.RecoverAsync("wrong " + i));
        }

        await Assert.ThrowsAsync<VaultKeyDestroyedException>(() => client.RecoverAsync("wrong 10"));
        AssertPrivate(folder, "after a lockout");

        vault.Kill();
        Assert.True(File.Exists(Path.Combine(folder, "vault.db-wal")), "kill -9 left no WAL to look at");
        AssertPrivate(folder, "after kill -9");

        await vault.StartAsync(); // recovers from the WAL
        await Assert.ThrowsAnyAsync<VaultException>(() => client.RecoverAsync("correct horse")); // the key is gone; the login still writes its attempt
        AssertPrivate(folder, "after the restart");
    }

    [Fact]
    public async Task A_database_folder_open_to_others_stops_the_vault_naming_the_folder_and_the_fix()
    {
        var backend = NewBackend(StoreKind.Sqlite);
        File.SetUnixFileMode(backend.Folder, Folder | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);

        var refused = await Assert.ThrowsAsync<VaultStartupException>(() => StartAsync(StoreKind.Sqlite, HostKind.Kestrel, backend: backend));

        Assert.Contains($"Vault:Storage:SqlitePath: the folder '{backend.Folder}' is open to group or others (mode 0755)", refused.Message, StringComparison.Ordinal);
        Assert.Contains($"chmod 700 '{backend.Folder}'", refused.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(backend.SqliteFile));
    }

    [Fact]
    public async Task A_database_an_earlier_version_left_0644_is_closed_to_0600_with_its_wal()
    {
        var backend = NewBackend(StoreKind.Sqlite);
        await using (var first = await VaultHost.StartAsync(backend, HostKind.Kestrel, Time))
        {
            await (await first.ClientAsync("alice")).EnableAsync(BackupKey, "correct horse");
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        var opened = File0600 | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        foreach (string file in Directory.EnumerateFiles(backend.Folder, "vault.db*"))
        {
            File.SetUnixFileMode(file, opened);
        }

        var second = await StartAsync(StoreKind.Sqlite, HostKind.Kestrel, backend: backend);

        Assert.Equal(BackupKey, await (await second.ClientAsync("alice")).RecoverAsync("correct horse"));
        AssertPrivate(backend.Folder, "after the restart");
    }

    private static void AssertPrivate(string folder, string when)
    {
        Assert.True(File.GetUnixFileMode(folder) == Folder, $"{when}: the folder is {File.GetUnixFileMode(folder)}");
        string[] files = Directory.GetFiles(folder);
        Assert.Contains(Path.Combine(folder, "vault.db"), files);
        foreach (string file in files)
        {
            var mode = File.GetUnixFileMode(file);
            Assert.True(mode == File0600, $"{when}: {Path.GetFileName(file)} is {mode}");
        }
    }
}
