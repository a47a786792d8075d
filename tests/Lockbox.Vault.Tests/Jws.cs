using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Lockbox.Vault.Tests;

/// <summary>Builds compact JWS tokens by hand, byte for byte, to send what IdentityModel would never make.</summary>
internal static class Jws
{
    /// <summary>The header of a good ES256 token: alg, typ and <paramref name="kid"/> (none when null).</summary>
    public static JsonObject Header(string? kid = VaultHost.Es256Kid, string alg = "ES256")
    {
        var header = new JsonObject { ["alg"] = alg, ["typ"] = "JWT" };
        if (kid is not null)
        {
            header["kid"] = kid;
        }

        return header;
    }

    /// <summary>The claims of a good token for <paramref name="account"/>, issued now and valid for an hour.</summary>
    public static JsonObject Claims(string account = "alice", string issuer = "lockbox-messaging")
    {
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        return new JsonObject { ["sub"] = account, ["iss"] = issuer, ["aud"] = "lockbox-vault", ["iat"] = now, ["nbf"] = now, ["exp"] = now + 3600 };
    }

    public static string Es256(JsonNode header, JsonNode claims, ECDsa? key = null) => Es256(header.ToJsonString(), claims.ToJsonString(), key);

    /// <summary>Signs the JSON texts as given, so they may hold what a JSON object cannot, like a repeated member.</summary>
    public static string Es256(string header, string claims, ECDsa? key = null) =>
        Sign(header, claims, input => (key ?? VaultHost.Es256Key).SignData(input, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));

    public static string Hs256(JsonNode header, JsonNode claims, byte[] secret) =>
        Sign(header.ToJsonString(), claims.ToJsonString(), input => HMACSHA256.HashData(secret, input));

    /// <summary>No signature at all, as <c>alg: none</c> has it.</summary>
    public static string Unsigned(JsonNode header, JsonNode claims) => Sign(header.ToJsonString(), claims.ToJsonString(), _ => []);

    private static string Sign(string header, string claims, Func<byte[], byte[]> sign)
    {
        string input = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(header)) + "." + Base64Url.EncodeToString(Encoding.UTF8.GetBytes(claims));
        return input + "." + Base64Url.EncodeToString(sign(Encoding.ASCII.GetBytes(input)));
    }
}
