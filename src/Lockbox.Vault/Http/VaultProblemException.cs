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

    /// <summary>400 for a malformed request.</summary>
    public static VaultProblemException BadRequest(string code, string detail) => new(StatusCodes.Status400BadRequest, code, detail);
}
