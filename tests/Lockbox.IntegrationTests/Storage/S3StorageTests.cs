using Amazon.S3;
using Amazon.S3.Model;
using Lockbox.Storage;
using Lockbox.Tests.Storage;
using Xunit;

namespace Lockbox.IntegrationTests.Storage;

/// <summary>
/// <see cref="S3Storage"/> against a real S3 protocol server (s3rver, started by test.sh). Every test
/// gets a repository under its own fresh prefix in the shared test bucket.
/// </summary>
public sealed class S3StorageTests : StorageContract, IDisposable
{
    private const int MiB = 1 << 20;
    private readonly S3StorageOptions _options;
    private readonly S3Storage _storage;

    public S3StorageTests()
    {
        _options = S3Server.FreshRepository();
        _storage = new S3Storage(_options);
    }

    protected override IStorage Storage => _storage;

    [Fact]
    public async Task Object_above_the_multipart_threshold_round_trips_through_a_multipart_upload()
    {
        var options = _options with { MultipartThreshold = 5 * MiB, PartSize = 5 * MiB };
        using var storage = new S3Storage(options);
        var name = Pack(0x5a);
        byte[] data = Pseudorandom(seed: 1, length: (12 * MiB) + 12345);

        await storage.WriteAsync(name, data);

        Assert.Equal(data, await storage.ReadAsync(name));
        Assert.Equal(data[^100..], await storage.ReadRangeAsync(name, -100, 100));
        Assert.Equal([new StoredObject(name, data.Length)], await storage.ListAsync(ObjectKind.Pack).ToListAsync());
    }

    [Fact]
    public async Task Object_below_the_threshold_is_stored_byte_for_byte_without_chunk_framing()
    {
        var name = Pack(0x11);
        byte[] data = Pseudorandom(seed: 2, length: 3 * MiB);
        await Storage.WriteAsync(name, data);

        // Read through a separate plain client: the stored size is the data's, not data plus aws-chunked signatures.
        using var client = RawClient();
        var head = await client.GetObjectMetadataAsync(_options.Bucket, _options.Prefix + "/" + name.Path);
        Assert.Equal(data.Length, head.ContentLength);
        Assert.Equal(data, await Storage.ReadAsync(name));
    }

    [Fact]
    public async Task Range_reads_cover_the_middle_the_tail_and_a_tail_prefix()
    {
        var name = Pack(0x22);
        byte[] data = Pseudorandom(seed: 3, length: 100_000);
        await Storage.WriteAsync(name, data);

        Assert.Equal(data[..1], await Storage.ReadRangeAsync(name, 0, 1));
        Assert.Equal(data[54_321..(54_321 + 4096)], await Storage.ReadRangeAsync(name, 54_321, 4096));
        Assert.Equal(data[^4096..], await Storage.ReadRangeAsync(name, -4096, 4096));
        Assert.Equal(data[^4096..^4000], await Storage.ReadRangeAsync(name, -4096, 96));
        Assert.Empty(await Storage.ReadRangeAsync(name, 100_000, 0));
    }

    [Fact]
    public async Task Range_reads_past_either_end_report_a_short_object()
    {
        var name = Pack(0x33);
        await Storage.WriteAsync(name, new byte[1000]);

        await Assert.ThrowsAsync<EndOfStreamException>(() => Storage.ReadRangeAsync(name, 990, 20));
        await Assert.ThrowsAsync<EndOfStreamException>(() => Storage.ReadRangeAsync(name, 5000, 1));
        await Assert.ThrowsAsync<EndOfStreamException>(() => Storage.ReadRangeAsync(name, -1001, 1001));
        await Assert.ThrowsAsync<EndOfStreamException>(() => Storage.ReadRangeAsync(name, -10, 11));
    }

    [Fact]
    public async Task Two_repositories_in_one_bucket_never_see_each_others_objects()
    {
        string parent = S3Server.UniquePrefix();
        using var first = new S3Storage(S3Server.FreshRepository(parent + "/first"));
        using var second = new S3Storage(S3Server.FreshRepository(parent + "/first-but-longer"));
        var name = new ObjectName(ObjectKind.Snapshot, new string('a', 64));

        await first.WriteAsync(name, new byte[] { 1 });
        await first.WriteAsync(ObjectName.Config, new byte[] { 2 });

        Assert.False(await second.ExistsAsync(name));
        Assert.Empty(await second.ListAsync(ObjectKind.Snapshot).ToListAsync());
        Assert.Empty(await second.ListAsync(ObjectKind.Config).ToListAsync());
        await Assert.ThrowsAsync<ObjectNotFoundException>(() => second.ReadAsync(name));
        await second.DeleteAsync(name);
        Assert.Equal(new byte[] { 1 }, await first.ReadAsync(name));
    }

    [Fact]
    public async Task Listing_more_than_one_page_of_objects_returns_every_object()
    {
        const int count = 1234; // S3 pages listings at 1000 keys.
        var names = Enumerable.Range(0, count).Select(i => new ObjectName(ObjectKind.Index, i.ToString("x64", System.Globalization.CultureInfo.InvariantCulture))).ToList();
        await Parallel.ForEachAsync(names, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (name, token) =>
            await Storage.WriteAsync(name, new byte[name.Name[^1] % 7], token));

        var listed = await Storage.ListAsync(ObjectKind.Index).ToListAsync();

        Assert.Equal(names.Select(n => new StoredObject(n, n.Name[^1] % 7)).OrderBy(o => o.Name.Name, StringComparer.Ordinal),
            listed.OrderBy(o => o.Name.Name, StringComparer.Ordinal));
    }

    [Fact]
    public async Task Missing_object_error_names_the_object_and_not_the_bucket_internals()
    {
        var name = Pack(0x44);
        var error = await Assert.ThrowsAsync<ObjectNotFoundException>(() => Storage.ReadRangeAsync(name, -16, 16));
        Assert.Equal(name, error.ObjectName);
        Assert.Contains(name.Path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Credentials_never_appear_in_the_location_or_in_errors()
    {
        const string accessKey = "LOCKBOXLEAKCHECKKEY7";
        const string secret = "lockbox-leak-check-secret-4f9a1c0e7b2d";
        using var unknownKey = new S3Storage(_options with { Connection = S3Server.Connection with { AccessKeyId = accessKey, SecretAccessKey = secret } });
        using var missingBucket = new S3Storage(_options with { Bucket = "no-such-bucket-" + Guid.NewGuid().ToString("N")[..16] });

        var errors = new List<Exception>
        {
            await Assert.ThrowsAsync<S3StorageException>(() => unknownKey.WriteAsync(Pack(0x55), new byte[10])),
            await Assert.ThrowsAsync<S3StorageException>(async () => await unknownKey.ListAsync(ObjectKind.Pack).ToListAsync()),
            await Assert.ThrowsAsync<S3StorageException>(() => unknownKey.ReadRangeAsync(Pack(0x55), -8, 8)),
            await Assert.ThrowsAsync<S3StorageException>(() => missingBucket.ReadAsync(Pack(0x55))),
            await Assert.ThrowsAsync<S3StorageException>(() => missingBucket.WriteAsync(Pack(0x55), new byte[10])),
        };

        Assert.Equal("InvalidAccessKeyId", ((S3StorageException)errors[0]).ErrorCode);
        Assert.Equal("NoSuchBucket", ((S3StorageException)errors[3]).ErrorCode);
        Assert.Contains(missingBucket.Location, errors[3].Message, StringComparison.Ordinal);
        var texts = errors.Select(e => e.ToString())
            .Append(unknownKey.Location)
            .Append((_options with { Connection = S3Server.Connection with { AccessKeyId = accessKey, SecretAccessKey = secret, SessionToken = secret } }).ToString());
        foreach (string text in texts)
        {
            Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
            Assert.DoesNotContain(accessKey, text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Location_names_the_bucket_prefix_and_endpoint()
    {
        Assert.Equal($"s3://{_options.Bucket}/{_options.Prefix} at {S3Server.Connection.Endpoint!.GetLeftPart(UriPartial.Authority)}", Storage.Location);
        await Task.CompletedTask;
    }

    [Fact]
    public async Task Repository_url_opens_the_same_repository()
    {
        var name = new ObjectName(ObjectKind.Snapshot, new string('b', 64));
        await Storage.WriteAsync(name, new byte[] { 7, 8, 9 });

        var reopened = RepositoryLocation.Parse($"s3://{_options.Bucket}/{_options.Prefix}/", S3Server.Connection);

        Assert.IsType<S3Storage>(Assert.IsType<RetryingStorage>(reopened).Inner);
        Assert.Equal(new byte[] { 7, 8, 9 }, await reopened.ReadAsync(name));
        ((IDisposable)reopened).Dispose();
    }

    [Fact]
    public async Task Deleting_in_an_unversioned_bucket_removes_the_object()
    {
        // s3rver 3.7.1 implements no versioning, so this exercises the plain-delete fallback;
        // DeleteAllVersionsAsync must still leave nothing behind.
        var name = Pack(0x77);
        await Storage.WriteAsync(name, new byte[] { 1, 2, 3 });
        await _storage.DeleteAllVersionsAsync(name);
        await _storage.DeleteAsync(name);
        Assert.False(await Storage.ExistsAsync(name));
        Assert.Empty(await Storage.ListAsync(ObjectKind.Pack).ToListAsync());
    }

    [Fact]
    public async Task Deleting_in_a_versioned_bucket_leaves_no_version_behind()
    {
        // s3rver 3.7.1 implements no versioning; there this checks the
        // plain-delete fallback, and on a server with versioning (e.g. moto) the version purge.
        using var client = RawClient();
        string bucket = "lockbox-versioned-" + Guid.NewGuid().ToString("N")[..16];
        bool versioned = await S3Server.CreateVersionedBucketAsync(client, bucket);

        using var storage = new S3Storage(_options with { Bucket = bucket });
        var name = Pack(0x88);
        var other = Pack(0x89);
        await storage.WriteAsync(name, new byte[] { 1 });
        await storage.WriteAsync(name, new byte[] { 2 });
        await storage.WriteAsync(other, new byte[] { 3 });

        await storage.DeleteAsync(name);

        Assert.False(await storage.ExistsAsync(name));
        Assert.Equal(new byte[] { 3 }, await storage.ReadAsync(other));
        if (versioned)
        {
            var left = await client.ListVersionsAsync(new ListVersionsRequest { BucketName = bucket, Prefix = _options.Prefix + "/" + name.Path });
            Assert.Empty(left.Versions ?? []);
            var kept = await client.ListVersionsAsync(new ListVersionsRequest { BucketName = bucket, Prefix = _options.Prefix + "/" + other.Path });
            Assert.Single(kept.Versions ?? []);
        }
    }

    public void Dispose() => _storage.Dispose();

    private static ObjectName Pack(byte first) => new(ObjectKind.Pack, Convert.ToHexStringLower([first]) + new string('0', 62));

    private static byte[] Pseudorandom(int seed, int length)
    {
        byte[] data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    private static AmazonS3Client RawClient() => S3Server.RawClient();
}
