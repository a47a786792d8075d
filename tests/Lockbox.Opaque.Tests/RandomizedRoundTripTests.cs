using Lockbox.Opaque.Group;
using Lockbox.Opaque.Ksf;
using Lockbox.Opaque.Messages;
using Xunit;

namespace Lockbox.Opaque.Tests;

public class RandomizedRoundTripTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Fixed_seed_round_trips_over_many_passwords_and_identities_agree(int seed)
    {
        var random = new Random(seed);
        using var setup = ServerSetup.Import(Bytes(random, 64), Scalar(random));
        byte[] context = Bytes(random, random.Next(0, 40));
        var server = new OpaqueServer(setup, context);

        for (int round = 0; round < 25; round++)
        {
            byte[] password = Bytes(random, random.Next(0, 200));
            byte[] credentialId = Bytes(random, random.Next(1, 80));
            var identities = new OpaqueIdentities(
                random.Next(2) == 0 ? null : Bytes(random, random.Next(1, 100)),
                random.Next(2) == 0 ? null : Bytes(random, random.Next(1, 100)));

            using var registration = ClientRegistration.Start(password, Scalar(random), out var request);
            var response = server.CreateRegistrationResponse(RegistrationRequest.Parse(request.ToArray()), credentialId);
            using var registered = registration.Finish(
                RegistrationResponse.Parse(response.ToArray()), IdentityKsf.Instance, identities, Bytes(random, 32));

            using var login = ClientLogin.Start(password, Scalar(random), Bytes(random, 32), Bytes(random, 32), out var ke1);
            using var serverLogin = server.StartLogin(
                RegistrationRecord.Parse(registered.Record.ToArray()), KE1.Parse(ke1.ToArray()), credentialId, identities,
                Bytes(random, 32), Bytes(random, 32), Bytes(random, 32), out var ke2);
            using var result = login.Finish(KE2.Parse(ke2.ToArray()), IdentityKsf.Instance, identities, context);

            Assert.Equal(result.SessionKey, serverLogin.Finish(KE3.Parse(result.KE3.ToArray())));
            Assert.Equal(registered.ExportKey, result.ExportKey);
        }
    }

    private static byte[] Bytes(Random random, int length)
    {
        byte[] bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static byte[] Scalar(Random random)
    {
        byte[] scalar = new byte[32];
        Ristretto255.ReduceScalar(Bytes(random, 64), scalar);
        return scalar;
    }
}
