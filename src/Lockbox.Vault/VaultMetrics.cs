using System.Diagnostics.Metrics;

namespace Lockbox.Vault.Server;

/// <summary>The vault's own OpenTelemetry instruments (meter "Lockbox.Vault"); request latency comes from ASP.NET Core's meter.</summary>
public sealed class VaultMetrics : IDisposable
{
    /// <summary>The meter name to export.</summary>
    public const string MeterName = "Lockbox.Vault";

    private readonly Meter _meter;

    /// <summary>Creates the instruments.</summary>
    public VaultMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _meter = meterFactory.Create(MeterName);
        Registrations = _meter.CreateCounter<long>("lockbox_vault_registrations", description: "Records stored (new or replaced).");
        LoginsSucceeded = _meter.CreateCounter<long>("lockbox_vault_logins_succeeded", description: "Verified KE3s; a key was released.");
        LoginsFailed = _meter.CreateCounter<long>("lockbox_vault_logins_failed", description: "KE3s that did not verify.");
        Lockouts = _meter.CreateCounter<long>("lockbox_vault_lockouts", description: "Records deleted after the last allowed attempt failed or was abandoned.");
        LoginLatency = _meter.CreateHistogram<double>("lockbox_vault_login_stage_duration", "ms", "Server time per login stage.");
    }

    /// <summary>Registrations.</summary>
    public Counter<long> Registrations { get; }

    /// <summary>Successful logins.</summary>
    public Counter<long> LoginsSucceeded { get; }

    /// <summary>Failed logins.</summary>
    public Counter<long> LoginsFailed { get; }

    /// <summary>Records destroyed by the guess limit.</summary>
    public Counter<long> Lockouts { get; }

    /// <summary>Latency of login/start and login/finish.</summary>
    public Histogram<double> LoginLatency { get; }

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();
}
