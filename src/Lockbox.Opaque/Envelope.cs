using System.Security.Cryptography;
using Lockbox.Opaque.Oprf;

namespace Lockbox.Opaque;

/// <summary>
/// The envelope (RFC 9807 §4.1): envelope_nonce[Nn] || auth_tag[Nm]. It stores nothing secret; the
/// client's key pair is re-derived from the randomized password, and the tag authenticates the
/// server's public key and both identities.
/// </summary>
internal static class Envelope
{
    private static readonly byte[] DeriveDiffieHellmanKeyPairInfo = "OPAQUE-DeriveDiffieHellmanKeyPair"u8.ToArray();

    /// <summary>Store (RFC 9807 §4.1.2).</summary>
    public static CleartextCredentials Store(
        ReadOnlySpan<byte> randomizedPassword,
        ReadOnlySpan<byte> serverPublicKey,
        OpaqueIdentities identities,
        ReadOnlySpan<byte> envelopeNonce,
        Span<byte> envelope,
        Span<byte> clientPublicKey,
        Span<byte> maskingKey,
        Span<byte> exportKey)
    {
        Span<byte> clientPrivateKey = stackalloc byte[Sizes.Nsk];
        try
        {
            Kdf.Expand(randomizedPassword, default, "MaskingKey"u8, maskingKey);
            DeriveKeys(randomizedPassword, envelopeNonce, clientPrivateKey, clientPublicKey, exportKey, out byte[] authKey);
            var credentials = new CleartextCredentials(serverPublicKey, clientPublicKey, identities);
            envelopeNonce.CopyTo(envelope);
            AuthTag(authKey, envelopeNonce, credentials, envelope[Sizes.Nn..]);
            CryptographicOperations.ZeroMemory(authKey);
            return credentials;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(clientPrivateKey);
        }
    }

    /// <summary>Recover (RFC 9807 §4.1.3): throws EnvelopeRecoveryFailed if the tag does not verify.</summary>
    public static CleartextCredentials Recover(
        ReadOnlySpan<byte> randomizedPassword,
        ReadOnlySpan<byte> serverPublicKey,
        ReadOnlySpan<byte> envelope,
        OpaqueIdentities identities,
        Span<byte> clientPrivateKey,
        Span<byte> exportKey)
    {
        ReadOnlySpan<byte> envelopeNonce = envelope[..Sizes.Nn];
        Span<byte> clientPublicKey = stackalloc byte[Sizes.Npk];
        Span<byte> expectedTag = stackalloc byte[Sizes.Nm];
        DeriveKeys(randomizedPassword, envelopeNonce, clientPrivateKey, clientPublicKey, exportKey, out byte[] authKey);
        var credentials = new CleartextCredentials(serverPublicKey, clientPublicKey, identities);
        AuthTag(authKey, envelopeNonce, credentials, expectedTag);
        CryptographicOperations.ZeroMemory(authKey);

        if (!Kdf.MacEquals(expectedTag, envelope[Sizes.Nn..]))
        {
            CryptographicOperations.ZeroMemory(clientPrivateKey);
            CryptographicOperations.ZeroMemory(exportKey);
            throw new OpaqueException(
                OpaqueError.EnvelopeRecoveryFailed, "The envelope did not open: wrong password or a different server.");
        }

        return credentials;
    }

    /// <summary>DeriveDiffieHellmanKeyPair (RFC 9807 §4.1.2, §6.4.1).</summary>
    public static void DeriveDiffieHellmanKeyPair(ReadOnlySpan<byte> seed, Span<byte> privateKey, Span<byte> publicKey) =>
        OprfSuite.DeriveKeyPair(seed, DeriveDiffieHellmanKeyPairInfo, privateKey, publicKey);

    private static void DeriveKeys(
        ReadOnlySpan<byte> randomizedPassword,
        ReadOnlySpan<byte> envelopeNonce,
        Span<byte> clientPrivateKey,
        Span<byte> clientPublicKey,
        Span<byte> exportKey,
        out byte[] authKey)
    {
        authKey = new byte[Sizes.Nh];
        Span<byte> seed = stackalloc byte[Sizes.Nseed];
        Kdf.Expand(randomizedPassword, envelopeNonce, "AuthKey"u8, authKey);
        Kdf.Expand(randomizedPassword, envelopeNonce, "ExportKey"u8, exportKey);
        Kdf.Expand(randomizedPassword, envelopeNonce, "PrivateKey"u8, seed);
        DeriveDiffieHellmanKeyPair(seed, clientPrivateKey, clientPublicKey);
        CryptographicOperations.ZeroMemory(seed);
    }

    // auth_tag = MAC(auth_key, envelope_nonce || cleartext_credentials)
    private static void AuthTag(byte[] authKey, ReadOnlySpan<byte> envelopeNonce, CleartextCredentials credentials, Span<byte> tag)
    {
        using var mac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA512, authKey);
        mac.AppendData(envelopeNonce);
        credentials.AppendTo(mac);
        mac.GetHashAndReset(tag);
    }
}
