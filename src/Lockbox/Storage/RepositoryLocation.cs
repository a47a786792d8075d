namespace Lockbox.Storage;

/// <summary>Turns a <c>--repo</c> argument into the storage it names.</summary>
public static class RepositoryLocation
{
    private const string S3Scheme = "s3://";

    /// <summary>
    /// Opens the repository at <paramref name="repository"/>: <c>s3://bucket/prefix</c> for S3
    /// (reached through <paramref name="s3"/>, or AWS with the default credential chain when null),
    /// anything else without a URL scheme for a local folder. Either way transient faults are
    /// retried (<see cref="RetryingStorage"/>).
    /// </summary>
    /// <exception cref="ArgumentException">The location is malformed, or S3 settings were given for a folder.</exception>
    public static IStorage Parse(string repository, S3Connection? s3 = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(repository);
        if (repository.StartsWith(S3Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return RetryingStorage.Over(new S3Storage(ParseS3(repository, s3 ?? new S3Connection())));
        }

        int scheme = repository.IndexOf("://", StringComparison.Ordinal);
        if (scheme > 0)
        {
            throw new ArgumentException($"Repository \"{Redact(repository, scheme)}\" has an unsupported scheme; use a folder path or s3://bucket/prefix.", nameof(repository));
        }

        if (s3 is not null)
        {
            throw new ArgumentException("S3 options were given, but the repository is a folder; use s3://bucket/prefix.", nameof(s3));
        }

        return RetryingStorage.Over(new LocalStorage(repository));
    }

    /// <summary>Splits <c>s3://bucket/prefix</c> into S3 options for <paramref name="connection"/>.</summary>
    public static S3StorageOptions ParseS3(string repository, S3Connection connection)
    {
        ArgumentNullException.ThrowIfNull(repository);
        if (!repository.StartsWith(S3Scheme, StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException("An S3 repository starts with s3://.", nameof(repository));
        }

        string rest = repository[S3Scheme.Length..];
        if (rest.Contains('@', StringComparison.Ordinal) || rest.Contains('?', StringComparison.Ordinal) || rest.Contains('#', StringComparison.Ordinal))
        {
            // Never echo it: an '@' suggests the user put credentials in the URL.
            throw new ArgumentException("An S3 repository is s3://bucket/prefix, without credentials, query or fragment.", nameof(repository));
        }

        int slash = rest.IndexOf('/', StringComparison.Ordinal);
        string bucket = slash < 0 ? rest : rest[..slash];
        string prefix = slash < 0 ? "" : rest[(slash + 1)..];
        S3Names.ValidateBucket(bucket);
        S3Names.NormalizePrefix(prefix);
        return new S3StorageOptions { Connection = connection, Bucket = bucket, Prefix = prefix.Trim('/') };
    }

    private static string Redact(string repository, int scheme)
    {
        int at = repository.IndexOf('@', scheme);
        return at < 0 ? repository : string.Concat(repository.AsSpan(0, scheme + 3), "…", repository.AsSpan(at));
    }
}
