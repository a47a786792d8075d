using System.Text;

namespace Lockbox.Storage;

/// <summary>
/// How to reach an S3-compatible service: endpoint, region and credentials. Shared by every
/// repository on that service; <see cref="S3StorageOptions"/> adds the bucket and prefix.
/// </summary>
/// <remarks>
/// When <see cref="AccessKeyId"/> and <see cref="SecretAccessKey"/> are both null, the SDK's default
/// credential chain is used: the standard environment variables <c>AWS_ACCESS_KEY_ID</c>,
/// <c>AWS_SECRET_ACCESS_KEY</c> and <c>AWS_SESSION_TOKEN</c>, then the shared profile, then instance
/// metadata. <see cref="ToString"/> never prints the secret or the session token.
/// </remarks>
public sealed record S3Connection
{
    /// <summary>A custom endpoint such as <c>http://127.0.0.1:9000</c>; null means AWS itself.</summary>
    public Uri? Endpoint { get; init; }

    /// <summary>The region requests are signed for; S3-compatible servers mostly accept us-east-1.</summary>
    public string Region { get; init; } = "us-east-1";

    /// <summary>
    /// Address buckets as <c>endpoint/bucket/key</c> rather than <c>bucket.endpoint/key</c>. On by
    /// default, as most S3-compatible servers (and any endpoint given as an IP address) need it.
    /// </summary>
    public bool ForcePathStyle { get; init; } = true;

    /// <summary>The access key ID, or null for the default credential chain.</summary>
    public string? AccessKeyId { get; init; }

    /// <summary>The secret access key, or null for the default credential chain. Never printed.</summary>
    public string? SecretAccessKey { get; init; }

    /// <summary>A session token for temporary credentials, or null. Never printed.</summary>
    public string? SessionToken { get; init; }

    // Records print every property by default; the secret and token must never reach a log.
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("Endpoint = ").Append(Endpoint is { } e ? $"{e.Scheme}://{e.Authority}" : "(AWS)")
            .Append(", Region = ").Append(Region)
            .Append(", ForcePathStyle = ").Append(ForcePathStyle)
            .Append(", Credentials = ").Append(AccessKeyId is null ? "(default chain)" : "(given)");
        return true;
    }
}

/// <summary>A repository in an S3 bucket: where it lives and how objects are uploaded.</summary>
public sealed record S3StorageOptions
{
    /// <summary>The default size above which objects go up as multipart uploads: 64 MiB.</summary>
    public const long DefaultMultipartThreshold = 64L << 20;

    /// <summary>The default multipart part size: 16 MiB (S3's minimum is 5 MiB, except the last part).</summary>
    public const int DefaultPartSize = 16 << 20;

    /// <summary>The service to talk to.</summary>
    public S3Connection Connection { get; init; } = new();

    /// <summary>The bucket, which must already exist.</summary>
    public required string Bucket { get; init; }

    /// <summary>The key prefix the repository lives under, without leading or trailing '/'; empty for the bucket root.</summary>
    public string Prefix { get; init; } = "";

    /// <summary>Objects larger than this are uploaded in parts.</summary>
    public long MultipartThreshold { get; init; } = DefaultMultipartThreshold;

    /// <summary>The size of each part of a multipart upload.</summary>
    public int PartSize { get; init; } = DefaultPartSize;

    /// <summary>How many parts of one object are uploaded at once.</summary>
    public int UploadConcurrency { get; init; } = 4;
}
