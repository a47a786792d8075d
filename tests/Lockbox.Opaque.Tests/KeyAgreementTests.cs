using Xunit;

namespace Lockbox.Opaque.Tests;

/// <summary>The ristretto255 Diffie-Hellman beside OPAQUE: both sides agree, and a peer key that is not a valid element is refused.</summary>
public class KeyAgreementTests
{
    [Fact]
    public void An_ephemeral_key_and_the_servers_ake_key_agree_on_one_secret()
    {
        using var server = ServerSetup.Generate();
        using var client = EphemeralKeyPair.Generate();
        byte[] atClient = new byte[32];
        byte[] atServer = new byte[32];

        client.SharedSecret(server.PublicKey, atClient);
        server.SharedSecret(client.PublicKey, atServer);

        Assert.Equal(atClient, atServer);
        Assert.True(KeyAgreement.IsValidPublicKey(client.PublicKey));
    }

    [Fact]
    public void Two_ephemeral_keys_agree_and_a_third_gets_another_secret()
    {
        using var a = EphemeralKeyPair.Generate();
        using var b = EphemeralKeyPair.Generate();
        using var c = EphemeralKeyPair.Generate();
        byte[] ab = new byte[32], ba = new byte[32], ac = new byte[32];

        a.SharedSecret(b.PublicKey, ab);
        b.SharedSecret(a.PublicKey, ba);
        a.SharedSecret(c.PublicKey, ac);

        Assert.Equal(ab, ba);
        Assert.NotEqual(ab, ac);
    }

    [Theory]
    [InlineData(1, "e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d76")] // RFC 9496 A.1: B
    [InlineData(2, "6a493210f7499cd17fecb510ae0cea23a110e8d5b901f8acadd3095c73a3b919")] // RFC 9496 A.1: 2·B
    public void A_key_pair_from_a_given_scalar_has_the_rfc_9496_multiple_of_the_generator(byte scalar, string publicKeyHex)
    {
        byte[] privateKey = new byte[32];
        privateKey[0] = scalar; // little-endian

        using var pair = EphemeralKeyPair.FromPrivateKey(privateKey);

        Assert.Equal(publicKeyHex, Convert.ToHexStringLower(pair.PublicKey));
    }

    [Fact]
    public void A_zero_or_non_canonical_scalar_is_refused_as_a_private_key()
    {
        Assert.Equal(OpaqueError.InvalidMessage, Assert.Throws<OpaqueException>(() => EphemeralKeyPair.FromPrivateKey(new byte[32])).Error);
        Assert.Equal(OpaqueError.InvalidMessage, Assert.Throws<OpaqueException>(() => EphemeralKeyPair.FromPrivateKey(Enumerable.Repeat((byte)0xff, 32).ToArray())).Error);
        Assert.Equal(OpaqueError.InvalidMessage, Assert.Throws<OpaqueException>(() => EphemeralKeyPair.FromPrivateKey(new byte[31])).Error);
    }

    public static TheoryData<byte[]> InvalidKeys() => new()
    {
        new byte[32],                                  // the identity
        Enumerable.Repeat((byte)0xff, 32).ToArray(),   // not canonical
        new byte[31],                                  // too short
        new byte[33],                                  // too long
    };

    [Theory, MemberData(nameof(InvalidKeys))]
    public void A_peer_key_that_is_not_a_valid_element_is_refused(byte[] peer)
    {
        using var server = ServerSetup.Generate();
        using var client = EphemeralKeyPair.Generate();
        byte[] shared = new byte[32];

        Assert.False(KeyAgreement.IsValidPublicKey(peer));
        Assert.Equal(OpaqueError.InvalidMessage, Assert.Throws<OpaqueException>(() => client.SharedSecret(peer, shared)).Error);
        Assert.Equal(OpaqueError.InvalidMessage, Assert.Throws<OpaqueException>(() => server.SharedSecret(peer, shared)).Error);
        Assert.Equal(new byte[32], shared);
    }
}
