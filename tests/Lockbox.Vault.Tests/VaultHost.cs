using System.Net.Http.Json;
using System.Security.Cryptography;
using Lockbox.Vault.Server.Secrets;
using Lockbox.Vault.Server.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Npgsql;

namespace Lockbox.Vault.Tests;

public enum StoreKind { Sqlite, Postgres }

public enum HostKind { TestServer, Kestrel }

/// <summary>Where a test's vault keeps its state; shared by several nodes, or by one node across a restart.</summary>
public sealed class VaultBackend : IDisposable
{
    private VaultBackend(StoreKind store, string folder, string? postgres)
    {
        Store = store;
        Folder = folder;
        PostgresConnectionString = postgres;
    }

    public StoreKind Store { get; }

    public string Folder { get; }

    public string? PostgresConnectionString { get; }

    public string KeyFile => Path.Combine(Folder, "vault.key");

    public string SqliteFile => Path.Combine(Folder, "vault.db");

    public static VaultBackend Create(StoreKind store)
    {
        string folder = Directory.CreateTempSubdirectory("lockbox-vault-test-").FullName;
        string? postgres = null;
        if (store == StoreKind.Postgres)
        {
            string baseline = Environment.GetEnvironmentVariable(TestEnvironment.PostgresVariable)
                ?? throw new InvalidOperationException($"{TestEnvironment.PostgresVariable} is not set; test.sh starts PostgreSQL and sets it.");
            string schema = "t" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
            using (var connection = new NpgsqlConnection(baseline))
            {
                connection.Open();
                using var command = new NpgsqlCommand($"CREATE SCHEMA {schema}", connection);
                command.ExecuteNonQuery();
            }

            postgres = new NpgsqlConnectionStringBuilder(baseline) { SearchPath = schema }.ConnectionString;
        }

        return new VaultBackend(store, folder, postgres);
    }

    public void Dispose() => Directory.Delete(Folder, recursive: true);
}

/// <summary>One vault node, over a real HTTP stack: an in-memory TestServer or Kestrel on 127.0.0.1 with a free port.</summary>
public sealed class VaultHost : IAsyncDisposable
{
    public static readonly byte[] SigningKey = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();

    private readonly WebApplicationFactory<Program>? _factory;
    private readonly WebApplication? _app;

    private VaultHost(HttpClient http, IServiceProvider services, WebApplicationFactory<Program>? factory, WebApplication? app, VaultBackend backend)
    {
        Backend = backend;
        Http = http;
        Services = services;
        _factory = factory;
        _app = app;
    }

    public HttpClient Http { get; }

    /// <summary>Where this node keeps its state.</summary>
    public VaultBackend Backend { get; }

    public IServiceProvider Services { get; }

    public static async Task<VaultHost> StartAsync(
        VaultBackend backend, HostKind kind, FakeTimeProvider time,
        int attemptLimit = 10, bool rateLimit = false, IAttemptHook? hook = null, IDictionary<string, string>? extra = null, LogCapture? logs = null)
    {
        var settings = new Dictionary<string, string>
        {
            ["Vault:AttemptLimit"] = attemptLimit.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Vault:Storage:Provider"] = backend.Store == StoreKind.Sqlite ? "sqlite" : "postgres",
            ["Vault:Storage:SqlitePath"] = backend.SqliteFile,
            ["Vault:Storage:PostgresConnectionString"] = backend.PostgresConnectionString ?? "",
            ["Vault:Keys:Provider"] = "file",
            ["Vault:Keys:FilePath"] = backend.KeyFile,
            ["Vault:Jwt:SigningKey"] = Convert.ToBase64String(SigningKey),
            ["Vault:RateLimit:Enabled"] = rateLimit ? "true" : "false",
            ["Vault:RateLimit:PerAccountPerMinute"] = "5",
            // The growing delays are tested with the default schedule (LoginDelayTests); elsewhere they would make tests of the counter wait on the clock.
            ["Vault:LoginDelaySeconds"] = "0",
            ["Vault:SweepIntervalSeconds"] = "86400", // the sweeper is tested directly; keep it out of the way of Time.Advance
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            settings[key] = value;
        }

        void Replace(IServiceCollection services)
        {
            services.AddSingleton<TimeProvider>(time);
            if (hook is not null)
            {
                services.AddSingleton(hook);
            }

            if (logs is not null)
            {
                services.AddSingleton<Microsoft.Extensions.Logging.ILoggerProvider>(logs);
            }
        }

        // Secrets stay off the command line, where the vault refuses them; they come as configuration from the environment would.
        var secrets = settings.Where(s => SecretSources.IsSecret(s.Key)).ToDictionary(s => s.Key, s => (string?)s.Value);
        if (kind == HostKind.TestServer)
        {
            var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
            {
                // WebApplicationFactory hands UseSetting's values to Program as command-line arguments.
                foreach (var (key, value) in settings.Where(s => !SecretSources.IsSecret(s.Key)))
                {
                    web.UseSetting(key, value);
                }

                web.ConfigureAppConfiguration(config => config.AddInMemoryCollection(secrets));

                web.ConfigureTestServices(Replace);
            });
            var client = factory.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("http://127.0.0.1/") });
            return new VaultHost(client, factory.Services, factory, null, backend);
        }

        string[] args = [.. settings.Where(s => !SecretSources.IsSecret(s.Key)).Select(s => $"--{s.Key}={s.Value}"), "--urls=http://127.0.0.1:0"];
        var app = VaultApp.Create(args, builder =>
        {
            builder.Configuration.AddInMemoryCollection(secrets);
            Replace(builder.Services);
        });
        await app.StartAsync();
        // With Vault:Metrics:Port the vault listens on two ports; the main one is the other.
        string? metricsPort = settings.GetValueOrDefault("Vault:Metrics:Port");
        string url = app.Urls.Single(u => metricsPort is null || new Uri(u).Port.ToString(System.Globalization.CultureInfo.InvariantCulture) != metricsPort);
        var http = new HttpClient { BaseAddress = new Uri(url.TrimEnd('/') + "/") };
        return new VaultHost(http, app.Services, null, app, backend);
    }

    /// <summary>A token as the messaging service issues it; <paramref name="expires"/> and <paramref name="signingKey"/> make bad ones.</summary>
    public static string Token(string account, string? audience = null, DateTime? expires = null, byte[]? signingKey = null)
    {
        var until = expires ?? DateTime.UtcNow.AddHours(1);
        var handler = new JsonWebTokenHandler();
        return handler.CreateToken(new SecurityTokenDescriptor
        {
            Claims = new Dictionary<string, object> { ["sub"] = account },
            Issuer = "lockbox-messaging",
            Audience = audience ?? "lockbox-vault",
            NotBefore = until.AddHours(-2),
            Expires = until,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(signingKey ?? SigningKey), SecurityAlgorithms.HmacSha256),
        });
    }

    /// <summary>The kid of <see cref="Es256Key"/> in <see cref="Es256Settings"/>.</summary>
    public const string Es256Kid = "messaging-2026";

    /// <summary>
    /// The messaging service's ES256 signing key in the ES256 tests, generated for this test run: no
    /// private key is committed. ECDSA signatures are randomized anyway, so a fixed key would not make
    /// the tokens reproducible; every assertion holds for any P-256 key.
    /// </summary>
    public static readonly ECDsa Es256Key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    /// <summary>A second generated key: the one the messaging service rotates to, or one the vault was never given.</summary>
    public static readonly ECDsa Es256OtherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    /// <summary>
    /// Settings for a vault that takes ES256 tokens signed by <paramref name="keys"/> (by default
    /// <see cref="Es256Key"/> as <see cref="Es256Kid"/>), each public key as base64 SPKI; the
    /// HS256 key every test vault otherwise gets is blanked.
    /// </summary>
    public static Dictionary<string, string> Es256Settings(params (string Kid, ECDsa Key)[] keys)
    {
        var settings = new Dictionary<string, string> { ["Vault:Jwt:Algorithm"] = "ES256", ["Vault:Jwt:SigningKey"] = "" };
        foreach (var (kid, key) in keys.Length == 0 ? [(Es256Kid, Es256Key)] : keys)
        {
            settings["Vault:Jwt:Keys:" + kid] = Convert.ToBase64String(key.ExportSubjectPublicKeyInfo());
        }

        return settings;
    }

    /// <summary>An ES256 token as a messaging service issues it, through IdentityModel; the parameters make bad ones.</summary>
    public static string Es256Token(string account, ECDsa? key = null, string kid = Es256Kid, string issuer = "lockbox-messaging")
    {
        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Claims = new Dictionary<string, object> { ["sub"] = account },
            Issuer = issuer,
            Audience = "lockbox-vault",
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddHours(1),
            SigningCredentials = new SigningCredentials(new ECDsaSecurityKey(key ?? Es256Key) { KeyId = kid }, SecurityAlgorithms.EcdsaSha256),
        });
    }

    public async Task<byte[]> PublicKeyAsync()
    {
        var info = await Http.GetFromJsonAsync<VaultInfoResponse>("v1/vault-info");
        return Convert.FromBase64String(info!.PublicKey!);
    }

    /// <summary>A client for <paramref name="account"/> with a cheap Argon2id (256 KiB, 1 pass), as a real device would use with the defaults.</summary>
    /// <param name="expectedAccount">The account the app expects its token to be for (<see cref="VaultClientOptions.Account"/>).</param>
    /// <param name="token">The token to send instead of a good one for <paramref name="account"/>.</param>
    public async Task<VaultClient> ClientAsync(
        string account, byte[]? pinnedKey = null, int memoryKiB = 256, int iterations = 1, string? expectedAccount = null, string? token = null) =>
        new(Http, new VaultClientOptions
        {
            PinnedPublicKey = pinnedKey ?? await PublicKeyAsync(),
            Account = expectedAccount,
            AccessToken = _ => ValueTask.FromResult(token ?? Token(account)),
            KsfMemoryKiB = memoryKiB,
            KsfIterations = iterations,
        });

    public IVaultStore Store => Services.GetRequiredService<IVaultStore>();

    /// <summary>Runs the vault's sweeper once, as its timer would.</summary>
    public Task SweepAsync() => Services.GetRequiredService<VaultService>().SweepAsync(default);

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (_factory is not null)
        {
            await _factory.DisposeAsync();
        }

        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}

public static class TestEnvironment
{
    public const string PostgresVariable = "LOCKBOX_TEST_PG";
    public const string SoftHsmVariable = "LOCKBOX_TEST_SOFTHSM_CONF";

    /// <summary>True when a service-backed test must run: its variable is set, or CI=true (then a missing service fails the test).</summary>
    public static bool MustRun(string variable) =>
        Environment.GetEnvironmentVariable(variable) is not null
        || string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>The reason a test that needs <paramref name="variable"/>'s service is skipped, or null when it must run.</summary>
    public static string? SkipUnless(string variable) => MustRun(variable)
        ? null
        : $"{variable} is not set, so its service is not running: ./test.sh starts it and sets the variable (with CI=true this test runs and fails without it).";

    /// <summary>Every store and host combination the flow tests run on.</summary>
    public static TheoryData<StoreKind, HostKind> Setups()
    {
        var data = new TheoryData<StoreKind, HostKind> { { StoreKind.Sqlite, HostKind.TestServer }, { StoreKind.Sqlite, HostKind.Kestrel } };
        if (MustRun(PostgresVariable))
        {
            data.Add(StoreKind.Postgres, HostKind.Kestrel);
            data.Add(StoreKind.Postgres, HostKind.TestServer);
        }

        return data;
    }
}

/// <summary>
/// A fact that needs a service (SoftHSM2, PostgreSQL): reported as skipped, with the reason, when the
/// service's variable is not set, but run (and so failed) under CI=true. xunit 2 decides skips when it
/// discovers the tests, which is when the environment is known.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ServiceFactAttribute : FactAttribute
{
    public ServiceFactAttribute(string variable)
    {
        Variable = variable;
        Skip = TestEnvironment.SkipUnless(variable);
    }

    /// <summary>The variable that names the service.</summary>
    public string Variable { get; }
}
