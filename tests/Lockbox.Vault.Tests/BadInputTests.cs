using System.Net;

namespace Lockbox.Vault.Tests;

public class BadInputTests : VaultTestBase
{
    public static TheoryData<StoreKind, HostKind> Setups => TestEnvironment.Setups();

    private static readonly string Ke1Valid = Convert.ToBase64String(GuessLimitTests.Ke1());

    // record id 16 ‖ attempt 4 ‖ expiry 8 ‖ server state 128, sealed: iv 12 ‖ ciphertext ‖ tag 16.
    private const int StateLength = 16 + 4 + 8 + 128 + 12 + 16;

    private static string B64(int length) => Convert.ToBase64String(new byte[length]);

    private static string StartWithClientKey(byte[] clientKey) => System.Text.Json.JsonSerializer.Serialize(new
    {
        request = Convert.ToBase64String(GuessLimitTests.Ke1()[..32]),
        clientKey = Convert.ToBase64String(clientKey),
        ksf = new { memoryKiB = 256, iterations = 1, parallelism = 1 },
    });

    public static TheoryData<string, string, string> MalformedRequests()
    {
        byte[] invalidPoint = GuessLimitTests.Ke1();
        invalidPoint.AsSpan(0, 32).Fill(0xFF); // not a canonical ristretto255 encoding
        byte[] identity = GuessLimitTests.Ke1();
        identity.AsSpan(0, 32).Clear();
        return new TheoryData<string, string, string>
        {
            { "v1/login/start", $$"""{"ke1":"{{Convert.ToBase64String(new byte[95])}}"}""", "wrong-size" },
            { "v1/login/start", $$"""{"ke1":"{{Convert.ToBase64String(new byte[97])}}"}""", "wrong-size" },
            { "v1/login/start", $$"""{"ke1":"{{Convert.ToBase64String(invalidPoint)}}"}""", "invalid-message" },
            { "v1/login/start", $$"""{"ke1":"{{Convert.ToBase64String(identity)}}"}""", "invalid-message" },
            { "v1/login/start", """{"ke1":"!!not base64!!"}""", "bad-base64" },
            { "v1/login/start", """{"ke1":""", "malformed-json" },
            { "v1/login/start", """{}""", "missing-field" },
            { "v1/login/start", $$"""{"ke1":"{{Ke1Valid}}","account":"bob"}""", "malformed-json" },
            { "v1/login/finish", $$"""{"loginId":"{{B64(15)}}","ke3":"{{B64(64)}}","state":"{{B64(StateLength)}}"}""", "wrong-size" },
            { "v1/login/finish", $$"""{"loginId":"{{B64(16)}}","ke3":"{{B64(63)}}","state":"{{B64(StateLength)}}"}""", "wrong-size" },
            { "v1/login/finish", $$"""{"loginId":"{{B64(16)}}","ke3":"{{B64(64)}}","state":"{{B64(StateLength - 1)}}"}""", "wrong-size" },
            { "v1/login/finish", $$"""{"loginId":"{{B64(16)}}","ke3":"{{B64(64)}}"}""", "missing-field" },
            { "v1/registration/start", """{"request":"AAAA"}""", "wrong-size" },
            { "v1/registration/finish", """{"recordId":"AAAAAAAAAAAAAAAAAAAAAA=="}""", "missing-field" },
            { "v1/registration/start", StartWithClientKey(identity[..32]), "invalid-message" },
            { "v1/registration/start", StartWithClientKey(invalidPoint[..32]), "invalid-message" },
            { "v1/record/delete", """{"proof":{"nonce":"AA==","signature":"AA=="}}""", "wrong-size" },
        };
    }

    [Theory, MemberData(nameof(MalformedRequests))]
    public async Task A_malformed_request_gets_a_400_with_a_clear_code_and_changes_nothing(string path, string body, string code)
    {
        var host = await StartAsync(StoreKind.Sqlite, HostKind.Kestrel);
        var client = await host.ClientAsync("alice");
        await client.EnableAsync(BackupKey, "correct horse");
        var before = await host.Store.GetRecordAsync("alice", default);

        var response = await Raw.PostTextAsync(host, "alice", path, body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(code, (await Raw.ProblemAsync(response)).Code);
        var after = await host.Store.GetRecordAsync("alice", default);
        Assert.Equal(before!.RecordId, after!.RecordId);
        Assert.Equal(before.Record, after.Record);
        Assert.Equal(0, after.Attempts);
    }

    [Theory, MemberData(nameof(Setups))]
    public async Task A_replayed_KE3_is_rejected_and_changes_nothing(StoreKind store, HostKind kind)
    {
        var host = await StartAsync(store, kind);
        await (await host.ClientAsync("alice")).EnableAsync(BackupKey, "correct horse");
        var started = await Raw.StartLoginAsync(host, "alice", "correct horse");
        var ke3 = Raw.ClientFinish(started);
        Assert.Equal(HttpStatusCode.OK, (await Raw.FinishAsync(host, "alice", started, ke3)).StatusCode);

        var replay = await Raw.FinishAsync(host, "alice", started, ke3);

        Assert.Equal(HttpStatusCode.Conflict, replay.StatusCode);
        Assert.Equal("login-unknown", (await Raw.ProblemAsync(replay)).Code);
        Assert.Equal(0, (await host.Store.GetRecordAsync("alice", default))!.Attempts);
    }

    [Theory, MemberData(nameof(Setups))]
    public async Task A_KE3_meant_for_another_login_fails_that_login_only(StoreKind store, HostKind kind)
    {
        var host = await StartAsync(store, kind);
        await (await host.ClientAsync("alice")).EnableAsync(BackupKey, "correct horse");
        var first = await Raw.StartLoginAsync(host, "alice", "correct horse");
        var second = await Raw.StartLoginAsync(host, "alice", "correct horse");
        var secondKe3 = Raw.ClientFinish(second);

        var crossed = await Raw.FinishAsync(host, "alice", first, secondKe3);

        Assert.Equal(HttpStatusCode.Forbidden, crossed.StatusCode);
        // Two attempts are counted (both logins are in flight), so 8 are left.
        Assert.Equal(("wrong-password", (int?)8), await Raw.ProblemAsync(crossed));
        Assert.Equal(2, (await host.Store.GetRecordAsync("alice", default))!.Attempts);
        Assert.Equal(HttpStatusCode.OK, (await Raw.FinishAsync(host, "alice", second, secondKe3)).StatusCode);
        Assert.Equal(0, (await host.Store.GetRecordAsync("alice", default))!.Attempts);
    }

    [Theory, MemberData(nameof(Setups))]
    public async Task A_login_state_that_is_tampered_with_or_belongs_to_another_login_is_refused_and_changes_nothing(StoreKind store, HostKind kind)
    {
        var host = await StartAsync(store, kind);
        await (await host.ClientAsync("alice")).EnableAsync(BackupKey, "correct horse");
        var first = await Raw.StartLoginAsync(host, "alice", "correct horse");
        var second = await Raw.StartLoginAsync(host, "alice", "correct horse");
        var firstKe3 = Raw.ClientFinish(first);
        byte[] tampered = Convert.FromBase64String(first.State);
        tampered[^1] ^= 1;

        var swapped = await Raw.FinishAsync(host, "alice", first with { State = second.State }, firstKe3);
        var flipped = await Raw.FinishAsync(host, "alice", first with { State = Convert.ToBase64String(tampered) }, firstKe3);

        Assert.Equal(HttpStatusCode.Conflict, swapped.StatusCode);
        Assert.Equal("login-unknown", (await Raw.ProblemAsync(swapped)).Code);
        Assert.Equal(HttpStatusCode.Conflict, flipped.StatusCode);
        Assert.Equal("login-unknown", (await Raw.ProblemAsync(flipped)).Code);
        Assert.Equal(2, (await host.Store.GetRecordAsync("alice", default))!.Attempts);
        Assert.Equal(HttpStatusCode.OK, (await Raw.FinishAsync(host, "alice", first, firstKe3)).StatusCode);
        Assert.Equal(0, (await host.Store.GetRecordAsync("alice", default))!.Attempts);
    }

    [Fact]
    public async Task Requests_without_a_valid_token_are_refused()
    {
        var host = await StartAsync(StoreKind.Sqlite, HostKind.Kestrel);
        var body = new StringContent($$"""{"ke1":"{{Ke1Valid}}"}""", System.Text.Encoding.UTF8, "application/json");
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.Http.PostAsync("v1/login/start", body)).StatusCode);

        using var wrongAudience = new HttpRequestMessage(HttpMethod.Post, "v1/login/start") { Content = body };
        wrongAudience.Headers.Authorization = new("Bearer", VaultHost.Token("alice", audience: "someone-else"));
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.Http.SendAsync(wrongAudience)).StatusCode);
        Assert.Null(await host.Store.GetRecordAsync("alice", default));
    }

    [Fact]
    public async Task A_proof_nonce_works_once()
    {
        var host = await StartAsync(StoreKind.Sqlite, HostKind.Kestrel);
        var client = await host.ClientAsync("alice");
        await client.EnableAsync(BackupKey, "correct horse");
        var challenge = await Raw.JsonAsync(await Raw.PostAsync(host, "alice", "v1/challenge", new { }));
        string nonce = challenge.GetProperty("nonce").GetString()!;
        byte[] message = PossessionProof.Message(PossessionProof.Purpose.Check, Convert.FromBase64String(nonce), "alice", []);
        var proof = new { proof = new { nonce, signature = Convert.ToBase64String(Sign(BackupKey, message)) } };

        Assert.Equal(HttpStatusCode.OK, (await Raw.PostAsync(host, "alice", "v1/record/check", proof)).StatusCode);
        var again = await Raw.PostAsync(host, "alice", "v1/record/check", proof);
        Assert.Equal(HttpStatusCode.Forbidden, again.StatusCode);
        Assert.Equal("nonce-invalid", (await Raw.ProblemAsync(again)).Code);
    }

    [Fact]
    public async Task A_nonce_expires()
    {
        var host = await StartAsync(StoreKind.Sqlite, HostKind.Kestrel);
        await (await host.ClientAsync("alice")).EnableAsync(BackupKey, "correct horse");
        var challenge = await Raw.JsonAsync(await Raw.PostAsync(host, "alice", "v1/challenge", new { }));
        string nonce = challenge.GetProperty("nonce").GetString()!;
        byte[] message = PossessionProof.Message(PossessionProof.Purpose.Delete, Convert.FromBase64String(nonce), "alice", []);
        Time.Advance(TimeSpan.FromMinutes(6));

        var response = await Raw.PostAsync(host, "alice", "v1/record/delete",
            new { proof = new { nonce, signature = Convert.ToBase64String(Sign(BackupKey, message)) } });

        Assert.Equal("nonce-invalid", (await Raw.ProblemAsync(response)).Code);
        Assert.NotNull(await host.Store.GetRecordAsync("alice", default));
    }

    [Fact]
    public async Task Registering_over_an_existing_record_without_a_proof_is_refused()
    {
        var host = await StartAsync(StoreKind.Sqlite, HostKind.Kestrel);
        await (await host.ClientAsync("alice")).EnableAsync(BackupKey, "correct horse");
        byte[] otherKey = new byte[32];

        var error = await Assert.ThrowsAsync<VaultEscrowExistsException>(async () => await (await host.ClientAsync("alice")).EnableAsync(otherKey, "attacker"));

        Assert.Contains("already exists that this device did not make", error.Message, StringComparison.Ordinal);
        Assert.Equal(BackupKey, await (await host.ClientAsync("alice")).RecoverAsync("correct horse"));
    }

    [Fact]
    public async Task A_proof_made_with_another_key_cannot_replace_the_record()
    {
        var host = await StartAsync(StoreKind.Sqlite, HostKind.Kestrel);
        await (await host.ClientAsync("alice")).EnableAsync(BackupKey, "correct horse");

        await Assert.ThrowsAsync<VaultEscrowExistsException>(async () => await (await host.ClientAsync("alice")).DisableAsync(new byte[32]));
        await Assert.ThrowsAsync<VaultEscrowExistsException>(async () => await (await host.ClientAsync("alice")).ChangePasswordAsync(new byte[32], "attacker"));
        Assert.NotNull(await host.Store.GetRecordAsync("alice", default));
    }
}
