using System.Net;
using Lockbox.Fuzzing;

namespace Lockbox.Vault.Tests;

/// <summary>
/// The owner keeps control of the escrow after a lockout: the tombstone keeps the possession key, so a
/// token holder cannot squat the account, the owner's device re-escrows over it, rotation moves it to
/// the new key, and only the owner's delete or a fresh start (after its cool-down, which the owner's
/// device cancels by running) removes it.
/// </summary>
public class OwnerControlTests : VaultTestBase
{
    public static TheoryData<StoreKind, HostKind> Setups => TestEnvironment.Setups();

    private static readonly byte[] SquatterKey = Enumerable.Repeat((byte)0x5a, 32).ToArray();

    /// <summary>A first registration with only the token, as a squatter makes it.</summary>
    private static async Task<HttpStatusCode> TokenOnlyRegistrationAsync(VaultHost host)
    {
        using var registration = await Raw.StartRegistrationAsync(host, "alice", "the squatter's");
        var response = await Raw.PostTextAsync(host, "alice", "v1/registration/finish", registration.FinishBody(new byte[60], PossessionKey.PublicKeyOf(SquatterKey)));
        return response.StatusCode;
    }

    private static async Task<VaultClient> LockedOutAsync(VaultHost host)
    {
        var device = await host.ClientAsync("alice");
        await device.EnableAsync(BackupKey, "correct horse");
        var thief = await host.ClientAsync("alice");
        await Assert.ThrowsAsync<VaultWrongPasswordException>(() => thief.RecoverAsync("guess 1"));
        await Assert.ThrowsAsync<VaultKeyDestroyedException>(() => thief.RecoverAsync("guess 2"));
        return device;
    }

    [Theory, MemberData(nameof(Setups))]
    public async Task After_a_lockout_a_token_only_registration_gets_409_and_the_owners_device_re_escrows_with_its_proof(StoreKind store, HostKind kind)
    {
        var host = await StartAsync(store, kind, attemptLimit: 2);
        var device = await LockedOutAsync(host);
        var tombstone = (await host.Store.GetEscrowAsync("alice", default))!;
        Assert.True(tombstone.IsTombstone);
        Assert.Null(tombstone.WrappedKey);
        Assert.Equal(Time.GetUtcNow().ToUnixTimeMilliseconds(), tombstone.DestroyedAtMs);

        Assert.Equal(HttpStatusCode.Conflict, await TokenOnlyRegistrationAsync(host));
        var squatter = await host.ClientAsync("alice");
        await Assert.ThrowsAsync<VaultEscrowExistsException>(() => squatter.EnableAsync(SquatterKey, "the squatter's"));
        await Assert.ThrowsAsync<VaultEscrowExistsException>(() => squatter.ChangePasswordAsync(SquatterKey, "the squatter's"));

        // Guessing on at the tombstone does not wear it away: every login hears the key is gone, and it stays.
        await Assert.ThrowsAsync<VaultKeyDestroyedException>(() => squatter.RecoverAsync("guess 3"));
        await Assert.ThrowsAsync<VaultKeyDestroyedException>(() => squatter.RecoverAsync("guess 4"));
        Assert.Equal(HttpStatusCode.Conflict, await TokenOnlyRegistrationAsync(host));

        Assert.Equal(EscrowState.Destroyed, (await device.CheckAsync(BackupKey)).State);
        await device.ChangePasswordAsync(BackupKey, "a fresh password");
        Assert.Equal(BackupKey, await (await host.ClientAsync("alice")).RecoverAsync("a fresh password"));
    }

    [Theory, MemberData(nameof(Setups))]
    public async Task Key_rotation_moves_the_tombstones_possession_key_to_the_new_key(StoreKind store, HostKind kind)
    {
        var host = await StartAsync(store, kind, attemptLimit: 2);
        var device = await LockedOutAsync(host);
        byte[] newKey = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();

        await device.ReplaceKeyAsync(BackupKey, newKey, "after rotation");

        Assert.Equal(PossessionKey.PublicKeyOf(newKey), (await host.Store.GetEscrowAsync("alice", default))!.PossessionKey);
        Assert.Equal(EscrowState.OtherKey, (await device.CheckAsync(BackupKey)).State);
        Assert.Equal(EscrowState.Held, (await device.CheckAsync(newKey)).State);
        Assert.Equal(newKey, await device.RecoverAsync("after rotation"));
    }

    [Theory, MemberData(nameof(Setups))]
    public async Task The_owners_delete_removes_the_possession_key_and_the_same_user_can_enable_again_later(StoreKind store, HostKind kind)
    {
        var host = await StartAsync(store, kind, attemptLimit: 2);
        var device = await LockedOutAsync(host);

        await device.DisableAsync(BackupKey); // of the tombstone

        Assert.Null(await host.Store.GetEscrowAsync("alice", default));
        await device.EnableAsync(BackupKey, "enabled again");
        Assert.Equal(BackupKey, await device.RecoverAsync("enabled again"));
    }

    [Theory, MemberData(nameof(Setups))]
    public async Task A_fresh_start_waits_out_its_cool_down_across_a_vault_restart_and_asking_again_does_not_restart_it(StoreKind store, HostKind kind)
    {
        var backend = NewBackend(store);
        var host = await StartAsync(store, kind, backend: backend);
        var device = await host.ClientAsync("alice");
        await device.EnableAsync(BackupKey, "correct horse");

        var lostPhone = await host.ClientAsync("alice");
        var effective = await lostPhone.RequestFreshStartAsync();
        Assert.Equal(Time.GetUtcNow() + TimeSpan.FromDays(7), effective);

        Time.Advance(TimeSpan.FromDays(3));
        Assert.Equal(effective, await lostPhone.RequestFreshStartAsync()); // asking again does not reset it
        await host.DisposeAsync();
        host = await StartAsync(store, kind, backend: backend); // restarted: the request is in the database

        Time.Advance(TimeSpan.FromDays(4) - TimeSpan.FromMinutes(1));
        await host.SweepAsync();
        Assert.Equal(HttpStatusCode.Conflict, await TokenOnlyRegistrationAsync(host)); // not yet
        Assert.Equal(BackupKey, await (await host.ClientAsync("alice")).RecoverAsync("correct horse"));

        Time.Advance(TimeSpan.FromMinutes(2));
        var newPhone = await host.ClientAsync("alice");
        byte[] newKey = Enumerable.Range(50, 32).Select(i => (byte)i).ToArray();
        await newPhone.EnableAsync(newKey, "a new start");
        Assert.Equal(newKey, await newPhone.RecoverAsync("a new start"));
        Assert.Equal(EscrowState.OtherKey, (await (await host.ClientAsync("alice")).CheckAsync(BackupKey)).State);
    }

    [Theory, MemberData(nameof(Setups))]
    public async Task The_owners_proof_cancels_a_pending_fresh_start_and_says_since_when_it_was_pending(StoreKind store, HostKind kind)
    {
        var host = await StartAsync(store, kind, attemptLimit: 2);
        var device = await LockedOutAsync(host); // a tombstone: a fresh start would let a squatter in
        var asked = Time.GetUtcNow();
        await (await host.ClientAsync("alice")).RequestFreshStartAsync();
        Time.Advance(TimeSpan.FromDays(2));

        var status = await device.CheckAsync(BackupKey);

        Assert.Equal(EscrowState.Destroyed, status.State);
        Assert.Equal(asked, status.FreshStartCancelled);
        Assert.Null((await device.CheckAsync(BackupKey)).FreshStartCancelled);
        Time.Advance(TimeSpan.FromDays(30));
        await host.SweepAsync();
        Assert.Equal(HttpStatusCode.Conflict, await TokenOnlyRegistrationAsync(host));
        Assert.NotNull(await host.Store.GetEscrowAsync("alice", default));
    }

    [Fact]
    public async Task A_fresh_start_removes_the_possession_key_and_never_the_retired_record_ids()
    {
        var host = await StartAsync(StoreKind.Sqlite, HostKind.Kestrel);
        using var registration = await Raw.StartRegistrationAsync(host, "alice");
        byte[] possession = PossessionKey.PublicKeyOf(BackupKey);
        Assert.Equal(HttpStatusCode.OK, (await Raw.PostTextAsync(host, "alice", "v1/registration/finish", registration.FinishBody(new byte[60], possession))).StatusCode);
        await (await host.ClientAsync("alice")).RequestFreshStartAsync();
        Time.Advance(TimeSpan.FromDays(7) + TimeSpan.FromSeconds(1));
        await host.SweepAsync();

        Assert.Null(await host.Store.GetEscrowAsync("alice", default));
        Assert.NotNull((await host.Store.GetRegistrationAsync(Convert.FromBase64String(registration.RecordId), default))!.ConsumedAtMs);
        var again = await Raw.PostTextAsync(host, "alice", "v1/registration/finish", registration.FinishBody(new byte[60], possession));
        Assert.Equal(HttpStatusCode.BadRequest, again.StatusCode);
    }

    [Fact]
    public async Task A_fresh_start_of_an_account_without_an_escrow_has_nothing_to_wait_for()
    {
        var host = await StartAsync(StoreKind.Sqlite, HostKind.Kestrel);

        Assert.Null(await (await host.ClientAsync("alice")).RequestFreshStartAsync());
        Assert.Equal(HttpStatusCode.OK, await TokenOnlyRegistrationAsync(host));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3599)]
    public void A_fresh_start_cool_down_shorter_than_an_hour_is_refused(int seconds)
    {
        var options = new VaultOptions { FreshStartCooldownSeconds = seconds };

        Assert.Contains("FreshStartCooldownSeconds", Assert.Throws<InvalidOperationException>(options.Validate).Message, StringComparison.Ordinal);
    }
}
