using Microsoft.Data.Sqlite;

namespace Lockbox.StoreGen;

/// <summary>The schema of the sample message database, shaped like a messaging app's <c>msgstore.db</c>.</summary>
internal static class MessageDatabase
{
    public const string FileName = "msgstore.db";

    private const string Schema = """
        CREATE TABLE chats (
            _id INTEGER PRIMARY KEY,
            jid TEXT NOT NULL UNIQUE,
            subject TEXT,
            is_group INTEGER NOT NULL,
            created_timestamp INTEGER NOT NULL,
            last_message_row_id INTEGER,
            sort_timestamp INTEGER,
            archived INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE messages (
            _id INTEGER PRIMARY KEY,
            chat_row_id INTEGER NOT NULL REFERENCES chats(_id),
            key_id BLOB NOT NULL,
            from_me INTEGER NOT NULL,
            sender_id INTEGER NOT NULL,
            timestamp INTEGER NOT NULL,
            received_timestamp INTEGER NOT NULL,
            status INTEGER NOT NULL,
            text_data TEXT,
            media_path TEXT,
            media_size INTEGER,
            edit_version INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX message_chat_time ON messages(chat_row_id, timestamp);
        CREATE UNIQUE INDEX message_key ON messages(key_id);
        """;

    public static SqliteConnection Open(string path, bool create)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = create ? SqliteOpenMode.ReadWriteCreate : SqliteOpenMode.ReadWrite,
            Pooling = false,
        }.ToString());
        connection.Open();
        return connection;
    }

    public static void CreateForBulkLoad(SqliteConnection connection)
    {
        // The initial load is not crash-safe work worth journaling; WAL is switched on afterwards.
        Execute(connection, "PRAGMA page_size=4096; PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-262144;");
        Execute(connection, Schema);
    }

    /// <summary>Leaves the database as a live app keeps it: WAL journal, normal sync.</summary>
    public static void FinishBulkLoad(SqliteConnection connection)
    {
        Execute(connection, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;");
    }

    public static void Execute(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public static long Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        object? value = command.ExecuteScalar();
        return value is null or DBNull ? 0 : Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture);
    }
}
