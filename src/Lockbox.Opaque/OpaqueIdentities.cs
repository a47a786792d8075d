namespace Lockbox.Opaque;

/// <summary>
/// The identities bound into the envelope and the handshake (RFC 9807 §4). A null or empty identity
/// defaults to the party's public key, as the RFC specifies; both sides must use the same values.
/// </summary>
/// <param name="Client">The client's identity, for example an account id; defaults to client_public_key.</param>
/// <param name="Server">The server's identity, for example a host name; defaults to server_public_key.</param>
public sealed record OpaqueIdentities(byte[]? Client = null, byte[]? Server = null)
{
    /// <summary>Both identities default to the public keys.</summary>
    public static OpaqueIdentities Default { get; } = new();
}
