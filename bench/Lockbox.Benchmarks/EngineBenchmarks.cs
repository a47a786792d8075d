using BenchmarkDotNet.Attributes;
using Lockbox.Chunking;
using Lockbox.Keys;
using Lockbox.Repository;

namespace Lockbox.Benchmarks;

/// <summary>Per-stage throughput of the backup pipeline on 16 MiB of incompressible data (one pack's worth).</summary>
[MemoryDiagnoser]
public class EngineBenchmarks
{
    private const int Size = 16 * 1024 * 1024;
    private readonly byte[] _data = new byte[Size];
    private MasterKeys _keys = null!;
    private FastCdc _chunker = null!;
    private BlobCodec _codec = null!;
    private BlobCodec.SealedBlob _sealed;
    private readonly byte[] _page = System.Text.Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 400).Select(i => $"msg {i} hello ")))[..4096];

    [GlobalSetup]
    public void Setup()
    {
        new Random(1).NextBytes(_data);
        _keys = new MasterKeys(new byte[32], new byte[32]);
        _chunker = new FastCdc(ChunkerParameters.Default, _keys.ChunkerKey);
        _codec = new BlobCodec(_keys);
        _sealed = _codec.Seal(_keys.ComputeId(_data.AsSpan(0, 1 << 20)), BlobType.Data, BlobBuffers.RentForSealing(_data.AsSpan(0, 1 << 20)), 1 << 20);
    }

    [Benchmark(Description = "FastCDC: find chunk boundaries in 16 MiB")]
    public int Chunk()
    {
        int at = 0;
        int chunks = 0;
        while (at < Size)
        {
            at += _chunker.NextChunkLength(_data.AsSpan(at), isFinal: true);
            chunks++;
        }

        return chunks;
    }

    [Benchmark(Description = "HMAC-SHA256 blob ids over 16 MiB (1 MiB chunks)")]
    public int Identify()
    {
        int x = 0;
        for (int at = 0; at < Size; at += 1 << 20)
        {
            x ^= _keys.ComputeId(_data.AsSpan(at, 1 << 20)).GetHashCode();
        }

        return x;
    }

    [Benchmark(Description = "Seal one 4 KiB database page (zstd + AES-256-GCM)")]
    public int SealPage()
    {
        var blob = _codec.Seal(default, BlobType.Data, BlobBuffers.RentForSealing(_page), _page.Length);
        BlobBuffers.Pool.Return(blob.Sealed);
        return blob.SealedLength;
    }

    [Benchmark(Description = "Seal 16 MiB of media (copy for sealing, sample test, AES-256-GCM in place)")]
    public int Seal()
    {
        int total = 0;
        for (int at = 0; at < Size; at += 1 << 20)
        {
            var blob = _codec.Seal(default, BlobType.Data, BlobBuffers.RentForSealing(_data.AsSpan(at, 1 << 20)), 1 << 20);
            total += blob.SealedLength;
            BlobBuffers.Pool.Return(blob.Sealed);
        }

        return total;
    }
}
