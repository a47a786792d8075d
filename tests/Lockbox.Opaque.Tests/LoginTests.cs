using System.Text;
using Lockbox.Opaque.Ksf;
using Lockbox.Opaque.Messages;
using Xunit;

namespace Lockbox.Opaque.Tests;

public class LoginTests
{
    private static readonly byte[] Password = Encoding.UTF8.GetBytes("correct horse battery staple");
    private static readonly byte[] CredentialId = Encoding.UTF8.GetBytes("account-1/record-7");

    [Fact]
    public void Argon2id_round_trip_agrees_on_session_key_and_export_key()
    {
        using var setup = ServerSetup.Generate();
        var server = new OpaqueServer(setup);
        var ksf = new Argon2idKsf(memoryBytes: 1024 * 1024, iterations: 2);

        using var client = ClientRegistration.Start(Password, out var request);
        var response = server.CreateRegistrationResponse(request, CredentialId);
        using var registered = client.Finish(response, ksf);

        using var login = ClientLogin.Start(Password, out var ke1);
        using var serverLogin = server.StartLogin(registered.Record, ke1, CredentialId, null, out var ke2);
        using var result = login.Finish(ke2, ksf);
        byte[] serverSessionKey = serverLogin.Finish(result.KE3);

        Assert.Equal(result.SessionKey, serverSessionKey);
        Assert.Equal(registered.ExportKey, result.ExportKey);
        Assert.Equal(setup.PublicKey.ToArray(), result.ServerPublicKey);
    }

    [Fact]
    public void Default_Argon2id_uses_64_MiB_and_3_passes_and_round_trips()
    {
        Assert.Equal(64 * 1024 * 1024, Argon2idKsf.Default.MemoryBytes);
        Assert.Equal(3, Argon2idKsf.Default.Iterations);

        using var setup = ServerSetup.Generate();
        var server = new OpaqueServer(setup);
        var record = Handshake.Register(server, Password, CredentialId, Argon2idKsf.Default);
        using var login = ClientLogin.Start(Password, out var ke1);
        using var serverLogin = server.StartLogin(record, ke1, CredentialId, null, out var ke2);
        using var result = login.Finish(ke2, Argon2idKsf.Default);
        Assert.Equal(result.SessionKey, serverLogin.Finish(result.KE3));
    }

    [Fact]
    public void Argon2id_output_depends_on_its_costs()
    {
        byte[] input = Enumerable.Range(0, 64).Select(i => (byte)i).ToArray();
        byte[] a = new byte[64];
        byte[] b = new byte[64];
        new Argon2idKsf(64 * 1024, 1).Stretch(input, a);
        new Argon2idKsf(64 * 1024, 2).Stretch(input, b);
        Assert.NotEqual(a, b);
        Assert.NotEqual(input, a);
    }

    [Fact]
    public void Wrong_password_fails_at_the_client_when_opening_the_envelope()
    {
        using var setup = ServerSetup.Generate();
        var server = new OpaqueServer(setup);
        var record = Handshake.Register(server, Password, CredentialId, Handshake.CheapArgon2id);

        using var login = ClientLogin.Start("correct horse battery stapler"u8, out var ke1);
        using var serverLogin = server.StartLogin(record, ke1, CredentialId, null, out var ke2);
        var error = Assert.Throws<OpaqueException>(() => login.Finish(ke2, Handshake.CheapArgon2id));
        Assert.Equal(OpaqueError.EnvelopeRecoveryFailed, error.Error);
    }

    [Fact]
    public void Forged_server_MAC_in_KE2_fails_at_the_client()
    {
        using var setup = ServerSetup.Generate();
        var server = new OpaqueServer(setup);
        var record = Handshake.Register(server, Password, CredentialId);

        using var login = ClientLogin.Start(Password, out var ke1);
        using var serverLogin = server.StartLogin(record, ke1, CredentialId, null, out var ke2);
        byte[] bytes = ke2.ToArray();
        bytes[^1] ^= 1;
        var error = Assert.Throws<OpaqueException>(() => login.Finish(KE2.Parse(bytes), IdentityKsf.Instance));
        Assert.Equal(OpaqueError.ServerAuthenticationFailed, error.Error);
    }

    [Fact]
    public void Wrong_password_fails_at_the_server_when_checking_the_KE3_MAC()
    {
        using var setup = ServerSetup.Generate();
        var server = new OpaqueServer(setup);
        var record = Handshake.Register(server, Password, CredentialId);

        // A client without the password cannot open the envelope, so the best it can send is a guess at KE3.
        using var login = ClientLogin.Start("not the password"u8, out var ke1);
        using var serverLogin = server.StartLogin(record, ke1, CredentialId, null, out var ke2);
        Assert.Throws<OpaqueException>(() => login.Finish(ke2, IdentityKsf.Instance));
        var error = Assert.Throws<OpaqueException>(() => serverLogin.Finish(KE3.Parse(new byte[KE3.Length])));
        Assert.Equal(OpaqueError.ClientAuthenticationFailed, error.Error);
    }

    [Fact]
    public void KE3_from_another_login_fails_at_the_server()
    {
        using var setup = ServerSetup.Generate();
        var server = new OpaqueServer(setup);
        var record = Handshake.Register(server, Password, CredentialId);

        using var firstClient = ClientLogin.Start(Password, out var firstKe1);
        using var firstServer = server.StartLogin(record, firstKe1, CredentialId, null, out var firstKe2);
        using var secondClient = ClientLogin.Start(Password, out var secondKe1);
        using var secondServer = server.StartLogin(record, secondKe1, CredentialId, null, out var secondKe2);
        using var first = firstClient.Finish(firstKe2, IdentityKsf.Instance);

        var error = Assert.Throws<OpaqueException>(() => secondServer.Finish(first.KE3));
        Assert.Equal(OpaqueError.ClientAuthenticationFailed, error.Error);
    }

    [Fact]
    public void Unknown_user_gets_a_KE2_of_the_same_length_and_the_client_sees_a_wrong_password()
    {
        using var setup = ServerSetup.Generate();
        var server = new OpaqueServer(setup);
        var record = Handshake.Register(server, Password, CredentialId);

        using var realLogin = ClientLogin.Start(Password, out var realKe1);
        using var realServer = server.StartLogin(record, realKe1, CredentialId, null, out var realKe2);
        using var fakeLogin = ClientLogin.Start(Password, out var fakeKe1);
        using var fakeServer = server.StartLogin(null, fakeKe1, "nobody"u8, null, out var fakeKe2);

        Assert.Equal(KE2.Length, realKe2.ToArray().Length);
        Assert.Equal(realKe2.ToArray().Length, fakeKe2.ToArray().Length);
        var error = Assert.Throws<OpaqueException>(() => fakeLogin.Finish(KE2.Parse(fakeKe2.ToArray()), IdentityKsf.Instance));
        Assert.Equal(OpaqueError.EnvelopeRecoveryFailed, error.Error);
    }

    [Fact]
    public void Fake_record_for_one_unknown_identifier_is_stable_and_differs_between_identifiers()
    {
        using var setup = ServerSetup.Generate();
        var server = new OpaqueServer(setup);
        Assert.Equal(server.FakeRecord("nobody"u8).ToArray(), server.FakeRecord("nobody"u8).ToArray());
        Assert.NotEqual(server.FakeRecord("nobody"u8).ToArray(), server.FakeRecord("somebody"u8).ToArray());
    }

    [Fact]
    public void Mismatched_context_fails_the_handshake()
    {
        using var setup = ServerSetup.Generate();
        var server = new OpaqueServer(setup, "lockbox-vault-v1"u8);
        var record = Handshake.Register(server, Password, CredentialId);

        using var login = ClientLogin.Start(Password, out var ke1);
        using var serverLogin = server.StartLogin(record, ke1, CredentialId, null, out var ke2);
        var error = Assert.Throws<OpaqueException>(() => login.Finish(ke2, IdentityKsf.Instance, null, "another-app"u8));
        Assert.Equal(OpaqueError.ServerAuthenticationFailed, error.Error);
    }

    [Fact]
    public void Mismatched_identities_fail_to_open_the_envelope()
    {
        using var setup = ServerSetup.Generate();
        var server = new OpaqueServer(setup);
        var identities = new OpaqueIdentities("alice"u8.ToArray(), "vault.example"u8.ToArray());
        var record = Handshake.Register(server, Password, CredentialId, identities: identities);

        using var login = ClientLogin.Start(Password, out var ke1);
        using var serverLogin = server.StartLogin(record, ke1, CredentialId, identities, out var ke2);
        var error = Assert.Throws<OpaqueException>(() => login.Finish(ke2, IdentityKsf.Instance, identities with { Client = "mallory"u8.ToArray() }));
        Assert.Equal(OpaqueError.EnvelopeRecoveryFailed, error.Error);
    }

    [Fact]
    public void Login_states_are_single_use()
    {
        using var setup = ServerSetup.Generate();
        var server = new OpaqueServer(setup);
        var record = Handshake.Register(server, Password, CredentialId);

        var login = ClientLogin.Start(Password, out var ke1);
        var serverLogin = server.StartLogin(record, ke1, CredentialId, null, out var ke2);
        var result = login.Finish(ke2, IdentityKsf.Instance);
        Assert.Throws<ObjectDisposedException>(() => login.Finish(ke2, IdentityKsf.Instance));
        serverLogin.Finish(result.KE3);
        Assert.Throws<ObjectDisposedException>(() => serverLogin.Finish(result.KE3));
    }

    [Fact]
    public void Failed_KE3_consumes_the_server_state_so_no_second_guess_is_free()
    {
        using var setup = ServerSetup.Generate();
        var server = new OpaqueServer(setup);
        var record = Handshake.Register(server, Password, CredentialId);

        using var login = ClientLogin.Start(Password, out var ke1);
        var serverLogin = server.StartLogin(record, ke1, CredentialId, null, out var ke2);
        using var result = login.Finish(ke2, IdentityKsf.Instance);
        Assert.Throws<OpaqueException>(() => serverLogin.Finish(KE3.Parse(new byte[KE3.Length])));
        Assert.Throws<ObjectDisposedException>(() => serverLogin.Finish(result.KE3));
    }

    [Fact]
    public void Exported_server_setup_restores_the_same_server()
    {
        using var setup = ServerSetup.Generate();
        var record = Handshake.Register(new OpaqueServer(setup), Password, CredentialId);
        byte[] seed = new byte[ServerSetup.OprfSeedLength];
        byte[] key = new byte[ServerSetup.PrivateKeyLength];
        setup.ExportOprfSeed(seed);
        setup.ExportPrivateKey(key);

        using var restored = ServerSetup.Import(seed, key);
        Assert.Equal(setup.PublicKey.ToArray(), restored.PublicKey.ToArray());
        var server = new OpaqueServer(restored);
        using var login = ClientLogin.Start(Password, out var ke1);
        using var serverLogin = server.StartLogin(record, ke1, CredentialId, null, out var ke2);
        using var result = login.Finish(ke2, IdentityKsf.Instance);
        Assert.Equal(result.SessionKey, serverLogin.Finish(result.KE3));
    }

    [Fact]
    public void Importing_an_invalid_server_private_key_is_refused()
    {
        var error = Assert.Throws<OpaqueException>(() => ServerSetup.Import(new byte[64], new byte[32]));
        Assert.Equal(OpaqueError.InvalidMessage, error.Error);
    }
}
