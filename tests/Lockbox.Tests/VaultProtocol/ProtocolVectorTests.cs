using System.Security.Cryptography;
using System.Text;
using Lockbox.Opaque;
using Lockbox.Tests.Shared;
using Lockbox.Vault.Protocol;
using Xunit;

namespace Lockbox.Tests.VaultProtocol;

/// <summary>
/// The client's half of tests/vectors/vault-protocol-v1.json: what the SDK opens, derives, signs and
/// MACs on its side of the vault protocol gives exactly the committed bytes. The server's tests read
/// the same file for the vault's half.
/// </summary>
public class ProtocolVectorTests
{
    private static readonly VaultProtocolVectors Vectors = VaultProtocolVectors.Load();

    [Fact]
    public void The_client_opens_the_released_key_and_unwraps_the_backup_key_of_the_vectors()
    {
        var release = Vectors["key_release"];
        var wrap = Vectors["backup_key_wrap"];

        byte[] wrapped = KeyRelease.Open(release.Bytes("session_key"), release.Bytes("login_id"), release.Bytes("sealed_key"));
        byte[] backupKey = BackupKeyWrap.Unwrap(wrap.Bytes("export_key"), wrapped);

        Assert.Equal(wrap.Bytes("wrapped_key"), wrapped);
        Assert.Equal(wrap.Bytes("backup_key"), backupKey);
    }

    [Fact]
    public void Another_export_key_does_not_unwrap_the_vectors_backup_key()
    {
        var wrap = Vectors["backup_key_wrap"];
        byte[] otherExportKey = wrap.Bytes("export_key");
        otherExportKey[0] ^= 1;

        Assert.ThrowsAny<CryptographicException>(() => BackupKeyWrap.Unwrap(otherExportKey, wrap.Bytes("wrapped_key")));
    }

    [Fact]
    public void The_client_derives_the_possession_key_and_signs_each_proof_message_of_the_vectors()
    {
        var possession = Vectors["possession"];
        var replacement = possession.Child("replacement");
        using var key = PossessionKey.FromBackupKey(possession.Bytes("backup_key"));

        Assert.Equal(possession.Bytes("public_key"), key.PublicKey.ToArray());
        Assert.Equal(
            replacement.Bytes("payload"),
            PossessionProof.ReplacementPayload(replacement.Bytes("record_id"), replacement.Bytes("record"), replacement.Bytes("wrapped_key"), replacement.Bytes("possession_key"), replacement.Ksf("ksf")));
        foreach (var proof in possession.Items("proofs"))
        {
            byte[] message = PossessionProof.Message((PossessionProof.Purpose)proof.Int("purpose"), possession.Bytes("nonce"), possession.Text("account"), proof.Bytes("payload"));
            Assert.Equal(proof.Bytes("message"), message);
            Assert.Equal(proof.Bytes("signature"), key.Sign(message));
        }
    }

    [Fact]
    public void The_clients_side_of_the_registration_channel_gives_the_vectors_macs()
    {
        var c = Vectors["registration_channel"];
        string account = c.Text("account");
        byte[] recordId = c.Bytes("record_id");
        using var ephemeral = EphemeralKeyPair.FromPrivateKey(c.Bytes("client_private_key"));
        using var channel = RegistrationChannel.ForClient(ephemeral, c.Bytes("server_public_key"), Encoding.UTF8.GetBytes(c.Text("context")));
        byte[] digest = RegistrationChannel.EscrowDigest(c.Bytes("record"), c.Bytes("wrapped_key"), c.Bytes("possession_key"), c.Ksf("ksf"));

        Assert.Equal(c.Bytes("client_public_key"), ephemeral.PublicKey.ToArray());
        Assert.True(RegistrationChannel.Matches(
            channel.StartMac(account, recordId, c.Bytes("blinded_element"), c.Bytes("evaluated_element"), c.Bytes("server_public_key"), c.Ksf("ksf")),
            c.Bytes("start_mac")));
        Assert.Equal(c.Bytes("escrow_digest"), digest);
        Assert.Equal(c.Bytes("finish_mac"), channel.FinishMac(account, recordId, digest));
        Assert.Equal(c.Bytes("finish_mac_with_proof"), channel.FinishMac(account, recordId, digest, c.Bytes("proof_nonce"), c.Bytes("proof_signature")));
        Assert.True(RegistrationChannel.Matches(channel.StoredMac(account, recordId, digest), c.Bytes("stored_mac")));
    }

    [Fact]
    public void The_client_encodes_each_ksf_of_the_vectors()
    {
        foreach (var item in Vectors.Root.GetProperty("ksf_encoding").EnumerateArray())
        {
            var vector = new VaultProtocolVectors.Section(item);
            byte[] encoded = new byte[KsfParameters.EncodedLength];
            new KsfParameters(vector.Int("memory_kib"), vector.Int("iterations"), vector.Int("parallelism")).Encode(encoded);
            Assert.Equal(vector.Bytes("encoded"), encoded);
        }
    }
}
