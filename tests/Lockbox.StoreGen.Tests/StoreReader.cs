using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;

namespace Lockbox.StoreGen.Tests;

/// <summary>Reads a generated store back: a canonical dump of every row, and media file contents.</summary>
internal static class StoreReader
{
    public static SqliteConnection Open(string store)
    {
        var connection = new SqliteConnection($"Data Source={ChatStoreGenerator.DatabasePath(store)};Mode=ReadOnly;Pooling=False");
        connection.Open();
        return connection;
    }

    public static long Scalar(string store, string sql)
    {
        using SqliteConnection connection = Open(store);
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    public static string Text(string store, string sql)
    {
        using SqliteConnection connection = Open(store);
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToString(command.ExecuteScalar(), CultureInfo.InvariantCulture) ?? "";
    }

    public static string Dump(string store)
    {
        var dump = new StringBuilder();
        using SqliteConnection connection = Open(store);
        foreach (string sql in new[] { "SELECT sql FROM sqlite_schema ORDER BY name", "SELECT * FROM chats ORDER BY _id", "SELECT * FROM messages ORDER BY _id" })
        {
            using SqliteCommand command = connection.CreateCommand();
            command.CommandText = sql;
            using SqliteDataReader reader = command.ExecuteReader();
            while (reader.Read())
            {
                for (int i = 0; i < reader.FieldCount; i++)
                {
                    object value = reader.GetValue(i);
                    dump.Append(value is byte[] b ? Convert.ToHexString(b) : Convert.ToString(value, CultureInfo.InvariantCulture)).Append('|');
                }
                dump.Append('\n');
            }
        }
        return dump.ToString();
    }

    public static SortedDictionary<string, byte[]> Media(string store)
    {
        string root = ChatStoreGenerator.MediaPath(store);
        var files = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (string file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
        {
            files[Path.GetRelativePath(root, file)] = File.ReadAllBytes(file);
        }
        return files;
    }
}
