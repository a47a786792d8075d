namespace Lockbox.Vault.Tests;

public class RecoveryFlowTests : VaultTestBase
{
    public static TheoryData<StoreKind, HostKind> Setups => TestEnvironment.Setups();

    [Theory, MemberData(nameof(Setups))]
    public async Task Register_then_recover_on_a_new_device_returns_the_backup_key(StoreKind store, HostKind kind)
    {
        var host = await StartAsync(store, kind);
        await (await host.ClientAsync("alice")).EnableAsync(BackupKey, "correct horse");

        var newDevice = await host.ClientAsync("alice");
        Assert.Equal(BackupKey, await newDevice.RecoverAsync("correct horse"));
    }

    [Theory, MemberData(nameof(Setups))]
    public async Task Wrong_password_reports_tries_left_and_a_right_one_resets_the_counter(StoreKind store, HostKind kind)
    {
        var host = await StartAsync(store, kind);
        var client = await host.ClientAsync("alice");
        await client.EnableAsync(BackupKey, "correct horse");

        Assert.Equal(9, (await Assert.ThrowsAsync<VaultWrongPasswordException>(() => client.RecoverAsync("wrong 1"))).TriesLeft);
        Assert.Equal(8, (await Assert.ThrowsAsync<VaultWrongPasswordException>(() => client.RecoverAsync("wrong 2"))).TriesLeft);
        Assert.Equal(2, (await client.CheckAsync(BackupKey))!.FailedAttempts);

        Assert.Equal(BackupKey, await client.RecoverAsync("correct horse"));
        Assert.Equal(0, (await client.CheckAsync(BackupKey))!.FailedAttempts);
        Assert.Equal(9, (await Assert.ThrowsAsync<VaultWrongPasswordException>(() => client.RecoverAsync("wrong 3"))).TriesLeft);
    }

    [Theory, MemberData(nameof(Setups))]
    public async Task Ten_wrong_passwords_then_the_right_one_finds_the_key_destroyed(StoreKind store, HostKind kind)
    {
        var host = await StartAsync(store, kind);
        var client = await host.ClientAsync("alice");
        await client.EnableAsync(BackupKey, "correct horse");

        for (int i = 1; i <= 9; i++)
        {
            Assert.Equal(10 - i, (await Assert.ThrowsAsync<VaultWrongPasswordException>(() => client.RecoverAsync($"wrong {i}"))).TriesLeft);
        }

        await Assert.ThrowsAsync<VaultKeyDestroyedException>(() => client.RecoverAsync("wrong 10"));
        Assert.Null(await host.Store.GetRecordAsync("alice", default));
        await Assert.ThrowsAsync<VaultKeyDestroyedException>(() => client.RecoverAsync("correct horse"));
        // What is left is the tombstone: the possession key, so only this key's holder can escrow again.
        Assert.Equal(EscrowState.Destroyed, (await client.CheckAsync(BackupKey)).State);
    }

    [Theory, MemberData(nameof(Setups))]
    public async Task Original_device_detects_the_escrow_is_gone_and_escrows_the_key_again(StoreKind store, HostKind kind)
    {
        var host = await StartAsync(store, kind, attemptLimit: 2);
        var device = await host.ClientAsync("alice");
        await device.EnableAsync(BackupKey, "correct horse");
        var thief = await host.ClientAsync("alice");
        await Assert.ThrowsAsync<VaultWrongPasswordException>(() => thief.RecoverAsync("guess 1"));
        await Assert.ThrowsAsync<VaultKeyDestroyedException>(() => thief.RecoverAsync("guess 2"));

        Assert.Equal(EscrowState.Destroyed, (await device.CheckAsync(BackupKey)).State);
        await device.ChangePasswordAsync(BackupKey, "new password");
        Assert.Equal(BackupKey, await (await host.ClientAsync("alice")).RecoverAsync("new password"));
    }

    [Theory, MemberData(nameof(Setups))]
    public async Task Password_change_on_the_original_device_needs_no_old_password_and_retires_it(StoreKind store, HostKind kind)
    {
        var host = await StartAsync(store, kind);
        var device = await host.ClientAsync("alice");
        await device.EnableAsync(BackupKey, "forgotten");
        var before = (await device.CheckAsync(BackupKey))!.RecordId;

        await device.ChangePasswordAsync(BackupKey, "fresh password");

        Assert.NotEqual(before, (await device.CheckAsync(BackupKey))!.RecordId);
        await Assert.ThrowsAsync<VaultWrongPasswordException>(() => device.RecoverAsync("forgotten"));
        Assert.Equal(BackupKey, await device.RecoverAsync("fresh password"));
    }

    [Theory, MemberData(nameof(Setups))]
    public async Task Disable_deletes_the_escrow_and_a_later_recovery_finds_nothing(StoreKind store, HostKind kind)
    {
        var host = await StartAsync(store, kind);
        var device = await host.ClientAsync("alice");
        await device.EnableAsync(BackupKey, "correct horse");

        await device.DisableAsync(BackupKey);

        Assert.Equal(EscrowState.None, (await device.CheckAsync(BackupKey)).State);
        Assert.Null(await host.Store.GetRecordAsync("alice", default));
        await Assert.ThrowsAsync<VaultNoEscrowException>(() => device.RecoverAsync("correct horse"));
        await Assert.ThrowsAsync<VaultNoEscrowException>(() => device.DisableAsync(BackupKey));
    }

    [Theory, MemberData(nameof(Setups))]
    public async Task Login_started_on_one_node_finishes_on_another(StoreKind store, HostKind kind)
    {
        var backend = NewBackend(store);
        var nodeA = await StartAsync(store, kind, backend: backend);
        await (await nodeA.ClientAsync("alice")).EnableAsync(BackupKey, "correct horse");
        var nodeB = await StartAsync(store, HostKind.Kestrel, backend: backend);
        Assert.Equal(await nodeA.PublicKeyAsync(), await nodeB.PublicKeyAsync());

        var started = await Raw.StartLoginAsync(nodeA, "alice", "correct horse");
        var response = await Raw.FinishAsync(nodeB, "alice", started, Raw.ClientFinish(started));

        Assert.True(response.IsSuccessStatusCode);
    }

    [Theory, MemberData(nameof(Setups))]
    public async Task Many_accounts_recovering_at_once_all_get_their_keys(StoreKind store, HostKind kind)
    {
        var host = await StartAsync(store, kind);
        var clients = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => host.ClientAsync($"user-{i}")));
        await Task.WhenAll(clients.Select(c => c.EnableAsync(BackupKey, "correct horse")));

        var keys = await Task.WhenAll(clients.Concat(clients).Select(c => c.RecoverAsync("correct horse")));

        Assert.All(keys, key => Assert.Equal(BackupKey, key));
    }

    [Fact]
    public async Task Default_Argon2id_64_MiB_3_passes_round_trips_through_the_vault()
    {
        var host = await StartAsync(StoreKind.Sqlite, HostKind.Kestrel);
        var device = await host.ClientAsync("alice", memoryKiB: 64 * 1024, iterations: 3);
        await device.EnableAsync(BackupKey, "correct horse");

        Assert.Equal(BackupKey, await (await host.ClientAsync("alice")).RecoverAsync("correct horse"));
        Assert.Equal(64 * 1024, (await host.Store.GetRecordAsync("alice", default))!.Ksf.MemoryKiB);
    }
}
