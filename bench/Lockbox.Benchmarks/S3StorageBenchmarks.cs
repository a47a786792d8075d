using BenchmarkDotNet.Attributes;
using Lockbox.Storage;

namespace Lockbox.Benchmarks;

/// <summary>
/// Upload and download of one 16 MiB object (a typical pack) through <see cref="S3Storage"/> to the
/// S3 server named by LOCKBOX_TEST_S3_ENDPOINT and LOCKBOX_TEST_S3_BUCKET. Run with bench/s3.sh,
/// which starts s3rver on 127.0.0.1 first.
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 8)]
[MemoryDiagnoser]
public class S3StorageBenchmarks
{
    private const int ObjectSize = 16 << 20;
    private static readonly ObjectName Uploaded = new(ObjectKind.Pack, "10" + new string('0', 62));
    private static readonly ObjectName Downloaded = new(ObjectKind.Pack, "20" + new string('0', 62));
    private readonly byte[] _data = new byte[ObjectSize];
    private S3Storage _storage = null!;

    [GlobalSetup]
    public async Task SetUp()
    {
        string endpoint = Environment.GetEnvironmentVariable("LOCKBOX_TEST_S3_ENDPOINT")
            ?? throw new InvalidOperationException("LOCKBOX_TEST_S3_ENDPOINT is unset; run bench/s3.sh.");
        string bucket = Environment.GetEnvironmentVariable("LOCKBOX_TEST_S3_BUCKET")
            ?? throw new InvalidOperationException("LOCKBOX_TEST_S3_BUCKET is unset; run bench/s3.sh.");
        new Random(16).NextBytes(_data);
        _storage = new S3Storage(new S3StorageOptions
        {
            Connection = new S3Connection { Endpoint = new Uri(endpoint), AccessKeyId = "S3RVER", SecretAccessKey = "S3RVER" },
            Bucket = bucket,
            Prefix = "bench-" + Guid.NewGuid().ToString("N"),
        });
        await _storage.WriteAsync(Downloaded, _data);
    }

    [GlobalCleanup]
    public void CleanUp() => _storage.Dispose();

    [Benchmark(Description = "upload 16 MiB")]
    public Task Upload() => _storage.WriteAsync(Uploaded, _data);

    [Benchmark(Description = "download 16 MiB")]
    public Task<byte[]> Download() => _storage.ReadAsync(Downloaded);

    [Benchmark(Description = "read last 4 KiB")]
    public Task<byte[]> ReadTail() => _storage.ReadRangeAsync(Downloaded, -4096, 4096);
}
