using System.Security.Cryptography;

namespace Lockbox.Opaque;

/// <summary>
/// The one exception type Lockbox.Opaque throws for protocol failures. <see cref="Error"/> says which;
/// the message never contains secret material.
/// </summary>
public sealed class OpaqueException : CryptographicException
{
    /// <summary>Creates an exception for <paramref name="error"/>.</summary>
    public OpaqueException(OpaqueError error, string message)
        : base(message)
    {
        Error = error;
    }

    /// <summary>Which protocol failure this is.</summary>
    public OpaqueError Error { get; }
}
