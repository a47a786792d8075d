using Lockbox.Storage;
namespace Lockbox.IntegrationTests;

/// <summary>
/// The S3 protocol server test.sh starts (s3rver on 127.0.0.1), found through
/// LOCKBOX_TEST_S3_ENDPOINT and LOCKBOX_TEST_S3_BUCKET. Without them every S3 test fails with
/// <see cref="MissingReason"/>, on CI and locally alike, so a missing server is never mistaken for a pass.
/// </summary>
internal static class S3Server
{
    public const string EndpointVariable = "LOCKBOX_TEST_S3_ENDPOINT";
    public const string BucketVariable = "LOCKBOX_TEST_S3_BUCKET";

    // s3rver's only account; it checks the key ID and the signature.
    public const string AccessKeyId = "S3RVER";
    public const string SecretAccessKey = "S3RVER";

    private static readonly string? Endpoint = Environment.GetEnvironmentVariable(EndpointVariable);
    private static readonly string? Bucket = Environment.GetEnvironmentVariable(BucketVariable);

    public static string MissingReason =>
        $"No S3 server: {EndpointVariable} and {BucketVariable} are unset. Run ./test.sh, which starts s3rver.";

    public static S3Connection Connection => new()
    {
        Endpoint = new Uri(Require(Endpoint)),
        AccessKeyId = AccessKeyId,
        SecretAccessKey = SecretAccessKey,
    };

    public static string BucketName => Require(Bucket);

    /// <summary>Options for a repository under a prefix no other test uses.</summary>
    public static S3StorageOptions FreshRepository(string? prefix = null) => new()
    {
        Connection = Connection,
        Bucket = BucketName,
        Prefix = prefix ?? UniquePrefix(),
    };

    /// <summary>An SDK client for what the storage abstraction does not do: buckets, versioning, raw listings.</summary>
    public static Amazon.S3.AmazonS3Client RawClient() => new(
        AccessKeyId,
        SecretAccessKey,
        new Amazon.S3.AmazonS3Config
        {
            ServiceURL = Connection.Endpoint!.ToString(),
            ForcePathStyle = true,
            AuthenticationRegion = "us-east-1",
            RequestChecksumCalculation = Amazon.Runtime.RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = Amazon.Runtime.ResponseChecksumValidation.WHEN_REQUIRED,
        });

    /// <summary>Creates a bucket of its own and turns versioning on where the server has it; returns whether it did.</summary>
    public static async Task<bool> CreateVersionedBucketAsync(Amazon.S3.AmazonS3Client client, string bucket)
    {
        await client.PutBucketAsync(bucket);
        try
        {
            await client.PutBucketVersioningAsync(new Amazon.S3.Model.PutBucketVersioningRequest
            {
                BucketName = bucket,
                VersioningConfig = new Amazon.S3.Model.S3BucketVersioningConfig { Status = Amazon.S3.VersionStatus.Enabled },
            });
            return true;
        }
        catch (Amazon.S3.AmazonS3Exception e) when (e.ErrorCode is "NotImplemented" or "BucketAlreadyExists")
        {
            // s3rver 3.7.1 implements no versioning, and routes "PUT ?versioning" to CreateBucket.
            return false;
        }
    }

    public static string UniquePrefix() => "test-" + Guid.NewGuid().ToString("N");

    private static string Require(string? value) =>
        value is { Length: > 0 }
            ? value
            : throw new InvalidOperationException(MissingReason);
}
