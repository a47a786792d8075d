using System.Globalization;
using System.Net;
using System.Net.Http.Headers;

namespace Lockbox.Vault.Tests;

/// <summary>
/// /metrics is never served anonymously on the vault's public port: on a port of its own, behind a
/// bearer token, or not at all.
/// </summary>
public sealed class MetricsExposureTests : VaultTestBase
{
    [Fact]
    public async Task By_default_metrics_are_not_served()
    {
        var host = await StartAsync(StoreKind.Sqlite, HostKind.Kestrel);

        Assert.Equal(HttpStatusCode.NotFound, (await host.Http.GetAsync("metrics")).StatusCode);
    }

    [Fact]
    public async Task With_a_metrics_port_the_main_port_answers_metrics_with_404_and_the_metrics_port_serves_nothing_else()
    {
        int port = TestPorts.Free();
        var host = await StartAsync(StoreKind.Sqlite, HostKind.Kestrel,
            extra: new Dictionary<string, string> { ["Vault:Metrics:Port"] = port.ToString(CultureInfo.InvariantCulture) });
        using var scraper = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
        await (await host.ClientAsync("alice")).EnableAsync(BackupKey, "correct horse");

        Assert.Equal(HttpStatusCode.NotFound, (await host.Http.GetAsync("metrics")).StatusCode);
        Assert.Equal("ok", await host.Http.GetStringAsync("healthz"));
        Assert.Contains("lockbox_vault_registrations_total", await scraper.GetStringAsync("metrics"), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await scraper.GetAsync("healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await scraper.GetAsync("v1/vault-info")).StatusCode);
        // Only the connection's port counts, not the Host header the client writes.
        using var spoofed = new HttpRequestMessage(HttpMethod.Get, "metrics") { Headers = { Host = $"127.0.0.1:{port}" } };
        Assert.Equal(HttpStatusCode.NotFound, (await host.Http.SendAsync(spoofed)).StatusCode);
    }

    [Fact]
    public async Task With_a_metrics_token_no_token_or_a_wrong_one_gets_401_and_the_right_one_200()
    {
        var backend = NewBackend(StoreKind.Sqlite);
        string tokenFile = Path.Combine(backend.Folder, "metrics-token");
        File.WriteAllText(tokenFile, "the-scrapers-token\n");
        File.SetUnixFileMode(tokenFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var host = await StartAsync(StoreKind.Sqlite, HostKind.Kestrel, backend: backend,
            extra: new Dictionary<string, string> { ["Vault:Metrics:TokenFile"] = tokenFile });

        await (await host.ClientAsync("alice")).EnableAsync(BackupKey, "correct horse");
        var none = await host.Http.GetAsync("metrics");
        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal("Bearer", none.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Scrape(host.Http, "the-scrapers-token-but-longer")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Scrape(host.Http, "the-scrapers-tokeN")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Scrape(host.Http, VaultHost.Token("alice"))).StatusCode);
        var right = await Scrape(host.Http, "the-scrapers-token");
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
        Assert.Contains("lockbox_vault_registrations_total", await right.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static async Task<HttpResponseMessage> Scrape(HttpClient http, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "metrics");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await http.SendAsync(request);
    }
}
