using System.Security.Cryptography;
using Lockbox.Opaque.Messages;

namespace Lockbox.Opaque;

/// <summary>
/// The server's state between KE2 and KE3 (RFC 9807 §6.2.4). Single use: <see cref="Finish"/>
/// consumes it whether or not the client's MAC verifies, so a KE3 can never be tried twice.
/// </summary>
public sealed class ServerLogin : IDisposable
{
    private readonly byte[] _expectedClientMac;
    private readonly byte[] _sessionKey;
    private bool _consumed;

    internal ServerLogin(byte[] expectedClientMac, byte[] sessionKey)
    {
        _expectedClientMac = expectedClientMac;
        _sessionKey = sessionKey;
    }

    /// <summary>Length of the exported state: expected client MAC (Nm) || session key (Nx).</summary>
    public const int StateLength = Sizes.Nm + Sizes.Nx;

    /// <summary>
    /// Copies the state out so a multi-node server can seal it (for example with AES-GCM) and finish the
    /// login on another node. The bytes are secret: whoever holds them can accept a KE3 and knows the
    /// session key. This object stays usable; the caller must zero <paramref name="destination"/> after use.
    /// </summary>
    public void Export(Span<byte> destination)
    {
        ObjectDisposedException.ThrowIf(_consumed, this);
        if (destination.Length != StateLength)
        {
            throw new ArgumentException($"The state is {StateLength} bytes.", nameof(destination));
        }

        _expectedClientMac.CopyTo(destination);
        _sessionKey.CopyTo(destination[Sizes.Nm..]);
    }

    /// <summary>Restores state saved with <see cref="Export"/>. Single use, like the original.</summary>
    public static ServerLogin Import(ReadOnlySpan<byte> state)
    {
        if (state.Length != StateLength)
        {
            throw new OpaqueException(OpaqueError.InvalidMessage, $"The server login state must be {StateLength} bytes.");
        }

        return new ServerLogin(state[..Sizes.Nm].ToArray(), state[Sizes.Nm..].ToArray());
    }

    /// <summary>ServerFinish: verifies KE3 and returns the session key (Nx = 64 bytes).</summary>
    /// <exception cref="OpaqueException"><see cref="OpaqueError.ClientAuthenticationFailed"/>: wrong password or forged KE3.</exception>
    /// <exception cref="ObjectDisposedException">The state was already used.</exception>
    public byte[] Finish(KE3 ke3)
    {
        ArgumentNullException.ThrowIfNull(ke3);
        ObjectDisposedException.ThrowIf(_consumed, this);
        try
        {
            if (!Kdf.MacEquals(_expectedClientMac, ke3.ClientMac))
            {
                throw new OpaqueException(OpaqueError.ClientAuthenticationFailed, "The client's KE3 MAC did not verify.");
            }

            return (byte[])_sessionKey.Clone();
        }
        finally
        {
            Dispose();
        }
    }

    /// <summary>Zeroes the state.</summary>
    public void Dispose()
    {
        _consumed = true;
        CryptographicOperations.ZeroMemory(_expectedClientMac);
        CryptographicOperations.ZeroMemory(_sessionKey);
    }
}
