using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Lockbox.StoreGen;

/// <summary>Appends messages through one prepared statement, spreading them over chats with a skewed popularity.</summary>
internal sealed class MessageWriter : IDisposable
{
    private readonly Random _random;
    private readonly MessageText _texts;
    private readonly int _chats;
    private readonly SqliteCommand _insert;
    private readonly SqliteParameter _id, _chat, _key, _fromMe, _sender, _time, _received, _status, _text, _mediaPath, _mediaSize;
    private readonly byte[] _keyBytes = new byte[16];

    public MessageWriter(SqliteConnection connection, SqliteTransaction transaction, Random random, int chats)
    {
        _random = random;
        _texts = new MessageText(random);
        _chats = chats;
        _insert = connection.CreateCommand();
        _insert.Transaction = transaction;
        _insert.CommandText = """
            INSERT INTO messages (_id, chat_row_id, key_id, from_me, sender_id, timestamp, received_timestamp, status, text_data, media_path, media_size)
            VALUES ($id, $chat, $key, $fromMe, $sender, $time, $received, $status, $text, $mediaPath, $mediaSize)
            """;
        _id = _insert.Parameters.Add("$id", SqliteType.Integer);
        _chat = _insert.Parameters.Add("$chat", SqliteType.Integer);
        _key = _insert.Parameters.Add("$key", SqliteType.Blob);
        _fromMe = _insert.Parameters.Add("$fromMe", SqliteType.Integer);
        _sender = _insert.Parameters.Add("$sender", SqliteType.Integer);
        _time = _insert.Parameters.Add("$time", SqliteType.Integer);
        _received = _insert.Parameters.Add("$received", SqliteType.Integer);
        _status = _insert.Parameters.Add("$status", SqliteType.Integer);
        _text = _insert.Parameters.Add("$text", SqliteType.Text);
        _mediaPath = _insert.Parameters.Add("$mediaPath", SqliteType.Text);
        _mediaSize = _insert.Parameters.Add("$mediaSize", SqliteType.Integer);
        _insert.Prepare();
    }

    /// <summary>A chat, with the most active chats drawn far more often than the rest.</summary>
    public int NextChat()
    {
        double u = _random.NextDouble();
        return 1 + (int)(_chats * u * u);
    }

    /// <summary>Inserts one message and returns its chat.</summary>
    public int Insert(long rowId, long timestampMs, MediaFile? media)
    {
        int chat = NextChat();
        bool fromMe = _random.Next(100) < 40;
        bool group = IsGroup(chat);
        _random.NextBytes(_keyBytes);
        _id.Value = rowId;
        _chat.Value = chat;
        _key.Value = _keyBytes;
        _fromMe.Value = fromMe ? 1 : 0;
        _sender.Value = fromMe ? 0 : group ? 1 + _random.Next(5_000) : chat;
        _time.Value = timestampMs;
        _received.Value = timestampMs + _random.Next(3_000);
        _status.Value = fromMe ? 13 : 0;
        _text.Value = (object?)_texts.Next() ?? DBNull.Value;
        _mediaPath.Value = (object?)media?.RelativePath ?? DBNull.Value;
        _mediaSize.Value = media is null ? DBNull.Value : media.Size;
        _insert.ExecuteNonQuery();
        return chat;
    }

    public static bool IsGroup(int chat) => chat % 5 == 0;

    public static string Jid(int chat) => IsGroup(chat)
        ? string.Create(CultureInfo.InvariantCulture, $"1203634{chat:D11}@g.us")
        : string.Create(CultureInfo.InvariantCulture, $"49151{chat:D8}@s.whatsapp.net");

    public void Dispose() => _insert.Dispose();
}
