using Amazon.S3;
using Amazon.S3.Model;
using Lockbox.Client;
using Lockbox.Keys;
using Lockbox.Repository;
using Lockbox.Storage;
using Xunit;

namespace Lockbox.IntegrationTests;

/// <summary>The facade's switch and rotation on the real S3 protocol server, in a versioned bucket where the server has versioning.</summary>
public sealed class ClientS3Tests : IDisposable
{
    private readonly Lockbox.Tests.TempFolder _folder = new();
    private readonly AmazonS3Client _raw = S3Server.RawClient();
    private string _bucket = S3Server.BucketName;

    private string Store => _folder.Combine("phone");

    private async Task<(S3StorageOptions Options, bool Versioned)> RepositoryAsync()
    {
        _bucket = "lockbox-client-" + Guid.NewGuid().ToString("N")[..16];
        bool versioned = await S3Server.CreateVersionedBucketAsync(_raw, _bucket);
        return (S3Server.FreshRepository() with { Bucket = _bucket }, versioned);
    }

    private LockboxClient Client(IStorage storage) =>
        new(new LockboxClientOptions { Storage = storage, DeviceFolder = _folder.Combine("device"), ChatStore = Store });

    private void WriteStore(string text)
    {
        Directory.CreateDirectory(Path.Combine(Store, "media"));
        File.WriteAllText(Path.Combine(Store, "media", "note.txt"), text);
        File.WriteAllBytes(Path.Combine(Store, "media", "photo.jpg"), Enumerable.Range(0, 300_000).Select(i => (byte)(i * 7)).ToArray());
    }

    /// <summary>Every key, and every version and delete marker, under <paramref name="prefix"/>, straight from the server.</summary>
    private async Task<List<string>> EverythingUnderAsync(string prefix, bool versioned)
    {
        var keys = new List<string>();
        if (versioned)
        {
            var versions = await _raw.ListVersionsAsync(new ListVersionsRequest { BucketName = _bucket, Prefix = prefix });
            keys.AddRange((versions.Versions ?? []).Select(v => $"{v.Key}@{v.VersionId}"));
        }

        var objects = await _raw.ListObjectsV2Async(new ListObjectsV2Request { BucketName = _bucket, Prefix = prefix });
        keys.AddRange((objects.S3Objects ?? []).Select(o => o.Key));
        return keys;
    }

    [Fact]
    public async Task Enable_on_s3_leaves_no_object_or_version_of_any_unencrypted_copy()
    {
        var (options, versioned) = await RepositoryAsync();
        using var storage = new S3Storage(options);
        WriteStore("day one");
        await Client(storage).BackupAsync();
        WriteStore("day two");
        await Client(storage).BackupAsync(); // the same note again: a second version of nothing, a new piece
        Assert.NotEmpty(await EverythingUnderAsync(options.Prefix + "/standard/", versioned));

        await Client(storage).EnableWithKeyAsync((key, _) => ValueTask.FromResult(key.ToDisplayString()));

        Assert.Empty(await EverythingUnderAsync(options.Prefix + "/standard/", versioned));
        var status = await Client(storage).GetStatusAsync();
        Assert.Equal(3, status.EncryptedSnapshots);
        Assert.Equal(0, status.UnencryptedObjects);
    }

    [Fact]
    public async Task Rotate_on_s3_builds_under_the_rotation_prefix_and_leaves_nothing_the_old_key_opens()
    {
        var (options, versioned) = await RepositoryAsync();
        using var storage = new S3Storage(options);
        WriteStore("before rotation");
        await Client(storage).EnableWithKeyAsync((key, _) => ValueTask.FromResult(key.ToDisplayString()));
        using var oldKey = new Device.DeviceFolder(_folder.Combine("device")).LoadKey()!;
        var oldObjects = await EverythingUnderAsync(options.Prefix + "/data/", versioned);

        await Client(storage).RotateKeyAsync(null, (key, _) => ValueTask.FromResult(key.ToDisplayString()));

        await Assert.ThrowsAsync<WrongKeyException>(() => Repository.Repository.OpenAsync(storage, oldKey));
        Assert.Empty(await EverythingUnderAsync(options.Prefix + "/rotation/", versioned));
        Assert.Empty((await EverythingUnderAsync(options.Prefix + "/data/", versioned)).Intersect(oldObjects));
        using var newKey = new Device.DeviceFolder(_folder.Combine("device")).LoadKey()!;
        using var repository = await Repository.Repository.OpenAsync(storage, newKey);
        Assert.True((await repository.CheckAsync(readData: true)).IsHealthy);
        string target = _folder.Combine("restored");
        await repository.RestoreAsync(new Restore.RestoreRequest("latest", target));
        Assert.Equal("before rotation", File.ReadAllText(Path.Combine(target, "media", "note.txt")));
    }

    public void Dispose()
    {
        _raw.Dispose();
        _folder.Dispose();
    }
}
