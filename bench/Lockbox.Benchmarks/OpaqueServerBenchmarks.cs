using BenchmarkDotNet.Attributes;
using Lockbox.Opaque;
using Lockbox.Opaque.Ksf;
using Lockbox.Opaque.Messages;

namespace Lockbox.Benchmarks;

/// <summary>
/// The vault's per-request OPAQUE cost on one core. The login benchmark is GenerateKE2 plus
/// ServerFinish with fixed server randomness, so one precomputed KE3 stays valid every iteration.
/// </summary>
[MemoryDiagnoser]
public class OpaqueServerBenchmarks
{
    private static readonly byte[] CredentialId = "account-123456/record-0001"u8.ToArray();
    private readonly byte[] _maskingNonce = Enumerable.Repeat((byte)1, 32).ToArray();
    private readonly byte[] _serverNonce = Enumerable.Repeat((byte)2, 32).ToArray();
    private readonly byte[] _keyshareSeed = Enumerable.Repeat((byte)3, 32).ToArray();

    private ServerSetup _setup = null!;
    private OpaqueServer _server = null!;
    private RegistrationRequest _registrationRequest = null!;
    private RegistrationRecord _record = null!;
    private KE1 _ke1 = null!;
    private KE3 _ke3 = null!;

    [GlobalSetup]
    public void Setup()
    {
        _setup = ServerSetup.Generate();
        _server = new OpaqueServer(_setup);
        byte[] password = "correct horse battery staple"u8.ToArray();

        using (var registration = ClientRegistration.Start(password, out _registrationRequest))
        using (var registered = registration.Finish(_server.CreateRegistrationResponse(_registrationRequest, CredentialId), IdentityKsf.Instance))
        {
            _record = registered.Record;
        }

        using var login = ClientLogin.Start(password, out _ke1);
        using var serverLogin = StartLogin(out var ke2);
        using var result = login.Finish(ke2, IdentityKsf.Instance);
        _ke3 = result.KE3;
    }

    [GlobalCleanup]
    public void Cleanup() => _setup.Dispose();

    [Benchmark(Description = "server login: parse KE1, GenerateKE2, ServerFinish")]
    public byte[] ServerLogin()
    {
        var ke1 = KE1.Parse(_ke1.ToArray());
        using var state = StartLogin(ke1, out _);
        return state.Finish(_ke3);
    }

    [Benchmark(Description = "server registration: parse request, CreateRegistrationResponse")]
    public RegistrationResponse ServerRegistration() =>
        _server.CreateRegistrationResponse(RegistrationRequest.Parse(_registrationRequest.ToArray()), CredentialId);

    [Benchmark(Description = "server login for an unknown user (fake record)")]
    public KE2 ServerLoginUnknownUser()
    {
        using var state = _server.StartLogin(null, _ke1, "nobody"u8, null, out var ke2);
        return ke2;
    }

    private Lockbox.Opaque.ServerLogin StartLogin(out KE2 ke2) => StartLogin(_ke1, out ke2);

    private Lockbox.Opaque.ServerLogin StartLogin(KE1 ke1, out KE2 ke2) =>
        _server.StartLogin(_record, ke1, CredentialId, OpaqueIdentities.Default, _maskingNonce, _serverNonce, _keyshareSeed, out ke2);
}
