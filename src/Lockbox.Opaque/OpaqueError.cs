namespace Lockbox.Opaque;

/// <summary>Every way an OPAQUE operation can fail. Each maps to one error of RFC 9807 or RFC 9497.</summary>
public enum OpaqueError
{
    /// <summary>
    /// A message has the wrong length or holds an invalid group element or scalar
    /// (RFC 9497 DeserializeError). Raised by every <c>Parse</c> method; nothing is kept.
    /// </summary>
    InvalidMessage,

    /// <summary>The client could not open its envelope: the password is wrong, or the server is not the one registered with (RFC 9807 EnvelopeRecoveryError).</summary>
    EnvelopeRecoveryFailed,

    /// <summary>The server's MAC in KE2 did not verify (RFC 9807 ServerAuthenticationError).</summary>
    ServerAuthenticationFailed,

    /// <summary>The client's MAC in KE3 did not verify: a wrong password or a forged message (RFC 9807 ClientAuthenticationError).</summary>
    ClientAuthenticationFailed,

    /// <summary>An input the OPRF cannot process (RFC 9497 InvalidInputError, DeriveKeyPairError).</summary>
    InvalidInput,
}
