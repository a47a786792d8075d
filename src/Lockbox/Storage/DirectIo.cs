using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Lockbox.Storage;

/// <summary>
/// Direct I/O (Linux O_DIRECT) for large sequential writes and reads that the process will not
/// read back soon: packs during a backup, restored files. The data goes by DMA between the
/// caller's aligned buffer and the disk, skipping the copy into the page cache and its write-back,
/// which on the measured machine cost several times more CPU than the disk transfer itself.
/// Everywhere else, and whenever the file system refuses it, plain buffered I/O is used.
/// </summary>
internal static partial class DirectIo
{
    /// <summary>Buffer address, file offset and length alignment for direct transfers.</summary>
    public const int Alignment = 4096;

    private const int GetFlags = 3;
    private const int SetFlags = 4;

    private static readonly int DirectFlag = RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm ? 0x10000 : 0x4000;

    /// <summary>Whether the platform offers O_DIRECT at all.</summary>
    public static bool IsSupported { get; } = OperatingSystem.IsLinux()
        && RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64;

    /// <summary>Whether a span at this address and length can go directly.</summary>
    public static unsafe bool IsAligned(ReadOnlySpan<byte> data, long offset)
    {
        fixed (byte* pointer = data)
        {
            return ((nint)pointer % Alignment) == 0 && offset % Alignment == 0;
        }
    }

    /// <summary>Turns direct I/O on or off for an open file; false if the file system does not allow it.</summary>
    public static bool TrySet(SafeFileHandle handle, bool direct)
    {
        if (!IsSupported)
        {
            return false;
        }

        int fd = (int)handle.DangerousGetHandle();
        int flags = Fcntl(fd, GetFlags, 0);
        if (flags < 0)
        {
            return false;
        }

        int wanted = direct ? flags | DirectFlag : flags & ~DirectFlag;
        return wanted == flags || Fcntl(fd, SetFlags, wanted) == 0;
    }

    /// <summary>
    /// Writes <paramref name="data"/> at <paramref name="offset"/>: the aligned bulk directly when
    /// possible, the unaligned head or tail through the page cache.
    /// </summary>
    public static void Write(SafeFileHandle handle, ReadOnlySpan<byte> data, long offset)
    {
        int head = (int)Math.Min(data.Length, (Alignment - (offset % Alignment)) % Alignment);
        int bulk = (data.Length - head) / Alignment * Alignment;
        if (bulk > 0 && IsAligned(data[head..], offset + head) && TrySet(handle, direct: true))
        {
            try
            {
                RandomAccess.Write(handle, data.Slice(head, bulk), offset + head);
            }
            catch (IOException)
            {
                // Refused after all (an unusual device or file system): buffered, below.
                bulk = 0;
            }
            finally
            {
                TrySet(handle, direct: false);
            }
        }
        else
        {
            bulk = 0;
        }

        if (bulk == 0)
        {
            RandomAccess.Write(handle, data, offset);
            return;
        }

        if (head > 0)
        {
            RandomAccess.Write(handle, data[..head], offset);
        }

        int tail = head + bulk;
        if (tail < data.Length)
        {
            RandomAccess.Write(handle, data[tail..], offset + tail);
        }
    }

    /// <summary>Fills <paramref name="destination"/> from <paramref name="offset"/>, the aligned bulk directly when possible; returns bytes read.</summary>
    public static int Read(SafeFileHandle handle, Span<byte> destination, long offset)
    {
        int bulk = destination.Length / Alignment * Alignment;
        int read = 0;
        if (bulk > 0 && IsAligned(destination, offset) && TrySet(handle, direct: true))
        {
            try
            {
                while (read < bulk)
                {
                    int n = RandomAccess.Read(handle, destination[read..bulk], offset + read);
                    if (n == 0)
                    {
                        return read;
                    }

                    read += n;
                    if (read % Alignment != 0)
                    {
                        // A short direct read at the end of the file.
                        return read;
                    }
                }
            }
            catch (IOException)
            {
                read = 0;
            }
            finally
            {
                TrySet(handle, direct: false);
            }
        }

        while (read < destination.Length)
        {
            int n = RandomAccess.Read(handle, destination[read..], offset + read);
            if (n == 0)
            {
                break;
            }

            read += n;
        }

        return read;
    }

    [LibraryImport("libc", EntryPoint = "fcntl")]
    private static partial int Fcntl(int fd, int command, int argument);
}
