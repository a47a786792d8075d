using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;

namespace Lockbox.Opaque.Tests.Interop;

/// <summary>
/// opaque-ke (Rust) as the npm package @serenity-kit/opaque, run by node from Interop/opaque-ke-peer.mjs
/// in its own process and driven with one JSON object per line. test.sh installs the package
/// (tests/services/opaque-ke.sh) and sets <see cref="ModulesVariable"/>; nothing is installed here.
/// </summary>
internal sealed class OpaqueKePeer : IAsyncDisposable
{
    /// <summary>The node_modules folder that holds @serenity-kit/opaque.</summary>
    public const string ModulesVariable = "LOCKBOX_TEST_OPAQUE_KE_DIR";

    /// <summary>The node binary; "node" on the PATH when unset.</summary>
    public const string NodeVariable = "LOCKBOX_TEST_NODE";

    /// <summary>The version tests/services/opaque-ke.sh pins.</summary>
    public const string PinnedVersion = "1.1.0";

    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromMinutes(2);

    private readonly Process _process;
    private readonly string _workDirectory;
    private readonly StringBuilder _stderr = new();
    private int _nextId;

    private OpaqueKePeer(Process process, string workDirectory)
    {
        _process = process;
        _workDirectory = workDirectory;
    }

    /// <summary>
    /// Starts the peer, or returns null when <see cref="ModulesVariable"/> is unset, so the test passes
    /// without running. With CI=true a missing package fails the test instead.
    /// </summary>
    public static async Task<OpaqueKePeer?> StartAsync()
    {
        string? modules = Environment.GetEnvironmentVariable(ModulesVariable);
        if (modules is null)
        {
            if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException(
                    $"{ModulesVariable} is not set; test.sh installs @serenity-kit/opaque (tests/services/opaque-ke.sh) and sets it.");
            }

            return null;
        }

        string script = Path.Combine(AppContext.BaseDirectory, "Interop", "opaque-ke-peer.mjs");
        string workDirectory = Directory.CreateTempSubdirectory("lockbox-opaque-ke-").FullName;
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable(NodeVariable) ?? "node")
        {
            WorkingDirectory = workDirectory,
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardInputEncoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        start.ArgumentList.Add(script);
        start.ArgumentList.Add(modules);

        var process = new Process { StartInfo = start };
        var peer = new OpaqueKePeer(process, workDirectory);
        process.ErrorDataReceived += (_, e) =>
        {
            lock (peer._stderr)
            {
                peer._stderr.AppendLine(e.Data);
            }
        };
        try
        {
            process.Start();
            process.BeginErrorReadLine();
            JsonNode hello = await peer.ReadReplyAsync();
            if (hello["ready"]?.GetValue<bool>() != true)
            {
                throw new InvalidOperationException($"The opaque-ke peer did not start: {hello.ToJsonString()}");
            }

            peer.Version = (string?)hello["version"] ?? "";
            return peer;
        }
        catch
        {
            await peer.DisposeAsync();
            throw;
        }
    }

    /// <summary>The installed @serenity-kit/opaque version, as the peer read it from its package.json.</summary>
    public string Version { get; private set; } = "";

    /// <summary>
    /// Calls one package function, such as "client.startLogin", with <paramref name="parameters"/> as its
    /// one argument, and returns its result (null for undefined). A JavaScript exception becomes
    /// <see cref="OpaqueKeException"/>.
    /// </summary>
    public async Task<JsonNode?> CallAsync(string call, JsonNode? parameters = null)
    {
        int id = ++_nextId;
        var request = new JsonObject { ["id"] = id, ["call"] = call, ["params"] = parameters };
        await _process.StandardInput.WriteLineAsync(request.ToJsonString());
        await _process.StandardInput.FlushAsync();

        JsonNode reply = await ReadReplyAsync();
        if ((int?)reply["id"] != id)
        {
            throw new InvalidOperationException($"The opaque-ke peer answered out of turn: {reply.ToJsonString()}");
        }

        if (reply["error"] is JsonNode error)
        {
            throw new OpaqueKeException(call, (string?)error ?? "");
        }

        return reply["result"];
    }

    private async Task<JsonNode> ReadReplyAsync()
    {
        using var timeout = new CancellationTokenSource(ReplyTimeout);
        string? line;
        try
        {
            line = await _process.StandardOutput.ReadLineAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"The opaque-ke peer did not answer within {ReplyTimeout}. Its stderr:\n{Stderr()}");
        }

        if (line is null)
        {
            throw new InvalidOperationException($"The opaque-ke peer exited. Its stderr:\n{Stderr()}");
        }

        return JsonNode.Parse(line) ?? throw new InvalidOperationException("The opaque-ke peer wrote null.");
    }

    private string Stderr()
    {
        lock (_stderr)
        {
            return _stderr.ToString();
        }
    }

    /// <summary>Closes the peer's stdin, which ends it; kills it if it has not exited after 10 s.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            try
            {
                _process.StandardInput.Close();
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await _process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // Never started.
            }
        }
        finally
        {
            _process.Dispose();
            Directory.Delete(_workDirectory, recursive: true);
        }
    }
}

/// <summary>A JavaScript exception thrown inside the opaque-ke peer.</summary>
internal sealed class OpaqueKeException(string call, string message) : Exception($"{call}: {message}");
