using System.Globalization;

namespace Lockbox.Storage;

/// <summary>The Content-Range header of a 206 response (RFC 9110 §14.4): "bytes first-last/size".</summary>
internal static class ContentRange
{
    public static bool TryParse(string? header, out long first, out long last, out long size)
    {
        first = last = size = 0;
        const string unit = "bytes ";
        if (header is null || !header.StartsWith(unit, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        ReadOnlySpan<char> rest = header.AsSpan(unit.Length).Trim();
        int dash = rest.IndexOf('-');
        int slash = rest.IndexOf('/');
        return dash > 0 && slash > dash
            && long.TryParse(rest[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out first)
            && long.TryParse(rest[(dash + 1)..slash], NumberStyles.None, CultureInfo.InvariantCulture, out last)
            && long.TryParse(rest[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out size)
            && first <= last && last < size;
    }
}
