namespace Lockbox.Vault.Server;

/// <summary>
/// The .NET runtime's diagnostics socket ($TMPDIR/dotnet-diagnostic-PID-*-socket) lets any process of
/// the same user dump the vault's memory, the unwrapped server keys included. Only
/// DOTNET_EnableDiagnostics=0 in the environment the runtime starts with closes it (runtimeconfig.json
/// has no such setting, and setting it from managed code is too late), so the vault can only warn.
/// </summary>
internal static partial class DiagnosticsPort
{
    /// <summary>Logs a warning unless the environment turned the runtime's diagnostics (or its IPC socket alone) off.</summary>
    public static void WarnIfOpen(ILogger logger)
    {
        if (!Off("DOTNET_EnableDiagnostics") && !Off("COMPlus_EnableDiagnostics") && !Off("DOTNET_EnableDiagnostics_IPC"))
        {
            LogOpen(logger);
        }
    }

    private static bool Off(string variable) => Environment.GetEnvironmentVariable(variable)?.Trim() == "0";

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "The .NET diagnostics socket is open: processes of this user can dump the vault's memory. Start it with DOTNET_EnableDiagnostics=0 in its environment (deploy/lockbox-vault.service does)")]
    private static partial void LogOpen(ILogger logger);
}
