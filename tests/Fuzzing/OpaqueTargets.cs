using System.Security.Cryptography;
using Lockbox.Opaque;
using Lockbox.Opaque.Ksf;
using Lockbox.Opaque.Messages;

namespace Lockbox.Fuzzing;

/// <summary>
/// Every OPAQUE message parser, and the client and server processing mutated messages. Property:
/// parsing throws <see cref="OpaqueException"/> (InvalidMessage) or returns; processing a mutated
/// message throws <see cref="OpaqueException"/> or, for the server's registration step, computes
/// an answer; and no mutated message ever completes a login.
/// </summary>
public static class OpaqueTargets
{
    private static readonly byte[] Password = "correct horse battery staple"u8.ToArray();
    private static readonly byte[] CredentialId = "alice/record-1"u8.ToArray();

    /// <summary>Every target; a processing target runs 1/Cost as many inputs as a parser.</summary>
    public static IReadOnlyList<FuzzTarget> All { get; } =
    [
        new FuzzTarget("RegistrationRequest.Parse", (n, s) => ParseTarget(nameof(RegistrationRequest), n, s, b => RegistrationRequest.Parse(b))),
        new FuzzTarget("RegistrationResponse.Parse", (n, s) => ParseTarget(nameof(RegistrationResponse), n, s, b => RegistrationResponse.Parse(b))),
        new FuzzTarget("RegistrationRecord.Parse", (n, s) => ParseTarget(nameof(RegistrationRecord), n, s, b => RegistrationRecord.Parse(b))),
        new FuzzTarget("KE1.Parse", (n, s) => ParseTarget(nameof(KE1), n, s, b => KE1.Parse(b))),
        new FuzzTarget("KE2.Parse", (n, s) => ParseTarget(nameof(KE2), n, s, b => KE2.Parse(b))),
        new FuzzTarget("KE3.Parse", (n, s) => ParseTarget(nameof(KE3), n, s, b => KE3.Parse(b))),
        new FuzzTarget("ServerLogin.Import (server login state)", (n, s) => ParseTarget("state", n, s, b => ServerLogin.Import(b).Dispose())),
        new FuzzTarget("server: registration response to a mutated request", ServerRegistration, 2),
        new FuzzTarget("client: registration finish on a mutated response", ClientRegistrationFinish, 2),
        new FuzzTarget("server: login start with a mutated record", ServerLoginWithRecord, 3),
        new FuzzTarget("server: login start with a mutated KE1", ServerLoginWithKe1, 3),
        new FuzzTarget("client: login finish on a mutated KE2", ClientLoginFinish, 3),
        new FuzzTarget("server: login finish on a mutated KE3", ServerLoginFinish, 3),
    ];

    /// <summary>Valid encodings of each message, from one real registration and login.</summary>
    private static readonly Lazy<Dictionary<string, byte[][]>> Valid = new(() =>
    {
        using var setup = ServerSetup.Generate();
        var server = new OpaqueServer(setup);
        var seeds = new Dictionary<string, List<byte[]>>();
        void Add(string name, byte[] bytes)
        {
            if (!seeds.TryGetValue(name, out var list))
            {
                seeds[name] = list = [];
            }

            list.Add(bytes);
        }

        for (int i = 0; i < 3; i++)
        {
            using var registration = ClientRegistration.Start(Password, out var request);
            var response = server.CreateRegistrationResponse(request, CredentialId);
            using var registered = registration.Finish(response, IdentityKsf.Instance);
            using var login = ClientLogin.Start(Password, out var ke1);
            using var serverLogin = server.StartLogin(registered.Record, ke1, CredentialId, null, out var ke2);
            byte[] state = new byte[ServerLogin.StateLength];
            serverLogin.Export(state);
            using var result = login.Finish(ke2, IdentityKsf.Instance);
            Add(nameof(RegistrationRequest), request.ToArray());
            Add(nameof(RegistrationResponse), response.ToArray());
            Add(nameof(RegistrationRecord), registered.Record.ToArray());
            Add(nameof(KE1), ke1.ToArray());
            Add(nameof(KE2), ke2.ToArray());
            Add(nameof(KE3), result.KE3.ToArray());
            Add("state", state);
        }

        return seeds.ToDictionary(s => s.Key, s => s.Value.ToArray());
    });

    private static bool Invalid(Exception e) => e is OpaqueException { Error: OpaqueError.InvalidMessage };

    private static FuzzReport ParseTarget(string message, int count, ulong seed, Action<byte[]> parse) =>
        Fuzz.Run(message + ".Parse", Valid.Value[message], 400, count, seed, parse, Invalid);

    private static FuzzReport ServerRegistration(int count, ulong seed)
    {
        using var setup = ServerSetup.Generate();
        var server = new OpaqueServer(setup);
        return Fuzz.Run("server registration", Valid.Value[nameof(RegistrationRequest)], 64, count, seed,
            bytes => server.CreateRegistrationResponse(RegistrationRequest.Parse(bytes), CredentialId), Invalid);
    }

    private static FuzzReport ClientRegistrationFinish(int count, ulong seed)
    {
        using var setup = ServerSetup.Generate();
        var server = new OpaqueServer(setup);
        byte[][] responses = [.. Enumerable.Range(0, 3).Select(_ =>
        {
            using var c = ClientRegistration.Start(Password, out var request);
            return server.CreateRegistrationResponse(request, CredentialId).ToArray();
        })];
        return Fuzz.Run("client registration finish", responses, 128, count, seed, bytes =>
        {
            using var client = ClientRegistration.Start(Password, out _);
            using var result = client.Finish(RegistrationResponse.Parse(bytes), IdentityKsf.Instance);
        }, e => e is OpaqueException);
    }

    private static FuzzReport ServerLoginWithRecord(int count, ulong seed)
    {
        using var setup = ServerSetup.Generate();
        var server = new OpaqueServer(setup);
        byte[] record = Register(server);
        return Fuzz.Run("server login start (record)", [record], 256, count, seed, bytes =>
        {
            var parsed = RegistrationRecord.Parse(bytes);
            using var login = ClientLogin.Start(Password, out var ke1);
            using var serverLogin = server.StartLogin(parsed, ke1, CredentialId, null, out var ke2);

            // A mutated record must never log in.
            using var result = login.Finish(ke2, IdentityKsf.Instance);
            if (!bytes.AsSpan().SequenceEqual(record))
            {
                throw new FuzzFailureException("a login over a mutated record succeeded");
            }
        }, e => e is OpaqueException);
    }

    private static FuzzReport ServerLoginWithKe1(int count, ulong seed)
    {
        using var setup = ServerSetup.Generate();
        var server = new OpaqueServer(setup);
        var record = RegistrationRecord.Parse(Register(server));
        return Fuzz.Run("server login start (KE1)", Valid.Value[nameof(KE1)], 256, count, seed, bytes =>
        {
            using var serverLogin = server.StartLogin(record, KE1.Parse(bytes), CredentialId, null, out _);
        }, Invalid);
    }

    private static FuzzReport ClientLoginFinish(int count, ulong seed)
    {
        using var setup = ServerSetup.Generate();
        var server = new OpaqueServer(setup);
        var record = RegistrationRecord.Parse(Register(server));

        // One fixed login whose KE2 is mutated: the client state is rebuilt per input with the same randomness.
        byte[] blind = new byte[32];
        blind[0] = 9;
        byte[] nonce = new byte[32];
        byte[] keyshareSeed = new byte[32];
        keyshareSeed[0] = 3;
        byte[] ke2Bytes;
        using (ClientLogin.Start(Password, blind, nonce, keyshareSeed, out var ke1))
        using (server.StartLogin(record, ke1, CredentialId, null, out var ke2))
        {
            ke2Bytes = ke2.ToArray();
        }

        return Fuzz.Run("client login finish (KE2)", [ke2Bytes], 512, count, seed, bytes =>
        {
            var ke2 = KE2.Parse(bytes);
            using var login = ClientLogin.Start(Password, (byte[])blind.Clone(), nonce, keyshareSeed, out _);
            using var result = login.Finish(ke2, IdentityKsf.Instance);
            if (!bytes.AsSpan().SequenceEqual(ke2Bytes))
            {
                throw new FuzzFailureException("a mutated KE2 was accepted by the client");
            }
        }, e => e is OpaqueException);
    }

    private static FuzzReport ServerLoginFinish(int count, ulong seed)
    {
        using var setup = ServerSetup.Generate();
        var server = new OpaqueServer(setup);
        var record = RegistrationRecord.Parse(Register(server));
        using var login = ClientLogin.Start(Password, out var ke1);
        using var serverLogin = server.StartLogin(record, ke1, CredentialId, null, out var ke2);
        byte[] state = new byte[ServerLogin.StateLength];
        serverLogin.Export(state);
        using var result = login.Finish(ke2, IdentityKsf.Instance);
        byte[] ke3 = result.KE3.ToArray();
        return Fuzz.Run("server login finish (KE3)", [ke3], 128, count, seed, bytes =>
        {
            var parsed = KE3.Parse(bytes);
            using var finishing = ServerLogin.Import(state);
            byte[] sessionKey = finishing.Finish(parsed);
            CryptographicOperations.ZeroMemory(sessionKey);
            if (!bytes.AsSpan().SequenceEqual(ke3))
            {
                throw new FuzzFailureException("a mutated KE3 was accepted by the server");
            }
        }, e => e is OpaqueException { Error: OpaqueError.InvalidMessage or OpaqueError.ClientAuthenticationFailed });
    }

    private static byte[] Register(OpaqueServer server)
    {
        using var client = ClientRegistration.Start(Password, out var request);
        using var registered = client.Finish(server.CreateRegistrationResponse(request, CredentialId), IdentityKsf.Instance);
        return registered.Record.ToArray();
    }
}
