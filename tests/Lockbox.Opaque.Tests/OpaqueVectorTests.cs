using System.Text.Json;
using Lockbox.Opaque.Ksf;
using Lockbox.Opaque.Messages;
using Xunit;

namespace Lockbox.Opaque.Tests;

public class OpaqueVectorTests
{
    public static TheoryData<string> RealVectors() => VectorIds("Real");

    [Theory]
    [MemberData(nameof(RealVectors))]
    public void Registration_and_login_reproduce_RFC9807_real_vector(string id)
    {
        using var doc = TestVectors.Load("rfc9807-vectors.json");
        var (config, input, intermediate, output) = Parts(doc, id);
        byte[] context = config.Hex("Context");
        var identities = Identities(input);
        byte[] password = input.Hex("password");
        byte[] credentialIdentifier = input.Hex("credential_identifier");

        using var setup = ServerSetup.Import(input.Hex("oprf_seed"), input.Hex("server_private_key"));
        Assert.Equal(input.Hex("server_public_key"), setup.PublicKey.ToArray());
        var server = new OpaqueServer(setup, context);

        // Registration
        using var registration = ClientRegistration.Start(password, input.Hex("blind_registration"), out var request);
        Assert.Equal(output.Hex("registration_request"), request.ToArray());

        var response = server.CreateRegistrationResponse(RegistrationRequest.Parse(request.ToArray()), credentialIdentifier);
        Assert.Equal(output.Hex("registration_response"), response.ToArray());

        using var registered = registration.Finish(
            RegistrationResponse.Parse(response.ToArray()), IdentityKsf.Instance, identities, input.Hex("envelope_nonce"));
        Assert.Equal(output.Hex("registration_upload"), registered.Record.ToArray());
        Assert.Equal(intermediate.Hex("envelope"), registered.Record.ToArray()[96..]);
        Assert.Equal(intermediate.Hex("client_public_key"), registered.Record.ToArray()[..32]);
        Assert.Equal(output.Hex("export_key"), registered.ExportKey);

        // Login
        using var login = ClientLogin.Start(
            password, input.Hex("blind_login"), input.Hex("client_nonce"), input.Hex("client_keyshare_seed"), out var ke1);
        Assert.Equal(output.Hex("KE1"), ke1.ToArray());

        using var serverLogin = server.StartLogin(
            RegistrationRecord.Parse(registered.Record.ToArray()), KE1.Parse(ke1.ToArray()), credentialIdentifier, identities,
            input.Hex("masking_nonce"), input.Hex("server_nonce"), input.Hex("server_keyshare_seed"), out var ke2);
        Assert.Equal(output.Hex("KE2"), ke2.ToArray());

        using var result = login.Finish(KE2.Parse(ke2.ToArray()), IdentityKsf.Instance, identities, context);
        Assert.Equal(output.Hex("KE3"), result.KE3.ToArray());
        Assert.Equal(output.Hex("session_key"), result.SessionKey);
        Assert.Equal(output.Hex("export_key"), result.ExportKey);
        Assert.Equal(input.Hex("server_public_key"), result.ServerPublicKey);

        byte[] serverSessionKey = serverLogin.Finish(KE3.Parse(result.KE3.ToArray()));
        Assert.Equal(output.Hex("session_key"), serverSessionKey);
    }

    [Fact]
    public void Unknown_user_KE2_reproduces_RFC9807_fake_vector()
    {
        using var doc = TestVectors.Load("rfc9807-vectors.json");
        var (config, input, _, output) = Parts(doc, "C.2.1.");
        using var setup = ServerSetup.Import(input.Hex("oprf_seed"), input.Hex("server_private_key"));
        var server = new OpaqueServer(setup, config.Hex("Context"));

        // The fake record of RFC 9807 §6.4.2: a random client public key, a random masking key, a zero envelope.
        var fakeRecord = RegistrationRecord.Parse([.. input.Hex("client_public_key"), .. input.Hex("masking_key"), .. new byte[96]]);

        using var serverLogin = server.StartLogin(
            fakeRecord, KE1.Parse(input.Hex("KE1")), input.Hex("credential_identifier"), Identities(input),
            input.Hex("masking_nonce"), input.Hex("server_nonce"), input.Hex("server_keyshare_seed"), out var ke2);
        Assert.Equal(output.Hex("KE2"), ke2.ToArray());
    }

    private static TheoryData<string> VectorIds(string kind)
    {
        var data = new TheoryData<string>();
        using var doc = TestVectors.Load("rfc9807-vectors.json");
        foreach (var vector in doc.RootElement.GetProperty("vectors").EnumerateArray())
        {
            if (vector.GetProperty("title").GetString()!.Contains(kind, StringComparison.Ordinal))
            {
                data.Add(vector.GetProperty("id").GetString()!);
            }
        }

        return data;
    }

    private static (JsonElement Config, JsonElement Input, JsonElement Intermediate, JsonElement Output) Parts(JsonDocument doc, string id)
    {
        var parts = doc.RootElement.GetProperty("vectors").EnumerateArray()
            .Single(v => v.GetProperty("id").GetString() == id).GetProperty("parts");
        var intermediate = parts.TryGetProperty("Intermediate Values", out var values) ? values.Clone() : default;
        return (parts.GetProperty("Configuration").Clone(), parts.GetProperty("Input Values").Clone(),
            intermediate, parts.GetProperty("Output Values").Clone());
    }

    private static OpaqueIdentities Identities(JsonElement input) => new(
        input.Has("client_identity") ? input.Hex("client_identity") : null,
        input.Has("server_identity") ? input.Hex("server_identity") : null);
}
