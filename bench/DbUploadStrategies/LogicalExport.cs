using System.Buffers.Binary;
using System.Text;
using Microsoft.Data.Sqlite;

namespace DbUploadStrategies;

/// <summary>
/// Strategy e: every table's rows in rowid order, as a simple tagged binary stream
/// (indexes are left out: a restore rebuilds them).
/// </summary>
internal static class LogicalExport
{
    public static byte[] Export(string dbPath)
    {
        using var connection = new SqliteConnection($"Data Source={dbPath};Mode=ReadOnly;Pooling=False");
        connection.Open();
        var tables = new List<string>();
        using (SqliteCommand list = connection.CreateCommand())
        {
            list.CommandText = "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name";
            using SqliteDataReader r = list.ExecuteReader();
            while (r.Read())
            {
                tables.Add(r.GetString(0));
            }
        }
        using var output = new MemoryStream();
        Span<byte> number = stackalloc byte[8];
        foreach (string table in tables)
        {
            output.Write(Encoding.UTF8.GetBytes(table + "\n"));
            using SqliteCommand rows = connection.CreateCommand();
            rows.CommandText = $"SELECT rowid, * FROM \"{table}\" ORDER BY rowid";
            using SqliteDataReader r = rows.ExecuteReader();
            while (r.Read())
            {
                for (int i = 0; i < r.FieldCount; i++)
                {
                    object value = r.GetValue(i);
                    switch (value)
                    {
                        case DBNull:
                            output.WriteByte(0);
                            break;
                        case long l:
                            output.WriteByte(1);
                            BinaryPrimitives.WriteInt64LittleEndian(number, l);
                            output.Write(number);
                            break;
                        case double d:
                            output.WriteByte(2);
                            BinaryPrimitives.WriteDoubleLittleEndian(number, d);
                            output.Write(number);
                            break;
                        case string s:
                            WriteBytes(output, 3, Encoding.UTF8.GetBytes(s));
                            break;
                        case byte[] b:
                            WriteBytes(output, 4, b);
                            break;
                        default:
                            throw new InvalidOperationException($"unexpected value type {value.GetType()}");
                    }
                }
            }
        }
        return output.ToArray();
    }

    private static void WriteBytes(MemoryStream output, byte tag, byte[] bytes)
    {
        output.WriteByte(tag);
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(length, bytes.Length);
        output.Write(length);
        output.Write(bytes);
    }
}
