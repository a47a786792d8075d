using System.Buffers.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Lockbox.Vault.Server.Http;

/// <summary>
/// What the vault refuses in an account token that IdentityModel's handler has already verified
/// (signature, issuer, audience, exp and nbf). The handler is lenient where the vault wants to be
/// strict: it reads <c>"exp":"1767225600"</c> as a number, ignores <c>crit</c>, falls back to any key
/// when the <c>kid</c> is unknown, and takes the last of two members of the same name. Each rule
/// reads the token's own JSON, not the handler's view of it.
/// </summary>
/// <param name="kids">The configured kids, one of which the token must name; null when the one key has none.</param>
/// <param name="maxAge">When set, the token must carry <c>iat</c> and be at most this old.</param>
/// <param name="clockSkew">The handler's allowance for the issuer's clock, applied to <c>iat</c> too.</param>
/// <param name="clock">The clock the handler checks <c>exp</c> with.</param>
internal sealed class AccountTokenRules(IReadOnlySet<string>? kids, TimeSpan? maxAge, TimeSpan clockSkew, TimeProvider clock)
{
    /// <summary>
    /// Headers that point at a key or a certificate, or ask for extensions: the vault's keys come
    /// from its configuration only, and it implements no extension, so a token that carries one
    /// was not made for it.
    /// </summary>
    private static readonly string[] RefusedHeaders = ["jku", "jwk", "x5u", "x5c", "crit"];

    /// <summary>NumericDate claims (RFC 7519 §2): JSON numbers, never strings.</summary>
    private static readonly string[] TimeClaims = ["exp", "nbf", "iat"];

    /// <summary>Null when the vault accepts <paramref name="token"/>; otherwise why not, worded to follow "The account token".</summary>
    /// <remarks>The reason never quotes the token: it is logged.</remarks>
    public string? Check(JsonWebToken token)
    {
        ArgumentNullException.ThrowIfNull(token);
        try
        {
            using var header = JsonDocument.Parse(Base64Url.DecodeFromChars(token.EncodedHeader));
            using var payload = JsonDocument.Parse(Base64Url.DecodeFromChars(token.EncodedPayload));
            return CheckHeader(header.RootElement) ?? CheckPayload(payload.RootElement);
        }
        catch (Exception e) when (e is JsonException or FormatException)
        {
            return "is not JSON the vault can read";
        }
    }

    private string? CheckHeader(JsonElement header)
    {
        if (Repeated(header) is { } repeated)
        {
            return repeated;
        }

        foreach (var member in header.EnumerateObject())
        {
            if (RefusedHeaders.Contains(member.Name, StringComparer.Ordinal))
            {
                return $"carries a '{member.Name}' header";
            }
        }

        if (kids is not null
            && !(header.TryGetProperty("kid", out var kid) && kid.ValueKind == JsonValueKind.String && kids.Contains(kid.GetString()!)))
        {
            return "names no configured kid";
        }

        return null;
    }

    private string? CheckPayload(JsonElement payload)
    {
        if (Repeated(payload) is { } repeated)
        {
            return repeated;
        }

        double? issuedAt = null;
        foreach (var member in payload.EnumerateObject())
        {
            if (TimeClaims.Contains(member.Name, StringComparer.Ordinal))
            {
                if (member.Value.ValueKind != JsonValueKind.Number || !member.Value.TryGetDouble(out double seconds))
                {
                    return $"has a non-numeric '{member.Name}'";
                }

                if (member.Name == "iat")
                {
                    issuedAt = seconds;
                }
            }
        }

        if (maxAge is not { } limit)
        {
            return null;
        }

        if (issuedAt is not { } iat)
        {
            return "has no 'iat', which Vault:Jwt:MaxAgeSeconds requires";
        }

        double now = clock.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0;
        if (now - iat > (limit + clockSkew).TotalSeconds)
        {
            return "is older than Vault:Jwt:MaxAgeSeconds";
        }

        // A future iat would stretch the age limit by as much.
        return iat - now > clockSkew.TotalSeconds ? "was issued in the future" : null;
    }

    /// <summary>
    /// A member named twice: the handler reads the last one, another reader might read the first, so
    /// which one the issuer meant is unclear (RFC 7515 §4 lets a verifier refuse the token).
    /// </summary>
    private static string? Repeated(JsonElement json)
    {
        if (json.ValueKind != JsonValueKind.Object)
        {
            return "is not a JSON object";
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var member in json.EnumerateObject())
        {
            if (!seen.Add(member.Name))
            {
                return "names a member twice";
            }
        }

        return null;
    }
}
