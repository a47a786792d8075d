using System.Net;
using System.Security.Cryptography;
using Lockbox.Fuzzing;

namespace Lockbox.Vault.Tests;

/// <summary>
/// Record ids come only from the vault: registration/start issues one from the CSPRNG, and
/// registration/finish takes only an id issued to this account, unexpired and never used, on the
/// first-registration path and the proof-of-possession path alike. Every refusal changes nothing.
/// </summary>
public class RecordIdTests : VaultTestBase
{
    public static TheoryData<StoreKind, HostKind> Setups => TestEnvironment.Setups();

    private static readonly byte[] Wrapped = Enumerable.Repeat((byte)7, 60).ToArray();

    private static byte[] Possession => PossessionKey.PublicKeyOf(BackupKey);

    private static async Task<string> EscrowOfAsync(VaultHost host, string account)
    {
        var escrow = await host.Store.GetEscrowAsync(account, default);
        return escrow is null ? "none" : string.Join("/", Convert.ToHexString(escrow.RecordId), Convert.ToHexString(escrow.Record ?? []), escrow.Attempts);
    }

    /// <summary>A finish body for <paramref name="registration"/>, over <paramref name="recordId"/>, with a replacement proof when <paramref name="withProof"/>.</summary>
    private static async Task<string> BodyAsync(VaultHost host, HandRegistration registration, string recordId, bool withProof) =>
        registration.FinishBody(
            Wrapped, Possession, recordId,
            proof: withProof ? await Raw.ReplaceProofAsync(host, "alice", BackupKey, recordId, registration.Record, Wrapped, Possession) : null);

    /// <summary>Alice's escrow, registered by hand (so the test holds its channel), controlled by <see cref="VaultTestBase.BackupKey"/>.</summary>
    private static async Task<HandRegistration> EscrowedAsync(VaultHost host)
    {
        var registration = await Raw.StartRegistrationAsync(host, "alice");
        Assert.Equal(HttpStatusCode.OK, (await Raw.PostTextAsync(host, "alice", "v1/registration/finish", registration.FinishBody(Wrapped, Possession))).StatusCode);
        return registration;
    }

    private static async Task AssertRefusedAsync(VaultHost host, string body, string before)
    {
        var response = await Raw.PostTextAsync(host, "alice", "v1/registration/finish", body);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid-message", (await Raw.ProblemAsync(response)).Code);
        Assert.Equal(before, await EscrowOfAsync(host, "alice"));
    }

    public static TheoryData<bool> BothPaths() => [false, true];

    [Theory, MemberData(nameof(BothPaths))]
    public async Task Finish_with_a_record_id_the_vault_did_not_issue_is_refused(bool withProof)
    {
        var host = await StartAsync(StoreKind.Sqlite, HostKind.Kestrel);
        using var existing = withProof ? await EscrowedAsync(host) : null;
        string before = await EscrowOfAsync(host, "alice");
        using var registration = await Raw.StartRegistrationAsync(host, "alice");
        string madeUp = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));

        await AssertRefusedAsync(host, await BodyAsync(host, registration, madeUp, withProof), before);
        await AssertRefusedAsync(host, await BodyAsync(host, registration, Convert.ToBase64String(new byte[16]), withProof), before);

        // The id the vault did issue still works.
        var stored = await Raw.PostTextAsync(host, "alice", "v1/registration/finish", await BodyAsync(host, registration, registration.RecordId, withProof));
        Assert.Equal(HttpStatusCode.OK, stored.StatusCode);
    }

    [Theory, MemberData(nameof(BothPaths))]
    public async Task Finish_with_an_expired_record_id_is_refused(bool withProof)
    {
        var host = await StartAsync(StoreKind.Sqlite, HostKind.Kestrel);
        using var existing = withProof ? await EscrowedAsync(host) : null;
        string before = await EscrowOfAsync(host, "alice");
        using var registration = await Raw.StartRegistrationAsync(host, "alice");

        Time.Advance(TimeSpan.FromSeconds(301));

        await AssertRefusedAsync(host, await BodyAsync(host, registration, registration.RecordId, withProof), before);
    }

    [Theory, MemberData(nameof(BothPaths))]
    public async Task Finish_with_a_consumed_record_id_is_refused(bool withProof)
    {
        var host = await StartAsync(StoreKind.Sqlite, HostKind.Kestrel);
        using var first = await EscrowedAsync(host);
        using var second = await Raw.StartRegistrationAsync(host, "alice", "another password");
        Assert.Equal(HttpStatusCode.OK, (await Raw.PostTextAsync(host, "alice", "v1/registration/finish", await BodyAsync(host, second, second.RecordId, withProof: true))).StatusCode);
        string before = await EscrowOfAsync(host, "alice");

        // The first id was consumed by the first record: another escrow under it, on its own channel, is refused.
        string again = first.FinishBody(Enumerable.Repeat((byte)9, 60).ToArray(), Possession,
            proof: withProof ? await Raw.ReplaceProofAsync(host, "alice", BackupKey, first.RecordId, first.Record, Enumerable.Repeat((byte)9, 60).ToArray(), Possession) : null);

        await AssertRefusedAsync(host, again, before);
    }

    [Fact]
    public async Task Finish_with_the_replaced_records_own_id_is_refused()
    {
        var host = await StartAsync(StoreKind.Sqlite, HostKind.Kestrel);
        using var current = await EscrowedAsync(host);
        string before = await EscrowOfAsync(host, "alice");
        byte[] otherWrapped = Enumerable.Repeat((byte)8, 60).ToArray();
        var proof = await Raw.ReplaceProofAsync(host, "alice", BackupKey, current.RecordId, current.Record, otherWrapped, Possession);

        await AssertRefusedAsync(host, current.FinishBody(otherWrapped, Possession, proof: proof), before);
    }

    [Fact]
    public async Task Finish_whose_mac_is_not_the_starting_clients_is_refused()
    {
        var host = await StartAsync(StoreKind.Sqlite, HostKind.Kestrel);
        using var victim = await Raw.StartRegistrationAsync(host, "alice");
        using var attacker = await Raw.StartRegistrationAsync(host, "alice", "the attacker's");

        // The attacker saw the victim's record id, and finishes it with its own record, on its own channel.
        await AssertRefusedAsync(host, attacker.FinishBody(Wrapped, Possession, victim.RecordId), "none");
        Assert.Equal(HttpStatusCode.OK, (await Raw.PostTextAsync(host, "alice", "v1/registration/finish", victim.FinishBody(Wrapped, Possession))).StatusCode);
    }

    [Theory, MemberData(nameof(Setups))]
    public async Task Every_record_id_an_account_had_stays_refused_through_lockout_delete_fresh_start_and_rotation(StoreKind store, HostKind kind)
    {
        var host = await StartAsync(store, kind, attemptLimit: 1);
        var ids = new List<HandRegistration>();
        async Task EscrowAsync(byte[] key, bool withProof)
        {
            var registration = await Raw.StartRegistrationAsync(host, "alice");
            byte[] possession = PossessionKey.PublicKeyOf(key);
            ProofContract? proof = withProof ? await Raw.ReplaceProofAsync(host, "alice", BackupKey, registration.RecordId, registration.Record, Wrapped, possession) : null;
            Assert.Equal(HttpStatusCode.OK, (await Raw.PostTextAsync(host, "alice", "v1/registration/finish", registration.FinishBody(Wrapped, possession, proof: proof))).StatusCode);
            ids.Add(registration);
        }

        async Task AllRefusedAsync()
        {
            string before = await EscrowOfAsync(host, "alice");
            foreach (var old in ids)
            {
                Assert.NotNull((await host.Store.GetRegistrationAsync(Convert.FromBase64String(old.RecordId), default))!.ConsumedAtMs);
                await AssertRefusedAsync(host, old.FinishBody(Enumerable.Repeat((byte)3, 60).ToArray(), Possession), before);
            }
        }

        var device = await host.ClientAsync("alice");
        await EscrowAsync(BackupKey, withProof: false);
        await Assert.ThrowsAsync<VaultKeyDestroyedException>(() => device.RecoverAsync("a wrong one")); // lockout: a tombstone
        await AllRefusedAsync();

        await EscrowAsync(BackupKey, withProof: true); // the owner re-escrows over the tombstone
        await device.DisableAsync(BackupKey); // the owner's delete
        await AllRefusedAsync();

        await EscrowAsync(BackupKey, withProof: false);
        await (await host.ClientAsync("alice")).RequestFreshStartAsync();
        Time.Advance(TimeSpan.FromDays(8));
        await host.SweepAsync();
        Assert.Null(await host.Store.GetEscrowAsync("alice", default)); // the fresh start removed the escrow
        await AllRefusedAsync();

        await EscrowAsync(BackupKey, withProof: false);
        await device.ReplaceKeyAsync(BackupKey, Enumerable.Range(1, 32).Select(i => (byte)i).ToArray(), "rotated"); // key rotation
        await AllRefusedAsync();
        foreach (var registration in ids)
        {
            registration.Dispose();
        }
    }
}

/// <summary>What a finish binds: a proof cannot be stripped or added on the way, and retries, overlapping or not, get the first answer.</summary>
public class FinishBindingTests : VaultTestBase
{
    private static readonly byte[] Wrapped = Enumerable.Repeat((byte)7, 60).ToArray();

    [Fact]
    public async Task A_finish_whose_proof_was_stripped_on_the_way_is_refused()
    {
        var host = await StartAsync(StoreKind.Sqlite, HostKind.Kestrel);
        await (await host.ClientAsync("alice")).EnableAsync(BackupKey, "correct horse");
        using var registration = await Raw.StartRegistrationAsync(host, "alice");
        byte[] possession = PossessionKey.PublicKeyOf(BackupKey);
        var proof = await Raw.ReplaceProofAsync(host, "alice", BackupKey, registration.RecordId, registration.Record, Wrapped, possession);
        var body = System.Text.Json.Nodes.JsonNode.Parse(registration.FinishBody(Wrapped, possession, proof: proof))!.AsObject();
        body.Remove("proof");

        var response = await Raw.PostTextAsync(host, "alice", "v1/registration/finish", body.ToJsonString());

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid-message", (await Raw.ProblemAsync(response)).Code);
        Assert.Equal(BackupKey, await (await host.ClientAsync("alice")).RecoverAsync("correct horse"));
    }

    [Theory, MemberData(nameof(Setups))]
    public async Task Two_identical_finishes_at_once_both_get_the_first_answer(StoreKind store, HostKind kind)
    {
        var host = await StartAsync(store, kind);
        await (await host.ClientAsync("alice")).EnableAsync(BackupKey, "correct horse");
        byte[] possession = PossessionKey.PublicKeyOf(BackupKey);
        for (int round = 0; round < 8; round++)
        {
            using var registration = await Raw.StartRegistrationAsync(host, "alice", $"password {round}");
            var proof = await Raw.ReplaceProofAsync(host, "alice", BackupKey, registration.RecordId, registration.Record, Wrapped, possession);
            string body = registration.FinishBody(Wrapped, possession, proof: proof);

            var replies = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => Task.Run(() => Raw.PostTextAsync(host, "alice", "v1/registration/finish", body))));

            foreach (var reply in replies)
            {
                Assert.True(registration.Confirms(await Raw.JsonAsync(reply), Wrapped, possession), $"round {round}");
            }
        }
    }

    public static TheoryData<StoreKind, HostKind> Setups => TestEnvironment.Setups();
}
