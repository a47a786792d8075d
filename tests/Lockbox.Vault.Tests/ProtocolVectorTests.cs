using System.Text;
using Lockbox.Opaque;
using Lockbox.Tests.Shared;
using Lockbox.Vault.Server.Crypto;
using Lockbox.Vault.Server.Secrets;

namespace Lockbox.Vault.Tests;

/// <summary>
/// The vault's half of tests/vectors/vault-protocol-v1.json: the server opens its secrets row and a
/// sealed login state, verifies the client's proofs and MACs, and computes its own MACs and the
/// credential identifier to exactly the committed bytes. The client's tests read the same file.
/// </summary>
public sealed class ProtocolVectorTests : IDisposable
{
    private static readonly VaultProtocolVectors Vectors = VaultProtocolVectors.Load();
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("lockbox-vectors-");

    [Fact]
    public async Task The_vault_opens_the_vectors_secrets_row_and_the_login_state_it_sealed()
    {
        var secrets = Vectors["vault_secrets"];
        var state = Vectors["login_state"];
        string keyFile = Path.Combine(_folder.FullName, "vault.key");
        await File.WriteAllBytesAsync(keyFile, secrets.Bytes("key_file"));
        File.SetUnixFileMode(keyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite); // the vault refuses a key file others can read
        var store = new SqliteVaultStore(Path.Combine(_folder.FullName, "vault.db"));
        await store.InitializeAsync(default);
        await store.GetOrAddSecretAsync("opaque-v2", secrets.Bytes("box"), default);
        using var protector = new LocalKeyFileProtector(keyFile);

        using var keys = await VaultKeys.LoadAsync(store, protector, default);
        var sealer = new LoginStateSealer(keys);
        var opened = sealer.Open(state.Bytes("sealed_state"), state.Bytes("login_id"), state.Text("account"));

        Assert.Equal(Vectors["registration_channel"].Bytes("server_public_key"), keys.Setup.PublicKey.ToArray());
        Assert.NotNull(opened);
        Assert.Equal(state.Bytes("record_id"), opened.Value.Terms.RecordId);
        Assert.Equal(state.Int("attempt"), opened.Value.Terms.Attempt);
        Assert.Equal(state.Long("expires_at_ms"), opened.Value.Terms.ExpiresAtMs);
        Assert.Equal(VaultLengths.LoginState, state.Bytes("sealed_state").Length);
        Assert.Null(sealer.Open(state.Bytes("sealed_state"), state.Bytes("login_id"), "mallory@example.org"));
    }

    [Fact]
    public void The_vaults_side_of_the_registration_channel_gives_the_vectors_macs()
    {
        var c = Vectors["registration_channel"];
        string account = c.Text("account");
        byte[] recordId = c.Bytes("record_id");
        using var setup = ServerSetup.Import(Vectors["vault_secrets"].Bytes("oprf_seed"), c.Bytes("server_private_key"));
        using var channel = RegistrationChannel.ForVault(setup, Encoding.UTF8.GetBytes(c.Text("context")), c.Bytes("client_public_key"));
        byte[] digest = RegistrationChannel.EscrowDigest(c.Bytes("record"), c.Bytes("wrapped_key"), c.Bytes("possession_key"), c.Ksf("ksf"));

        Assert.Equal(
            c.Bytes("start_mac"),
            channel.StartMac(account, recordId, c.Bytes("blinded_element"), c.Bytes("evaluated_element"), setup.PublicKey, c.Ksf("ksf")));
        Assert.True(RegistrationChannel.Matches(channel.FinishMac(account, recordId, digest), c.Bytes("finish_mac")));
        Assert.True(RegistrationChannel.Matches(channel.FinishMac(account, recordId, digest, c.Bytes("proof_nonce"), c.Bytes("proof_signature")), c.Bytes("finish_mac_with_proof")));
        Assert.False(RegistrationChannel.Matches(channel.FinishMac(account, recordId, digest), c.Bytes("finish_mac_with_proof")));
        Assert.Equal(c.Bytes("stored_mac"), channel.StoredMac(account, recordId, digest));
    }

    [Fact]
    public void The_vault_accepts_each_proof_of_the_vectors_and_only_for_its_own_message()
    {
        var possession = Vectors["possession"];
        byte[] publicKey = possession.Bytes("public_key");

        foreach (var proof in possession.Items("proofs"))
        {
            byte[] message = PossessionProof.Message((PossessionProof.Purpose)proof.Int("purpose"), possession.Bytes("nonce"), possession.Text("account"), proof.Bytes("payload"));
            Assert.Equal(proof.Bytes("message"), message);
            Assert.True(PossessionKey.Verify(proof.Bytes("signature"), message, publicKey));
            byte[] otherAccount = PossessionProof.Message((PossessionProof.Purpose)proof.Int("purpose"), possession.Bytes("nonce"), "mallory@example.org", proof.Bytes("payload"));
            Assert.False(PossessionKey.Verify(proof.Bytes("signature"), otherAccount, publicKey));
        }
    }

    [Fact]
    public void The_vault_derives_the_vectors_credential_identifier()
    {
        var c = Vectors["credential_identifier"];

        Assert.Equal(c.Bytes("credential_identifier"), CredentialIdentifier.For(c.Text("account"), c.Bytes("record_id")));
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _folder.Delete(recursive: true);
    }
}
