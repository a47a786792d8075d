using Microsoft.Data.Sqlite;

namespace Lockbox.StoreGen;

/// <summary>Tracks each chat's newest message so the chat list can point at it, as a messaging app's does.</summary>
internal sealed class ChatActivity(int chats)
{
    private readonly long[] _lastRow = new long[chats + 1];
    private readonly long[] _lastTime = new long[chats + 1];

    public void Record(int chat, long row, long timestamp)
    {
        _lastRow[chat] = row;
        _lastTime[chat] = timestamp;
    }

    public void Save(SqliteConnection connection, SqliteTransaction transaction)
    {
        using SqliteCommand update = connection.CreateCommand();
        update.Transaction = transaction;
        update.CommandText = "UPDATE chats SET last_message_row_id = $row, sort_timestamp = $time WHERE _id = $id";
        SqliteParameter row = update.Parameters.Add("$row", SqliteType.Integer);
        SqliteParameter time = update.Parameters.Add("$time", SqliteType.Integer);
        SqliteParameter id = update.Parameters.Add("$id", SqliteType.Integer);
        update.Prepare();
        for (int chat = 1; chat < _lastRow.Length; chat++)
        {
            if (_lastRow[chat] == 0)
            {
                continue;
            }
            row.Value = _lastRow[chat];
            time.Value = _lastTime[chat];
            id.Value = chat;
            update.ExecuteNonQuery();
        }
    }
}
