using System.Security.Cryptography;
using Lockbox.Opaque.Messages;

namespace Lockbox.Opaque;

/// <summary>What registration gives the client: the record to upload and the export key to keep.</summary>
public sealed class RegistrationResult : IDisposable
{
    internal RegistrationResult(RegistrationRecord record, byte[] exportKey, byte[] serverPublicKey)
    {
        Record = record;
        ExportKey = exportKey;
        ServerPublicKey = serverPublicKey;
    }

    /// <summary>The record to send to the server.</summary>
    public RegistrationRecord Record { get; }

    /// <summary>
    /// export_key (Nh = 64 bytes): a secret only the password holder can recompute, for encrypting
    /// application data such as a wrapped backup key. Zeroed by <see cref="Dispose"/>.
    /// </summary>
    public byte[] ExportKey { get; }

    /// <summary>The server public key the envelope was bound to; compare it with the pinned one.</summary>
    public byte[] ServerPublicKey { get; }

    /// <summary>Zeroes the export key.</summary>
    public void Dispose() => CryptographicOperations.ZeroMemory(ExportKey);
}
