using System.Buffers.Text;
using System.Text;
using System.Text.Json.Nodes;
using Lockbox.Opaque.Ksf;
using Lockbox.Opaque.Messages;

namespace Lockbox.Opaque.Tests.Interop;

/// <summary>What a registration gives the client. Every field is in the RFC's byte layout.</summary>
internal sealed record Registration(byte[] Record, byte[] ExportKey, byte[] ServerPublicKey);

/// <summary>What a login gives both sides.</summary>
internal sealed record Login(byte[] ClientSessionKey, byte[] ServerSessionKey, byte[] ExportKey, byte[] ServerPublicKey);

/// <summary>The server's KE2 and the step that checks the client's KE3 and returns the server's session key.</summary>
internal sealed record ServerLoginStart(byte[] KE2, Func<byte[], Task<byte[]>> FinishAsync);

/// <summary>Client and server identities as strings; both implementations bind their UTF-8 bytes.</summary>
internal sealed record Identities(string Client, string Server)
{
    public OpaqueIdentities ToOurs() => new(Encoding.UTF8.GetBytes(Client), Encoding.UTF8.GetBytes(Server));

    public JsonObject ToOpaqueKe() => new() { ["client"] = Client, ["server"] = Server };
}

/// <summary>An OPAQUE server, ours or opaque-ke's, seen through its wire messages only.</summary>
internal interface IServerParty
{
    Task<byte[]> CreateRegistrationResponseAsync(byte[] registrationRequest);

    Task<ServerLoginStart> StartLoginAsync(byte[] record, byte[] ke1);
}

/// <summary>An OPAQUE client, ours or opaque-ke's, seen through its wire messages only.</summary>
internal interface IClientParty
{
    Task<Registration> RegisterAsync(IServerParty server, string password);

    /// <summary>Logs in; null when the client itself rejects the server's KE2 (a wrong password).</summary>
    Task<Login?> LogInAsync(IServerParty server, byte[] record, string password);
}

/// <summary>Lockbox.Opaque's server, with its default (empty) context.</summary>
internal sealed class OurServer(OpaqueServer server, string credentialIdentifier, Identities? identities = null) : IServerParty
{
    private readonly byte[] _credentialIdentifier = Encoding.UTF8.GetBytes(credentialIdentifier);

    public Task<byte[]> CreateRegistrationResponseAsync(byte[] registrationRequest) =>
        Task.FromResult(server.CreateRegistrationResponse(RegistrationRequest.Parse(registrationRequest), _credentialIdentifier).ToArray());

    public Task<ServerLoginStart> StartLoginAsync(byte[] record, byte[] ke1)
    {
        var state = server.StartLogin(
            RegistrationRecord.Parse(record), KE1.Parse(ke1), _credentialIdentifier, identities?.ToOurs(), out var ke2);
        return Task.FromResult(new ServerLoginStart(ke2.ToArray(), ke3 => Task.FromResult(state.Finish(KE3.Parse(ke3)))));
    }
}

/// <summary>Lockbox.Opaque's client, with its default (empty) context.</summary>
internal sealed class OurClient(IKeyStretching ksf, Identities? identities = null) : IClientParty
{
    public async Task<Registration> RegisterAsync(IServerParty server, string password)
    {
        using var client = ClientRegistration.Start(Encoding.UTF8.GetBytes(password), out var request);
        byte[] response = await server.CreateRegistrationResponseAsync(request.ToArray());
        using var result = client.Finish(RegistrationResponse.Parse(response), ksf, identities?.ToOurs());
        return new Registration(result.Record.ToArray(), [.. result.ExportKey], [.. result.ServerPublicKey]);
    }

    public async Task<Login?> LogInAsync(IServerParty server, byte[] record, string password)
    {
        using var client = ClientLogin.Start(Encoding.UTF8.GetBytes(password), out var ke1);
        var start = await server.StartLoginAsync(record, ke1.ToArray());
        LoginResult result;
        try
        {
            result = client.Finish(KE2.Parse(start.KE2), ksf, identities?.ToOurs());
        }
        catch (OpaqueException e) when (e.Error == OpaqueError.EnvelopeRecoveryFailed)
        {
            return null;
        }

        using (result)
        {
            byte[] serverSessionKey = await start.FinishAsync(result.KE3.ToArray());
            return new Login([.. result.SessionKey], serverSessionKey, [.. result.ExportKey], [.. result.ServerPublicKey]);
        }
    }
}

/// <summary>
/// opaque-ke's server through @serenity-kit/opaque. The package passes no context to opaque-ke
/// (ServerLoginStartParameters.context = None, with no way to set one), which is the empty context.
/// </summary>
internal sealed class OpaqueKeServer : IServerParty
{
    private readonly OpaqueKePeer _peer;
    private readonly string _serverSetup;
    private readonly string _userIdentifier;
    private readonly Identities? _identities;

    private OpaqueKeServer(OpaqueKePeer peer, string serverSetup, string userIdentifier, Identities? identities, byte[] publicKey)
    {
        _peer = peer;
        _serverSetup = serverSetup;
        _userIdentifier = userIdentifier;
        _identities = identities;
        PublicKey = publicKey;
    }

    /// <summary>The server's AKE public key, as server.getPublicKey gives it.</summary>
    public byte[] PublicKey { get; }

    /// <summary>A server over a fresh server.createSetup().</summary>
    public static async Task<OpaqueKeServer> CreateAsync(OpaqueKePeer peer, string userIdentifier, Identities? identities = null)
    {
        string setup = Base64UrlJson.Text(await peer.CallAsync("server.createSetup"));
        byte[] publicKey = Base64UrlJson.Decode(Base64UrlJson.Text(await peer.CallAsync("server.getPublicKey", JsonValue.Create(setup))));
        return new OpaqueKeServer(peer, setup, userIdentifier, identities, publicKey);
    }

    /// <summary>The same server (setup and user identifier) with other identities.</summary>
    public OpaqueKeServer WithIdentities(Identities? identities) => new(_peer, _serverSetup, _userIdentifier, identities, PublicKey);

    public async Task<byte[]> CreateRegistrationResponseAsync(byte[] registrationRequest)
    {
        var reply = await _peer.CallAsync("server.createRegistrationResponse", new JsonObject
        {
            ["serverSetup"] = _serverSetup,
            ["userIdentifier"] = _userIdentifier,
            ["registrationRequest"] = Base64UrlJson.Encode(registrationRequest),
        });
        return Base64UrlJson.Bytes(reply, "registrationResponse");
    }

    public async Task<ServerLoginStart> StartLoginAsync(byte[] record, byte[] ke1)
    {
        var parameters = new JsonObject
        {
            ["serverSetup"] = _serverSetup,
            ["registrationRecord"] = Base64UrlJson.Encode(record),
            ["startLoginRequest"] = Base64UrlJson.Encode(ke1),
            ["userIdentifier"] = _userIdentifier,
        };
        if (_identities is not null)
        {
            parameters["identifiers"] = _identities.ToOpaqueKe();
        }

        var reply = await _peer.CallAsync("server.startLogin", parameters);
        string state = Base64UrlJson.Text(reply?["serverLoginState"]);
        return new ServerLoginStart(Base64UrlJson.Bytes(reply, "loginResponse"), async ke3 =>
        {
            var finish = new JsonObject { ["serverLoginState"] = state, ["finishLoginRequest"] = Base64UrlJson.Encode(ke3) };
            if (_identities is not null)
            {
                finish["identifiers"] = _identities.ToOpaqueKe();
            }

            return Base64UrlJson.Bytes(await _peer.CallAsync("server.finishLogin", finish), "sessionKey");
        });
    }
}

/// <summary>
/// opaque-ke's client through @serenity-kit/opaque with keyStretching
/// { "argon2id-custom": { memory, iterations, parallelism } }: the argon2 crate's Argon2id v0x13,
/// memory in KiB, 16 zero bytes of salt, 64-byte output. Its finishLogin passes no context either.
/// </summary>
internal sealed class OpaqueKeClient(OpaqueKePeer peer, int memoryKiB, int iterations, int parallelism, Identities? identities = null)
    : IClientParty
{
    public async Task<Registration> RegisterAsync(IServerParty server, string password)
    {
        var start = await peer.CallAsync("client.startRegistration", new JsonObject { ["password"] = password });
        byte[] response = await server.CreateRegistrationResponseAsync(Base64UrlJson.Bytes(start, "registrationRequest"));
        var finish = await peer.CallAsync("client.finishRegistration", WithOptions(new JsonObject
        {
            ["clientRegistrationState"] = Base64UrlJson.Text(start?["clientRegistrationState"]),
            ["registrationResponse"] = Base64UrlJson.Encode(response),
            ["password"] = password,
        }));
        return new Registration(
            Base64UrlJson.Bytes(finish, "registrationRecord"), Base64UrlJson.Bytes(finish, "exportKey"), Base64UrlJson.Bytes(finish, "serverStaticPublicKey"));
    }

    public async Task<Login?> LogInAsync(IServerParty server, byte[] record, string password)
    {
        var start = await peer.CallAsync("client.startLogin", new JsonObject { ["password"] = password });
        var serverStart = await server.StartLoginAsync(record, Base64UrlJson.Bytes(start, "startLoginRequest"));
        var finish = await peer.CallAsync("client.finishLogin", WithOptions(new JsonObject
        {
            ["clientLoginState"] = Base64UrlJson.Text(start?["clientLoginState"]),
            ["loginResponse"] = Base64UrlJson.Encode(serverStart.KE2),
            ["password"] = password,
        }));
        if (finish is null)
        {
            return null; // finishLogin returns undefined when the envelope does not open or KE2's MAC fails
        }

        byte[] serverSessionKey = await serverStart.FinishAsync(Base64UrlJson.Bytes(finish, "finishLoginRequest"));
        return new Login(
            Base64UrlJson.Bytes(finish, "sessionKey"), serverSessionKey, Base64UrlJson.Bytes(finish, "exportKey"), Base64UrlJson.Bytes(finish, "serverStaticPublicKey"));
    }

    private JsonObject WithOptions(JsonObject parameters)
    {
        parameters["keyStretching"] = new JsonObject
        {
            ["argon2id-custom"] = new JsonObject { ["memory"] = memoryKiB, ["iterations"] = iterations, ["parallelism"] = parallelism },
        };
        if (identities is not null)
        {
            parameters["identifiers"] = identities.ToOpaqueKe();
        }

        return parameters;
    }
}

/// <summary>The package's encoding: every message, state and key is base64url without padding.</summary>
internal static class Base64UrlJson
{
    public static string Encode(byte[] bytes) => Base64Url.EncodeToString(bytes);

    public static byte[] Decode(string text) => Base64Url.DecodeFromChars(text);

    public static string Text(JsonNode? node) =>
        (string?)node ?? throw new InvalidOperationException("The opaque-ke peer left out a value.");

    public static byte[] Bytes(JsonNode? reply, string field) => Decode(Text(reply?[field]));
}
