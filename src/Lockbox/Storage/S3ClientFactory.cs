using Amazon.Runtime;
using Amazon.S3;

namespace Lockbox.Storage;

/// <summary>Builds the SDK client for an <see cref="S3Connection"/>.</summary>
internal static class S3ClientFactory
{
    /// <summary>
    /// Path-style addressing for custom endpoints, signing for the given region, and checksums only
    /// where the service requires them: S3-compatible servers mostly reject or mangle the SDK's
    /// default trailing checksums.
    /// </summary>
    public static AmazonS3Client Create(S3Connection connection)
    {
        var config = new AmazonS3Config
        {
            ForcePathStyle = connection.ForcePathStyle,
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        };
        if (connection.Endpoint is { } endpoint)
        {
            if (!string.IsNullOrEmpty(endpoint.UserInfo))
            {
                // Refuse rather than strip: the user believes the endpoint carries the credentials.
                throw new ArgumentException("The S3 endpoint must not contain credentials; give them as options or in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.", nameof(connection));
            }

            config.ServiceURL = endpoint.GetLeftPart(UriPartial.Path);
            config.AuthenticationRegion = connection.Region;
        }
        else
        {
            config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(connection.Region);
        }

        if (connection.AccessKeyId is null && connection.SecretAccessKey is null)
        {
            return new AmazonS3Client(config);
        }

        if (connection.AccessKeyId is null || connection.SecretAccessKey is null)
        {
            throw new ArgumentException("Give both the S3 access key ID and the secret access key, or neither.", nameof(connection));
        }

        AWSCredentials credentials = connection.SessionToken is null
            ? new BasicAWSCredentials(connection.AccessKeyId, connection.SecretAccessKey)
            : new SessionAWSCredentials(connection.AccessKeyId, connection.SecretAccessKey, connection.SessionToken);
        return new AmazonS3Client(credentials, config);
    }
}
