using System.Net;
using Lockbox.Vault.Server.Secrets;
using Microsoft.Extensions.DependencyInjection;

namespace Lockbox.Vault.Tests;

public class OperationsTests : VaultTestBase
{
    [Fact]
    public async Task Health_vault_info_and_metrics_are_served()
    {
        int metricsPort = TestPorts.Free();
        var host = await StartAsync(StoreKind.Sqlite, HostKind.Kestrel,
            extra: new Dictionary<string, string> { ["Vault:Metrics:Port"] = metricsPort.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        var client = await host.ClientAsync("alice");
        await client.EnableAsync(BackupKey, "correct horse");
        await client.RecoverAsync("correct horse");
        await Assert.ThrowsAsync<VaultWrongPasswordException>(() => client.RecoverAsync("wrong"));

        Assert.Equal("ok", await host.Http.GetStringAsync("healthz"));
        Assert.Equal(32, (await host.PublicKeyAsync()).Length);
        // OpenTelemetry listens to every "Lockbox.Vault" meter in the process, so vaults of tests running
        // in parallel add to these counters: check each is exported and counted at least this test's event.
        using var scraper = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{metricsPort}/") };
        string metrics = await scraper.GetStringAsync("metrics");
        Assert.True(System.Text.RegularExpressions.Regex.IsMatch(metrics, @"(?m)^lockbox_vault_registrations_total(\{[^}]*\})? [1-9][0-9]*\s"), metrics);
        Assert.True(System.Text.RegularExpressions.Regex.IsMatch(metrics, @"(?m)^lockbox_vault_logins_succeeded_total(\{[^}]*\})? [1-9][0-9]*\s"), metrics);
        Assert.True(System.Text.RegularExpressions.Regex.IsMatch(metrics, @"(?m)^lockbox_vault_logins_failed_total(\{[^}]*\})? [1-9][0-9]*\s"), metrics);
        Assert.Contains("http_server_request_duration_seconds", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_key_file_is_created_0600_and_the_database_holds_only_wrapped_secrets()
    {
        var backend = NewBackend(StoreKind.Sqlite);
        var host = await StartAsync(StoreKind.Sqlite, HostKind.Kestrel, backend: backend);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(backend.KeyFile));
        byte[] wrapped = await host.Store.GetOrAddSecretAsync("opaque-v2", [], default);
        var keys = host.Services.GetRequiredService<VaultKeys>();
        byte[] seed = new byte[64];
        keys.Setup.ExportOprfSeed(seed);
        Assert.Equal(12 + 128 + 16, wrapped.Length);
        Assert.False(wrapped.AsSpan().IndexOf(seed.AsSpan(0, 16)) >= 0);
    }

    [Fact]
    public async Task A_restarted_vault_keeps_its_public_key_and_records()
    {
        var backend = NewBackend(StoreKind.Sqlite);
        byte[] publicKey;
        await using (var first = await VaultHost.StartAsync(backend, HostKind.Kestrel, Time))
        {
            publicKey = await first.PublicKeyAsync();
            await (await first.ClientAsync("alice")).EnableAsync(BackupKey, "correct horse");
        }

        var second = await StartAsync(StoreKind.Sqlite, HostKind.Kestrel, backend: backend);
        Assert.Equal(publicKey, await second.PublicKeyAsync());
        Assert.Equal(BackupKey, await (await second.ClientAsync("alice", publicKey)).RecoverAsync("correct horse"));
    }

    [Fact]
    public async Task A_client_pinned_to_another_key_refuses_to_register_or_recover()
    {
        var host = await StartAsync(StoreKind.Sqlite, HostKind.Kestrel);
        await (await host.ClientAsync("alice")).EnableAsync(BackupKey, "correct horse");
        var impostorPin = await host.ClientAsync("bob", pinnedKey: AnotherVaultKey());

        await Assert.ThrowsAsync<VaultConfigurationException>(() => impostorPin.EnableAsync(BackupKey, "a password"));
        Assert.Null(await host.Store.GetRecordAsync("bob", default));
        var alice = await host.ClientAsync("alice", pinnedKey: AnotherVaultKey());
        await Assert.ThrowsAsync<VaultConfigurationException>(() => alice.RecoverAsync("correct horse"));
        Assert.Equal(0, (await host.Store.GetRecordAsync("alice", default))!.Attempts); // no KE1 was sent
    }

    [Fact]
    public async Task An_unreachable_vault_is_reported_as_such()
    {
        int port;
        using (var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
        var client = new VaultClient(http, new VaultClientOptions { PinnedPublicKey = AnotherVaultKey(), AccessToken = _ => ValueTask.FromResult("t") });

        await Assert.ThrowsAsync<VaultUnreachableException>(() => client.RecoverAsync("pw"));
        await Assert.ThrowsAsync<VaultUnreachableException>(() => client.EnableAsync(BackupKey, "a password"));
    }

    [Fact]
    public async Task Secure_delete_leaves_no_trace_of_a_destroyed_record_in_the_database_file()
    {
        var backend = NewBackend(StoreKind.Sqlite);
        byte[] record;
        await using (var host = await VaultHost.StartAsync(backend, HostKind.Kestrel, Time, attemptLimit: 1))
        {
            var client = await host.ClientAsync("alice");
            await client.EnableAsync(BackupKey, "correct horse");
            record = (await host.Store.GetRecordAsync("alice", default))!.Record!;
            await Assert.ThrowsAsync<VaultKeyDestroyedException>(() => client.RecoverAsync("wrong"));
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        byte[] file = await File.ReadAllBytesAsync(backend.SqliteFile);
        Assert.True(file.AsSpan().IndexOf(record.AsSpan(0, 32)) < 0);
    }

    [Fact]
    public async Task Text_the_vault_sends_in_a_refusal_reaches_the_user_printable_only()
    {
        using var http = new HttpClient(new RefusingHandler()) { BaseAddress = new Uri("http://127.0.0.1:1/") };
        var client = new VaultClient(http, new VaultClientOptions { PinnedPublicKey = AnotherVaultKey(), AccessToken = _ => ValueTask.FromResult("t") });

        var error = await Assert.ThrowsAsync<VaultProtocolException>(() => client.RecoverAsync("pw"));

        Assert.DoesNotContain('\u001b', error.Message);
        Assert.DoesNotContain('\n', error.Message);
        Assert.Contains("[31mrun this", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Answers every request with a 400 whose detail carries terminal escapes and line breaks.</summary>
    private sealed class RefusingHandler : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(HttpStatusCode.BadRequest)
            {
                RequestMessage = request,
                Content = new StringContent("{\"code\":\"odd\",\"detail\":\"\\u001b[31mrun this\\nnow\"}", System.Text.Encoding.UTF8, "application/problem+json"),
            });
    }
}
