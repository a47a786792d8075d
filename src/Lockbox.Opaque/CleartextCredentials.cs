using System.Security.Cryptography;

namespace Lockbox.Opaque;

/// <summary>
/// CleartextCredentials (RFC 9807 §4.1.1): server_public_key[Npk] || server_identity (2-byte length prefix)
/// || client_identity (2-byte length prefix), with identities defaulted to the public keys.
/// </summary>
internal sealed class CleartextCredentials
{
    public CleartextCredentials(ReadOnlySpan<byte> serverPublicKey, ReadOnlySpan<byte> clientPublicKey, OpaqueIdentities identities)
    {
        ServerPublicKey = serverPublicKey.ToArray();
        ServerIdentity = Resolve(identities.Server, serverPublicKey);
        ClientIdentity = Resolve(identities.Client, clientPublicKey);
    }

    public byte[] ServerPublicKey { get; }

    public byte[] ServerIdentity { get; }

    public byte[] ClientIdentity { get; }

    public void AppendTo(IncrementalHash hash)
    {
        hash.AppendData(ServerPublicKey);
        AppendWithLength(hash, ServerIdentity);
        AppendWithLength(hash, ClientIdentity);
    }

    /// <summary>Appends I2OSP(len(value), 2) || value.</summary>
    public static void AppendWithLength(IncrementalHash hash, ReadOnlySpan<byte> value)
    {
        Span<byte> length = [(byte)(value.Length >> 8), (byte)value.Length];
        hash.AppendData(length);
        hash.AppendData(value);
    }

    private static byte[] Resolve(byte[]? identity, ReadOnlySpan<byte> publicKey)
    {
        if (identity is null || identity.Length == 0)
        {
            return publicKey.ToArray();
        }

        if (identity.Length > ushort.MaxValue)
        {
            throw new ArgumentException("An OPAQUE identity is at most 65535 bytes.", nameof(identity));
        }

        return identity;
    }
}
