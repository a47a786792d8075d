using Microsoft.Data.Sqlite;

namespace Lockbox.ChatStore;

/// <summary>
/// Consistent copies of a live SQLite database through SQLite's online backup API, which reads a
/// single transaction-consistent view while the app keeps writing (https://sqlite.org/backup.html).
/// The copy keeps the source's page size and page numbers, which is what page-aligned chunking needs.
/// </summary>
public static class SqliteDatabase
{
    private static readonly byte[] HeaderMagic = "SQLite format 3\0"u8.ToArray();

    /// <summary>The companion files SQLite keeps beside a database; the backup API already includes their committed content.</summary>
    public static IReadOnlyList<string> CompanionSuffixes { get; } = ["-wal", "-shm", "-journal"];

    /// <summary>Whether <paramref name="path"/> starts with the SQLite header.</summary>
    public static bool IsDatabase(string path)
    {
        Span<byte> header = stackalloc byte[16];
        try
        {
            using var stream = File.OpenRead(path);
            return stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false) == header.Length && header.SequenceEqual(HeaderMagic);
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>The page size recorded in the header (offset 16, big-endian; 1 means 65536).</summary>
    public static int ReadPageSize(string path)
    {
        Span<byte> header = stackalloc byte[18];
        using var stream = File.OpenRead(path);
        stream.ReadExactly(header);
        int size = (header[16] << 8) | header[17];
        return size == 1 ? 65536 : size;
    }

    /// <summary>Copies the live database at <paramref name="source"/> to <paramref name="destination"/>.</summary>
    public static void Copy(string source, string destination)
    {
        var sourceConnection = new SqliteConnectionStringBuilder { DataSource = source, Mode = SqliteOpenMode.ReadWrite, Pooling = false };
        var destinationConnection = new SqliteConnectionStringBuilder { DataSource = destination, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false };
        using var from = new SqliteConnection(sourceConnection.ToString());
        using var to = new SqliteConnection(destinationConnection.ToString());
        from.Open();
        to.Open();
        from.BackupDatabase(to);
    }
}
