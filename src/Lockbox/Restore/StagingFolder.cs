using Lockbox.Repository;

namespace Lockbox.Restore;

/// <summary>
/// The new folder a restore is built in beside its target: created with every file at its full
/// size, finished (modes, times, flushed to disk) and only then swapped in, so the target never
/// holds a half-restored chat store.
/// </summary>
internal static class StagingFolder
{
    /// <summary>Folders first, then the files at their full size, several at a time: each costs a few system calls.</summary>
    public static void CreateFiles(List<FileEntry> entries, string staging)
    {
        foreach (var entry in entries)
        {
            string path = Path.Combine(staging, entry.Path);
            Directory.CreateDirectory(entry.Type == FileEntry.DirectoryType ? path : Path.GetDirectoryName(path)!);
        }

        Parallel.ForEach(
            entries.Where(e => e.Type == FileEntry.FileType),
            new ParallelOptions { MaxDegreeOfParallelism = 4 },
            entry =>
            {
                using var file = File.OpenHandle(Path.Combine(staging, entry.Path), FileMode.CreateNew, FileAccess.Write, FileShare.None, FileOptions.None, entry.Size);
                RandomAccess.SetLength(file, entry.Size);
            });
    }

    /// <summary>Modes and times as backed up, every file flushed to disk before the swap makes it visible.</summary>
    public static void FinishMetadata(List<FileEntry> entries, string staging)
    {
        // Files first, in parallel: each flush to disk mostly waits for the journal, and concurrent
        // flushes share commits. Then folders, deepest first: writing into a folder changes its time.
        Parallel.ForEach(
            entries.Where(e => e.Type == FileEntry.FileType),
            new ParallelOptions { MaxDegreeOfParallelism = 16 },
            entry =>
            {
                string path = Path.Combine(staging, entry.Path);
                SetMode(path, entry.Mode);
                File.SetLastWriteTimeUtc(path, entry.ModifiedTime.UtcDateTime);
                using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite);

                // Durable before the swap makes it visible.
                RandomAccess.FlushToDisk(handle);
            });

        foreach (var entry in entries.Where(e => e.Type == FileEntry.DirectoryType).OrderByDescending(e => e.Path.Length))
        {
            string path = Path.Combine(staging, entry.Path);
            SetMode(path, entry.Mode);
            Directory.SetLastWriteTimeUtc(path, entry.ModifiedTime.UtcDateTime);
        }
    }

    private static void SetMode(string path, int mode)
    {
        if (!OperatingSystem.IsWindows() && mode != 0)
        {
            File.SetUnixFileMode(path, (UnixFileMode)mode);
        }
    }

    /// <summary>Puts the finished staging folder in place of <paramref name="target"/>, keeping the old one until the new one is there.</summary>
    public static void SwapIn(string staging, string target)
    {
        if (!Directory.Exists(target))
        {
            Directory.Move(staging, target);
            return;
        }

        string old = $"{target}.lockbox-old-{ObjectIds.NewName()[..12]}";
        Directory.Move(target, old);
        Directory.Move(staging, target);
        Directory.Delete(old, recursive: true);
    }
}
