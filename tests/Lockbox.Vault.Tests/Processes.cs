using System.Diagnostics;

namespace Lockbox.Vault.Tests;

/// <summary>A network attacker as its own process: Proxy/rewriting_proxy.py in front of a vault, on 127.0.0.1 and a free port.</summary>
public sealed class AttackerProxy : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _log;

    private AttackerProxy(Process process, string log, Uri address)
    {
        _process = process;
        _log = log;
        Address = address;
    }

    /// <summary>Where clients reach the vault through the proxy.</summary>
    public Uri Address { get; }

    /// <summary>Every request it forwarded, as "METHOD PATH STATUS", and the finish replies it saw.</summary>
    public string[] Log => File.Exists(_log) ? File.ReadAllLines(_log) : [];

    /// <summary>The requests it forwarded to <paramref name="path"/> (e.g. "/v1/registration/finish").</summary>
    public int Forwarded(string path) => Log.Count(line => line.StartsWith("POST " + path + " ", StringComparison.Ordinal));

    /// <summary>Starts the proxy in <paramref name="mode"/> (see the script) in front of <paramref name="vault"/>.</summary>
    public static async Task<AttackerProxy> StartAsync(Uri vault, string mode, string folder)
    {
        string log = Path.Combine(folder, $"proxy-{mode}-{Guid.NewGuid():N}.log");
        var start = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Proxy", "rewriting_proxy.py"));
        start.ArgumentList.Add(vault.GetLeftPart(UriPartial.Authority));
        start.ArgumentList.Add(mode);
        start.ArgumentList.Add(log);
        var process = Process.Start(start)!;
        string? first = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
        if (first is null || !first.StartsWith("PORT ", StringComparison.Ordinal))
        {
            string error = await process.StandardError.ReadToEndAsync();
            throw new InvalidOperationException($"The proxy did not start: {first} {error}");
        }

        return new AttackerProxy(process, log, new Uri($"http://127.0.0.1:{first[5..]}/"));
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}

/// <summary>The lockbox command as its own process, as a user runs it.</summary>
public static class CliProcess
{
    /// <summary>Runs `lockbox <paramref name="args"/>` with <paramref name="stdin"/> as its input; returns its exit code, stdout and stderr.</summary>
    public static async Task<(int Exit, string Output, string Error)> RunAsync(string? stdin, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Lockbox.Cli.dll"));
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (string variable in new[] { "LOCKBOX_VAULT", "LOCKBOX_VAULT_PUBLIC_KEY", "LOCKBOX_VAULT_TOKEN", "LOCKBOX_KEY", "LOCKBOX_REPO", "LOCKBOX_DEVICE" })
        {
            start.Environment.Remove(variable);
        }

        using var process = Process.Start(start)!;
        await process.StandardInput.WriteAsync(stdin ?? "");
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        string error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output, error);
    }
}
