using System.Text;
using Lockbox.Opaque.Ksf;
using Xunit;

namespace Lockbox.Opaque.Tests;

public class ServerLoginStateTests
{
    private static readonly byte[] Password = Encoding.UTF8.GetBytes("correct horse battery staple");
    private static readonly byte[] CredentialId = Encoding.UTF8.GetBytes("account-1/record-7");

    [Fact]
    public void Exported_state_finishes_the_login_on_another_server_instance()
    {
        using var setup = ServerSetup.Generate();
        var record = Handshake.Register(new OpaqueServer(setup), Password, CredentialId);

        using var login = ClientLogin.Start(Password, out var ke1);
        byte[] state = new byte[ServerLogin.StateLength];
        using (var first = new OpaqueServer(setup).StartLogin(record, ke1, CredentialId, null, out var ke2))
        {
            first.Export(state);
            using var result = login.Finish(ke2, IdentityKsf.Instance);
            using var restored = ServerLogin.Import(state);
            Assert.Equal(result.SessionKey, restored.Finish(result.KE3));
        }
    }

    [Fact]
    public void Imported_state_rejects_a_wrong_KE3_and_is_single_use()
    {
        using var setup = ServerSetup.Generate();
        var server = new OpaqueServer(setup);
        var record = Handshake.Register(server, Password, CredentialId);
        using var login = ClientLogin.Start(Encoding.UTF8.GetBytes("wrong"), out var ke1);
        byte[] state = new byte[ServerLogin.StateLength];
        using var serverLogin = server.StartLogin(record, ke1, CredentialId, null, out _);
        serverLogin.Export(state);

        using var restored = ServerLogin.Import(state);
        var forged = Messages.KE3.Parse(new byte[Messages.KE3.Length]);
        Assert.Equal(OpaqueError.ClientAuthenticationFailed, Assert.Throws<OpaqueException>(() => restored.Finish(forged)).Error);
        Assert.Throws<ObjectDisposedException>(() => restored.Finish(forged));
    }

    [Fact]
    public void Import_rejects_a_state_of_the_wrong_length()
    {
        Assert.Equal(OpaqueError.InvalidMessage, Assert.Throws<OpaqueException>(() => ServerLogin.Import(new byte[127])).Error);
    }
}
