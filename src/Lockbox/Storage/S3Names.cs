using System.Text.RegularExpressions;

namespace Lockbox.Storage;

/// <summary>Validation and formatting of bucket names, key prefixes and S3 locations.</summary>
internal static partial class S3Names
{
    /// <summary>
    /// Checks a bucket name against S3's rules: 3 to 63 lowercase letters, digits, dots and hyphens,
    /// starting and ending with a letter or digit.
    /// </summary>
    public static void ValidateBucket(string bucket)
    {
        if (string.IsNullOrEmpty(bucket) || !BucketPattern().IsMatch(bucket))
        {
            throw new ArgumentException($"\"{bucket}\" is not a valid S3 bucket name (3-63 lowercase letters, digits, dots and hyphens).", nameof(bucket));
        }
    }

    /// <summary>The prefix as a key prefix: empty, or without a leading '/' and with one trailing '/'.</summary>
    public static string NormalizePrefix(string prefix)
    {
        string trimmed = prefix.Trim('/');
        if (trimmed.Contains("//", StringComparison.Ordinal) || trimmed.Split('/').Any(s => s is "." or ".."))
        {
            throw new ArgumentException($"\"{prefix}\" is not a valid repository prefix.", nameof(prefix));
        }

        return trimmed.Length == 0 ? "" : trimmed + "/";
    }

    /// <summary>"s3://bucket/prefix", plus the endpoint's scheme, host and port when it is not AWS.</summary>
    public static string Describe(string bucket, string root, Uri? endpoint)
    {
        string location = $"s3://{bucket}/{root.TrimEnd('/')}".TrimEnd('/');
        // Uri.Authority is host and port only, never user info.
        return endpoint is null ? location : $"{location} at {endpoint.Scheme}://{endpoint.Authority}";
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", RegexOptions.CultureInvariant)]
    private static partial Regex BucketPattern();
}
