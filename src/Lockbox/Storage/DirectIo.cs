using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Lockbox.Storage;

/// <summary>
/// Direct I/O (Linux O_DIRECT) for large sequential writes that the process will not read back
/// soon: packs during a backup, restored files. The data goes by DMA from the caller's aligned
/// buffer to the disk, skipping the copy into the page cache and its write-back, which on the
/// measured machine cost several times more CPU than the disk transfer itself. Reads stay buffered:
/// a direct read bypasses pages already cached (a pack just written, or read by an earlier check),
/// which made a warm restore 3.9 s against 3.2 s, and it gained only 0.15 s on a cold one.
/// Everywhere else, and whenever the file system refuses it, plain buffered I/O is used.
/// </summary>
internal static partial class DirectIo
{
    /// <summary>Buffer address, file offset and length alignment for direct transfers.</summary>
    public const int Alignment = 4096;

    private const int GetFlags = 3;
    private const int SetFlags = 4;

    private static readonly int DirectFlag = RuntimeInformation.ProcessArchitecture is Architecture.Arm64 ? 0x10000 : 0x4000;

    /// <summary>Whether the platform offers O_DIRECT at all.</summary>
    private static bool IsSupported { get; } = OperatingSystem.IsLinux()
        && RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64;

    /// <summary>Whether a span at this address and length can go directly.</summary>
    private static unsafe bool IsAligned(ReadOnlySpan<byte> data, long offset)
    {
        fixed (byte* pointer = data)
        {
            return ((nint)pointer % Alignment) == 0 && offset % Alignment == 0;
        }
    }

    /// <summary>Turns direct I/O on or off for an open file; false if the file system does not allow it.</summary>
    private static bool TrySet(SafeFileHandle handle, bool direct)
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
    /// possible, the unaligned head or tail through the page cache. The handle must not be shared
    /// with concurrent writers: direct I/O is switched on and off on it.
    /// </summary>
    public static void Write(SafeFileHandle handle, ReadOnlySpan<byte> data, long offset)
    {
        // Small unaligned objects (index files, snapshots, locks) skip the fcntl round trips.
        var (head, bulk) = Split(data.Length, offset);
        if (bulk > 0 && IsAligned(data[head..], offset + head) && TrySet(handle, direct: true))
        {
            // Switches direct I/O off again itself, before the head and tail.
            Write(handle, handle, data, offset);
            return;
        }

        RandomAccess.Write(handle, data, offset);
    }

    /// <summary>
    /// Writes <paramref name="data"/> at <paramref name="offset"/>: the aligned bulk through
    /// <paramref name="direct"/> (a handle with direct I/O on, or null), the rest through
    /// <paramref name="buffered"/>. When both are one handle, the caller has switched direct I/O on
    /// and it is switched off again before the head and tail are written.
    /// </summary>
    public static void Write(SafeFileHandle buffered, SafeFileHandle? direct, ReadOnlySpan<byte> data, long offset)
    {
        var (head, bulk) = Split(data.Length, offset);
        bool sameHandle = ReferenceEquals(buffered, direct);
        bool wroteBulk = false;
        try
        {
            if (direct is not null && bulk > 0 && IsAligned(data[head..], offset + head))
            {
                RandomAccess.Write(direct, data.Slice(head, bulk), offset + head);
                wroteBulk = true;
            }
        }
        catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException)
        {
            // Refused after all (an unusual device or file system): the same bytes through the page cache, below.
        }
        finally
        {
            if (sameHandle)
            {
                TrySet(buffered, direct: false);
            }
        }

        if (!wroteBulk)
        {
            RandomAccess.Write(buffered, data, offset);
            return;
        }

        if (head > 0)
        {
            RandomAccess.Write(buffered, data[..head], offset);
        }

        int tail = head + bulk;
        if (tail < data.Length)
        {
            RandomAccess.Write(buffered, data[tail..], offset + tail);
        }
    }

    /// <summary>The unaligned head before the first aligned offset, and the aligned bulk after it.</summary>
    private static (int Head, int Bulk) Split(int length, long offset)
    {
        int head = (int)Math.Min(length, (Alignment - (offset % Alignment)) % Alignment);
        return (head, (length - head) / Alignment * Alignment);
    }

    /// <summary>Opens a second handle on <paramref name="path"/> with direct I/O on; null if the file system refuses it.</summary>
    public static SafeFileHandle? OpenDirect(string path)
    {
        if (!IsSupported)
        {
            return null;
        }

        var handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        if (TrySet(handle, direct: true))
        {
            return handle;
        }

        handle.Dispose();
        return null;
    }

    /// <summary>
    /// A buffer of <paramref name="length"/> bytes for direct transfers, aligned to
    /// <see cref="Alignment"/>; free it with <see cref="FreeBuffer"/> and the same length. One of
    /// 2 MiB or more is a mapping of its own, 2 MiB-aligned and backed by Linux transparent huge pages
    /// where the kernel offers them (the "madvise" mode): a direct write from it is then a few
    /// physically contiguous segments instead of one per 4 KiB page. On the measured virtual
    /// machine that cut the CPU time the hypervisor charges for writing 1.6 GB from 1.3 s to 0.9 s,
    /// and the write's time from 1.35 s to 0.83 s. A mapping of its own, not the C heap's memory,
    /// so that the advice never outlives the buffer and the memory goes back to the system when
    /// the buffer is freed.
    /// </summary>
    public static unsafe byte* AllocateBuffer(int length)
    {
        if (!IsSupported || length < HugePageSize)
        {
            return (byte*)NativeMemory.AlignedAlloc((nuint)length, Alignment);
        }

        nuint size = MappedSize(length);
        byte* mapped = Mmap(null, size + HugePageSize, ReadWrite, PrivateAnonymous, -1, 0);
        if ((nint)mapped == -1)
        {
            throw new InsufficientMemoryException($"A direct I/O buffer of {length} bytes could not be mapped.");
        }

        // Keep the 2 MiB-aligned part only, so every huge page of it can be one.
        byte* aligned = (byte*)(((nuint)mapped + HugePageSize - 1) & ~(nuint)(HugePageSize - 1));
        nuint head = (nuint)(aligned - mapped);
        if (head > 0)
        {
            _ = Munmap(mapped, head);
        }

        nuint tail = HugePageSize - head;
        if (tail > 0)
        {
            _ = Munmap(aligned + size, tail);
        }

        // Advice only: refused (THP off, an old kernel), the buffer works as before with small pages.
        _ = Madvise(aligned, size, HugePageAdvice);
        return aligned;
    }

    /// <summary>Frees a buffer from <see cref="AllocateBuffer"/> of <paramref name="length"/> bytes.</summary>
    public static unsafe void FreeBuffer(byte* pointer, int length)
    {
        if (!IsSupported || length < HugePageSize)
        {
            NativeMemory.AlignedFree(pointer);
            return;
        }

        _ = Munmap(pointer, MappedSize(length));
    }

    private static nuint MappedSize(int length) => ((nuint)length + Alignment - 1) & ~(nuint)(Alignment - 1);

    private const int HugePageSize = 2 * 1024 * 1024;
    private const int HugePageAdvice = 14; // MADV_HUGEPAGE
    private const int ReadWrite = 0x3; // PROT_READ | PROT_WRITE
    private const int PrivateAnonymous = 0x22; // MAP_PRIVATE | MAP_ANONYMOUS, on x64 and arm64

    [LibraryImport("libc", EntryPoint = "fcntl")]
    private static partial int Fcntl(int fd, int command, int argument);

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static unsafe partial int Madvise(void* address, nuint length, int advice);

    [LibraryImport("libc", EntryPoint = "mmap")]
    private static unsafe partial byte* Mmap(void* address, nuint length, int protection, int flags, int fd, nint offset);

    [LibraryImport("libc", EntryPoint = "munmap")]
    private static unsafe partial int Munmap(void* address, nuint length);
}
