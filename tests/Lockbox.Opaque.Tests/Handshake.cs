using Lockbox.Opaque.Ksf;
using Lockbox.Opaque.Messages;

namespace Lockbox.Opaque.Tests;

/// <summary>Runs whole protocol flows through the wire encodings, as two separate parties would.</summary>
internal static class Handshake
{
    public static readonly IKeyStretching CheapArgon2id = new Argon2idKsf(memoryBytes: 64 * 1024, iterations: 1);

    public static RegistrationRecord Register(
        OpaqueServer server, byte[] password, byte[] credentialIdentifier, IKeyStretching? ksf = null, OpaqueIdentities? identities = null)
    {
        using var client = ClientRegistration.Start(password, out var request);
        var response = server.CreateRegistrationResponse(RegistrationRequest.Parse(request.ToArray()), credentialIdentifier);
        using var result = client.Finish(RegistrationResponse.Parse(response.ToArray()), ksf ?? IdentityKsf.Instance, identities);
        return RegistrationRecord.Parse(result.Record.ToArray());
    }
}
