using System.Security.Cryptography;
using Lockbox.Opaque.Messages;

namespace Lockbox.Opaque;

/// <summary>What a successful login gives the client.</summary>
public sealed class LoginResult : IDisposable
{
    internal LoginResult(KE3 ke3, byte[] sessionKey, byte[] exportKey, byte[] serverPublicKey)
    {
        KE3 = ke3;
        SessionKey = sessionKey;
        ExportKey = exportKey;
        ServerPublicKey = serverPublicKey;
    }

    /// <summary>The final message, to send to the server.</summary>
    public KE3 KE3 { get; }

    /// <summary>session_key (Nx = 64 bytes), shared with the server once it accepts KE3. Zeroed by <see cref="Dispose"/>.</summary>
    public byte[] SessionKey { get; }

    /// <summary>export_key (Nh = 64 bytes), the same as at registration. Zeroed by <see cref="Dispose"/>.</summary>
    public byte[] ExportKey { get; }

    /// <summary>The server public key recovered from the envelope; compare it with the pinned one.</summary>
    public byte[] ServerPublicKey { get; }

    /// <summary>Zeroes the keys.</summary>
    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(SessionKey);
        CryptographicOperations.ZeroMemory(ExportKey);
    }
}
