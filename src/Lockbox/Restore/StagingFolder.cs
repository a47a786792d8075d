using Lockbox.Repository;
using Microsoft.Win32.SafeHandles;

namespace Lockbox.Restore;

/// <summary>
/// The new folder a restore is built in beside its target: its folders created first, each file at
/// its full size ahead of its first blob (<see cref="FileHandleCache"/>), each finished (mode,
/// time, flushed to disk) once complete (<see cref="FileFinisher"/>), and only then swapped in, so
/// the target never holds a half-restored chat store.
/// </summary>
internal static class StagingFolder
{
    /// <summary>Every folder, so that the files can be created in them.</summary>
    public static void CreateFolders(List<FileEntry> entries, string staging)
    {
        foreach (var entry in entries)
        {
            string path = Path.Combine(staging, entry.Path);
            Directory.CreateDirectory(entry.Type == FileEntry.DirectoryType ? path : Path.GetDirectoryName(path)!);
        }
    }

    /// <summary>A new file of <paramref name="size"/> bytes, its space reserved, so the blobs can be written in any order.</summary>
    public static SafeFileHandle Create(string path, long size, FileAccess access)
    {
        var file = File.OpenHandle(path, FileMode.CreateNew, access, FileShare.ReadWrite, FileOptions.None, size);
        try
        {
            RandomAccess.SetLength(file, size);
            return file;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Modes and times of the folders as backed up, deepest first: writing into a folder changes its time.</summary>
    public static void FinishFolders(List<FileEntry> entries, string staging)
    {
        foreach (var entry in entries.Where(e => e.Type == FileEntry.DirectoryType).OrderByDescending(e => e.Path.Length))
        {
            string path = Path.Combine(staging, entry.Path);
            SetMode(path, entry.Mode);
            Directory.SetLastWriteTimeUtc(path, entry.ModifiedTime.UtcDateTime);
        }
    }

    /// <summary>A complete file's mode and time as backed up, then the file flushed to disk: durable before the swap makes it visible.</summary>
    public static void FinishFile(string path, FileEntry entry)
    {
        SetMode(path, entry.Mode);
        File.SetLastWriteTimeUtc(path, entry.ModifiedTime.UtcDateTime);
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite);
        RandomAccess.FlushToDisk(handle);
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
