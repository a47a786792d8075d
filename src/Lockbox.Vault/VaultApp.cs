using Lockbox.Vault.Server.Endpoints;
using Lockbox.Vault.Server.Http;
using Lockbox.Vault.Server.Secrets;
using Lockbox.Vault.Server.Storage;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;

namespace Lockbox.Vault.Server;

/// <summary>Builds the lockbox-vault web application; Program runs it, tests start it on Kestrel or a TestServer.</summary>
public static class VaultApp
{
    /// <summary>
    /// Creates the application. <paramref name="configure"/> runs last, so tests can replace services.
    /// Throws <see cref="VaultStartupException"/> if <paramref name="args"/> carry a secret.
    /// </summary>
    public static WebApplication Create(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        WebApplicationBuilder builder;
        try
        {
            builder = WebApplication.CreateBuilder(args);
        }
        catch (FormatException)
        {
            // The command-line parser quotes the whole argument (e.g. "-Name=value" with one dash), which may be a secret.
            throw new VaultStartupException("An argument is malformed (one dash before Name=value?); it is not repeated here, as it may hold a secret.");
        }

        var secretsInArgs = SecretSources.RefuseInArgs(args, builder.Configuration);
        AddVault(builder);
        configure?.Invoke(builder);
        var app = builder.Build();
        SecretSources.WarnInArgs(app.Logger, secretsInArgs);
        UseVault(app);
        return app;
    }

    /// <summary>Registers the vault's services.</summary>
    public static void AddVault(WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        // Bound here but first read once the app is built (UseVault), so WebApplicationFactory's
        // settings, applied after Program starts, take effect.
        services.AddOptions<VaultOptions>().Bind(builder.Configuration.GetSection("Vault"))
            .PostConfigure(SecretSources.Resolve)
            .Validate(o => { o.Validate(); AccountTokens.Validate(o.Jwt); return true; }).ValidateOnStart();

        // Slow clients: headers must arrive within the timeout, and a body at a minimum rate after a grace
        // period, or Kestrel closes the connection. Vault:Limits:* lets tests shorten them.
        var limits = builder.Configuration.GetSection("Vault:Limits");
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = 16 * 1024;
            kestrel.Limits.MaxRequestHeadersTotalSize = 16 * 1024;
            kestrel.Limits.MaxRequestLineSize = 4 * 1024;
            kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(limits.GetValue("RequestHeadersTimeoutSeconds", 10.0));
            kestrel.Limits.MinRequestBodyDataRate = new MinDataRate(
                bytesPerSecond: limits.GetValue("MinRequestBodyBytesPerSecond", 240.0),
                gracePeriod: TimeSpan.FromSeconds(limits.GetValue("MinRequestBodyGraceSeconds", 5.0)));
            kestrel.Limits.KeepAliveTimeout = TimeSpan.FromSeconds(60);
        });

        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<IAttemptHook, NoAttemptHook>();
        services.AddSingleton<IVaultStore>(sp => OpenStore(sp.GetRequiredService<IOptions<VaultOptions>>().Value.Storage));
        services.AddSingleton<IKeyProtector>(sp => OpenProtector(sp.GetRequiredService<IOptions<VaultOptions>>().Value.Keys));
        services.AddSingleton(sp => VaultKeys.LoadAsync(
            sp.GetRequiredService<IVaultStore>(), sp.GetRequiredService<IKeyProtector>(), CancellationToken.None).GetAwaiter().GetResult());
        services.AddSingleton<VaultMetrics>();
        services.AddSingleton<VaultService>();
        services.AddHostedService<VaultBackground>();

        services.AddProblemDetails();
        services.AddExceptionHandler<ProblemHandler>();
        services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow;
            json.SerializerOptions.TypeInfoResolverChain.Insert(0, Protocol.Contracts.VaultJson.Default);
        });

        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        // TimeProvider.System, not the vault's clock: the handler checks exp and nbf against the system
        // clock, and the token's age must be measured by the same one.
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme).Configure<IOptions<VaultOptions>, ILoggerFactory>((jwt, vault, logs) =>
            AccountTokens.Configure(jwt, vault.Value.Jwt, TimeProvider.System, logs.CreateLogger("Lockbox.Vault.Server.Http.AccountTokens")));
        services.AddAuthorization();

        services.AddRequestLimits();

        if (builder.Configuration.GetValue("Vault:Metrics:Enabled", true))
        {
            services.AddOpenTelemetry().WithMetrics(metrics => metrics
                // System.Runtime: GC, JIT and thread-pool figures, which also tell a load test when start-up is over.
                .AddMeter(VaultMetrics.MeterName, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "System.Runtime")
                .AddPrometheusExporter());
        }
    }

    /// <summary>Wires the middleware and endpoints.</summary>
    public static void UseVault(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var options = app.Services.GetRequiredService<IOptions<VaultOptions>>().Value;
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        // First, so the metrics port answers anything but /metrics with 404 before authentication asks for a token.
        MetricsEndpoint.Map(app, options.Metrics);
        app.UseAddressLimit();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAccountLimit();

        VaultEndpoints.Map(app);
    }

    private static IVaultStore OpenStore(StorageOptions storage)
    {
        IVaultStore store = storage.Provider.ToUpperInvariant() switch
        {
            "SQLITE" => new SqliteVaultStore(storage.SqlitePath),
            "POSTGRES" => new PostgresVaultStore(storage.PostgresConnectionString
                ?? throw new InvalidOperationException("Vault:Storage:PostgresConnectionString (or ...File) is required for postgres.")),
            _ => throw new InvalidOperationException($"Unknown Vault:Storage:Provider '{storage.Provider}'."),
        };
        store.InitializeAsync(CancellationToken.None).GetAwaiter().GetResult();
        return store;
    }

    private static IKeyProtector OpenProtector(KeyOptions keys) => keys.Provider.ToUpperInvariant() switch
    {
        "FILE" => new LocalKeyFileProtector(keys.FilePath),
        "PKCS11" => new Pkcs11KeyProtector(
            keys.Pkcs11Library ?? throw new InvalidOperationException("Vault:Keys:Pkcs11Library is required."),
            keys.Pkcs11TokenLabel ?? throw new InvalidOperationException("Vault:Keys:Pkcs11TokenLabel is required."),
            keys.Pkcs11Pin ?? throw new InvalidOperationException("Vault:Keys:Pkcs11Pin (or Vault:Keys:Pkcs11PinFile) is required."),
            keys.Pkcs11KeyLabel),
        _ => throw new InvalidOperationException($"Unknown Vault:Keys:Provider '{keys.Provider}'."),
    };
}
