using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Lockbox.Vault.Server.Http;

namespace Lockbox.Vault.Tests;

/// <summary>
/// The in-memory request limits: per client address before the token is even checked, so a flood
/// of bad tokens is refused cheaply and writes nothing; IPv6 per /64; X-Forwarded-For believed only
/// from a configured proxy.
/// </summary>
public class RequestLimitTests : VaultTestBase
{
    private static Dictionary<string, string> PerAddress(int perMinute, params string[] proxies)
    {
        var settings = new Dictionary<string, string> { ["Vault:RateLimit:PerIpPerMinute"] = perMinute.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        for (int i = 0; i < proxies.Length; i++)
        {
            settings[$"Vault:TrustedProxies:{i}"] = proxies[i];
        }

        return settings;
    }

    [Fact]
    public async Task A_flood_of_bad_tokens_meets_the_address_limit_before_authentication_and_writes_nothing()
    {
        var host = await StartAsync(StoreKind.Sqlite, HostKind.Kestrel, rateLimit: true, extra: PerAddress(20));
        long walBefore = WalLength(host);
        var statuses = new List<HttpStatusCode>();
        for (int i = 0; i < 30; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "v1/challenge") { Content = JsonContent.Create(new { }) };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "not-a-token-" + i);
            using var response = await host.Http.SendAsync(request);
            statuses.Add(response.StatusCode);
        }

        Assert.Equal(20, statuses.Count(s => s == HttpStatusCode.Unauthorized));
        Assert.Equal(10, statuses.Count(s => s == HttpStatusCode.TooManyRequests));
        Assert.Equal(walBefore, WalLength(host));
    }

    [Theory]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:ffff", true)]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:3::1", false)]
    [InlineData("::ffff:192.0.2.7", "192.0.2.7", true)]
    [InlineData("192.0.2.7", "192.0.2.8", false)]
    public void An_IPv6_client_is_limited_per_64_and_an_IPv4_one_per_address(string first, string second, bool shared) =>
        Assert.Equal(shared, ClientAddress.PartitionKey(IPAddress.Parse(first)) == ClientAddress.PartitionKey(IPAddress.Parse(second)));

    [Fact]
    public async Task X_Forwarded_For_from_an_unconfigured_address_is_ignored()
    {
        var host = await StartAsync(StoreKind.Sqlite, HostKind.Kestrel, rateLimit: true, extra: PerAddress(3));

        var statuses = await InfoWithForwardedForAsync(host, "198.51.100.1", "198.51.100.2", "198.51.100.3", "198.51.100.4");

        Assert.Equal(HttpStatusCode.TooManyRequests, statuses[^1]);
    }

    [Fact]
    public async Task X_Forwarded_For_from_a_configured_proxy_names_the_client()
    {
        var host = await StartAsync(StoreKind.Sqlite, HostKind.Kestrel, rateLimit: true, extra: PerAddress(3, "127.0.0.1"));

        var distinct = await InfoWithForwardedForAsync(host, "198.51.100.1", "198.51.100.2", "198.51.100.3", "198.51.100.4");
        var same = await InfoWithForwardedForAsync(host, "203.0.113.9", "203.0.113.9", "203.0.113.9", "203.0.113.9");

        Assert.All(distinct, s => Assert.Equal(HttpStatusCode.OK, s));
        Assert.Equal(HttpStatusCode.TooManyRequests, same[^1]);
    }

    private static async Task<List<HttpStatusCode>> InfoWithForwardedForAsync(VaultHost host, params string[] clients)
    {
        var statuses = new List<HttpStatusCode>();
        foreach (string client in clients)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "v1/vault-info");
            request.Headers.Add("X-Forwarded-For", client);
            using var response = await host.Http.SendAsync(request);
            statuses.Add(response.StatusCode);
        }

        return statuses;
    }

    private static long WalLength(VaultHost host) => new FileInfo(host.Backend.SqliteFile + "-wal") is { Exists: true } wal ? wal.Length : 0;
}
