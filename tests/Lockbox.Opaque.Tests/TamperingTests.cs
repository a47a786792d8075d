using Lockbox.Opaque.Ksf;
using Lockbox.Opaque.Messages;
using Xunit;

namespace Lockbox.Opaque.Tests;

/// <summary>
/// Flips every bit position's byte of every message in transit and checks that the login then fails
/// with an <see cref="OpaqueException"/>, never with a wrong key silently agreed.
/// </summary>
public class TamperingTests
{
    private static readonly byte[] Password = "hunter2 is not a good password"u8.ToArray();
    private static readonly byte[] CredentialId = "account-42/record-1"u8.ToArray();

    [Fact]
    public void Tampered_registration_request_yields_a_record_that_never_logs_in()
    {
        using var setup = ServerSetup.Generate();
        var server = new OpaqueServer(setup);
        for (int i = 0; i < RegistrationRequest.Length; i++)
        {
            using var client = ClientRegistration.Start(Password, out var request);
            byte[] bytes = request.ToArray();
            bytes[i] ^= 0x01;
            if (!TryParse(() => RegistrationRequest.Parse(bytes), out var tampered))
            {
                continue;
            }

            // The client unblinds an evaluation of a different element, so its record is bound to garbage.
            using var registered = client.Finish(server.CreateRegistrationResponse(tampered!, CredentialId), IdentityKsf.Instance);
            AssertLoginFails(server, registered.Record);
        }
    }

    [Fact]
    public void Tampered_registration_response_yields_a_record_that_never_logs_in()
    {
        using var setup = ServerSetup.Generate();
        var server = new OpaqueServer(setup);
        for (int i = 0; i < RegistrationResponse.Length; i++)
        {
            using var client = ClientRegistration.Start(Password, out var request);
            byte[] bytes = server.CreateRegistrationResponse(request, CredentialId).ToArray();
            bytes[i] ^= 0x01;
            if (!TryParse(() => RegistrationResponse.Parse(bytes), out var tampered))
            {
                continue;
            }

            using var registered = client.Finish(tampered!, IdentityKsf.Instance);
            AssertLoginFails(server, registered.Record);
        }
    }

    [Fact]
    public void Tampered_registration_record_never_logs_in()
    {
        using var setup = ServerSetup.Generate();
        var server = new OpaqueServer(setup);
        byte[] record = Handshake.Register(server, Password, CredentialId).ToArray();
        for (int i = 0; i < RegistrationRecord.Length; i++)
        {
            byte[] bytes = (byte[])record.Clone();
            bytes[i] ^= 0x01;
            if (TryParse(() => RegistrationRecord.Parse(bytes), out var tampered))
            {
                AssertLoginFails(server, tampered!);
            }
        }
    }

    [Fact]
    public void Tampered_KE1_fails_the_login()
    {
        using var setup = ServerSetup.Generate();
        var server = new OpaqueServer(setup);
        var record = Handshake.Register(server, Password, CredentialId);
        for (int i = 0; i < KE1.Length; i++)
        {
            using var login = ClientLogin.Start(Password, out var ke1);
            byte[] bytes = ke1.ToArray();
            bytes[i] ^= 0x01;
            if (!TryParse(() => KE1.Parse(bytes), out var tampered))
            {
                continue;
            }

            using var serverLogin = server.StartLogin(record, tampered!, CredentialId, null, out var ke2);
            Assert.Throws<OpaqueException>(() => login.Finish(ke2, IdentityKsf.Instance));
        }
    }

    [Fact]
    public void Tampered_KE2_fails_at_the_client()
    {
        using var setup = ServerSetup.Generate();
        var server = new OpaqueServer(setup);
        var record = Handshake.Register(server, Password, CredentialId);
        for (int i = 0; i < KE2.Length; i++)
        {
            using var login = ClientLogin.Start(Password, out var ke1);
            using var serverLogin = server.StartLogin(record, ke1, CredentialId, null, out var ke2);
            byte[] bytes = ke2.ToArray();
            bytes[i] ^= 0x01;
            if (TryParse(() => KE2.Parse(bytes), out var tampered))
            {
                Assert.Throws<OpaqueException>(() => login.Finish(tampered!, IdentityKsf.Instance));
            }
        }
    }

    [Fact]
    public void Tampered_KE3_fails_at_the_server()
    {
        using var setup = ServerSetup.Generate();
        var server = new OpaqueServer(setup);
        var record = Handshake.Register(server, Password, CredentialId);
        for (int i = 0; i < KE3.Length; i++)
        {
            using var login = ClientLogin.Start(Password, out var ke1);
            using var serverLogin = server.StartLogin(record, ke1, CredentialId, null, out var ke2);
            using var result = login.Finish(ke2, IdentityKsf.Instance);
            byte[] bytes = result.KE3.ToArray();
            bytes[i] ^= 0x01;
            var error = Assert.Throws<OpaqueException>(() => serverLogin.Finish(KE3.Parse(bytes)));
            Assert.Equal(OpaqueError.ClientAuthenticationFailed, error.Error);
        }
    }

    private static void AssertLoginFails(OpaqueServer server, RegistrationRecord record)
    {
        using var login = ClientLogin.Start(Password, out var ke1);
        using var serverLogin = server.StartLogin(record, ke1, CredentialId, null, out var ke2);
        Assert.Throws<OpaqueException>(() => login.Finish(ke2, IdentityKsf.Instance));
    }

    /// <summary>A flipped bit may also make an element invalid, which parsing must reject.</summary>
    private static bool TryParse<T>(Func<T> parse, out T? message)
        where T : class
    {
        try
        {
            message = parse();
            return true;
        }
        catch (OpaqueException e) when (e.Error == OpaqueError.InvalidMessage)
        {
            message = null;
            return false;
        }
    }
}
