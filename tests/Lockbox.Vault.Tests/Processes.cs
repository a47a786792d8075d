using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

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

/// <summary>A free TCP port on 127.0.0.1, for a server that must be told its port before it starts.</summary>
public static class TestPorts
{
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>
/// lockbox-vault as its own process, started as README.md says: settings on the command line, the
/// signing key (and a PostgreSQL connection string) in the environment, DOTNET_EnableDiagnostics=0.
/// <paramref name="args"/> are added to the command line; an <paramref name="environment"/> entry
/// sets a variable, or with a null value removes it. <paramref name="umask"/> (e.g. "000") starts it
/// under that umask, through sh.
/// </summary>
public sealed class VaultProcess(VaultBackend backend, int port, IEnumerable<string>? args = null, IDictionary<string, string?>? environment = null, string? umask = null)
    : IAsyncDisposable
{
    private readonly ConcurrentQueue<string> _output = new();
    private Process? _process;

    public bool Running => _process is { HasExited: false };

    /// <summary>The process id; with a umask, sh has exec'd the vault in its place.</summary>
    public int Id => _process!.Id;

    public int ExitCode => _process!.ExitCode;

    /// <summary>Every line it wrote to stdout and stderr.</summary>
    public string Output => string.Join("\n", _output);

    /// <summary>Where it serves the vault's API.</summary>
    public Uri Address => new($"http://127.0.0.1:{port}/");

    /// <summary>Starts it and waits until it listens; throws if it exits first.</summary>
    public async Task StartAsync()
    {
        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = Launch(line =>
        {
            if (line.Contains("Now listening on", StringComparison.Ordinal))
            {
                listening.TrySetResult();
            }
        });
        process.Exited += (_, _) => listening.TrySetException(new InvalidOperationException($"lockbox-vault exited with {process.ExitCode} before listening:\n{Output}"));
        process.EnableRaisingEvents = true;
        if (process.HasExited)
        {
            listening.TrySetException(new InvalidOperationException($"lockbox-vault exited with {process.ExitCode} before listening:\n{Output}"));
        }

        await listening.Task.WaitAsync(TimeSpan.FromSeconds(60));
    }

    /// <summary>Starts it and waits for it to exit by itself, as it does when it refuses its settings; returns the exit code.</summary>
    public async Task<int> RunToExitAsync()
    {
        var process = Launch(_ => { });
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return process.ExitCode;
    }

    /// <summary>SIGKILL, as kill -9 does.</summary>
    public void Kill()
    {
        _process!.Kill();
        _process.WaitForExit();
    }

    private Process Launch(Action<string> onLine)
    {
        _process?.Dispose();
        var start = new ProcessStartInfo(umask is null ? "dotnet" : "sh") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (umask is not null)
        {
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add($"umask {umask} && exec \"$0\" \"$@\"");
            start.ArgumentList.Add("dotnet");
        }

        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "lockbox-vault.dll"));
        foreach (string arg in (string[])[
            $"--urls=http://127.0.0.1:{port}",
            $"--Vault:Storage:Provider={(backend.Store == StoreKind.Sqlite ? "sqlite" : "postgres")}",
            $"--Vault:Storage:SqlitePath={backend.SqliteFile}",
            "--Vault:Keys:Provider=file",
            $"--Vault:Keys:FilePath={backend.KeyFile}",
            "--Vault:RateLimit:Enabled=false",
            "--Vault:LoginDelaySeconds=0", // the delays are LoginDelayTests'; these processes burn tries at once
            "--Logging:LogLevel:Default=Warning",
            "--Logging:LogLevel:Microsoft.Hosting.Lifetime=Information",
            .. args ?? []])
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["DOTNET_EnableDiagnostics"] = "0";
        start.Environment["Vault__Jwt__SigningKey"] = Convert.ToBase64String(VaultHost.SigningKey);
        if (backend.PostgresConnectionString is not null)
        {
            start.Environment["Vault__Storage__PostgresConnectionString"] = backend.PostgresConnectionString;
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Line(e.Data);
        process.ErrorDataReceived += (_, e) => Line(e.Data);
        void Line(string? line)
        {
            if (line is not null)
            {
                _output.Enqueue(line);
                onLine(line);
            }
        }

        process.Start();
        _process = process;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    public ValueTask DisposeAsync()
    {
        if (Running)
        {
            Kill();
        }

        _process?.Dispose();
        return ValueTask.CompletedTask;
    }
}
