namespace Lockbox.Device;

/// <summary>
/// Writes a small file so that it is either whole or absent, also after a power loss: a temporary
/// file beside it (mode 0600, since these files hold keys), flushed to disk, renamed into place,
/// then the folder flushed. The temporary file never outlives a failed write, and is zeroed before
/// it goes, since it may hold a key.
/// </summary>
internal static class AtomicFile
{
    /// <summary>Writes <paramref name="content"/> to <paramref name="path"/>; without <paramref name="replace"/>, an existing file fails the rename.</summary>
    public static void Write(string path, ReadOnlySpan<byte> content, bool replace)
    {
        string folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        string temporary = Path.Combine(folder, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            using (var stream = new FileStream(temporary, options))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, replace);
        }
        catch
        {
            Erase(temporary);
            throw;
        }

        DirectoryFlush.Flush(folder);
    }

    /// <summary>Overwrites a file with zeros, flushed to disk, then unlinks it: a key it held is not left in its freed blocks' last state. A missing file is no error.</summary>
    public static void Erase(string path)
    {
        if (!File.Exists(path))
        {
            return;
        }

        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Write))
        {
            stream.Write(new byte[stream.Length]);
            stream.Flush(flushToDisk: true);
        }

        File.Delete(path);
    }
}
