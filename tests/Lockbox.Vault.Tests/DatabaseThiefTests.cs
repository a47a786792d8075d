using System.Net;
using System.Text;
using Lockbox.Opaque;
using Lockbox.Opaque.Messages;
using Lockbox.Vault.Server.Secrets;
using Microsoft.Extensions.DependencyInjection;

namespace Lockbox.Vault.Tests;

/// <summary>
/// The thief of a copy of the vault's database (no key file, no HSM) who also holds the victim's
/// account token. The copy holds the victim's record and wrapped key; what it lacks is the OPRF
/// evaluation under that record's key, which only the live vault can compute. The attack of the
/// review (F1): burn the live escrow, register under the victim's old record id, and have the vault
/// evaluate the OPRF under the old key for guesses. It fails at every step.
/// </summary>
public class DatabaseThiefTests : VaultTestBase
{
    public static TheoryData<StoreKind, HostKind> Setups => TestEnvironment.Setups();

    [Theory, MemberData(nameof(Setups))]
    public async Task A_database_copy_and_the_token_never_get_the_old_records_oprf_key_evaluated(StoreKind store, HostKind kind)
    {
        var host = await StartAsync(store, kind);
        await (await host.ClientAsync("alice")).EnableAsync(BackupKey, "correct horse");
        // The copy: what the thief reads from the database file.
        var stolen = (await host.Store.GetRecordAsync("alice", default))!;
        string oldId = Convert.ToBase64String(stolen.RecordId);

        // 1. Burn the live escrow with the token: ten wrong passwords.
        var thief = await host.ClientAsync("alice");
        for (int i = 0; i < 9; i++)
        {
            await Assert.ThrowsAsync<VaultWrongPasswordException>(() => thief.RecoverAsync($"guess {i}"));
        }

        await Assert.ThrowsAsync<VaultKeyDestroyedException>(() => thief.RecoverAsync("guess 9"));

        // 2. Re-register under the victim's old id, with the thief's own record and possession key: refused.
        using (var registration = await Raw.StartRegistrationAsync(host, "alice", "the thief's own password"))
        {
            var response = await Raw.PostTextAsync(
                host, "alice", "v1/registration/finish", registration.FinishBody(new byte[60], Enumerable.Repeat((byte)5, 32).ToArray(), oldId));
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("invalid-message", (await Raw.ProblemAsync(response)).Code);

            // Nor under a fresh id: the tombstone keeps the victim's possession key (409, no squatting).
            var fresh = await Raw.PostTextAsync(host, "alice", "v1/registration/finish", registration.FinishBody(new byte[60], Enumerable.Repeat((byte)5, 32).ToArray()));
            Assert.Equal(HttpStatusCode.Conflict, fresh.StatusCode);
        }

        // 3. What the thief wants: the old key's evaluation of one fixed blinded element. The test, not
        // the thief, computes it with the vault's secrets.
        using var client = ClientLogin.Start(Encoding.UTF8.GetBytes("a guess"), out var ke1);
        byte[] blinded = ke1.ToArray()[..32];
        byte[] wanted = OldKeyEvaluation(host, stolen.RecordId, blinded);

        // 100 logins carrying that element: the tombstone holds no record, so the vault answers 410
        // before evaluating anything. Registrations evaluate, but only under fresh record ids.
        for (int i = 0; i < 100; i++)
        {
            var login = await Raw.PostAsync(host, "alice", "v1/login/start", new { ke1 = Convert.ToBase64String(ke1.ToArray()) });
            Assert.Equal(HttpStatusCode.Gone, login.StatusCode);
            Assert.DoesNotContain("ke2", await login.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        for (int i = 0; i < 10; i++)
        {
            var started = await Raw.JsonAsync(await Raw.PostTextAsync(host, "alice", "v1/registration/start", StartBody(blinded)));
            Assert.NotEqual(wanted, Convert.FromBase64String(started.GetProperty("response").GetString()!)[..32]);
        }
    }

    /// <summary>k·B under the OPRF key of (alice, <paramref name="recordId"/>), from the vault's own secrets.</summary>
    private static byte[] OldKeyEvaluation(VaultHost host, byte[] recordId, byte[] blinded)
    {
        var keys = host.Services.GetRequiredService<VaultKeys>();
        var server = new OpaqueServer(keys.Setup, "LockboxVault-v1"u8.ToArray());
        return server.CreateRegistrationResponse(RegistrationRequest.Parse(blinded), CredentialIdentifier.For("alice", recordId)).ToArray()[..32];
    }

    private static string StartBody(byte[] blinded)
    {
        using var ephemeral = EphemeralKeyPair.Generate();
        return System.Text.Json.JsonSerializer.Serialize(new
        {
            request = Convert.ToBase64String(blinded),
            clientKey = Convert.ToBase64String(ephemeral.PublicKey.ToArray()),
            ksf = new { memoryKiB = 256, iterations = 1, parallelism = 1 },
        });
    }
}
