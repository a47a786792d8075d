using System.Security.Cryptography;
using Lockbox.Opaque.Group;

namespace Lockbox.Opaque;

/// <summary>
/// The server's long-term secrets (RFC 9807 §3.2, §5.2.2): the OPRF seed, from which every
/// credential's OPRF key is derived, and the server's AKE key pair. Keep them wrapped at rest; they
/// are what an attacker needs, together with a stolen record, to guess a password offline.
/// </summary>
public sealed class ServerSetup : IDisposable
{
    /// <summary>Length of the OPRF seed (Nh).</summary>
    public const int OprfSeedLength = Sizes.Nh;

    /// <summary>Length of the AKE private key (Nsk).</summary>
    public const int PrivateKeyLength = Sizes.Nsk;

    private readonly byte[] _oprfSeed;
    private readonly byte[] _privateKey;
    private readonly byte[] _publicKey;

    private ServerSetup(byte[] oprfSeed, byte[] privateKey)
    {
        _oprfSeed = oprfSeed;
        _privateKey = privateKey;
        _publicKey = new byte[Sizes.Npk];
        Ristretto255.MultiplyBase(privateKey, _publicKey);
    }

    /// <summary>The server's AKE public key, which clients pin.</summary>
    public ReadOnlySpan<byte> PublicKey => _publicKey;

    internal ReadOnlySpan<byte> OprfSeed => _oprfSeed;

    internal ReadOnlySpan<byte> PrivateKey => _privateKey;

    /// <summary>Creates fresh secrets from the system CSPRNG.</summary>
    public static ServerSetup Generate()
    {
        byte[] privateKey = new byte[PrivateKeyLength];
        Ristretto255.RandomScalar(privateKey);
        return new ServerSetup(RandomNumberGenerator.GetBytes(OprfSeedLength), privateKey);
    }

    /// <summary>Restores secrets saved with <see cref="ExportOprfSeed"/> and <see cref="ExportPrivateKey"/>.</summary>
    /// <exception cref="OpaqueException">The private key is not a canonical non-zero scalar.</exception>
    public static ServerSetup Import(ReadOnlySpan<byte> oprfSeed, ReadOnlySpan<byte> privateKey)
    {
        if (oprfSeed.Length != OprfSeedLength)
        {
            throw new OpaqueException(OpaqueError.InvalidMessage, $"The OPRF seed must be {OprfSeedLength} bytes.");
        }

        if (!Ristretto255.IsValidScalar(privateKey))
        {
            throw new OpaqueException(OpaqueError.InvalidMessage, "The server private key is not a valid scalar.");
        }

        return new ServerSetup(oprfSeed.ToArray(), privateKey.ToArray());
    }

    /// <summary>
    /// DiffieHellman(server private key, <paramref name="peerPublicKey"/>) into <paramref name="sharedSecret"/>
    /// (32 bytes), for a protocol beside OPAQUE that authenticates the server by its AKE key. Such a
    /// protocol must derive its keys from the result under labels of its own, apart from 3DH's.
    /// </summary>
    /// <exception cref="OpaqueException">The peer's key is not a canonical non-identity element (<see cref="OpaqueError.InvalidMessage"/>).</exception>
    public void SharedSecret(ReadOnlySpan<byte> peerPublicKey, Span<byte> sharedSecret) =>
        KeyAgreement.SharedSecret(_privateKey, peerPublicKey, sharedSecret);

    /// <summary>Copies the OPRF seed out, for wrapping; the caller must zero it after use.</summary>
    public void ExportOprfSeed(Span<byte> destination) => _oprfSeed.CopyTo(destination);

    /// <summary>Copies the private key out, for wrapping; the caller must zero it after use.</summary>
    public void ExportPrivateKey(Span<byte> destination) => _privateKey.CopyTo(destination);

    /// <summary>Zeroes the secrets.</summary>
    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(_oprfSeed);
        CryptographicOperations.ZeroMemory(_privateKey);
    }
}
