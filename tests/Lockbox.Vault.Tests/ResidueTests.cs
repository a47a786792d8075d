using Npgsql;

namespace Lockbox.Vault.Tests;

/// <summary>
/// A thief who copies the vault's files or database after a lockout finds no copy of the destroyed
/// record: counters live apart from the record bytes, so guessing rewrites no record page, and a
/// lockout ends with a truncating WAL checkpoint. The files are read while the vault still runs,
/// which is what a kill -9 leaves on disk (SQLite checkpoints only on a clean close).
/// </summary>
public class ResidueTests : VaultTestBase
{
    [Fact]
    public async Task Wrong_passwords_write_no_copy_of_the_record_into_the_sqlite_wal()
    {
        var host = await StartAsync(StoreKind.Sqlite, HostKind.TestServer);
        var client = await host.ClientAsync("alice");
        await client.EnableAsync(BackupKey, "correct horse");
        var escrow = (await host.Store.GetRecordAsync("alice", default))!;
        int before = Copies(host, escrow.WrappedKey!);

        for (int i = 0; i < 5; i++)
        {
            await Assert.ThrowsAsync<VaultWrongPasswordException>(() => client.RecoverAsync($"guess {i}"));
        }

        Assert.Equal(before, Copies(host, escrow.WrappedKey!));
        Assert.Equal(before, Copies(host, MaskingKey(escrow)));
    }

    [Fact]
    public async Task After_a_lockout_no_file_in_the_vaults_folder_holds_the_record_or_the_wrapped_key()
    {
        var host = await StartAsync(StoreKind.Sqlite, HostKind.TestServer, attemptLimit: 3);
        var client = await host.ClientAsync("alice");
        await client.EnableAsync(BackupKey, "correct horse");
        var escrow = (await host.Store.GetRecordAsync("alice", default))!;
        Assert.True(Copies(host, escrow.WrappedKey!) > 0, "the probe finds the escrow before the lockout");

        await Assert.ThrowsAsync<VaultWrongPasswordException>(() => client.RecoverAsync("guess 1"));
        await Assert.ThrowsAsync<VaultWrongPasswordException>(() => client.RecoverAsync("guess 2"));
        await Assert.ThrowsAsync<VaultKeyDestroyedException>(() => client.RecoverAsync("guess 3"));

        Assert.Equal(0, Copies(host, escrow.WrappedKey!));
        Assert.Equal(0, Copies(host, MaskingKey(escrow)));
        Assert.Equal(0, new FileInfo(host.Backend.SqliteFile + "-wal") is { Exists: true } wal ? wal.Length : 0);
    }

    [Fact]
    public async Task On_postgresql_a_wrong_password_leaves_the_record_row_untouched()
    {
        if (!TestEnvironment.MustRun(TestEnvironment.PostgresVariable))
        {
            return;
        }

        var host = await StartAsync(StoreKind.Postgres, HostKind.TestServer);
        var client = await host.ClientAsync("alice");
        await client.EnableAsync(BackupKey, "correct horse");
        string before = await RecordTupleAsync(host);

        for (int i = 0; i < 3; i++)
        {
            await Assert.ThrowsAsync<VaultWrongPasswordException>(() => client.RecoverAsync($"guess {i}"));
        }

        // An UPDATE writes a new tuple (a new ctid) and leaves the old one, record bytes and all, dead.
        Assert.Equal(before, await RecordTupleAsync(host));
        Assert.Equal(3, (await host.Store.GetRecordAsync("alice", default))!.Attempts);
    }

    /// <summary>The 64-byte masking key of an RFC 9807 record: after the client's public key (§6.1).</summary>
    private static byte[] MaskingKey(EscrowRecord escrow) => escrow.Record![32..96];

    /// <summary>How often <paramref name="needle"/> occurs in the files of the vault's folder.</summary>
    private static int Copies(VaultHost host, byte[] needle)
    {
        int found = 0;
        foreach (string file in Directory.EnumerateFiles(host.Backend.Folder))
        {
            byte[] bytes;
            using (var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
            {
                bytes = new byte[stream.Length];
                stream.ReadExactly(bytes);
            }

            for (int at = bytes.AsSpan().IndexOf(needle); at >= 0;)
            {
                found++;
                int next = bytes.AsSpan(at + 1).IndexOf(needle);
                at = next < 0 ? -1 : at + 1 + next;
            }
        }

        return found;
    }

    private static async Task<string> RecordTupleAsync(VaultHost host)
    {
        await using var connection = new NpgsqlConnection(host.Backend.PostgresConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT ctid::text FROM vault_accounts WHERE account = 'alice'", connection);
        return (string)(await command.ExecuteScalarAsync())!;
    }
}
