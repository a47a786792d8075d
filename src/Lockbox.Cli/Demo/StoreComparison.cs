using Lockbox.StoreGen;
using Microsoft.Data.Sqlite;

namespace Lockbox.Cli.Demo;

/// <summary>Compares a restored chat store with the phone's: the database by content, the media byte for byte.</summary>
internal static class StoreComparison
{
    /// <summary>The database's content digest (<see cref="DatabaseContent"/>), its message count and its integrity check.</summary>
    public static (string Digest, long Messages, string Integrity) DescribeDatabase(string path)
    {
        using var connection = DatabaseContent.OpenReadOnly(path);
        string integrity = Scalar(connection, "PRAGMA integrity_check");
        long messages = long.Parse(Scalar(connection, "SELECT COUNT(*) FROM messages"), System.Globalization.CultureInfo.InvariantCulture);
        return (DatabaseContent.Digest(connection), messages, integrity);
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
            if (!File.Exists(other) || !File.ReadAllBytes(file).AsSpan().SequenceEqual(File.ReadAllBytes(other)))
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
