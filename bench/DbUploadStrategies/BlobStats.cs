using System.Buffers.Binary;
using System.Security.Cryptography;
using ZstdSharp;

namespace DbUploadStrategies;

/// <summary>What one strategy uploads on day 0 and what it adds on day 1, for a dedup store of compressed blobs.</summary>
internal sealed record StrategyResult(
    string Name, long Day0Blobs, long Day0Raw, long Day0Compressed,
    long Day1Blobs, long NewBlobs, long NewRaw, long NewCompressed)
{
    /// <summary>AEAD nonce + tag (28 B), index entry (~48 B) and a reference in the snapshot tree (32 B).</summary>
    public const int OverheadPerBlob = 28 + 48 + 32;

    public long NewOverhead => NewBlobs * OverheadPerBlob;

    public long NewTotal => NewCompressed + NewOverhead;
}

/// <summary>Dedups blobs by content hash (standing in for the keyed blob ID: the dedup decision is the same).</summary>
internal static class BlobStats
{
    public static StrategyResult Measure(string name, IReadOnlyList<ReadOnlyMemory<byte>> day0, IReadOnlyList<ReadOnlyMemory<byte>> day1)
    {
        using var zstd = new Compressor(3);
        var known = new HashSet<UInt128>();
        long raw0 = 0, comp0 = 0;
        foreach (ReadOnlyMemory<byte> blob in day0)
        {
            if (known.Add(Id(blob.Span)))
            {
                raw0 += blob.Length;
                comp0 += zstd.Wrap(blob.Span).Length;
            }
        }
        long newBlobs = 0, newRaw = 0, newComp = 0;
        foreach (ReadOnlyMemory<byte> blob in day1)
        {
            if (known.Add(Id(blob.Span)))
            {
                newBlobs++;
                newRaw += blob.Length;
                newComp += zstd.Wrap(blob.Span).Length;
            }
        }
        return new StrategyResult(name, day0.Count, raw0, comp0, day1.Count, newBlobs, newRaw, newComp);
    }

    public static List<ReadOnlyMemory<byte>> Chunks(byte[] data, FastCdc cdc) =>
        cdc.Split(data).Select(c => (ReadOnlyMemory<byte>)data.AsMemory(c.Offset, c.Length)).ToList();

    public static List<ReadOnlyMemory<byte>> Fixed(byte[] data, int size)
    {
        var blobs = new List<ReadOnlyMemory<byte>>(data.Length / size + 1);
        for (int offset = 0; offset < data.Length; offset += size)
        {
            blobs.Add(data.AsMemory(offset, Math.Min(size, data.Length - offset)));
        }
        return blobs;
    }

    private static UInt128 Id(ReadOnlySpan<byte> blob)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(blob, hash);
        return BinaryPrimitives.ReadUInt128LittleEndian(hash);
    }
}
