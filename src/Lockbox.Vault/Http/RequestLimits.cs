using System.Security.Claims;
using System.Threading.RateLimiting;
using Lockbox.Vault.Protocol;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Lockbox.Vault.Server.Http;

/// <summary>
/// The vault's request limits, all in memory, on top of the durable guess counter and login/start
/// window (kept with the counter, see <see cref="VaultService.StartLoginAsync"/>):
/// <list type="bullet">
/// <item>per client address (<see cref="ClientAddress"/>), before authentication, so a flood of bad
/// tokens is refused without a signature check and never turns into a database write;</item>
/// <item>per account, after authentication, for every endpoint but the login, whose start is limited
/// durably and whose finish never is (a right password is never lost to a 429).</item>
/// </list>
/// X-Forwarded-For is read only from the addresses in Vault:TrustedProxies.
/// </summary>
public static class RequestLimits
{
    /// <summary>Registers the limiters and the forwarded-headers rule.</summary>
    public static void AddRequestLimits(this IServiceCollection services)
    {
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<VaultOptions>>((limiter, vault) =>
        {
            int perIp = vault.Value.RateLimit.PerIpPerMinute;
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http => RateLimitPartition.GetFixedWindowLimiter(
                ClientAddress.PartitionKey(http.Connection.RemoteIpAddress), _ => Window(perIp)));
            limiter.OnRejected = (rejected, cancellationToken) =>
                WriteRejectionAsync(rejected.HttpContext, rejected.Lease, "Too many requests from this address; no try was counted.");
        });

        services.AddSingleton(sp => new AccountLimiter(sp.GetRequiredService<IOptions<VaultOptions>>().Value.RateLimit.PerAccountPerMinute));
        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<VaultOptions>>((forwarded, vault) =>
        {
            // Nothing is trusted by default: ASP.NET Core would otherwise trust loopback, and a vault
            // behind no proxy would let any local client pick the address it is limited under.
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor;
            forwarded.ForwardLimit = 1;
            forwarded.KnownProxies.Clear();
            forwarded.KnownIPNetworks.Clear();
            foreach (string proxy in vault.Value.TrustedProxies)
            {
                forwarded.KnownProxies.Add(System.Net.IPAddress.Parse(proxy));
            }
        });
    }

    /// <summary>The per-address limit goes first, before authentication; the per-account limit after it.</summary>
    public static void UseAddressLimit(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var vault = app.Services.GetRequiredService<IOptions<VaultOptions>>().Value;
        if (vault.TrustedProxies.Length > 0)
        {
            app.UseForwardedHeaders();
        }

        if (vault.RateLimit.Enabled)
        {
            app.UseRateLimiter();
        }
    }

    /// <summary>The per-account limit, after authentication.</summary>
    public static void UseAccountLimit(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (!app.Services.GetRequiredService<IOptions<VaultOptions>>().Value.RateLimit.Enabled)
        {
            return;
        }

        var limiter = app.Services.GetRequiredService<AccountLimiter>();
        app.Use(async (http, next) =>
        {
            if (http.User.FindFirstValue("sub") is not { } account || IsLogin(http.Request.Path))
            {
                await next(http).ConfigureAwait(false);
                return;
            }

            using var lease = limiter.Acquire(account);
            if (!lease.IsAcquired)
            {
                await WriteRejectionAsync(http, lease, "Too many requests for this account; nothing was changed.").ConfigureAwait(false);
                return;
            }

            await next(http).ConfigureAwait(false);
        });
    }

    private static readonly PathString LoginStart = "/" + VaultPaths.LoginStart;
    private static readonly PathString LoginFinish = "/" + VaultPaths.LoginFinish;

    private static bool IsLogin(PathString path) => path.Equals(LoginStart) || path.Equals(LoginFinish);

    private static ValueTask WriteRejectionAsync(HttpContext http, RateLimitLease lease, string detail)
    {
        var wait = lease.TryGetMetadata(MetadataName.RetryAfter, out TimeSpan retryAfter) ? retryAfter : TimeSpan.FromMinutes(1);
        return ProblemHandler.WriteAsync(http, VaultProblemException.RateLimited(detail, wait));
    }

    private static FixedWindowRateLimiterOptions Window(int permits) => new()
    {
        PermitLimit = permits,
        Window = TimeSpan.FromMinutes(1),
        QueueLimit = 0,
    };

    /// <summary>One fixed window per account, in memory.</summary>
    public sealed class AccountLimiter(int perMinute) : IDisposable
    {
        private readonly PartitionedRateLimiter<string> _limiter =
            PartitionedRateLimiter.Create<string, string>(account => RateLimitPartition.GetFixedWindowLimiter(account, _ => Window(perMinute)));

        /// <summary>Takes one permit for <paramref name="account"/>.</summary>
        public RateLimitLease Acquire(string account) => _limiter.AttemptAcquire(account);

        /// <inheritdoc />
        public void Dispose() => _limiter.Dispose();
    }
}
