using Microsoft.Extensions.Options;

namespace Lockbox.Vault.Server;

/// <summary>
/// Loads the secrets before the server accepts requests (hosted services start first), then sweeps
/// expired logins and abandoned final attempts every Vault:SweepIntervalSeconds, on the injected clock.
/// </summary>
internal sealed partial class VaultBackground(VaultService vault, TimeProvider time, IOptions<VaultOptions> options, ILogger<VaultBackground> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.SweepIntervalSeconds), time);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                await vault.SweepAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogSweepFailed(logger, e);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Sweep failed; it will run again")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
