using System.Net;
using System.Net.Http.Json;
using Lockbox.Vault.Protocol.Contracts;

namespace Lockbox.Vault.Tests;

public class GuessLimitTests : VaultTestBase
{
    public static TheoryData<StoreKind, HostKind> Setups => TestEnvironment.Setups();

    [Theory, MemberData(nameof(Setups))]
    public async Task Fifty_parallel_wrong_attempts_never_evaluate_more_than_ten_guesses(StoreKind store, HostKind kind)
    {
        var host = await StartAsync(store, kind);
        await (await host.ClientAsync("alice")).EnableAsync(BackupKey, "correct horse");
        byte[] ke1 = Ke1();

        var responses = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ =>
            Raw.PostAsync(host, "alice", "v1/login/start", new { ke1 = Convert.ToBase64String(ke1) })));

        Assert.Equal(10, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.All(responses.Where(r => r.StatusCode != HttpStatusCode.OK), r => Assert.Equal(HttpStatusCode.Conflict, r.StatusCode));
        Assert.Equal(10, (await host.Store.GetRecordAsync("alice", default))!.Attempts);
    }

    [Theory, MemberData(nameof(Setups))]
    public async Task Two_vault_nodes_on_one_database_share_one_counter_under_parallel_attempts(StoreKind store, HostKind kind)
    {
        var backend = NewBackend(store);
        var nodes = new[] { await StartAsync(store, kind, backend: backend), await StartAsync(store, HostKind.Kestrel, backend: backend) };
        await (await nodes[0].ClientAsync("alice")).EnableAsync(BackupKey, "correct horse");
        string ke1 = Convert.ToBase64String(Ke1());

        var responses = await Task.WhenAll(Enumerable.Range(0, 40).Select(i =>
            Raw.PostAsync(nodes[i % 2], "alice", "v1/login/start", new { ke1 })));

        Assert.Equal(10, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.Equal(10, (await nodes[1].Store.GetRecordAsync("alice", default))!.Attempts);
    }

    [Theory, MemberData(nameof(Setups))]
    public async Task A_KE2_followed_by_an_abort_still_counts(StoreKind store, HostKind kind)
    {
        var host = await StartAsync(store, kind);
        var client = await host.ClientAsync("alice");
        await client.EnableAsync(BackupKey, "correct horse");

        await Raw.StartLoginAsync(host, "alice", "correct horse"); // abandoned after KE2

        Assert.Equal(8, (await Assert.ThrowsAsync<VaultWrongPasswordException>(() => client.RecoverAsync("wrong"))).TriesLeft);
    }

    [Theory, MemberData(nameof(Setups))]
    public async Task Abandoning_the_last_allowed_attempt_destroys_the_record_once_it_expires(StoreKind store, HostKind kind)
    {
        var host = await StartAsync(store, kind, attemptLimit: 3);
        var client = await host.ClientAsync("alice");
        await client.EnableAsync(BackupKey, "correct horse");
        await Assert.ThrowsAsync<VaultWrongPasswordException>(() => client.RecoverAsync("wrong 1"));
        await Assert.ThrowsAsync<VaultWrongPasswordException>(() => client.RecoverAsync("wrong 2"));

        await Raw.StartLoginAsync(host, "alice", "correct horse"); // the third and last attempt, abandoned
        var pending = await Raw.PostAsync(host, "alice", "v1/login/start", new { ke1 = Convert.ToBase64String(Ke1()) });
        Assert.Equal(HttpStatusCode.Conflict, pending.StatusCode);
        Assert.Equal("final-attempt-pending", (await Raw.ProblemAsync(pending)).Code);
        Assert.NotNull(await host.Store.GetRecordAsync("alice", default));

        Time.Advance(TimeSpan.FromSeconds(61));

        await Assert.ThrowsAsync<VaultKeyDestroyedException>(() => client.RecoverAsync("correct horse"));
        Assert.Null(await host.Store.GetRecordAsync("alice", default));
    }

    [Theory, MemberData(nameof(Setups))]
    public async Task The_sweeper_destroys_a_record_whose_last_attempt_was_abandoned(StoreKind store, HostKind kind)
    {
        var host = await StartAsync(store, kind, attemptLimit: 1);
        await (await host.ClientAsync("alice")).EnableAsync(BackupKey, "correct horse");
        await Raw.StartLoginAsync(host, "alice", "correct horse");

        Time.Advance(TimeSpan.FromSeconds(61));
        await ((VaultService)host.Services.GetService(typeof(VaultService))!).SweepAsync(default);

        Assert.Null(await host.Store.GetRecordAsync("alice", default));
    }

    [Theory, MemberData(nameof(Setups))]
    public async Task A_vault_that_crashes_after_counting_has_still_counted_the_guess(StoreKind store, HostKind kind)
    {
        var backend = NewBackend(store);
        var crashing = await StartAsync(store, kind, backend: backend, hook: new CrashAfterCount());
        await (await crashing.ClientAsync("alice")).EnableAsync(BackupKey, "correct horse");

        var crashed = await Raw.PostAsync(crashing, "alice", "v1/login/start", new { ke1 = Convert.ToBase64String(Ke1()) });
        Assert.Equal(HttpStatusCode.InternalServerError, crashed.StatusCode);

        // A fresh node (a restart) over the same database sees the counted attempt.
        var restarted = await StartAsync(store, HostKind.Kestrel, backend: backend);
        var client = await restarted.ClientAsync("alice");
        Assert.Equal(8, (await Assert.ThrowsAsync<VaultWrongPasswordException>(() => client.RecoverAsync("wrong"))).TriesLeft);
    }

    [Theory, MemberData(nameof(Setups))]
    public async Task The_limit_is_configurable_and_one_means_a_single_try(StoreKind store, HostKind kind)
    {
        var host = await StartAsync(store, kind, attemptLimit: 1);
        var client = await host.ClientAsync("alice");
        await client.EnableAsync(BackupKey, "correct horse");

        await Assert.ThrowsAsync<VaultKeyDestroyedException>(() => client.RecoverAsync("wrong"));
        Assert.Null(await host.Store.GetRecordAsync("alice", default));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(256)]
    public async Task A_limit_outside_1_to_255_stops_the_vault_from_starting(int limit)
    {
        await Assert.ThrowsAnyAsync<Exception>(() => StartAsync(StoreKind.Sqlite, HostKind.Kestrel, attemptLimit: limit));
    }

    [Theory, MemberData(nameof(Setups))]
    public async Task An_account_without_an_escrow_is_told_so_and_no_try_is_counted(StoreKind store, HostKind kind)
    {
        var host = await StartAsync(store, kind, attemptLimit: 3);
        var nobody = await host.ClientAsync("nobody");

        for (int i = 0; i < 5; i++)
        {
            await Assert.ThrowsAsync<VaultNoEscrowException>(() => nobody.RecoverAsync("guess"));
        }

        // Nothing was counted against the account: its first escrow gets every try.
        await nobody.EnableAsync(BackupKey, "correct horse");
        Assert.Equal(2, (await Assert.ThrowsAsync<VaultWrongPasswordException>(() => nobody.RecoverAsync("guess"))).TriesLeft);
        Assert.Equal(BackupKey, await nobody.RecoverAsync("correct horse"));
    }

    [Theory, MemberData(nameof(Setups))]
    public async Task After_destruction_the_owner_is_told_the_key_is_gone_never_tries_left(StoreKind store, HostKind kind)
    {
        var host = await StartAsync(store, kind, attemptLimit: 2);
        var client = await host.ClientAsync("alice");
        await client.EnableAsync(BackupKey, "correct horse");
        await Assert.ThrowsAsync<VaultWrongPasswordException>(() => client.RecoverAsync("guess 1"));
        await Assert.ThrowsAsync<VaultKeyDestroyedException>(() => client.RecoverAsync("guess 2"));

        // Every later try, right password or not, hears the same and spends nothing.
        await Assert.ThrowsAsync<VaultKeyDestroyedException>(() => client.RecoverAsync("guess 3"));
        var right = await Assert.ThrowsAsync<VaultKeyDestroyedException>(() => client.RecoverAsync("correct horse"));
        Assert.Contains("no longer holds your key", right.Message, StringComparison.Ordinal);
        var raw = await Raw.PostAsync(host, "alice", "v1/login/start", new { ke1 = Convert.ToBase64String(Ke1()) });
        Assert.Equal(HttpStatusCode.Gone, raw.StatusCode);
        Assert.DoesNotContain("triesLeft", await raw.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory, MemberData(nameof(Setups))]
    public async Task Tries_left_come_from_the_counter_as_it_is_now(StoreKind store, HostKind kind)
    {
        var host = await StartAsync(store, kind);
        var client = await host.ClientAsync("alice");
        await client.EnableAsync(BackupKey, "correct horse");

        // Two logins started before either is settled: attempts 1 and 2. The first to fail reports the
        // counter as it is (8 left), not its own number (9 left).
        var first = await Raw.StartLoginAsync(host, "alice", "guess 1");
        var second = await Raw.StartLoginAsync(host, "alice", "guess 2");
        var failed = await Raw.FinishAsync(host, "alice", first, new byte[Lockbox.Opaque.Messages.KE3.Length]);
        Assert.Equal(HttpStatusCode.Forbidden, failed.StatusCode);
        Assert.Equal(8, (await failed.Content.ReadFromJsonAsync<ProblemResponse>())!.TriesLeft);
        var also = await Raw.FinishAsync(host, "alice", second, new byte[Lockbox.Opaque.Messages.KE3.Length]);
        Assert.Equal(8, (await also.Content.ReadFromJsonAsync<ProblemResponse>())!.TriesLeft);
    }

    [Fact]
    public async Task The_rate_limiter_turns_away_an_account_past_its_budget()
    {
        var host = await StartAsync(StoreKind.Sqlite, HostKind.Kestrel, rateLimit: true);
        var statuses = new List<HttpStatusCode>();
        for (int i = 0; i < 7; i++)
        {
            statuses.Add((await Raw.PostAsync(host, "alice", "v1/challenge", new { })).StatusCode);
        }

        Assert.Equal(5, statuses.Count(s => s == HttpStatusCode.OK));
        Assert.Equal(HttpStatusCode.TooManyRequests, statuses[^1]);
        Assert.Equal(HttpStatusCode.OK, (await Raw.PostAsync(host, "bob", "v1/challenge", new { })).StatusCode);
    }

    internal static byte[] Ke1()
    {
        using var login = Lockbox.Opaque.ClientLogin.Start("guess"u8, out var ke1);
        return ke1.ToArray();
    }

    private sealed class CrashAfterCount : IAttemptHook
    {
        public void AttemptCounted(string account, int attempt) => throw new InvalidOperationException("simulated crash after the counter commit");
    }
}
