using Amazon.Runtime;

namespace Lockbox.Storage;

/// <summary>
/// An S3 request failed for a reason other than a missing object. The message names the operation,
/// the key and the repository location, never credentials.
/// </summary>
public sealed class S3StorageException : IOException
{
    /// <summary>Creates the exception.</summary>
    public S3StorageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The S3 error code, e.g. "AccessDenied" or "NoSuchBucket", when the service sent one.</summary>
    public string? ErrorCode => (InnerException as AmazonServiceException)?.ErrorCode;

    internal static string Describe(AmazonServiceException e) =>
        e.ErrorCode is { Length: > 0 } code
            ? $"{(int)e.StatusCode} {code}"
            : $"{(int)e.StatusCode} {e.StatusCode}";
}
