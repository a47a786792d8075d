using Lockbox.Vault.Server.Secrets;

namespace Lockbox.Vault.Server.Storage;

/// <summary>
/// Makes the database's folder 0700 and its files 0600 before SQLite opens them. SQLite creates the
/// -wal, -shm and -journal files later, with the database file's mode (it chmods them to it, whatever
/// the umask), so a database file created 0600 keeps every file it leads to 0600.
/// </summary>
internal static class SqliteFiles
{
    private const string Option = "Vault:Storage:SqlitePath";

    /// <summary>Creates the folder (0700) and an empty database file (0600) if missing; closes files an earlier version left open.</summary>
    public static void Prepare(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        string database = Path.GetFullPath(path);
        OwnerOnly.RequireFolder(Path.GetDirectoryName(database)!, Option);
        if (!File.Exists(database))
        {
            try
            {
                // SQLite takes an empty file for a new database. CreateNew: another node may be creating it too.
                using var created = new FileStream(database, new FileStreamOptions
                {
                    Mode = FileMode.CreateNew,
                    Access = FileAccess.Write,
                    UnixCreateMode = OwnerOnly.File,
                });
            }
            catch (IOException) when (File.Exists(database))
            {
                // The other node won; its file is 0600 as well.
            }
        }

        // Before this version the database was created 0644 (the umask's default), and its -wal and -shm with it.
        foreach (string file in new[] { database, database + "-wal", database + "-shm", database + "-journal" })
        {
            if (File.Exists(file) && OwnerOnly.IsOpen(File.GetUnixFileMode(file)))
            {
                File.SetUnixFileMode(file, OwnerOnly.Closed(File.GetUnixFileMode(file)));
            }
        }
    }
}
