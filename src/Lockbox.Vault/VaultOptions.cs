namespace Lockbox.Vault.Server;

/// <summary>The "Vault" configuration section.</summary>
public sealed class VaultOptions
{
    /// <summary>Failed logins in a row after which the record is deleted: 1 to 255, default 10.</summary>
    public int AttemptLimit { get; set; } = 10;

    /// <summary>The delays between failed logins, in seconds; see <see cref="Server.LoginDelays"/>.</summary>
    public string LoginDelaySeconds { get; set; } = Server.LoginDelays.Default;

    /// <summary>How long a login may sit between KE2 and KE3.</summary>
    public int LoginTimeoutSeconds { get; set; } = 60;

    /// <summary>How long a proof-of-possession nonce stays valid.</summary>
    public int NonceTimeoutSeconds { get; set; } = 300;

    /// <summary>How long a record id issued by registration/start stays valid for registration/finish.</summary>
    public int RegistrationTimeoutSeconds { get; set; } = 300;

    /// <summary>
    /// How long a fresh start waits before it removes an escrow, counted from the first request: the
    /// owner's device, if it still runs, cancels it with a proof of possession in that time. 7 days.
    /// </summary>
    public int FreshStartCooldownSeconds { get; set; } = 7 * 24 * 3600;

    /// <summary>How often expired logins and abandoned final attempts are swept.</summary>
    public int SweepIntervalSeconds { get; set; } = 60;

    /// <summary>OPAQUE context string bound into every handshake (RFC 9807 §6.1).</summary>
    public string Context { get; set; } = "LockboxVault-v1";

    /// <summary>Where records live.</summary>
    public StorageOptions Storage { get; set; } = new();

    /// <summary>How server secrets are wrapped.</summary>
    public KeyOptions Keys { get; set; } = new();

    /// <summary>How account tokens are checked.</summary>
    public JwtOptions Jwt { get; set; } = new();

    /// <summary>
    /// Addresses of the reverse proxies whose X-Forwarded-For names the client; empty (the default)
    /// trusts none, and every client is limited under the address it connects from.
    /// </summary>
    public string[] TrustedProxies { get; set; } = [];

    /// <summary>Request rate limits, on top of the guess counter.</summary>
    public RateLimitOptions RateLimit { get; set; } = new();

    /// <summary>Where /metrics is served, if anywhere.</summary>
    public MetricsOptions Metrics { get; set; } = new();

    /// <summary>Throws if a setting is out of range.</summary>
    public void Validate()
    {
        if (AttemptLimit is < 1 or > 255)
        {
            throw new InvalidOperationException("Vault:AttemptLimit must be between 1 and 255.");
        }

        if (LoginTimeoutSeconds < 1 || NonceTimeoutSeconds < 1 || SweepIntervalSeconds < 1 || RegistrationTimeoutSeconds < 1)
        {
            throw new InvalidOperationException("Vault timeouts must be positive.");
        }

        _ = Server.LoginDelays.Parse(LoginDelaySeconds);
        foreach (string proxy in TrustedProxies)
        {
            if (!System.Net.IPAddress.TryParse(proxy, out _))
            {
                throw new InvalidOperationException($"Vault:TrustedProxies holds '{proxy}', which is not an IP address.");
            }
        }

        // The cool-down is the owner's time to notice a fresh start someone else asked for.
        if (FreshStartCooldownSeconds < 3600)
        {
            throw new InvalidOperationException("Vault:FreshStartCooldownSeconds must be at least 3600 (an hour); the default is 604800 (7 days).");
        }

        if (Metrics.Port is < 1 or > 65535)
        {
            throw new InvalidOperationException("Vault:Metrics:Port must be between 1 and 65535.");
        }
    }
}

/// <summary>Vault:Storage.</summary>
public sealed class StorageOptions
{
    /// <summary>"sqlite" (default) or "postgres".</summary>
    public string Provider { get; set; } = "sqlite";

    /// <summary>SQLite database file.</summary>
    public string SqlitePath { get; set; } = "vault.db";

    /// <summary>Npgsql connection string: a secret, as it may carry a password (environment or file, not the command line).</summary>
    public string? PostgresConnectionString { get; set; }

    /// <summary>A file, closed to group and others, that holds the connection string.</summary>
    public string? PostgresConnectionStringFile { get; set; }
}

/// <summary>Vault:Keys.</summary>
public sealed class KeyOptions
{
    /// <summary>"file" (default) or "pkcs11".</summary>
    public string Provider { get; set; } = "file";

    /// <summary>Key file, created with mode 0600 on first start.</summary>
    public string FilePath { get; set; } = "vault.key";

    /// <summary>PKCS#11 module, for example /usr/lib/softhsm/libsofthsm2.so.</summary>
    public string? Pkcs11Library { get; set; }

    /// <summary>Label of the token.</summary>
    public string? Pkcs11TokenLabel { get; set; }

    /// <summary>User PIN of the token: a secret (environment or file, not the command line).</summary>
    public string? Pkcs11Pin { get; set; }

    /// <summary>A file, closed to group and others, that holds the PIN.</summary>
    public string? Pkcs11PinFile { get; set; }

    /// <summary>Label of the AES key in the token.</summary>
    public string Pkcs11KeyLabel { get; set; } = "lockbox-vault-wrap";
}

/// <summary>
/// Vault:Jwt: how account tokens are checked. One algorithm, one issuer, keys from configuration
/// only (never fetched); <c>Http/AccountTokens.cs</c> turns this into the token handler's parameters.
/// </summary>
public sealed class JwtOptions
{
    /// <summary>"HS256" (the default, a secret shared with the messaging service) or "ES256" (its public keys): the only algorithm accepted.</summary>
    public string Algorithm { get; set; } = "HS256";

    /// <summary>HS256 only: the HMAC-SHA256 key, base64, at least 32 bytes.</summary>
    public string? SigningKey { get; set; }

    /// <summary>HS256 only: a file, closed to group and others, that holds the signing key (a secret: environment or file, not the command line).</summary>
    public string? SigningKeyFile { get; set; }

    /// <summary>HS256 only, optional: the <c>kid</c> every token must then carry.</summary>
    public string? SigningKeyId { get; set; }

    /// <summary>
    /// ES256 only: the messaging service's P-256 public keys by <c>kid</c>, each a PEM "PUBLIC KEY"
    /// or base64 of its SubjectPublicKeyInfo DER. A token must name one of them; two kids let the
    /// service rotate its key.
    /// </summary>
    public Dictionary<string, string> Keys { get; set; } = [];

    /// <summary>Expected issuer.</summary>
    public string Issuer { get; set; } = "lockbox-messaging";

    /// <summary>Expected audience.</summary>
    public string Audience { get; set; } = "lockbox-vault";

    /// <summary>Optional: a token must carry <c>iat</c> and be at most this many seconds old, whatever its <c>exp</c>.</summary>
    public int? MaxAgeSeconds { get; set; }
}

/// <summary>Vault:RateLimit.</summary>
public sealed class RateLimitOptions
{
    /// <summary>Off only in tests of the guess counter itself.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Requests per minute per account, in memory on each node; login/start is counted durably with
    /// the guess counter instead, and login/finish never, so a right password is never refused.
    /// </summary>
    public int PerAccountPerMinute { get; set; } = 30;

    /// <summary>Requests per minute per client IP.</summary>
    public int PerIpPerMinute { get; set; } = 600;
}

/// <summary>
/// Vault:Metrics. /metrics is never served anonymously on the vault's public port: its figures (logins,
/// failures, lockouts, latency) tell an attacker how an attack is going. With neither Port nor Token it
/// is not served at all.
/// </summary>
public sealed class MetricsOptions
{
    /// <summary>False: no meters are collected and /metrics is not served.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>A port of its own for /metrics, which serves nothing else; the vault's other ports answer /metrics with 404.</summary>
    public int? Port { get; set; }

    /// <summary>The address the metrics port listens on: loopback unless the scraper runs on another host.</summary>
    public string Address { get; set; } = "127.0.0.1";

    /// <summary>A bearer token the scraper must send, compared in constant time: a secret (environment or file, not the command line).</summary>
    public string? Token { get; set; }

    /// <summary>A file, closed to group and others, that holds the token.</summary>
    public string? TokenFile { get; set; }
}
