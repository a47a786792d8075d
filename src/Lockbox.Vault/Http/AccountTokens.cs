using System.Security.Cryptography;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Lockbox.Vault.Server.Http;

/// <summary>
/// Turns Vault:Jwt into JwtBearer's settings: exactly one algorithm, one issuer, one audience, and
/// keys from configuration only. IdentityModel's own <see cref="JsonWebTokenHandler"/> verifies the
/// signature; <see cref="AccountTokenRules"/> then refuses what it lets through but the vault does not want.
/// </summary>
/// <remarks>
/// EdDSA is not offered: IdentityModel (8.19.2, the version JwtBearer 10.0.15 brings, and 8.23.0
/// alike) has no EdDSA algorithm and no Ed25519 key type, so its unmodified handler cannot verify
/// such a token, and the vault checks no signature itself.
/// </remarks>
internal static partial class AccountTokens
{
    /// <summary>The configured algorithms, by the JOSE names tokens carry in <c>alg</c>.</summary>
    public const string Hs256 = SecurityAlgorithms.HmacSha256;

    /// <inheritdoc cref="Hs256"/>
    public const string Es256 = SecurityAlgorithms.EcdsaSha256;

    /// <summary>What the handler allows between the vault's clock and the issuer's.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);

    private const int MinHmacKeyBytes = 32;

    /// <summary>Throws a clear <see cref="InvalidOperationException"/> unless Vault:Jwt is usable; run at start.</summary>
    public static void Validate(JwtOptions options)
    {
        foreach (var key in ReadKeys(options))
        {
            (key as ECDsaSecurityKey)?.ECDsa.Dispose();
        }
    }

    /// <summary>
    /// Sets <paramref name="jwt"/> to check account tokens against <paramref name="options"/> and
    /// nothing else. <paramref name="clock"/> must be the clock the handler checks <c>exp</c> with;
    /// <paramref name="logger"/> hears why a token was refused.
    /// </summary>
    public static void Configure(JwtBearerOptions jwt, JwtOptions options, TimeProvider clock, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(jwt);
        var keys = ReadKeys(options);
        string algorithm = AlgorithmOf(options);
        IReadOnlySet<string>? kids = keys.All(k => k.KeyId is not null) ? keys.Select(k => k.KeyId).ToHashSet(StringComparer.Ordinal) : null;

        // Keys are never fetched: no authority, no metadata document, whatever
        // Authentication:Schemes:Bearer:* in the configuration says (JwtBearer binds that section itself).
        jwt.Authority = null;
        jwt.MetadataAddress = null!;
        jwt.Configuration = null;
        jwt.ConfigurationManager = null;
        jwt.UseSecurityTokenValidators = false;
        jwt.MapInboundClaims = false;
        jwt.TokenValidationParameters = new TokenValidationParameters
        {
            ValidIssuer = options.Issuer,
            ValidAudience = options.Audience,
            IssuerSigningKeys = keys,
            ValidAlgorithms = [algorithm],
            // The handler's default, when no key has the token's kid, is to try every key: a token
            // naming an unconfigured kid (or none) would still pass. With kids configured, the kid
            // must be one of them; with a single unnamed HS256 key there is nothing to choose.
            TryAllIssuerSigningKeys = kids is null,
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ValidateLifetime = true,
            ValidateIssuer = true,
            ValidateAudience = true,
            NameClaimType = "sub",
            ClockSkew = ClockSkew,
        };

        var rules = new AccountTokenRules(kids, options.MaxAgeSeconds is int seconds ? TimeSpan.FromSeconds(seconds) : null, ClockSkew, clock);
        jwt.Events = new JwtBearerEvents
        {
            // After the handler has checked signature, issuer, audience and lifetime. A failure here
            // is a failed authentication like any other: the same challenge, the same 401.
            OnTokenValidated = context =>
            {
                string? refusal = context.SecurityToken is JsonWebToken token ? rules.Check(token) : "is not a signed JWT";
                if (refusal is not null)
                {
                    // The handler logs its own refusals at Information; these go there too, for
                    // whoever wires up a messaging service. The reason never quotes the token.
                    Refused(logger, refusal);
                    context.Fail($"The account token {refusal}.");
                }

                return Task.CompletedTask;
            },
        };
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "The account token {Reason}; refused with 401")]
    private static partial void Refused(ILogger logger, string reason);

    private static string AlgorithmOf(JwtOptions options) => options.Algorithm.ToUpperInvariant() switch
    {
        "HS256" => Hs256,
        "ES256" => Es256,
        _ => throw new InvalidOperationException(
            "Vault:Jwt:Algorithm must be HS256 or ES256 (EdDSA cannot be offered: IdentityModel's token handler does not verify it)."),
    };

    /// <summary>The configured keys, each checked; every rule that makes a configuration unusable is here.</summary>
    private static List<SecurityKey> ReadKeys(JwtOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        string algorithm = AlgorithmOf(options);
        if (string.IsNullOrWhiteSpace(options.Issuer) || string.IsNullOrWhiteSpace(options.Audience))
        {
            throw new InvalidOperationException("Vault:Jwt:Issuer and Vault:Jwt:Audience must be set.");
        }

        if (options.MaxAgeSeconds is <= 0)
        {
            throw new InvalidOperationException("Vault:Jwt:MaxAgeSeconds, when set, must be positive.");
        }

        bool hasSecret = !string.IsNullOrWhiteSpace(options.SigningKey) || !string.IsNullOrWhiteSpace(options.SigningKeyId);
        bool hasPublicKeys = options.Keys.Count > 0;

        // One algorithm per vault: a shared secret beside public keys would let whoever holds the
        // secret mint tokens the public keys were meant to limit to the messaging service.
        if (algorithm == Hs256)
        {
            if (hasPublicKeys)
            {
                throw new InvalidOperationException(
                    "Vault:Jwt:Keys holds public keys, but Vault:Jwt:Algorithm is HS256 (the default). A vault accepts exactly one algorithm: "
                    + "for the public keys set Vault:Jwt:Algorithm=ES256 and remove Vault:Jwt:SigningKey; for HS256 remove Vault:Jwt:Keys.");
            }

            return [HmacKey(options)];
        }

        if (hasSecret)
        {
            throw new InvalidOperationException(
                "Vault:Jwt:Algorithm is ES256, but Vault:Jwt:SigningKey (an HS256 secret) is set too. A vault accepts exactly one algorithm: "
                + "remove Vault:Jwt:SigningKey and Vault:Jwt:SigningKeyId.");
        }

        if (!hasPublicKeys)
        {
            throw new InvalidOperationException("Vault:Jwt:Algorithm is ES256: configure the messaging service's public keys as Vault:Jwt:Keys:<kid>.");
        }

        return [.. options.Keys.Select(entry => (SecurityKey)new ECDsaSecurityKey(P256PublicKey(entry.Key, entry.Value)) { KeyId = Kid(entry.Key) })];
    }

    private static SymmetricSecurityKey HmacKey(JwtOptions options)
    {
        byte[] buffer = new byte[((options.SigningKey?.Length ?? 0) * 3 / 4) + 3];
        try
        {
            if (options.SigningKey is null || !Convert.TryFromBase64String(options.SigningKey, buffer, out int length) || length < MinHmacKeyBytes)
            {
                throw new InvalidOperationException("Vault:Jwt:SigningKey must be base64 of at least 32 bytes.");
            }

            return new SymmetricSecurityKey(buffer[..length])
            {
                KeyId = string.IsNullOrWhiteSpace(options.SigningKeyId) ? null : Kid(options.SigningKeyId),
            };
        }
        finally
        {
            CryptographicOperations.ZeroMemory(buffer);
        }
    }

    /// <summary>A kid as configured; one that could not be written as a configuration key or an environment variable is refused.</summary>
    private static string Kid(string kid)
    {
        if (kid.Length is 0 or > 64 || !kid.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            throw new InvalidOperationException("A Vault:Jwt kid must be 1-64 characters of A-Z, a-z, 0-9, '-', '_' and '.'.");
        }

        return kid;
    }

    /// <summary>A P-256 public key from a PEM "PUBLIC KEY" block or base64 SubjectPublicKeyInfo DER; never a private key.</summary>
    private static ECDsa P256PublicKey(string kid, string text)
    {
        string where = $"Vault:Jwt:Keys:{Kid(kid)}";
        byte[]? der = null;
        if (PemEncoding.TryFind(text, out var pem))
        {
            if (text[pem.Label] is "PUBLIC KEY")
            {
                der = Convert.FromBase64String(text[pem.Base64Data]);
            }
        }
        else
        {
            byte[] buffer = new byte[text.Length];
            if (Convert.TryFromBase64String(text.Trim(), buffer, out int length))
            {
                der = buffer[..length];
            }
        }

        if (der is null)
        {
            // The value is not echoed: whatever was pasted here by mistake might be a private key.
            throw new InvalidOperationException($"{where} must be a PEM \"PUBLIC KEY\" block or base64 of a SubjectPublicKeyInfo (DER).");
        }

        var key = ECDsa.Create();
        try
        {
            key.ImportSubjectPublicKeyInfo(der, out int read);
            if (read != der.Length || key.ExportParameters(false).Curve.Oid.Value != ECCurve.NamedCurves.nistP256.Oid.Value)
            {
                throw new CryptographicException();
            }

            return key;
        }
        catch (CryptographicException)
        {
            key.Dispose();
            throw new InvalidOperationException($"{where} is not a P-256 (ES256) public key.");
        }
    }
}
