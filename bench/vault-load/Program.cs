// vault-load: starts lockbox-vault as its own process on 127.0.0.1, registers accounts, then runs
// full password logins (KE1 -> KE2 -> KE3 -> key release, as VaultClient.RecoverAsync does) and
// reports throughput, latency and the vault process's CPU time from /proc/<pid>/stat.
//
// Clients use Argon2id at its minimum cost (8 KiB, 1 pass) so the machine's cores go to the vault;
// the vault does no KSF work, so its figures do not depend on this choice.
//
// usage: vault-load --store sqlite|postgres [--pg CONNSTRING] [--concurrency 8] [--logins 3000] [--warmup 4000] [--accounts 200]
//                   [--vault-args "--Vault:Metrics:Enabled=false ..."] [--vault-cpu N] [--mode login|challenge|health]   (challenge: HTTP + JWT + one insert; health: HTTP only — to split framework from protocol cost)
using System.Diagnostics;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Lockbox.Vault.Client;
using Npgsql;

var options = Args.Parse(args);
string folder = Directory.CreateTempSubdirectory("vault-load-").FullName;
byte[] signingKey = RandomNumberGenerator.GetBytes(32);
string storeArgs = options.Store == "postgres"
    ? "--Vault:Storage:Provider=postgres"
    : $"--Vault:Storage:Provider=sqlite --Vault:Storage:SqlitePath={folder}/vault.db";
int port = FreePort();
int metricsPort = FreePort();
string vaultDll = options.VaultDll ?? FindVaultDll();
// --vault-cpu N runs the vault on that core alone (taskset), the load generator and PostgreSQL on the others.
var start = new ProcessStartInfo(options.VaultCpu is null ? "dotnet" : "taskset",
    (options.VaultCpu is null ? "" : $"-c {options.VaultCpu} dotnet ") +
    $"{vaultDll} --urls=http://127.0.0.1:{port} {storeArgs} --Vault:Keys:FilePath={folder}/vault.key --Vault:Metrics:Port={metricsPort} " +
    $"--Vault:RateLimit:Enabled=false --Logging:LogLevel:Default=Warning {options.VaultArgs}")
{
    UseShellExecute = false,
    RedirectStandardOutput = true,
    RedirectStandardError = true,
    WorkingDirectory = folder,
};
// Secrets go in the environment: the vault refuses them among its arguments, which every local user can read.
start.Environment["Vault__Jwt__SigningKey"] = Convert.ToBase64String(signingKey);
if (options.Store == "postgres")
{
    start.Environment["Vault__Storage__PostgresConnectionString"] = await FreshSchemaAsync(options.Postgres!);
}

var vault = Process.Start(start)!;
vault.OutputDataReceived += (_, e) => { if (e.Data is not null) { Console.Error.WriteLine("vault: " + e.Data); } };
vault.ErrorDataReceived += (_, e) => { if (e.Data is not null) { Console.Error.WriteLine("vault: " + e.Data); } };
vault.BeginOutputReadLine();
vault.BeginErrorReadLine();

try
{
    using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = options.Concurrency * 2 })
    {
        BaseAddress = new Uri($"http://127.0.0.1:{port}/"),
    };
    using var metrics = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{metricsPort}/") };
    await WaitHealthyAsync(http);
    var info = await http.GetFromJsonAsync<Info>("v1/vault-info");
    byte[] pinned = Convert.FromBase64String(info!.PublicKey);

    var clients = new VaultClient[options.Accounts];
    byte[] backupKey = RandomNumberGenerator.GetBytes(32);
    for (int i = 0; i < clients.Length; i++)
    {
        string token = Jwt.Mint(signingKey, $"load-{i}");
        clients[i] = new VaultClient(http, new VaultClientOptions
        {
            PinnedPublicKey = pinned,
            AccessToken = _ => ValueTask.FromResult(token),
            KsfMemoryKiB = 8,
            KsfIterations = 1,
        });
        await clients[i].EnableAsync(backupKey, "load password");
    }

    if (options.Mode is "challenge" or "health")
    {
        // Cost of the HTTP + JWT + one-row-insert path alone, without OPAQUE: separates framework from protocol cost.
        string token = Jwt.Mint(signingKey, "load-0");
        async Task Challenges(int n)
        {
            int left = n;
            await Task.WhenAll(Enumerable.Range(0, options.Concurrency).Select(async _ =>
            {
                while (Interlocked.Decrement(ref left) >= 0)
                {
                    using var request = options.Mode == "health"
                        ? new HttpRequestMessage(HttpMethod.Get, "healthz")
                        : new HttpRequestMessage(HttpMethod.Post, "v1/challenge") { Content = JsonContent.Create(new { }) };
                    request.Headers.Authorization = new("Bearer", token);
                    using var response = await http.SendAsync(request);
                    response.EnsureSuccessStatusCode();
                }
            }));
        }

        await Challenges(options.Warmup);
        double before = CpuSeconds(vault.Id);
        var clock = Stopwatch.StartNew();
        await Challenges(options.Logins);
        double used = CpuSeconds(vault.Id) - before;
        Console.WriteLine($"{options.Mode}-only: {options.Logins / clock.Elapsed.TotalSeconds:F0} requests/s, vault CPU {used * 1000 / options.Logins:F3} ms per request");
        return;
    }

    // Warm-up until tiered JIT and PGO settle, so the figures are a long-running server's, not its start-up's:
    // at least --warmup logins, then rounds until one costs the JIT under 1% of the vault's CPU.
    // With the vault's metrics off there is no JIT reading (NaN): --warmup alone.
    await RunAsync(clients, options.Concurrency, options.Warmup, null);
    int warmed = options.Warmup;
    for (int round = 0; round < 40 && !double.IsNaN(await JitSecondsAsync(metrics)); round++)
    {
        double jitBefore = await JitSecondsAsync(metrics), roundCpuBefore = CpuSeconds(vault.Id);
        await RunAsync(clients, options.Concurrency, 2000, null);
        warmed += 2000;
        double jit = await JitSecondsAsync(metrics) - jitBefore, roundCpu = CpuSeconds(vault.Id) - roundCpuBefore;
        if (jit < 0.01 * roundCpu)
        {
            break;
        }
    }

    double jitTotal = await JitSecondsAsync(metrics);
    double cpuBefore = CpuSeconds(vault.Id);
    var run = await RunAsync(clients, options.Concurrency, options.Logins, null);
    double cpu = CpuSeconds(vault.Id) - cpuBefore;
    double rate = options.Logins / run.Wall.TotalSeconds;
    Console.WriteLine($"store={options.Store} concurrency={options.Concurrency} logins={options.Logins} accounts={options.Accounts} client-ksf=Argon2id(8 KiB, t=1)");
    Console.WriteLine($"  warm-up: {warmed} logins, vault JIT {jitTotal:F1} s in all, then {await JitSecondsAsync(metrics) - jitTotal:F2} s while measuring");
    Console.WriteLine($"  closed loop: {rate:F0} logins/s, p50 {run.P(0.50):F2} ms, p99 {run.P(0.99):F2} ms");
    Console.WriteLine($"  vault CPU: {cpu:F2} s for {options.Logins} logins = {cpu * 1000 / options.Logins:F3} s per 1,000 logins ({cpu * 1000 / options.Logins:F3} ms per login)");

    double paced = rate * 0.8;
    cpuBefore = CpuSeconds(vault.Id);
    var open = await RunAsync(clients, options.Concurrency * 4, options.Logins / 2, paced);
    cpu = CpuSeconds(vault.Id) - cpuBefore;
    Console.WriteLine($"  open loop at 80% ({paced:F0}/s): p50 {open.P(0.50):F2} ms, p99 {open.P(0.99):F2} ms, vault CPU {cpu * 1000 / (options.Logins / 2):F3} ms per login");
}
finally
{
    vault.Kill();
    await vault.WaitForExitAsync();
    Directory.Delete(folder, recursive: true);
}

static async Task<Run> RunAsync(VaultClient[] clients, int concurrency, int logins, double? ratePerSecond)
{
    var latencies = new double[logins];
    int next = -1;
    var wall = Stopwatch.StartNew();
    async Task Worker()
    {
        int i;
        while ((i = Interlocked.Increment(ref next)) < logins)
        {
            if (ratePerSecond is double rate)
            {
                double due = i / rate * 1000;
                while (wall.Elapsed.TotalMilliseconds < due)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(Math.Max(1, due - wall.Elapsed.TotalMilliseconds)));
                }
            }

            long started = Stopwatch.GetTimestamp();
            byte[] key = await clients[i % clients.Length].RecoverAsync("load password");
            latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            CryptographicOperations.ZeroMemory(key);
        }
    }

    await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(Worker)));
    wall.Stop();
    Array.Sort(latencies);
    return new Run(wall.Elapsed, latencies);
}

// The vault's tiered-JIT time so far, from its Prometheus metrics (System.Runtime meter) on their own port; NaN when metrics are off.
static async Task<double> JitSecondsAsync(HttpClient http)
{
    string text;
    try
    {
        using var response = await http.GetAsync("metrics");
        if (!response.IsSuccessStatusCode)
        {
            return double.NaN;
        }

        text = await response.Content.ReadAsStringAsync();
    }
    catch (HttpRequestException)
    {
        return double.NaN; // metrics off: the port is not even bound
    }

    foreach (string line in text.Split('\n'))
    {
        if (line.StartsWith("dotnet_jit_compilation_time_seconds_total", StringComparison.Ordinal))
        {
            return double.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    return double.NaN;
}

// utime + stime, fields 14 and 15 of /proc/<pid>/stat, in clock ticks (USER_HZ = 100 on Linux).
static double CpuSeconds(int pid)
{
    string stat = File.ReadAllText($"/proc/{pid}/stat");
    string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
    return (long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture)) / 100.0;
}

static async Task WaitHealthyAsync(HttpClient http)
{
    for (int i = 0; i < 300; i++)
    {
        try
        {
            if ((await http.GetAsync("healthz")).IsSuccessStatusCode)
            {
                return;
            }
        }
        catch (HttpRequestException)
        {
        }

        await Task.Delay(100);
    }

    throw new TimeoutException("The vault did not become healthy.");
}

static string FindVaultDll()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        string candidate = Path.Combine(dir.FullName, "src/Lockbox.Vault/bin/Release/net10.0/lockbox-vault.dll");
        if (File.Exists(candidate))
        {
            return candidate;
        }
    }

    throw new FileNotFoundException("Build src/Lockbox.Vault in Release first, or pass --vault-dll.");
}

static int FreePort()
{
    using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
    listener.Start();
    return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
}

static async Task<string> FreshSchemaAsync(string connectionString)
{
    string schema = "load" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
    await using var connection = new NpgsqlConnection(connectionString);
    await connection.OpenAsync();
    await using var command = new NpgsqlCommand($"CREATE SCHEMA {schema}", connection);
    await command.ExecuteNonQueryAsync();
    return new NpgsqlConnectionStringBuilder(connectionString) { SearchPath = schema }.ConnectionString;
}

internal sealed record Info(string PublicKey);

internal sealed record Run(TimeSpan Wall, double[] Sorted)
{
    public double P(double q) => Sorted[Math.Min(Sorted.Length - 1, (int)(q * Sorted.Length))];
}

internal sealed record Args(string Store, string? Postgres, int Concurrency, int Logins, int Warmup, int Accounts, string? VaultDll, string Mode, string VaultArgs, string? VaultCpu)
{
    public static Args Parse(string[] args)
    {
        string Get(string name, string fallback)
        {
            int i = Array.IndexOf(args, name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
        }

        var parsed = new Args(
            Get("--store", "sqlite"),
            Get("--pg", Environment.GetEnvironmentVariable("LOCKBOX_TEST_PG") ?? ""),
            int.Parse(Get("--concurrency", "8"), System.Globalization.CultureInfo.InvariantCulture),
            int.Parse(Get("--logins", "3000"), System.Globalization.CultureInfo.InvariantCulture),
            int.Parse(Get("--warmup", "4000"), System.Globalization.CultureInfo.InvariantCulture),
            int.Parse(Get("--accounts", "200"), System.Globalization.CultureInfo.InvariantCulture),
            Get("--vault-dll", "") is { Length: > 0 } dll ? dll : null,
            Get("--mode", "login"),
            Get("--vault-args", ""),
            Get("--vault-cpu", "") is { Length: > 0 } cpu ? cpu : null);
        if (parsed.Store == "postgres" && string.IsNullOrEmpty(parsed.Postgres))
        {
            throw new ArgumentException("--store postgres needs --pg CONNSTRING (or LOCKBOX_TEST_PG).");
        }

        return parsed;
    }
}

/// <summary>An HS256 JWT like the messaging service would issue (RFC 7519).</summary>
internal static class Jwt
{
    public static string Mint(byte[] key, string account)
    {
        static string B64(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        long exp = DateTimeOffset.UtcNow.AddHours(2).ToUnixTimeSeconds();
        string header = B64(Encoding.UTF8.GetBytes("""{"alg":"HS256","typ":"JWT"}"""));
        string payload = B64(Encoding.UTF8.GetBytes($$"""{"sub":"{{account}}","iss":"lockbox-messaging","aud":"lockbox-vault","exp":{{exp}}}"""));
        string signature = B64(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(header + "." + payload)));
        return $"{header}.{payload}.{signature}";
    }
}
