using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Data.Sqlite;

namespace Lockbox.StoreGen;

/// <summary>
/// A digest of a message database's logical content: every row of every table, read through
/// SQLite (so the pages of a live database's -wal count), BLOBs by their bytes. Two databases with
/// the same digest hold the same data, whatever their page layout.
/// </summary>
public static class DatabaseContent
{
    public static string Digest(SqliteConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var tables = new List<string>();
        using (var list = connection.CreateCommand())
        {
            list.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name";
            using var reader = list.ExecuteReader();
            while (reader.Read())
            {
                tables.Add(reader.GetString(0));
            }
        }

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> length = stackalloc byte[4];
        foreach (string table in tables)
        {
            using var select = connection.CreateCommand();
            select.CommandText = $"SELECT * FROM \"{table.Replace("\"", "\"\"", StringComparison.Ordinal)}\" ORDER BY rowid";
            using var reader = select.ExecuteReader();
            hash.AppendData(Encoding.UTF8.GetBytes(table));
            while (reader.Read())
            {
                for (int i = 0; i < reader.FieldCount; i++)
                {
                    // Length-prefixed (-1 for NULL), so no value can pass for two.
                    object value = reader.GetValue(i);
                    byte[] data = value switch
                    {
                        DBNull => [],
                        byte[] bytes => bytes,
                        _ => Encoding.UTF8.GetBytes(Convert.ToString(value, CultureInfo.InvariantCulture) ?? ""),
                    };
                    BinaryPrimitives.WriteInt32LittleEndian(length, value is DBNull ? -1 : data.Length);
                    hash.AppendData(length);
                    hash.AppendData(data);
                }
            }
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>The digest of the database at <paramref name="path"/>, opened read-only.</summary>
    public static string Digest(string path)
    {
        using var connection = OpenReadOnly(path);
        return Digest(connection);
    }

    public static SqliteConnection OpenReadOnly(string path)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }
}
