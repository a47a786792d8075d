namespace Lockbox.Backup;

/// <summary>One item found in the source folder.</summary>
internal sealed record SourceItem(string RelativePath, string FullPath, bool IsDirectory, long Size, DateTimeOffset ModifiedTime, int Mode);

/// <summary>Walks the source folder in a fixed (ordinal) order, so equal trees give equal manifests.</summary>
internal static class SourceScanner
{
    public static (List<SourceItem> Items, List<string> Skipped) Scan(string source)
    {
        var root = new DirectoryInfo(source);
        if (!root.Exists)
        {
            throw new Repository.LockboxException($"The source folder {source} does not exist.");
        }

        var items = new List<SourceItem>();
        var skipped = new List<string>();
        Walk(root, "", items, skipped);
        return (items, skipped);
    }

    private static void Walk(DirectoryInfo folder, string prefix, List<SourceItem> items, List<string> skipped)
    {
        foreach (var info in folder.EnumerateFileSystemInfos().OrderBy(i => i.Name, StringComparer.Ordinal))
        {
            string relative = prefix.Length == 0 ? info.Name : prefix + "/" + info.Name;
            if (info.LinkTarget is not null)
            {
                skipped.Add($"{relative}: symbolic link (not backed up)");
                continue;
            }

            int mode = OperatingSystem.IsWindows() ? 0 : (int)info.UnixFileMode;
            if (info is DirectoryInfo directory)
            {
                items.Add(new SourceItem(relative, directory.FullName, true, 0, directory.LastWriteTimeUtc, mode));
                Walk(directory, relative, items, skipped);
            }
            else if (info is FileInfo file)
            {
                if ((file.Attributes & (FileAttributes.Device | FileAttributes.ReparsePoint)) != 0)
                {
                    skipped.Add($"{relative}: not a regular file (not backed up)");
                    continue;
                }

                items.Add(new SourceItem(relative, file.FullName, false, file.Length, file.LastWriteTimeUtc, mode));
            }
        }
    }
}
