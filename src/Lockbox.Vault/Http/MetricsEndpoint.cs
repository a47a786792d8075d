using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Lockbox.Vault.Server.Http;

/// <summary>
/// Serves /metrics where Vault:Metrics says: on a port of its own (loopback by default), behind a
/// bearer token, both, or nowhere. Never anonymously on the public port (see <see cref="MetricsOptions"/>).
/// The port is told apart by the connection's local port, not by the Host header, which the client writes.
/// </summary>
internal static partial class MetricsEndpoint
{
    private const string Path = "/metrics";

    /// <summary>Adds the metrics port's address and the middleware that keeps each port to its own requests; maps /metrics.</summary>
    public static void Map(WebApplication app, MetricsOptions metrics)
    {
        if (!metrics.Enabled)
        {
            return;
        }

        if (metrics.Port is null && metrics.Token is null)
        {
            LogNotServed(app.Logger);
            return;
        }

        if (metrics.Port is int port)
        {
            Listen(app, metrics.Address, port);
            // The metrics port serves /metrics and nothing else.
            app.Use((context, next) => context.Connection.LocalPort == port && context.Request.Path != Path ? NotFound(context) : next(context));
        }

        byte[]? tokenHash = metrics.Token is null ? null : SHA256.HashData(Encoding.UTF8.GetBytes(metrics.Token));
        app.MapPrometheusScrapingEndpoint(Path, meterProvider: null, configureBranchedPipeline: branch => branch.Use((context, next) =>
        {
            if (metrics.Port is int only && context.Connection.LocalPort != only)
            {
                return NotFound(context);
            }

            if (tokenHash is not null && !Presents(context.Request, tokenHash))
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                context.Response.Headers.WWWAuthenticate = "Bearer";
                return Task.CompletedTask;
            }

            return next(context);
        }), optionsName: null).AllowAnonymous();
    }

    /// <summary>
    /// Adds http://address:port to the addresses Kestrel binds. Naming any address stops the host from
    /// reading the configured ones (--urls, ASPNETCORE_URLS, HTTP_PORTS), so those are named too, as the
    /// host would have read them. Kestrel:Endpoints replaces all of these: with it, the operator
    /// declares the metrics endpoint there as well.
    /// </summary>
    private static void Listen(WebApplication app, string address, int port)
    {
        if (app.Configuration.GetSection("Kestrel:Endpoints").Exists())
        {
            return;
        }

        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses;
        if (addresses is null || addresses.IsReadOnly)
        {
            return; // an in-memory test server: no ports
        }

        if (addresses.Count == 0)
        {
            foreach (string url in ConfiguredUrls(app.Configuration))
            {
                addresses.Add(url);
            }
        }

        string host = address.Contains(':', StringComparison.Ordinal) && !address.StartsWith('[') ? $"[{address}]" : address;
        string metricsUrl = $"http://{host}:{port}";
        addresses.Add(metricsUrl);
        LogServed(app.Logger, metricsUrl + Path);
    }

    /// <summary>The addresses the web host would bind without this class: urls, else HTTP_PORTS and HTTPS_PORTS, else Kestrel's default.</summary>
    private static string[] ConfiguredUrls(IConfiguration configuration)
    {
        const StringSplitOptions Split = StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries;
        string? urls = configuration["urls"];
        if (!string.IsNullOrWhiteSpace(urls))
        {
            return urls.Split(';', Split);
        }

        string[] fromPorts =
        [
            .. (configuration["http_ports"] ?? "").Split(';', Split).Select(p => $"http://*:{p}"),
            .. (configuration["https_ports"] ?? "").Split(';', Split).Select(p => $"https://*:{p}"),
        ];
        return fromPorts.Length > 0 ? fromPorts : ["http://localhost:5000"];
    }

    /// <summary>True when the request carries "Authorization: Bearer" and the token whose SHA-256 is <paramref name="tokenHash"/>.</summary>
    private static bool Presents(HttpRequest request, byte[] tokenHash)
    {
        const string Scheme = "Bearer ";
        string? header = request.Headers.Authorization;
        if (header is null || !header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        // Hashes of equal length, so the comparison takes the same time whatever the presented token's length.
        byte[] presented = SHA256.HashData(Encoding.UTF8.GetBytes(header[Scheme.Length..].Trim()));
        return CryptographicOperations.FixedTimeEquals(presented, tokenHash);
    }

    private static Task NotFound(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status404NotFound;
        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Metrics are served at {Url}")]
    private static partial void LogServed(ILogger logger, string url);

    [LoggerMessage(Level = LogLevel.Information, Message = "Metrics are not served: set Vault:Metrics:Port for a port of their own, or Vault:Metrics:Token")]
    private static partial void LogNotServed(ILogger logger);
}
