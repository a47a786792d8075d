using System.Buffers.Text;
using System.Text;
using System.Text.Json;

namespace Lockbox.DevTokens;

/// <summary>What an account token says: the claims the vault checks (docs/PROTOCOL.md, "Account tokens").</summary>
/// <param name="Account">The account id, <c>sub</c>: the vault keys everything by it.</param>
/// <param name="Issuer"><c>iss</c>; the vault's Vault:Jwt:Issuer.</param>
/// <param name="Audience"><c>aud</c>; the vault's Vault:Jwt:Audience.</param>
/// <param name="Lifetime">From <c>iat</c> to <c>exp</c>.</param>
internal sealed record AccountToken(string Account, string Issuer, string Audience, TimeSpan Lifetime)
{
    /// <summary>The compact JWS, ES256 under <paramref name="key"/>, issued at <paramref name="now"/>.</summary>
    /// <remarks>
    /// Written with the BCL alone, not IdentityModel: a token the vault's handler accepts then shows
    /// that any issuer following docs/PROTOCOL.md is understood, not only one using the same library.
    /// </remarks>
    public string Mint(DevKey key, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(key);
        long issuedAt = now.ToUnixTimeSeconds();
        string header = Json(writer =>
        {
            writer.WriteString("alg", "ES256");
            writer.WriteString("typ", "JWT");
            writer.WriteString("kid", key.Kid);
        });
        string claims = Json(writer =>
        {
            writer.WriteString("iss", Issuer);
            writer.WriteString("sub", Account);
            writer.WriteString("aud", Audience);
            writer.WriteNumber("iat", issuedAt);
            writer.WriteNumber("exp", issuedAt + (long)Lifetime.TotalSeconds);
        });
        string input = header + "." + claims;
        return input + "." + Base64Url.EncodeToString(key.Sign(Encoding.ASCII.GetBytes(input)));
    }

    private static string Json(Action<Utf8JsonWriter> members)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            members(writer);
            writer.WriteEndObject();
        }

        return Base64Url.EncodeToString(buffer.ToArray());
    }
}
