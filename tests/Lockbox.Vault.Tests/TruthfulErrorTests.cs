using System.Net;

namespace Lockbox.Vault.Tests;

/// <summary>
/// Every refusal names its cause, and a misconfiguration never spends a try: the vault's counter is
/// read from the store after each one.
/// </summary>
public class TruthfulErrorTests : VaultTestBase
{
    [Fact]
    public async Task A_token_for_another_account_is_refused_before_any_KE1_and_costs_no_try()
    {
        var host = await StartAsync(StoreKind.Sqlite, HostKind.Kestrel);
        await (await host.ClientAsync("alice")).EnableAsync(BackupKey, "correct horse");
        await (await host.ClientAsync("bob")).EnableAsync(BackupKey, "bob's password");

        // The app expects Alice, but holds Bob's token.
        var crossed = await host.ClientAsync("bob", expectedAccount: "alice");
        var refused = await Assert.ThrowsAsync<VaultConfigurationException>(() => crossed.RecoverAsync("correct horse"));

        Assert.Contains("another account", refused.Message, StringComparison.Ordinal);
        Assert.Equal(0, (await host.Store.GetRecordAsync("bob", default))!.Attempts);
        Assert.Equal(0, (await host.Store.GetRecordAsync("alice", default))!.Attempts);
        Assert.Equal(BackupKey, await (await host.ClientAsync("alice", expectedAccount: "alice")).RecoverAsync("correct horse"));
    }

    [Fact]
    public async Task A_refused_token_says_the_vault_refused_your_account_token_and_costs_no_try()
    {
        var host = await StartAsync(StoreKind.Sqlite, HostKind.Kestrel);
        await (await host.ClientAsync("alice")).EnableAsync(BackupKey, "correct horse");
        string expired = VaultHost.Token("alice", expires: DateTime.UtcNow.AddHours(-1));
        string forged = VaultHost.Token("alice", signingKey: Enumerable.Repeat((byte)9, 32).ToArray());

        foreach (string token in new[] { expired, forged, "not a token" })
        {
            var client = await host.ClientAsync("alice", token: token);
            var refused = await Assert.ThrowsAsync<VaultConfigurationException>(() => client.RecoverAsync("correct horse"));
            Assert.Contains("the vault refused your account token", refused.Message, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("no code", refused.Message, StringComparison.Ordinal);
        }

        Assert.Equal(0, (await host.Store.GetRecordAsync("alice", default))!.Attempts);
    }

    [Fact]
    public async Task Past_the_accounts_login_budget_the_client_is_told_to_wait_and_no_try_is_counted()
    {
        // The test host allows 5 login starts per account per minute.
        var host = await StartAsync(StoreKind.Sqlite, HostKind.Kestrel, rateLimit: true);
        var client = await host.ClientAsync("alice");
        await client.EnableAsync(BackupKey, "correct horse");
        for (int i = 0; i < 5; i++)
        {
            await Assert.ThrowsAsync<VaultWrongPasswordException>(() => client.RecoverAsync($"guess {i}"));
        }

        var limited = await Assert.ThrowsAsync<VaultRateLimitedException>(() => client.RecoverAsync("correct horse"));

        Assert.InRange(limited.RetryAfter, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1));
        Assert.Matches(@"^Too many attempts; wait \d+ s", limited.Message);
        Assert.Equal(5, (await host.Store.GetRecordAsync("alice", default))!.Attempts);
        Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(BackupKey, await client.RecoverAsync("correct horse"));
    }

    [Fact]
    public async Task The_login_start_budget_is_kept_with_the_counter_across_a_restart()
    {
        var backend = NewBackend(StoreKind.Sqlite);
        var first = await StartAsync(StoreKind.Sqlite, HostKind.Kestrel, rateLimit: true, backend: backend);
        var client = await first.ClientAsync("alice");
        await client.EnableAsync(BackupKey, "correct horse");
        for (int i = 0; i < 5; i++)
        {
            await Assert.ThrowsAsync<VaultWrongPasswordException>(() => client.RecoverAsync($"guess {i}"));
        }

        await first.DisposeAsync();
        var restarted = await StartAsync(StoreKind.Sqlite, HostKind.Kestrel, rateLimit: true, backend: backend);

        await Assert.ThrowsAsync<VaultRateLimitedException>(async () => await (await restarted.ClientAsync("alice")).RecoverAsync("correct horse"));
    }

    [Fact]
    public async Task A_right_password_is_never_lost_to_the_per_account_limit_at_login_finish()
    {
        var host = await StartAsync(StoreKind.Sqlite, HostKind.Kestrel, rateLimit: true);
        await (await host.ClientAsync("alice")).EnableAsync(BackupKey, "correct horse");
        var started = await Raw.StartLoginAsync(host, "alice", "correct horse");

        // The account's in-memory budget (5 a minute) is spent on other requests meanwhile.
        var statuses = new List<HttpStatusCode>();
        for (int i = 0; i < 6; i++)
        {
            statuses.Add((await Raw.PostAsync(host, "alice", "v1/challenge", new { })).StatusCode);
        }

        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
        Assert.Equal(HttpStatusCode.OK, (await Raw.FinishAsync(host, "alice", started, Raw.ClientFinish(started))).StatusCode);
    }

    [Fact]
    public async Task A_429_carries_retry_after_and_a_rate_limited_problem()
    {
        var host = await StartAsync(StoreKind.Sqlite, HostKind.Kestrel, rateLimit: true);
        HttpResponseMessage last = null!;
        for (int i = 0; i < 6; i++)
        {
            last = await Raw.PostAsync(host, "alice", "v1/challenge", new { });
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, last.StatusCode);
        Assert.True(last.Headers.RetryAfter?.Delta > TimeSpan.Zero, "Retry-After is missing");
        Assert.Equal("rate-limited", (await Raw.ProblemAsync(last)).Code);
    }
}
