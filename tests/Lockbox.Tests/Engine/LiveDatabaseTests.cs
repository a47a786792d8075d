using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Xunit;

namespace Lockbox.Tests.Engine;

public sealed class LiveDatabaseTests : IDisposable
{
    // Another process keeps writing: each transaction adds one message and bumps its chat's counter,
    // so a torn copy would show a counter that disagrees with the messages.
    private const string Writer = """
        import sqlite3, sys, os
        db = sqlite3.connect(sys.argv[1], isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        print("ready", flush=True)
        i = 0
        while not os.path.exists(sys.argv[2]):
            db.execute("BEGIN IMMEDIATE")
            db.execute("INSERT INTO messages(chat_id, body) VALUES (?, ?)", (i % 7, "live message %d " % i + "x" * (i % 300)))
            db.execute("UPDATE chats SET message_count = message_count + 1 WHERE id = ?", (i % 7,))
            db.execute("COMMIT")
            i += 1
        print(i, flush=True)
        """;

    private readonly RepositoryFixture _fixture = new();

    [Fact]
    public async Task Backup_while_another_process_writes_restores_to_a_consistent_database()
    {
        string database = Path.Combine(_fixture.Source, "msgstore.db");
        CreateDatabase(database);
        string stopFile = _fixture.NewFolder("stop-writer");
        string script = _fixture.NewFolder("writer.py");
        File.WriteAllText(script, Writer);

        using var writer = Process.Start(new ProcessStartInfo("python3", [script, database, stopFile])
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        })!;
        Assert.Equal("ready", await writer.StandardOutput.ReadLineAsync());

        await _fixture.InitAsync();
        var backup = await _fixture.BackupAsync();
        var second = await _fixture.BackupAsync();

        File.WriteAllText(stopFile, "");
        int written = int.Parse(await writer.StandardOutput.ReadLineAsync() ?? "0", System.Globalization.CultureInfo.InvariantCulture);
        await writer.WaitForExitAsync();
        Assert.True(written > 0, "the writer wrote during the backups");

        foreach (string snapshot in new[] { backup.SnapshotId, second.SnapshotId })
        {
            string target = _fixture.NewFolder("restored-" + snapshot[..8]);
            await _fixture.RestoreAsync(target, snapshot);
            string restored = Path.Combine(target, "msgstore.db");
            Assert.False(File.Exists(restored + "-wal"));
            Assert.False(File.Exists(restored + "-shm"));
            using var connection = new SqliteConnection($"Data Source={restored};Pooling=False");
            connection.Open();
            Assert.Equal("ok", Scalar(connection, "PRAGMA integrity_check"));
            long messages = (long)Scalar(connection, "SELECT count(*) FROM messages")!;
            long counted = (long)Scalar(connection, "SELECT sum(message_count) FROM chats")!;
            Assert.Equal(messages, counted);
            Assert.True(messages >= 1000);
        }
    }

    private static void CreateDatabase(string path)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        Execute(connection, "PRAGMA journal_mode=WAL");
        Execute(connection, "CREATE TABLE chats(id INTEGER PRIMARY KEY, message_count INTEGER NOT NULL)");
        Execute(connection, "CREATE TABLE messages(id INTEGER PRIMARY KEY, chat_id INTEGER NOT NULL, body TEXT NOT NULL)");
        Execute(connection, "CREATE INDEX messages_chat ON messages(chat_id)");
        using var transaction = connection.BeginTransaction();
        for (int chat = 0; chat < 7; chat++)
        {
            Execute(connection, $"INSERT INTO chats VALUES ({chat}, 0)");
        }

        var insert = connection.CreateCommand();
        insert.CommandText = "INSERT INTO messages(chat_id, body) VALUES ($chat, $body); UPDATE chats SET message_count = message_count + 1 WHERE id = $chat";
        var chatParameter = insert.Parameters.Add("$chat", SqliteType.Integer);
        var bodyParameter = insert.Parameters.Add("$body", SqliteType.Text);
        for (int i = 0; i < 1000; i++)
        {
            chatParameter.Value = i % 7;
            bodyParameter.Value = $"initial message {i} " + new string('y', i % 500);
            insert.ExecuteNonQuery();
        }

        transaction.Commit();
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    public void Dispose() => _fixture.Dispose();
}
