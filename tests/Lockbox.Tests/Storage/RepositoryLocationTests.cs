using Lockbox.Storage;
using Xunit;

namespace Lockbox.Tests.Storage;

public sealed class RepositoryLocationTests
{
    private static readonly S3Connection LocalS3 = new() { Endpoint = new Uri("http://127.0.0.1:9000"), AccessKeyId = "AKIDEXAMPLE", SecretAccessKey = "wJalrXUtnFEMI-example-secret" };

    [Fact]
    public void A_folder_path_opens_local_storage()
    {
        using var folder = new TempFolder();
        var storage = RepositoryLocation.Parse(folder.Path);
        Assert.IsType<LocalStorage>(Assert.IsAssignableFrom<RetryingStorage>(storage).Inner);
        Assert.IsAssignableFrom<IStreamingStorage>(storage); // packs still go to disk as they fill
        Assert.Equal(folder.Path, storage.Location);
    }

    [Theory]
    [InlineData("s3://backups/alice/phone", "backups", "alice/phone")]
    [InlineData("s3://backups/alice/", "backups", "alice")]
    [InlineData("s3://backups", "backups", "")]
    [InlineData("S3://my.bucket-1/x", "my.bucket-1", "x")]
    public void An_s3_url_splits_into_bucket_and_prefix(string url, string bucket, string prefix)
    {
        var options = RepositoryLocation.ParseS3(url, LocalS3);
        Assert.Equal(bucket, options.Bucket);
        Assert.Equal(prefix, options.Prefix);
        Assert.Same(LocalS3, options.Connection);
    }

    [Fact]
    public void An_s3_url_opens_s3_storage_whose_location_names_bucket_prefix_and_endpoint()
    {
        using var storage = Assert.IsType<RetryingStorage>(RepositoryLocation.Parse("s3://backups/alice", LocalS3));
        Assert.False(storage is IStreamingStorage);
        var s3 = Assert.IsType<S3Storage>(storage.Inner);
        Assert.Equal("s3://backups/alice at http://127.0.0.1:9000", s3.Location);
    }

    [Theory]
    [InlineData("s3://")]
    [InlineData("s3://Upper/x")]
    [InlineData("s3://ab/x")]
    [InlineData("s3://-bucket/x")]
    [InlineData("s3://bucket/a//b")]
    [InlineData("s3://bucket/a/../b")]
    [InlineData("s3://bucket/x?versionId=1")]
    public void Malformed_s3_urls_are_rejected(string url)
    {
        Assert.Throws<ArgumentException>(() => RepositoryLocation.Parse(url, LocalS3));
    }

    [Fact]
    public void Credentials_in_a_repository_url_are_rejected_without_being_echoed()
    {
        var s3 = Assert.Throws<ArgumentException>(() => RepositoryLocation.Parse("s3://AKIDEXAMPLE:hunter2secret@backups/alice", LocalS3));
        var other = Assert.Throws<ArgumentException>(() => RepositoryLocation.Parse("https://user:hunter2secret@example.com/repo"));
        Assert.DoesNotContain("hunter2secret", s3.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2secret", other.Message, StringComparison.Ordinal);
        Assert.Contains("unsupported scheme", other.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Credentials_in_the_endpoint_are_rejected_without_being_echoed()
    {
        var connection = LocalS3 with { Endpoint = new Uri("http://AKIDEXAMPLE:hunter2secret@127.0.0.1:9000") };
        var error = Assert.Throws<ArgumentException>(() => RepositoryLocation.Parse("s3://backups/alice", connection));
        Assert.DoesNotContain("hunter2secret", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void S3_options_for_a_folder_repository_are_an_error()
    {
        Assert.Throws<ArgumentException>(() => RepositoryLocation.Parse("/srv/backups", LocalS3));
    }

    [Fact]
    public void Printing_the_connection_shows_neither_secret_nor_session_token()
    {
        string text = (LocalS3 with { SessionToken = "session-token-example" }).ToString();
        Assert.DoesNotContain(LocalS3.SecretAccessKey!, text, StringComparison.Ordinal);
        Assert.DoesNotContain("session-token-example", text, StringComparison.Ordinal);
        Assert.Contains("127.0.0.1:9000", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Only_one_of_access_key_and_secret_is_an_error()
    {
        var half = new S3StorageOptions { Bucket = "backups", Connection = LocalS3 with { SecretAccessKey = null } };
        Assert.Throws<ArgumentException>(() => new S3Storage(half));
    }
}
