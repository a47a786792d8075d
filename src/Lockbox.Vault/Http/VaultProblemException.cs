namespace Lockbox.Vault.Server.Http;

/// <summary>
/// A request the vault refuses, with an HTTP status and a stable machine-readable code; rendered as
/// RFC 9457 problem details. Thrown before any state changes unless the code says otherwise.
/// </summary>
public sealed class VaultProblemException : Exception
{
    /// <summary>Creates a problem.</summary>
    public VaultProblemException(int status, string code, string detail, int? triesLeft = null)
        : base(detail)
    {
        Status = status;
        Code = code;
        TriesLeft = triesLeft;
    }

    /// <summary>The HTTP status.</summary>
    public int Status { get; }

    /// <summary>The stable error code, listed in docs/PROTOCOL.md.</summary>
    public string Code { get; }

    /// <summary>For wrong-password: logins left before the record is deleted.</summary>
    public int? TriesLeft { get; }

    /// <summary>For rate-limited: seconds until a request may succeed (the Retry-After header).</summary>
    public int? RetryAfterSeconds { get; init; }

    /// <summary>For password-form-mismatch: the form the escrow was registered with.</summary>
    public string? PasswordForm { get; init; }

    /// <summary>429 rate-limited, retry after <paramref name="wait"/> (at least a second).</summary>
    public static VaultProblemException RateLimited(string detail, TimeSpan wait) =>
        new(StatusCodes.Status429TooManyRequests, Protocol.VaultErrorCodes.RateLimited, detail) { RetryAfterSeconds = RetryAfter(wait) };

    /// <summary>Whole seconds, rounded up, at least 1: Retry-After (RFC 9110 §10.2.3) has no fractions, and 0 would invite a retry too early.</summary>
    public static int RetryAfter(TimeSpan wait) => (int)Math.Clamp(Math.Ceiling(wait.TotalSeconds), 1, int.MaxValue);

    /// <summary>400 for a malformed request.</summary>
    public static VaultProblemException BadRequest(string code, string detail) => new(StatusCodes.Status400BadRequest, code, detail);
}
