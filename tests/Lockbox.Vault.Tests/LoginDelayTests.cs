using System.Net;

namespace Lockbox.Vault.Tests;

/// <summary>
/// The growing delays between failed logins (Vault:LoginDelaySeconds, default
/// <see cref="LoginDelays.Default"/>) are kept with the counter: a token thief cannot burn an escrow
/// in seconds, a restart does not reset them, and a right password clears them.
/// </summary>
public class LoginDelayTests : VaultTestBase
{
    public static TheoryData<StoreKind, HostKind> Setups => TestEnvironment.Setups();

    private static readonly Dictionary<string, string> DefaultDelays = new() { ["Vault:LoginDelaySeconds"] = LoginDelays.Default };

    [Theory, MemberData(nameof(Setups))]
    public async Task Three_wrong_passwords_are_free_then_each_failure_waits_longer(StoreKind store, HostKind kind)
    {
        var host = await StartAsync(store, kind, extra: DefaultDelays);
        var thief = await host.ClientAsync("alice");
        await thief.EnableAsync(BackupKey, "correct horse");
        for (int i = 1; i <= 4; i++)
        {
            await Assert.ThrowsAsync<VaultWrongPasswordException>(() => thief.RecoverAsync($"guess {i}"));
        }

        // After the 4th failure, a minute; after the 5th, five.
        var waited = await Assert.ThrowsAsync<VaultRateLimitedException>(() => thief.RecoverAsync("guess 5"));
        Assert.Equal(TimeSpan.FromMinutes(1), waited.RetryAfter);
        Time.Advance(TimeSpan.FromMinutes(1));
        await Assert.ThrowsAsync<VaultWrongPasswordException>(() => thief.RecoverAsync("guess 5"));
        Assert.Equal(TimeSpan.FromMinutes(5), (await Assert.ThrowsAsync<VaultRateLimitedException>(() => thief.RecoverAsync("guess 6"))).RetryAfter);
        Assert.Equal(5, (await host.Store.GetRecordAsync("alice", default))!.Attempts); // the refusals counted nothing
    }

    [Fact]
    public async Task Ten_tries_take_more_than_twelve_hours_on_the_default_schedule()
    {
        var host = await StartAsync(StoreKind.Sqlite, HostKind.TestServer, extra: DefaultDelays);
        var thief = await host.ClientAsync("alice");
        await thief.EnableAsync(BackupKey, "correct horse");
        var started = Time.GetUtcNow();
        for (int i = 1; i <= 10; i++)
        {
            while (true)
            {
                try
                {
                    await thief.RecoverAsync($"guess {i}");
                    Assert.Fail("a guess opened the escrow");
                }
                catch (VaultRateLimitedException e)
                {
                    Time.Advance(e.RetryAfter);
                    continue;
                }
                catch (VaultException e) when (e is VaultWrongPasswordException or VaultKeyDestroyedException)
                {
                }

                break;
            }
        }

        Assert.True(Time.GetUtcNow() - started > TimeSpan.FromHours(12), $"ten tries took {Time.GetUtcNow() - started}");
        await Assert.ThrowsAsync<VaultKeyDestroyedException>(() => thief.RecoverAsync("correct horse"));
    }

    [Fact]
    public async Task The_delay_survives_a_restart_and_binds_every_node()
    {
        var backend = NewBackend(StoreKind.Sqlite);
        var first = await StartAsync(StoreKind.Sqlite, HostKind.Kestrel, backend: backend, extra: DefaultDelays);
        var thief = await first.ClientAsync("alice");
        await thief.EnableAsync(BackupKey, "correct horse");
        for (int i = 1; i <= 4; i++)
        {
            await Assert.ThrowsAsync<VaultWrongPasswordException>(() => thief.RecoverAsync($"guess {i}"));
        }

        await first.DisposeAsync();
        var restarted = await StartAsync(StoreKind.Sqlite, HostKind.Kestrel, backend: backend, extra: DefaultDelays);
        var response = await Raw.PostAsync(restarted, "alice", "v1/login/start", new { ke1 = Convert.ToBase64String(GuessLimitTests.Ke1()) });

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal(TimeSpan.FromMinutes(1), response.Headers.RetryAfter?.Delta);
    }

    [Fact]
    public async Task A_right_password_clears_the_delay()
    {
        var host = await StartAsync(StoreKind.Sqlite, HostKind.TestServer, extra: DefaultDelays);
        var owner = await host.ClientAsync("alice");
        await owner.EnableAsync(BackupKey, "correct horse");
        for (int i = 1; i <= 3; i++)
        {
            await Assert.ThrowsAsync<VaultWrongPasswordException>(() => owner.RecoverAsync($"typo {i}"));
        }

        Assert.Equal(BackupKey, await owner.RecoverAsync("correct horse")); // the 4th attempt: no delay before it
        for (int i = 1; i <= 3; i++)
        {
            await Assert.ThrowsAsync<VaultWrongPasswordException>(() => owner.RecoverAsync($"typo {i}"));
        }
    }
}
