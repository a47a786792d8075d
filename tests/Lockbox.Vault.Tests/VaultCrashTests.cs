using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Lockbox.Opaque;
using Xunit.Abstractions;

namespace Lockbox.Vault.Tests;

/// <summary>
/// kill -9 of a real lockbox-vault process under concurrent wrong-password load, then a restart on
/// the same database: no counter ever goes backwards, and no account's attacker ever gets more KE2s
/// (evaluated guesses) than the limit.
/// </summary>
public sealed class VaultCrashTests(ITestOutputHelper log) : VaultTestBase
{
    private const int Limit = 10;
    private const int Accounts = 4;

    public static TheoryData<StoreKind> Stores()
    {
        var data = new TheoryData<StoreKind> { StoreKind.Sqlite };
        if (TestEnvironment.MustRun(TestEnvironment.PostgresVariable))
        {
            data.Add(StoreKind.Postgres);
        }

        return data;
    }

    [Theory, MemberData(nameof(Stores))]
    public async Task Killing_the_vault_under_wrong_password_load_never_rolls_a_counter_back_or_grants_an_extra_guess(StoreKind store)
    {
        const int seed = 4242;
        log.WriteLine($"seed {seed}");
        var random = new Random(seed);
        var backend = NewBackend(store);
        int port = TestPorts.Free();
        await using var vault = new VaultProcess(backend, port, [$"--Vault:AttemptLimit={Limit}", "--Vault:LoginTimeoutSeconds=1"]);
        await vault.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
        var pinned = Convert.FromBase64String((await http.GetFromJsonAsync<JsonElement>("v1/vault-info")).GetProperty("publicKey").GetString()!);
        for (int i = 0; i < Accounts; i++)
        {
            var client = new VaultClient(http, new VaultClientOptions
            {
                PinnedPublicKey = pinned,
                AccessToken = _ => ValueTask.FromResult(VaultHost.Token($"user-{i}")),
                KsfMemoryKiB = 8,
                KsfIterations = 1,
            });
            await client.EnableAsync(BackupKey, "the right password");
        }

        var attackers = Enumerable.Range(0, Accounts).Select(i => new Attacker($"user-{i}")).ToArray();
        var floor = new int[Accounts]; // the lowest each counter may be: every KE2 an attacker has seen was counted
        const int Kills = 4;
        for (int cycle = 0; cycle <= Kills; cycle++)
        {
            // A fresh connection pool per vault process: the old connections died with it.
            using (var load = new HttpClient { BaseAddress = http.BaseAddress })
            {
                // Kill once a random number of guesses have been answered, with the other attackers' requests in flight.
                var killPoint = new KillPoint(cycle < Kills ? 1 + random.Next(6) : int.MaxValue);
                var running = attackers.Select(a => a.RunAsync(load, killPoint)).ToArray();
                if (cycle < Kills)
                {
                    await killPoint.Reached;
                    vault.Kill();
                }

                await Task.WhenAll(running); // each ends when the vault dies or destroys its key
            }

            if (!vault.Running)
            {
                await vault.StartAsync();
            }

            for (int i = 0; i < Accounts; i++)
            {
                Assert.True(attackers[i].Ke2Received <= Limit, $"{attackers[i].Account} got {attackers[i].Ke2Received} KE2s");
                int? attempts = await AttemptsAsync(backend, attackers[i].Account);
                if (attempts is null)
                {
                    continue; // destroyed: its attacker stopped at the 410 and never sees a real KE2 again
                }

                Assert.True(attempts >= floor[i] && attempts >= attackers[i].Ke2Received,
                    $"{attackers[i].Account}: counter {attempts} after restart {cycle}, but {attackers[i].Ke2Received} KE2s were seen (floor {floor[i]})");
                floor[i] = attempts.Value;
            }
        }

        log.WriteLine($"{Kills} kills, {attackers.Sum(a => a.CutOff)} requests cut off by them; KE2s per account: {string.Join(", ", attackers.Select(a => a.Ke2Received))}");
        Assert.True(attackers.Sum(a => a.CutOff) >= Kills, "the kills did not land under load");
        Assert.All(attackers, a => Assert.True(a.Destroyed, $"{a.Account} was not locked out"));
        Assert.All(attackers, a => Assert.InRange(a.Ke2Received, 1, Limit));
    }

    /// <summary>The account's counter, read straight from the database; null once the record is destroyed.</summary>
    private static async Task<int?> AttemptsAsync(VaultBackend backend, string account)
    {
        const string Sql = "SELECT c.attempts FROM vault_counters c JOIN vault_accounts a ON a.account = c.account AND a.record_id = c.record_id WHERE c.account = @account AND a.record IS NOT NULL";
        System.Data.Common.DbConnection connection = backend.Store == StoreKind.Sqlite
            ? new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={backend.SqliteFile};Mode=ReadOnly;Pooling=False")
            : new Npgsql.NpgsqlConnection(backend.PostgresConnectionString);
        await using (connection)
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = Sql;
            var parameter = command.CreateParameter();
            parameter.ParameterName = "account";
            parameter.Value = account;
            command.Parameters.Add(parameter);
            return await command.ExecuteScalarAsync() is { } value ? Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture) : null;
        }
    }

    /// <summary>One account's attacker: wrong passwords one after another until the vault destroys the key.</summary>
    private sealed class Attacker(string account)
    {
        public string Account => account;

        public int Ke2Received { get; private set; }

        public bool Destroyed { get; private set; }

        /// <summary>Requests that the vault never answered because it was killed.</summary>
        public int CutOff { get; private set; }

        public async Task RunAsync(HttpClient http, KillPoint killPoint)
        {
            while (!Destroyed)
            {
                try
                {
                    await GuessAsync(http, killPoint);
                }
                catch (HttpRequestException)
                {
                    CutOff++;
                    return; // the vault is down: wait for the restart
                }
            }
        }

        private async Task GuessAsync(HttpClient http, KillPoint killPoint)
        {
            var stop = CancellationToken.None;
            using var login = ClientLogin.Start(Encoding.UTF8.GetBytes("a wrong password"), out var ke1);
            using var start = await PostAsync(http, "v1/login/start", new { ke1 = Convert.ToBase64String(ke1.ToArray()) }, stop);
            if (start.StatusCode == HttpStatusCode.Gone)
            {
                Destroyed = true;
                return;
            }

            if (start.StatusCode == HttpStatusCode.Conflict)
            {
                // The final attempt was cut off by a kill and has not expired yet (a one-second login timeout here).
                await Task.Delay(TimeSpan.FromMilliseconds(250), stop);
                return;
            }

            Assert.Equal(HttpStatusCode.OK, start.StatusCode);
            var reply = await start.Content.ReadFromJsonAsync<JsonElement>(stop);
            Ke2Received++;
            killPoint.Answered();
            using var finish = await PostAsync(http, "v1/login/finish", new
            {
                loginId = reply.GetProperty("loginId").GetString(),
                ke3 = Convert.ToBase64String(RandomNumberGenerator.GetBytes(64)),
                state = reply.GetProperty("state").GetString(),
            }, stop);
            if (finish.StatusCode == HttpStatusCode.Gone)
            {
                Destroyed = true;
                return;
            }

            Assert.Contains(finish.StatusCode, new[] { HttpStatusCode.Forbidden, HttpStatusCode.Conflict });
        }

        private async Task<HttpResponseMessage> PostAsync(HttpClient http, string path, object body, CancellationToken stop)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", VaultHost.Token(account));
            return await http.SendAsync(request, stop);
        }
    }

    /// <summary>Fires once the given number of KE2s have been answered in this cycle.</summary>
    private sealed class KillPoint(int after)
    {
        private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _answered;

        public Task Reached => _reached.Task;

        public void Answered()
        {
            if (Interlocked.Increment(ref _answered) == after)
            {
                _reached.TrySetResult();
            }
        }
    }
}
