using System.Security.Cryptography;
using Lockbox.Opaque.Group;

namespace Lockbox.Opaque;

/// <summary>
/// A ristretto255 (RFC 9496) Diffie-Hellman key pair for a key exchange beside OPAQUE, such as
/// authenticating a registration with the server's AKE key: DiffieHellman(k, B) = k·B, as RFC 9807
/// §6.4.1 defines it for the AKE. Single use by design: generate one per exchange, dispose it after.
/// </summary>
public sealed class EphemeralKeyPair : IDisposable
{
    /// <summary>Length of a public key and of a shared secret.</summary>
    public const int PublicKeyLength = Sizes.Npk;

    private readonly byte[] _privateKey = new byte[Sizes.Nsk];
    private readonly byte[] _publicKey = new byte[Sizes.Npk];

    private EphemeralKeyPair()
    {
        Ristretto255.RandomScalar(_privateKey);
        Ristretto255.MultiplyBase(_privateKey, _publicKey);
    }

    private EphemeralKeyPair(ReadOnlySpan<byte> privateKey)
    {
        privateKey.CopyTo(_privateKey);
        Ristretto255.MultiplyBase(_privateKey, _publicKey);
    }

    /// <summary>The public key to send to the peer.</summary>
    public ReadOnlySpan<byte> PublicKey => _publicKey;

    /// <summary>A fresh key pair from the system CSPRNG.</summary>
    public static EphemeralKeyPair Generate() => new();

    /// <summary>
    /// The key pair of a given private scalar, for known-answer vectors and deterministic tests only:
    /// a real exchange uses <see cref="Generate"/>, since a reused scalar links its exchanges.
    /// </summary>
    /// <exception cref="OpaqueException">The scalar is not canonical or is zero (<see cref="OpaqueError.InvalidMessage"/>).</exception>
    public static EphemeralKeyPair FromPrivateKey(ReadOnlySpan<byte> privateKey) =>
        Ristretto255.IsValidScalar(privateKey)
            ? new(privateKey)
            : throw new OpaqueException(OpaqueError.InvalidMessage, "The private key is not a valid ristretto255 scalar.");

    /// <summary>k·<paramref name="peerPublicKey"/> into <paramref name="sharedSecret"/> (32 bytes).</summary>
    /// <exception cref="OpaqueException">The peer's key is not a canonical non-identity element (<see cref="OpaqueError.InvalidMessage"/>).</exception>
    public void SharedSecret(ReadOnlySpan<byte> peerPublicKey, Span<byte> sharedSecret) =>
        KeyAgreement.SharedSecret(_privateKey, peerPublicKey, sharedSecret);

    /// <summary>Zeroes the private key.</summary>
    public void Dispose() => CryptographicOperations.ZeroMemory(_privateKey);
}

/// <summary>DiffieHellman over ristretto255 with the peer's element validated first (RFC 9497 §4.1 DeserializeElement).</summary>
public static class KeyAgreement
{
    /// <summary>Whether <paramref name="publicKey"/> is a canonical encoding of a ristretto255 element other than the identity.</summary>
    public static bool IsValidPublicKey(ReadOnlySpan<byte> publicKey) => Ristretto255.IsValidElement(publicKey);

    internal static void SharedSecret(ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> peerPublicKey, Span<byte> sharedSecret)
    {
        if (!Ristretto255.IsValidElement(peerPublicKey))
        {
            throw new OpaqueException(OpaqueError.InvalidMessage, "The peer's public key is not a valid ristretto255 element.");
        }

        Ristretto255.Multiply(privateKey, peerPublicKey, sharedSecret);
    }
}
