using System.Security.Cryptography;

namespace Lockbox.Opaque.KeyExchange;

/// <summary>The 3DH key schedule of RFC 9807 §6.4: preamble, key derivation and the two MACs.</summary>
internal static class TripleDh
{
    /// <summary>Length of the input key material: three Diffie-Hellman outputs.</summary>
    public const int IkmLength = 3 * Sizes.Npk;

    /// <summary>
    /// The outputs of the handshake. Both sides compute all three; the server keeps the expected
    /// client MAC and the session key until KE3 arrives.
    /// </summary>
    public ref struct Transcript
    {
        public Span<byte> ServerMac;
        public Span<byte> ClientMac;
        public Span<byte> SessionKey;
    }

    /// <summary>
    /// Runs the key schedule over ikm = dh1 || dh2 || dh3 and the preamble (RFC 9807 §6.4.2):
    /// preamble = "OPAQUEv1-" || I2OSP(len(context), 2) || context || I2OSP(len(client_identity), 2)
    /// || client_identity || ke1 || I2OSP(len(server_identity), 2) || server_identity
    /// || credential_response || server_nonce || server_public_keyshare.
    /// </summary>
    public static void Run(
        ReadOnlySpan<byte> ikm,
        ReadOnlySpan<byte> context,
        CleartextCredentials credentials,
        ReadOnlySpan<byte> ke1,
        ReadOnlySpan<byte> ke2PreamblePart,
        Transcript output)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA512);
        hash.AppendData("OPAQUEv1-"u8);
        CleartextCredentials.AppendWithLength(hash, context);
        CleartextCredentials.AppendWithLength(hash, credentials.ClientIdentity);
        hash.AppendData(ke1);
        CleartextCredentials.AppendWithLength(hash, credentials.ServerIdentity);
        hash.AppendData(ke2PreamblePart);

        Span<byte> preambleHash = stackalloc byte[Sizes.Nh];
        Span<byte> prk = stackalloc byte[Sizes.Nx];
        Span<byte> handshakeSecret = stackalloc byte[Sizes.Nx];
        Span<byte> km2 = stackalloc byte[Sizes.Nx];
        Span<byte> km3 = stackalloc byte[Sizes.Nx];
        try
        {
            hash.GetCurrentHash(preambleHash);

            // DeriveKeys (RFC 9807 §6.4.2)
            Kdf.Extract(ikm, prk);
            Kdf.DeriveSecret(prk, "HandshakeSecret"u8, preambleHash, handshakeSecret);
            Kdf.DeriveSecret(prk, "SessionKey"u8, preambleHash, output.SessionKey);
            Kdf.DeriveSecret(handshakeSecret, "ServerMAC"u8, default, km2);
            Kdf.DeriveSecret(handshakeSecret, "ClientMAC"u8, default, km3);

            // server_mac = MAC(Km2, Hash(preamble)); client_mac = MAC(Km3, Hash(preamble || server_mac))
            Kdf.Mac(km2, preambleHash, output.ServerMac);
            hash.AppendData(output.ServerMac);
            hash.GetHashAndReset(preambleHash);
            Kdf.Mac(km3, preambleHash, output.ClientMac);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(prk);
            CryptographicOperations.ZeroMemory(handshakeSecret);
            CryptographicOperations.ZeroMemory(km2);
            CryptographicOperations.ZeroMemory(km3);
        }
    }
}
