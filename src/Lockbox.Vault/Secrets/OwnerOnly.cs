namespace Lockbox.Vault.Server.Secrets;

/// <summary>
/// Files and folders that only the vault's own user may open: secret files, the key file, the SQLite
/// database and its folder. Another local user who can read them holds what the vault guards.
/// </summary>
internal static class OwnerOnly
{
    /// <summary>0600.</summary>
    public const UnixFileMode File = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>0700.</summary>
    public const UnixFileMode Folder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    private const UnixFileMode GroupOrOthers =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>True when group or others have any right on a file of <paramref name="mode"/>.</summary>
    public static bool IsOpen(UnixFileMode mode) => (mode & GroupOrOthers) != 0;

    /// <summary><paramref name="mode"/> with the group's and others' rights taken away.</summary>
    public static UnixFileMode Closed(UnixFileMode mode) => mode & ~GroupOrOthers;

    /// <summary>The mode as chmod writes it, e.g. 0644.</summary>
    public static string Octal(UnixFileMode mode) => "0" + Convert.ToString((int)mode & 0xFFF, 8);

    /// <summary>Throws unless the file at <paramref name="path"/> (given by <paramref name="option"/>) is closed to group and others.</summary>
    public static void RequireFile(string path, string option)
    {
        if (OperatingSystem.IsWindows())
        {
            return; // no Unix modes; the folder's ACL is the operator's to set
        }

        var mode = System.IO.File.GetUnixFileMode(path);
        if (IsOpen(mode))
        {
            throw new VaultStartupException(
                $"{option}: '{path}' is open to group or others (mode {Octal(mode)}), so another local user may read what it holds; run chmod 600 '{path}'.");
        }
    }

    /// <summary>
    /// Creates <paramref name="folder"/> 0700 if it is missing. An existing folder must already be closed
    /// to group and others: the vault does not chmod a folder it did not make, which may be the working
    /// directory or /tmp.
    /// </summary>
    public static void RequireFolder(string folder, string option)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(folder);
            return;
        }

        if (!Directory.Exists(folder))
        {
            Directory.CreateDirectory(folder, Folder); // mkdir applies the umask, which can only take rights away
            return;
        }

        var mode = System.IO.File.GetUnixFileMode(folder);
        if (IsOpen(mode))
        {
            // A shared folder (/tmp, sticky) or the working directory must not be chmod-ed: the
            // advice that always works is a folder of the vault's own.
            bool shared = mode.HasFlag(UnixFileMode.StickyBit) || Path.GetFullPath(folder).TrimEnd('/') == Environment.CurrentDirectory.TrimEnd('/');
            throw new VaultStartupException(
                $"{option}: the folder '{folder}' is open to group or others (mode {Octal(mode)}). Point {option} at a file in a folder of the vault's own, which the vault creates 0700"
                + (shared ? "." : $", or, if '{folder}' holds nothing but the vault's files, run chmod 700 '{folder}'."));
        }
    }

    /// <summary>Creates the parent folder of <paramref name="path"/> 0700 if it is missing; an existing one is left as it is.</summary>
    public static void CreateMissingParent(string path)
    {
        string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is null || Directory.Exists(folder))
        {
            return;
        }

        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(folder);
        }
        else
        {
            Directory.CreateDirectory(folder, Folder);
        }
    }
}
