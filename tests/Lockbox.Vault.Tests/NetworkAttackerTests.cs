using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using System.Net;
using System.Text;
using Lockbox.Opaque;
using Lockbox.Opaque.Ksf;
using Lockbox.Opaque.Messages;

namespace Lockbox.Vault.Tests;

/// <summary>
/// A network attacker, or a TLS-terminating proxy, between the device and the vault: a real proxy
/// process in front of a real vault (Kestrel on 127.0.0.1), driven by the real lockbox command. At
/// registration it cannot swap in its own OPRF evaluation (which would let it guess the password
/// offline from the record uploaded next), nor change what is stored; at login it learns nothing.
/// </summary>
public sealed class NetworkAttackerTests : VaultTestBase, IDisposable
{
    private const string Password = "correct horse battery staple";
    private readonly string _root = Directory.CreateTempSubdirectory("lockbox-mitm-").FullName;

    private string Repo => Path.Combine(_root, "repo");

    private string Device => Path.Combine(_root, "device");

    private string Store => Path.Combine(_root, "phone");

    private async Task<string[]> VaultArgsAsync(VaultHost vault, Uri through)
    {
        string tokenFile = Path.Combine(_root, "token.txt");
        await File.WriteAllTextAsync(tokenFile, VaultHost.Token("alice"));
        return ["--vault", through.ToString(), "--vault-public-key", Convert.ToBase64String(await vault.PublicKeyAsync()), "--vault-token-file", tokenFile];
    }

    /// <summary>A store with a standard backup, as a phone has before end-to-end encryption.</summary>
    private async Task BackedUpStoreAsync()
    {
        Directory.CreateDirectory(Path.Combine(Store, "media"));
        await File.WriteAllTextAsync(Path.Combine(Store, "media", "note.txt"), "the chat history");
        var backup = await CliProcess.RunAsync(null, "backup", Store, "-r", Repo, "--device", Device);
        Assert.True(backup.Exit == 0, backup.Error);
    }

    private int StandardObjects() =>
        Directory.Exists(Path.Combine(Repo, "standard")) ? Directory.EnumerateFiles(Path.Combine(Repo, "standard"), "*", SearchOption.AllDirectories).Count() : 0;

    [Fact]
    public async Task Registration_through_a_rewriting_proxy_is_refused_before_upload()
    {
        await using var vault = await StartAsync(StoreKind.Sqlite, HostKind.Kestrel);
        await using var proxy = await AttackerProxy.StartAsync(vault.Http.BaseAddress!, "swap-evaluation", _root);
        await BackedUpStoreAsync();
        int standard = StandardObjects();

        var enable = await CliProcess.RunAsync(Password + "\n", ["enable", "--password", Store, "-r", Repo, "--device", Device, .. await VaultArgsAsync(vault, proxy.Address)]);

        Assert.NotEqual(0, enable.Exit);
        Assert.Contains("not authenticated by the pinned vault key", enable.Error, StringComparison.Ordinal);
        Assert.Contains("Nothing was uploaded", enable.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled", enable.Error, StringComparison.Ordinal);
        Assert.Equal(1, proxy.Forwarded("/v1/registration/start"));
        Assert.Equal(0, proxy.Forwarded("/v1/registration/finish")); // no record, no wrapped key: nothing to guess against
        Assert.Null(await vault.Store.GetEscrowAsync("alice", default));
        Assert.Equal(standard, StandardObjects());

        // Without the proxy, the same command resumes and finishes.
        var direct = await CliProcess.RunAsync(Password + "\n", ["enable", "--password", Store, "-r", Repo, "--device", Device, .. await VaultArgsAsync(vault, vault.Http.BaseAddress!)]);
        Assert.True(direct.Exit == 0, direct.Error);
    }

    [Fact]
    public async Task A_proxy_that_swaps_the_server_key_in_the_registration_response_is_refused_before_upload()
    {
        await using var vault = await StartAsync(StoreKind.Sqlite, HostKind.Kestrel);
        await using var proxy = await AttackerProxy.StartAsync(vault.Http.BaseAddress!, "swap-server-key", _root);
        using var http = new HttpClient { BaseAddress = proxy.Address };
        var client = new VaultClient(http, new VaultClientOptions
        {
            PinnedPublicKey = await vault.PublicKeyAsync(), AccessToken = _ => ValueTask.FromResult(VaultHost.Token("alice")), KsfMemoryKiB = 256, KsfIterations = 1,
        });

        var error = await Assert.ThrowsAsync<VaultProtocolException>(() => client.EnableAsync(BackupKey, Password));

        Assert.Contains("Nothing was uploaded", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, proxy.Forwarded("/v1/registration/finish"));
        Assert.Null(await vault.Store.GetEscrowAsync("alice", default));
    }

    [Fact]
    public async Task A_proxy_that_swaps_the_possession_key_at_finish_is_detected()
    {
        await using var vault = await StartAsync(StoreKind.Sqlite, HostKind.Kestrel);
        await using var proxy = await AttackerProxy.StartAsync(vault.Http.BaseAddress!, "swap-possession-key", _root);
        await BackedUpStoreAsync();
        int standard = StandardObjects();

        var enable = await CliProcess.RunAsync(Password + "\n", ["enable", "--password", Store, "-r", Repo, "--device", Device, .. await VaultArgsAsync(vault, proxy.Address)]);

        Assert.NotEqual(0, enable.Exit);
        Assert.Contains("mac", enable.Error, StringComparison.Ordinal);
        Assert.Equal(1, proxy.Forwarded("/v1/registration/finish"));
        Assert.Contains(proxy.Log, line => line.StartsWith("POST /v1/registration/finish 400", StringComparison.Ordinal));
        Assert.Null(await vault.Store.GetEscrowAsync("alice", default)); // the vault stored nothing the proxy chose
        Assert.Equal(standard, StandardObjects());
    }

    [Fact]
    public async Task A_proxy_that_forges_the_vaults_confirmation_is_detected_and_nothing_is_deleted()
    {
        await using var vault = await StartAsync(StoreKind.Sqlite, HostKind.Kestrel);
        await using var proxy = await AttackerProxy.StartAsync(vault.Http.BaseAddress!, "forge-confirmation", _root);
        await BackedUpStoreAsync();
        int standard = StandardObjects();

        var enable = await CliProcess.RunAsync(Password + "\n", ["enable", "--password", Store, "-r", Repo, "--device", Device, .. await VaultArgsAsync(vault, proxy.Address)]);

        Assert.NotEqual(0, enable.Exit);
        Assert.Contains("not authenticated by the pinned vault key", enable.Error, StringComparison.Ordinal);
        Assert.Contains("nothing was deleted", enable.Error, StringComparison.Ordinal);
        Assert.Equal(standard, StandardObjects());
    }

    [Fact]
    public async Task A_proxy_that_swaps_the_oprf_evaluation_at_login_gets_no_key_released()
    {
        await using var vault = await StartAsync(StoreKind.Sqlite, HostKind.Kestrel);
        await (await vault.ClientAsync("alice")).EnableAsync(BackupKey, Password);
        await using var proxy = await AttackerProxy.StartAsync(vault.Http.BaseAddress!, "swap-evaluation", _root);
        using var http = new HttpClient { BaseAddress = proxy.Address };
        var client = new VaultClient(http, new VaultClientOptions
        {
            PinnedPublicKey = await vault.PublicKeyAsync(), AccessToken = _ => ValueTask.FromResult(VaultHost.Token("alice")), KsfMemoryKiB = 256, KsfIterations = 1,
        });

        // The envelope does not open under the proxy's evaluation, so the device sends a KE3 that cannot verify.
        await Assert.ThrowsAsync<VaultWrongPasswordException>(() => client.RecoverAsync(Password));

        Assert.DoesNotContain(proxy.Log, line => line.Contains("sealedKey", StringComparison.Ordinal));
        Assert.Equal(BackupKey, await (await vault.ClientAsync("alice")).RecoverAsync(Password));
    }

    [Fact]
    public async Task A_recorded_login_gives_a_listener_no_offline_test_of_the_password()
    {
        await using var vault = await StartAsync(StoreKind.Sqlite, HostKind.Kestrel);
        await (await vault.ClientAsync("alice")).EnableAsync(BackupKey, Password);
        var started = await Raw.StartLoginAsync(vault, "alice", Password);
        var ke3 = Raw.ClientFinish(started);
        var finished = await Raw.JsonAsync(await Raw.FinishAsync(vault, "alice", started, ke3));
        Assert.True(finished.TryGetProperty("sealedKey", out _));

        // The listener holds KE1, KE2, KE3 and the sealed key. Its best offline test of a guess is to
        // run the client on the recorded KE2; without the blind the device chose, the OPRF output does
        // not unblind, and the right password fails exactly as a wrong one does.
        bool Opens(string guess)
        {
            using var replay = ClientLogin.Start(Encoding.UTF8.GetBytes(guess), out _);
            try
            {
                using var result = replay.Finish(started.Ke2, new Argon2idKsf(256 * 1024, 1), null, Raw.Context);
                return true;
            }
            catch (OpaqueException)
            {
                return false;
            }
        }

        Assert.False(Opens(Password));
        Assert.False(Opens("a wrong guess"));
    }

    [Fact]
    public async Task Http_to_a_non_loopback_host_is_refused_before_any_request_is_sent()
    {
        var counting = new CountingHandler();
        foreach (string address in new[] { "http://vault.example/", "http://192.0.2.10:8080/", "http://localhost:8080/", "ftp://127.0.0.1/" })
        {
            using var http = new HttpClient(counting, disposeHandler: false) { BaseAddress = new Uri(address) };
            Assert.Throws<ArgumentException>(() => new VaultClient(http, new VaultClientOptions { PinnedPublicKey = AnotherVaultKey(), AccessToken = _ => ValueTask.FromResult("t") }));
        }

        Assert.Equal(0, counting.Sent);
        foreach (string address in new[] { "http://127.0.0.1:1/", "http://127.8.9.10:1/", "http://[::1]:1/", "https://vault.example/" })
        {
            using var http = new HttpClient(counting, disposeHandler: false) { BaseAddress = new Uri(address) };
            _ = new VaultClient(http, new VaultClientOptions { PinnedPublicKey = AnotherVaultKey(), AccessToken = _ => ValueTask.FromResult("t") });
        }

        var cli = await CliProcess.RunAsync(
            Password + "\n", "restore", "--password", "--target", Path.Combine(_root, "t"), "-r", Repo, "--device", Device,
            "--vault", "http://192.0.2.10/", "--vault-public-key", Convert.ToBase64String(AnotherVaultKey()));
        Assert.Equal(2, cli.Exit);
        Assert.Contains("must be https://", cli.Error, StringComparison.Ordinal);
        counting.Dispose();
    }

    [Fact]
    public async Task A_vault_address_that_redirects_is_not_followed()
    {
        await using var vault = await StartAsync(StoreKind.Sqlite, HostKind.Kestrel);
        await (await vault.ClientAsync("alice")).EnableAsync(BackupKey, Password);
        await using var redirect = await RedirectServer.StartAsync(vault.Http.BaseAddress!);
        string[] args = await VaultArgsAsync(vault, redirect.Address);

        var cli = await CliProcess.RunAsync(Password + "\n", ["restore", "--password", "--target", Path.Combine(_root, "t"), "-r", Repo, "--device", Device, .. args]);
        Assert.NotEqual(0, cli.Exit);
        Assert.Contains("redirect", cli.Error, StringComparison.Ordinal);

        // An app's HttpClient that follows redirects: the client refuses the reply from the other address.
        using var following = new HttpClient { BaseAddress = redirect.Address };
        var client = new VaultClient(following, new VaultClientOptions { PinnedPublicKey = await vault.PublicKeyAsync(), AccessToken = _ => ValueTask.FromResult(VaultHost.Token("alice")) });
        var error = await Assert.ThrowsAsync<VaultProtocolException>(() => client.RecoverAsync(Password));
        Assert.Contains("redirected", error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private sealed class CountingHandler : HttpMessageHandler
    {
        public int Sent { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Sent++;
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.ServiceUnavailable));
        }
    }

    /// <summary>A server on 127.0.0.1 that answers every request with a 307 to the vault.</summary>
    private sealed class RedirectServer : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private RedirectServer(WebApplication app, Uri address)
        {
            _app = app;
            Address = address;
        }

        public Uri Address { get; }

        public static async Task<RedirectServer> StartAsync(Uri target)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            app.Run(context =>
            {
                context.Response.StatusCode = 307;
                context.Response.Headers.Location = new Uri(target, context.Request.Path.Value!.TrimStart('/')).ToString();
                return Task.CompletedTask;
            });
            await app.StartAsync();
            return new RedirectServer(app, new Uri(app.Urls.Single().TrimEnd('/') + "/"));
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
