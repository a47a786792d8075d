using System.Buffers.Binary;
using Lockbox.Crypto;
using Microsoft.Win32.SafeHandles;

namespace Lockbox.Repository;

/// <summary>
/// A large blob index kept on local disk instead of in memory: fixed 50-byte records sorted by blob
/// id, with every 256th id held in memory to find the right block in one read. It is built by an
/// external merge sort in bounded memory, so a repository of any size opens in constant memory;
/// lookups read through the page cache, which the kernel may reclaim, rather than the heap.
/// Record: id[32] pack[4] type[1] encoding[1] offset[4] stored_length[4] raw_length[4].
/// </summary>
internal sealed class DiskIndex : IDisposable
{
    public const int RecordLength = 50;
    private const int FenceEvery = 256;
    private const int RunRecords = 64 * 1024;

    private readonly string _path;
    private readonly SafeFileHandle _file;
    private readonly BlobId[] _fence;

    private DiskIndex(string path, long count, BlobId[] fence)
    {
        _path = path;
        Count = count;
        _fence = fence;
        _file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
    }

    public long Count { get; }

    /// <summary>Sorts <paramref name="records"/> into a new file in <paramref name="folder"/>, one record per blob id.</summary>
    /// <remarks>A blob stored in two packs keeps one record; <paramref name="onDuplicate"/> is told of the other.</remarks>
    public static DiskIndex Build(IEnumerable<(int Pack, PackEntry Entry)> records, string folder, Action<int, PackEntry>? onDuplicate = null)
    {
        Directory.CreateDirectory(folder);
        var runs = new List<string>();
        var buffer = new List<(int Pack, PackEntry Entry)>(RunRecords);
        try
        {
            foreach (var record in records)
            {
                buffer.Add(record);
                if (buffer.Count == RunRecords)
                {
                    runs.Add(WriteRun(buffer, folder));
                    buffer.Clear();
                }
            }

            runs.Add(WriteRun(buffer, folder));
            string path = Path.Combine(folder, $"index-{Guid.NewGuid():N}.bin");
            var (count, fence) = Merge(runs, path, onDuplicate);
            return new DiskIndex(path, count, fence);
        }
        finally
        {
            foreach (string run in runs)
            {
                File.Delete(run);
            }
        }
    }

    public bool TryGet(BlobId id, out int pack, out PackEntry entry)
    {
        pack = 0;
        entry = default;
        if (Count == 0)
        {
            return false;
        }

        // The last fence key not greater than the id starts the one block that can hold it.
        int low = 0;
        int high = _fence.Length - 1;
        while (low < high)
        {
            int middle = (low + high + 1) / 2;
            if (_fence[middle] <= id)
            {
                low = middle;
            }
            else
            {
                high = middle - 1;
            }
        }

        long first = (long)low * FenceEvery;
        int records = (int)Math.Min(FenceEvery, Count - first);
        byte[] block = System.Buffers.ArrayPool<byte>.Shared.Rent(records * RecordLength);
        try
        {
            RandomAccess.Read(_file, block.AsSpan(0, records * RecordLength), first * RecordLength);
            int lo = 0;
            int hi = records - 1;
            while (lo <= hi)
            {
                int mid = (lo + hi) / 2;
                var record = block.AsSpan(mid * RecordLength, RecordLength);
                int c = new BlobId(record[..BlobId.Length]).CompareTo(id);
                if (c == 0)
                {
                    (pack, entry) = Decode(record);
                    return true;
                }

                if (c < 0)
                {
                    lo = mid + 1;
                }
                else
                {
                    hi = mid - 1;
                }
            }

            return false;
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(block);
        }
    }

    /// <summary>Every record, in id order, read sequentially.</summary>
    public IEnumerable<(int Pack, PackEntry Entry)> All()
    {
        using var stream = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        byte[] record = new byte[RecordLength];
        for (long i = 0; i < Count; i++)
        {
            stream.ReadExactly(record);
            yield return Decode(record);
        }
    }

    public void Dispose()
    {
        _file.Dispose();
        File.Delete(_path);
    }

    private static string WriteRun(List<(int Pack, PackEntry Entry)> buffer, string folder)
    {
        buffer.Sort((a, b) => a.Entry.Id.CompareTo(b.Entry.Id));
        string path = Path.Combine(folder, $"run-{Guid.NewGuid():N}.bin");
        using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
        Span<byte> record = stackalloc byte[RecordLength];
        foreach (var (pack, entry) in buffer)
        {
            Encode(pack, entry, record);
            stream.Write(record);
        }

        return path;
    }

    private static (long Count, BlobId[] Fence) Merge(List<string> runs, string path, Action<int, PackEntry>? onDuplicate)
    {
        var readers = runs.Select(r => new FileStream(r, FileMode.Open, FileAccess.Read, FileShare.None, 1 << 16)).ToList();
        try
        {
            var heads = new PriorityQueue<(int Reader, byte[] Record), BlobId>();
            for (int i = 0; i < readers.Count; i++)
            {
                Advance(i);
            }

            using var output = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
            var fence = new List<BlobId>();
            long count = 0;
            BlobId? previous = null;
            byte[]? previousRecord = null;
            while (heads.TryDequeue(out var head, out var id))
            {
                // A blob stored in two packs keeps one record here; the caller keeps the other. The
                // same record twice (one index entry read from two index files) is one copy.
                if (previous == id)
                {
                    if (!head.Record.AsSpan().SequenceEqual(previousRecord))
                    {
                        var (pack, entry) = Decode(head.Record);
                        onDuplicate?.Invoke(pack, entry);
                    }
                }
                else
                {
                    previousRecord = head.Record;
                    if (count % FenceEvery == 0)
                    {
                        fence.Add(id);
                    }

                    output.Write(head.Record);
                    count++;
                    previous = id;
                }

                Advance(head.Reader);
            }

            return (count, [.. fence]);

            void Advance(int reader)
            {
                byte[] record = new byte[RecordLength];
                if (readers[reader].ReadAtLeast(record, RecordLength, throwOnEndOfStream: false) == RecordLength)
                {
                    heads.Enqueue((reader, record), new BlobId(record.AsSpan(0, BlobId.Length)));
                }
            }
        }
        finally
        {
            foreach (var reader in readers)
            {
                reader.Dispose();
            }
        }
    }

    private static void Encode(int pack, PackEntry entry, Span<byte> record)
    {
        entry.Id.WriteTo(record);
        BinaryPrimitives.WriteInt32LittleEndian(record[32..], pack);
        record[36] = (byte)entry.Type;
        record[37] = (byte)entry.Encoding;
        BinaryPrimitives.WriteUInt32LittleEndian(record[38..], entry.Offset);
        BinaryPrimitives.WriteUInt32LittleEndian(record[42..], entry.StoredLength);
        BinaryPrimitives.WriteUInt32LittleEndian(record[46..], entry.RawLength);
    }

    private static (int Pack, PackEntry Entry) Decode(ReadOnlySpan<byte> record) =>
        (BinaryPrimitives.ReadInt32LittleEndian(record[32..]),
         new PackEntry(
             new BlobId(record[..BlobId.Length]),
             (BlobType)record[36],
             (BlobEncoding)record[37],
             BinaryPrimitives.ReadUInt32LittleEndian(record[38..]),
             BinaryPrimitives.ReadUInt32LittleEndian(record[42..]),
             BinaryPrimitives.ReadUInt32LittleEndian(record[46..])));
}
