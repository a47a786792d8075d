using System.Net;

namespace Lockbox.Vault.Tests;

public class IsolationTests : VaultTestBase
{
    public static TheoryData<StoreKind, HostKind> Setups => TestEnvironment.Setups();

    [Theory, MemberData(nameof(Setups))]
    public async Task One_account_cannot_finish_read_delete_or_exhaust_another_accounts_record(StoreKind store, HostKind kind)
    {
        var host = await StartAsync(store, kind, attemptLimit: 2);
        var alice = await host.ClientAsync("alice");
        await alice.EnableAsync(BackupKey, "correct horse");
        var started = await Raw.StartLoginAsync(host, "alice", "correct horse");
        var ke3 = Raw.ClientFinish(started);

        var stolen = await Raw.FinishAsync(host, "mallory", started, ke3);
        Assert.Equal(HttpStatusCode.Conflict, stolen.StatusCode);
        Assert.Equal("login-unknown", (await Raw.ProblemAsync(stolen)).Code);

        var mallory = await host.ClientAsync("mallory");
        await Assert.ThrowsAsync<VaultNoEscrowException>(() => mallory.DisableAsync(BackupKey)); // even holding Alice's key
        // Mallory's token reaches Mallory's account only, which holds nothing; Alice's counter is untouched.
        for (int i = 0; i < 3; i++)
        {
            await Assert.ThrowsAsync<VaultNoEscrowException>(() => mallory.RecoverAsync("correct horse"));
        }

        Assert.Equal(1, (await host.Store.GetRecordAsync("alice", default))!.Attempts);

        Assert.Equal(HttpStatusCode.OK, (await Raw.FinishAsync(host, "alice", started, ke3)).StatusCode);
        Assert.Equal(BackupKey, await alice.RecoverAsync("correct horse"));
    }

    [Theory, MemberData(nameof(Setups))]
    public async Task Accounts_registered_with_the_same_password_get_unrelated_records(StoreKind store, HostKind kind)
    {
        var host = await StartAsync(store, kind);
        await (await host.ClientAsync("alice")).EnableAsync(BackupKey, "same password");
        await (await host.ClientAsync("bob")).EnableAsync(BackupKey, "same password");

        var alice = await host.Store.GetRecordAsync("alice", default);
        var bob = await host.Store.GetRecordAsync("bob", default);

        Assert.NotEqual(alice!.Record, bob!.Record);
        Assert.NotEqual(alice.WrappedKey, bob.WrappedKey);
    }
}
