using System.Security.Cryptography;
using System.Text;
using Microsoft.Data.Sqlite;

namespace Lockbox.Cli.Demo;

/// <summary>Compares a restored chat store with the phone's: the database by content, the media byte for byte.</summary>
internal static class StoreComparison
{
    /// <summary>A digest of every row of every table, read through SQLite (so a live database's -wal pages count).</summary>
    public static (string Digest, long Messages, string Integrity) DescribeDatabase(string path)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        string integrity = Scalar(connection, "PRAGMA integrity_check");
        long messages = long.Parse(Scalar(connection, "SELECT COUNT(*) FROM messages"), System.Globalization.CultureInfo.InvariantCulture);
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
                    hash.AppendData(Encoding.UTF8.GetBytes(reader.IsDBNull(i) ? "\0null" : Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture) ?? ""));
                    hash.AppendData([0x1f]);
                }
            }
        }

        return (Convert.ToHexStringLower(hash.GetHashAndReset()), messages, integrity);
    }

    /// <summary>Paths of media files that differ or are missing between the two folders.</summary>
    public static List<string> DifferingFiles(string expected, string actual)
    {
        var differing = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string file in Directory.EnumerateFiles(expected, "*", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(expected, file);
            seen.Add(relative);
            string other = Path.Combine(actual, relative);
            if (!File.Exists(other) || !SHA256.HashData(File.ReadAllBytes(file)).AsSpan().SequenceEqual(SHA256.HashData(File.ReadAllBytes(other))))
            {
                differing.Add(relative);
            }
        }

        differing.AddRange(Directory.EnumerateFiles(actual, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(actual, f)).Where(r => !seen.Contains(r)));
        return differing;
    }

    private static string Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToString(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) ?? "";
    }
}
