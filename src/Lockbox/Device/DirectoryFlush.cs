using System.Runtime.InteropServices;

namespace Lockbox.Device;

/// <summary>
/// fsync(2) of a folder, so that a rename in it survives a power loss: flushing the file makes its
/// bytes durable, but the new name lives in the folder (POSIX; ext4 and others need this).
/// </summary>
internal static partial class DirectoryFlush
{
    public static void Flush(string folder)
    {
        if (OperatingSystem.IsWindows())
        {
            return; // NTFS journals renames; a folder cannot be opened for flushing there
        }

        // O_RDONLY (0) opens a folder on Linux and macOS.
        int fd = Open(folder, 0);
        if (fd < 0)
        {
            throw new IOException($"Cannot open {folder} to flush it (errno {Marshal.GetLastPInvokeError()}).");
        }

        try
        {
            if (Fsync(fd) != 0)
            {
                throw new IOException($"Cannot flush {folder} (errno {Marshal.GetLastPInvokeError()}).");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
