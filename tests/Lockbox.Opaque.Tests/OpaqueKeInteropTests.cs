using Lockbox.Opaque.Ksf;
using Lockbox.Opaque.Tests.Interop;
using Xunit;
using Xunit.Abstractions;

namespace Lockbox.Opaque.Tests;

/// <summary>
/// Interop with opaque-ke 4.0.1 (Rust), as @serenity-kit/opaque 1.1.0 compiles it to WebAssembly:
/// OPRF ristretto255-SHA512, 3DH over ristretto255, SHA-512, and Argon2id as the KSF on both sides
/// with the same explicit memory, iterations and parallelism = 1 (libsodium's crypto_pwhash is always
/// single-lane; the package takes { "argon2id-custom": { memory, iterations, parallelism } }). Neither
/// side sets a context: the package has no way to pass one, and ours defaults to the empty one.
/// test.sh installs the package (tests/services/opaque-ke.sh); without it these tests pass without
/// running, except under CI=true, where they fail.
/// </summary>
public class OpaqueKeInteropTests(ITestOutputHelper output)
{
    private const string Password = "correct horse battery staple ü";
    private const string WrongPassword = "correct horse battery staplé ü";
    private const string CredentialId = "alice@example.com/record-1";

    /// <summary>libsodium's Argon2id has one lane; opaque-ke is told the same.</summary>
    private const int Parallelism = 1;

    /// <summary>
    /// Argon2id memory (KiB) and iterations: the smallest both accept (8 KiB, 1 pass: the argon2 crate
    /// needs memory ≥ 8 KiB × parallelism, libsodium ≥ 8192 bytes), a small case, and Lockbox's default.
    /// </summary>
    public static TheoryData<int, int> SameParameters() => new()
    {
        { 8, 1 },
        { 256, 3 },
        { (int)(Argon2idKsf.Default.MemoryBytes / 1024), Argon2idKsf.Default.Iterations },
    };

    [Theory]
    [MemberData(nameof(SameParameters))]
    public async Task Opaque_ke_client_logs_in_to_our_server_with_the_same_Argon2id_parameters(int memoryKiB, int iterations)
    {
        await using var peer = await StartPeerAsync();
        if (peer is null)
        {
            return;
        }

        using var setup = ServerSetup.Generate();
        var server = new OurServer(new OpaqueServer(setup), CredentialId);
        var client = new OpaqueKeClient(peer, memoryKiB, iterations, Parallelism);

        var registration = await client.RegisterAsync(server, Password);
        var login = await client.LogInAsync(server, registration.Record, Password);

        Assert.NotNull(login);
        Assert.Equal(64, login.ClientSessionKey.Length);
        Assert.Equal(login.ClientSessionKey, login.ServerSessionKey);
        Assert.Equal(registration.ExportKey, login.ExportKey);
        Assert.Equal(setup.PublicKey.ToArray(), registration.ServerPublicKey);
        Assert.Equal(setup.PublicKey.ToArray(), login.ServerPublicKey);
        Assert.Null(await client.LogInAsync(server, registration.Record, WrongPassword));
    }

    [Theory]
    [MemberData(nameof(SameParameters))]
    public async Task Our_client_logs_in_to_the_opaque_ke_server_with_the_same_Argon2id_parameters(int memoryKiB, int iterations)
    {
        await using var peer = await StartPeerAsync();
        if (peer is null)
        {
            return;
        }

        var server = await OpaqueKeServer.CreateAsync(peer, CredentialId);
        var client = new OurClient(new Argon2idKsf(memoryKiB * 1024L, iterations));

        var registration = await client.RegisterAsync(server, Password);
        var login = await client.LogInAsync(server, registration.Record, Password);

        Assert.NotNull(login);
        Assert.Equal(64, login.ClientSessionKey.Length);
        Assert.Equal(login.ClientSessionKey, login.ServerSessionKey);
        Assert.Equal(registration.ExportKey, login.ExportKey);
        Assert.Equal(server.PublicKey, registration.ServerPublicKey);
        Assert.Equal(server.PublicKey, login.ServerPublicKey);
        Assert.Null(await client.LogInAsync(server, registration.Record, WrongPassword));
    }

    /// <summary>
    /// The KSF output feeds the envelope, so only a login by the other implementation shows both run
    /// the same Argon2id: a record registered by opaque-ke's client must open with ours.
    /// </summary>
    [Theory]
    [MemberData(nameof(SameParameters))]
    public async Task A_record_the_opaque_ke_client_registers_opens_with_our_client_with_the_same_Argon2id_parameters(
        int memoryKiB, int iterations)
    {
        await using var peer = await StartPeerAsync();
        if (peer is null)
        {
            return;
        }

        using var setup = ServerSetup.Generate();
        var server = new OurServer(new OpaqueServer(setup), CredentialId);
        var theirs = new OpaqueKeClient(peer, memoryKiB, iterations, Parallelism);
        var ours = new OurClient(new Argon2idKsf(memoryKiB * 1024L, iterations));

        var registration = await theirs.RegisterAsync(server, Password);
        var login = await ours.LogInAsync(server, registration.Record, Password);

        Assert.NotNull(login);
        Assert.Equal(login.ClientSessionKey, login.ServerSessionKey);
        Assert.Equal(registration.ExportKey, login.ExportKey);
        Assert.Null(await ours.LogInAsync(server, registration.Record, WrongPassword));
    }

    [Theory]
    [MemberData(nameof(SameParameters))]
    public async Task A_record_our_client_registers_opens_with_the_opaque_ke_client_with_the_same_Argon2id_parameters(
        int memoryKiB, int iterations)
    {
        await using var peer = await StartPeerAsync();
        if (peer is null)
        {
            return;
        }

        var server = await OpaqueKeServer.CreateAsync(peer, CredentialId);
        var ours = new OurClient(new Argon2idKsf(memoryKiB * 1024L, iterations));
        var theirs = new OpaqueKeClient(peer, memoryKiB, iterations, Parallelism);

        var registration = await ours.RegisterAsync(server, Password);
        var login = await theirs.LogInAsync(server, registration.Record, Password);

        Assert.NotNull(login);
        Assert.Equal(login.ClientSessionKey, login.ServerSessionKey);
        Assert.Equal(registration.ExportKey, login.ExportKey);
        Assert.Null(await theirs.LogInAsync(server, registration.Record, WrongPassword));
    }

    /// <summary>Ours is Argon2id with 256 KiB, 3 passes, parallelism 1; opaque-ke registers with one cost changed.</summary>
    [Theory]
    [InlineData(256, 3, 2)]
    [InlineData(256, 4, 1)]
    [InlineData(512, 3, 1)]
    public async Task A_record_registered_with_other_Argon2id_parameters_does_not_open_with_ours(
        int memoryKiB, int iterations, int parallelism)
    {
        await using var peer = await StartPeerAsync();
        if (peer is null)
        {
            return;
        }

        using var setup = ServerSetup.Generate();
        var server = new OurServer(new OpaqueServer(setup), CredentialId);
        var theirs = new OpaqueKeClient(peer, memoryKiB, iterations, parallelism);
        var ours = new OurClient(new Argon2idKsf(256 * 1024, 3));

        var registration = await theirs.RegisterAsync(server, Password);

        Assert.NotNull(await theirs.LogInAsync(server, registration.Record, Password));
        Assert.Null(await ours.LogInAsync(server, registration.Record, Password));
    }

    [Fact]
    public async Task Client_and_server_identities_bind_the_same_way_as_in_opaque_ke()
    {
        await using var peer = await StartPeerAsync();
        if (peer is null)
        {
            return;
        }

        var identities = new Identities("alice@example.com", "vault.lockbox.example");
        using var setup = ServerSetup.Generate();
        var ourServer = new OurServer(new OpaqueServer(setup), CredentialId, identities);
        var theirServer = await OpaqueKeServer.CreateAsync(peer, CredentialId, identities);
        var theirs = new OpaqueKeClient(peer, 256, 3, Parallelism, identities);
        var ours = new OurClient(new Argon2idKsf(256 * 1024, 3), identities);

        // opaque-ke's client registers with our server; both clients log in with the same identities.
        var registration = await theirs.RegisterAsync(ourServer, Password);
        var theirLogin = await theirs.LogInAsync(ourServer, registration.Record, Password);
        var ourLogin = await ours.LogInAsync(ourServer, registration.Record, Password);
        Assert.NotNull(theirLogin);
        Assert.NotNull(ourLogin);
        Assert.Equal(theirLogin.ClientSessionKey, theirLogin.ServerSessionKey);
        Assert.Equal(ourLogin.ClientSessionKey, ourLogin.ServerSessionKey);
        Assert.Equal(registration.ExportKey, theirLogin.ExportKey);
        Assert.Equal(registration.ExportKey, ourLogin.ExportKey);

        // Our client registers with opaque-ke's server; both clients log in with the same identities.
        var ourRegistration = await ours.RegisterAsync(theirServer, Password);
        var loginToTheirs = await ours.LogInAsync(theirServer, ourRegistration.Record, Password);
        var theirLoginToTheirs = await theirs.LogInAsync(theirServer, ourRegistration.Record, Password);
        Assert.NotNull(loginToTheirs);
        Assert.NotNull(theirLoginToTheirs);
        Assert.Equal(loginToTheirs.ClientSessionKey, loginToTheirs.ServerSessionKey);
        Assert.Equal(ourRegistration.ExportKey, theirLoginToTheirs.ExportKey);

        // The identities are bound into the envelope: without them neither client opens it.
        Assert.Null(await new OpaqueKeClient(peer, 256, 3, Parallelism).LogInAsync(
            new OurServer(new OpaqueServer(setup), CredentialId), registration.Record, Password));
        Assert.Null(await new OurClient(new Argon2idKsf(256 * 1024, 3)).LogInAsync(
            theirServer.WithIdentities(null), ourRegistration.Record, Password));
    }

    private async Task<OpaqueKePeer?> StartPeerAsync()
    {
        var peer = await OpaqueKePeer.StartAsync();
        if (peer is null)
        {
            output.WriteLine($"{OpaqueKePeer.ModulesVariable} is not set: not run (test.sh sets it).");
            return null;
        }

        output.WriteLine($"@serenity-kit/opaque {peer.Version}");
        if (peer.Version != OpaqueKePeer.PinnedVersion)
        {
            await peer.DisposeAsync();
            Assert.Fail($"@serenity-kit/opaque is {peer.Version}; tests/services/opaque-ke.sh pins {OpaqueKePeer.PinnedVersion}.");
        }

        return peer;
    }
}
