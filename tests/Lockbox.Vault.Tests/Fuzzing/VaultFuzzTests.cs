using Lockbox.Fuzzing;
using Xunit.Abstractions;

namespace Lockbox.Vault.Tests.Fuzzing;

/// <summary>
/// The short, fixed-seed fuzz run of every vault endpoint's JSON body over a TestServer
/// (tests/fuzz-long.sh runs more). Property: a request that is not valid gets a 4xx problem
/// response, never a 5xx, and changes nothing.
/// </summary>
public sealed class VaultFuzzTests(ITestOutputHelper output) : VaultTestBase
{
    public const int InputsPerEndpoint = 400;

    public static TheoryData<string> Endpoints() => [.. VaultTargets.Endpoints];

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task Every_endpoint_answers_fuzzed_bodies_with_a_4xx_problem_and_changes_nothing(string endpoint)
    {
        var host = await StartAsync(StoreKind.Sqlite, HostKind.TestServer, attemptLimit: 255);
        string token = VaultHost.Token(VaultTargets.Account);
        var fuzzHost = new VaultFuzzHost(
            host.Http, () => token, () => VaultTargets.DescribeAsync(host.Store), () => VaultTargets.EnsureRecordAsync(host.Http, host.Store, () => token));

        var report = await Task.Run(() => VaultTargets.Run(fuzzHost, endpoint, InputsPerEndpoint, Fuzz.DefaultSeed));

        output.WriteLine(report.ToString());
        Assert.True(report.Inputs > InputsPerEndpoint);
    }
}
