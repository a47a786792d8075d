using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Lockbox.Opaque;
using Lockbox.Opaque.Ksf;
using Lockbox.Opaque.Messages;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Lockbox.Vault.Tests;

/// <summary>
/// A client that does not follow the protocol: messages out of order, replayed or raced, bodies too
/// big, connections too slow, tokens that are expired, forged or absent. The vault refuses each with
/// the documented status and the record stays exactly as it was.
/// </summary>
public class AbuseTests : VaultTestBase
{
    public static TheoryData<StoreKind, HostKind> Setups => TestEnvironment.Setups();

    private static string B64(byte[] bytes) => Convert.ToBase64String(bytes);

    private static async Task<string> RecordOfAsync(VaultHost host, string account)
    {
        var record = await host.Store.GetEscrowAsync(account, default);
        return record is null ? "none" : $"{B64(record.RecordId)}/{B64(record.Record ?? [])}/{B64(record.WrappedKey ?? [])}/{B64(record.PossessionKey)}/{record.Attempts}";
    }

    /// <summary>A registration/finish body from a real registration/start, with a wrapped key of <paramref name="fill"/> bytes.</summary>
    private static async Task<(string Body, Lockbox.Fuzzing.HandRegistration Registration)> FinishBodyAsync(VaultHost host, string account, byte fill)
    {
        var registration = await Raw.StartRegistrationAsync(host, account, "password " + fill);
        return (registration.FinishBody(Enumerable.Repeat(fill, 60).ToArray(), Enumerable.Repeat(fill, 32).ToArray()), registration);
    }

    [Theory, MemberData(nameof(Setups))]
    public async Task Login_finish_without_a_login_start_is_unknown_and_changes_nothing(StoreKind store, HostKind kind)
    {
        var host = await StartAsync(store, kind);
        await (await host.ClientAsync("alice")).EnableAsync(BackupKey, "correct horse");
        string before = await RecordOfAsync(host, "alice");

        var response = await Raw.PostAsync(host, "alice", "v1/login/finish",
            new { loginId = B64(RandomNumberGenerator.GetBytes(16)), ke3 = B64(new byte[64]), state = B64(RandomNumberGenerator.GetBytes(184)) });

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("login-unknown", (await Raw.ProblemAsync(response)).Code);
        Assert.Equal(before, await RecordOfAsync(host, "alice"));
    }

    [Theory, MemberData(nameof(Setups))]
    public async Task A_failed_login_finished_twice_counts_once(StoreKind store, HostKind kind)
    {
        var host = await StartAsync(store, kind);
        await (await host.ClientAsync("alice")).EnableAsync(BackupKey, "correct horse");
        var started = await Raw.StartLoginAsync(host, "alice", "correct horse");
        var wrong = KE3.Parse(new byte[64]);

        var first = await Raw.FinishAsync(host, "alice", started, wrong);
        string after = await RecordOfAsync(host, "alice");
        var second = await Raw.FinishAsync(host, "alice", started, wrong);

        Assert.Equal(("wrong-password", (int?)9), await Raw.ProblemAsync(first));
        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        Assert.Equal("login-unknown", (await Raw.ProblemAsync(second)).Code);
        Assert.Equal(after, await RecordOfAsync(host, "alice"));
        Assert.Equal(1, (await host.Store.GetRecordAsync("alice", default))!.Attempts);
    }

    [Theory, MemberData(nameof(Setups))]
    public async Task A_replayed_registration_finish_gets_the_first_answer_and_changes_nothing(StoreKind store, HostKind kind)
    {
        var host = await StartAsync(store, kind);
        var (body, registration) = await FinishBodyAsync(host, "alice", 1);
        using (registration)
        {
            var first = await Raw.JsonAsync(await Raw.PostTextAsync(host, "alice", "v1/registration/finish", body));
            string before = await RecordOfAsync(host, "alice");

            var replay = await Raw.JsonAsync(await Raw.PostTextAsync(host, "alice", "v1/registration/finish", body));

            Assert.Equal(first.GetProperty("mac").GetString(), replay.GetProperty("mac").GetString());
            Assert.True(registration.Confirms(replay, Enumerable.Repeat((byte)1, 60).ToArray(), Enumerable.Repeat((byte)1, 32).ToArray()));
            Assert.Equal(before, await RecordOfAsync(host, "alice"));
        }
    }

    [Theory, MemberData(nameof(Setups))]
    public async Task Finish_with_another_accounts_issued_record_id_is_refused_and_changes_nothing(StoreKind store, HostKind kind)
    {
        var host = await StartAsync(store, kind);
        await (await host.ClientAsync("alice")).EnableAsync(BackupKey, "correct horse");
        string before = await RecordOfAsync(host, "alice");
        var (body, registration) = await FinishBodyAsync(host, "mallory", 2); // issued to mallory, so not to alice
        registration.Dispose();

        var response = await Raw.PostTextAsync(host, "alice", "v1/registration/finish", body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid-message", (await Raw.ProblemAsync(response)).Code);
        Assert.Equal(before, await RecordOfAsync(host, "alice"));
        Assert.Equal(BackupKey, await (await host.ClientAsync("alice")).RecoverAsync("correct horse"));
    }

    [Theory, MemberData(nameof(Setups))]
    public async Task Of_two_concurrent_registrations_for_one_account_exactly_one_wins_and_the_other_gets_409(StoreKind store, HostKind kind)
    {
        var host = await StartAsync(store, kind);
        for (int round = 0; round < 8; round++)
        {
            string account = $"racer-{round}";
            var registrations = new[] { await FinishBodyAsync(host, account, 1), await FinishBodyAsync(host, account, 2) };

            var responses = await Task.WhenAll(registrations.Select(r => Task.Run(() => Raw.PostTextAsync(host, account, "v1/registration/finish", r.Body))));

            Assert.Single(responses, r => r.StatusCode == HttpStatusCode.OK);
            var loser = Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Conflict);
            Assert.Equal("record-exists", (await Raw.ProblemAsync(loser)).Code);
            int winner = Array.FindIndex(responses, r => r.StatusCode == HttpStatusCode.OK);
            var stored = (await host.Store.GetRecordAsync(account, default))!;
            byte fill = (byte)(winner + 1);
            Assert.Equal(Enumerable.Repeat(fill, 60).ToArray(), stored.WrappedKey);
            Assert.Equal(registrations[winner].Registration.Record, stored.Record);
            Assert.Equal(0, stored.Attempts);
            foreach (var (_, registration) in registrations)
            {
                registration.Dispose();
            }
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_body_over_16_KiB_is_refused_with_413_and_changes_nothing(bool chunked)
    {
        var host = await StartAsync(StoreKind.Sqlite, HostKind.Kestrel);
        await (await host.ClientAsync("alice")).EnableAsync(BackupKey, "correct horse");
        string before = await RecordOfAsync(host, "alice");
        // One string value past the limit: the parser must read all of it, so the size limit, not a
        // JSON error (an unknown member is refused too), is what stops the request, however it arrives.
        string body = $$"""{"ke1":"{{B64(GuessLimitTests.Ke1())}}{{new string('A', 17 * 1024)}}"}""";
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/login/start")
        {
            Content = chunked
                ? new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(body)))
                : new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.TransferEncodingChunked = chunked;
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", VaultHost.Token("alice"));

        var response = await host.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal(before, await RecordOfAsync(host, "alice"));
    }

    public static TheoryData<string, string> BadTokens()
    {
        var data = new TheoryData<string, string>();
        foreach (string endpoint in new[] { "v1/registration/start", "v1/registration/finish", "v1/challenge", "v1/login/start", "v1/login/finish", "v1/record/check", "v1/record/delete", "v1/fresh-start" })
        {
            foreach (string token in new[] { "missing", "expired", "forged", "garbage" })
            {
                data.Add(endpoint, token);
            }
        }

        return data;
    }

    private static string? TokenOfKind(string kind) => kind switch
    {
        "missing" => null,
        "expired" => VaultHost.Token("alice", expires: DateTime.UtcNow.AddHours(-1)),
        "forged" => VaultHost.Token("alice", signingKey: Enumerable.Repeat((byte)7, 32).ToArray()),
        _ => "not.a.jwt",
    };

    [Theory, MemberData(nameof(BadTokens))]
    public async Task An_expired_forged_or_missing_token_gets_401_and_changes_nothing(string endpoint, string token)
    {
        var host = await StartAsync(StoreKind.Sqlite, HostKind.TestServer);
        await (await host.ClientAsync("alice")).EnableAsync(BackupKey, "correct horse");
        string before = await RecordOfAsync(host, "alice");
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint)
        {
            Content = new StringContent($$"""{"ke1":"{{B64(GuessLimitTests.Ke1())}}"}""", Encoding.UTF8, "application/json"),
        };
        if (TokenOfKind(token) is { } value)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", value);
        }

        var response = await host.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(before, await RecordOfAsync(host, "alice"));
    }

    private static readonly Dictionary<string, string> SlowLimits = new()
    {
        ["Vault:Limits:RequestHeadersTimeoutSeconds"] = "1",
        ["Vault:Limits:MinRequestBodyBytesPerSecond"] = "240",
        ["Vault:Limits:MinRequestBodyGraceSeconds"] = "1.5",
    };

    [Fact]
    public async Task A_client_that_dribbles_its_headers_is_disconnected()
    {
        var host = await StartAsync(StoreKind.Sqlite, HostKind.Kestrel, extra: SlowLimits);
        var (elapsed, closed) = await DribbleAsync(host, "POST /v1/login/start HTTP/1.1\r\nHost: localhost\r\n", "X-Slow: " + new string('a', 200));

        Assert.True(closed, "the vault kept a connection whose headers never finished");
        Assert.InRange(elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(4));
    }

    [Fact]
    public async Task A_client_that_dribbles_its_body_is_disconnected()
    {
        var host = await StartAsync(StoreKind.Sqlite, HostKind.Kestrel, extra: SlowLimits);
        string headers = "POST /v1/login/start HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 4000\r\n"
            + $"Authorization: Bearer {VaultHost.Token("alice")}\r\n\r\n";
        var (elapsed, closed) = await DribbleAsync(host, headers, "{\"ke1\":\"" + new string('A', 3000));

        Assert.True(closed, "the vault kept a connection whose body arrived at a few bytes a second");
        Assert.InRange(elapsed, TimeSpan.FromSeconds(1.4), TimeSpan.FromSeconds(4.5));
        Assert.Null(await host.Store.GetRecordAsync("alice", default));
    }

    /// <summary>Sends <paramref name="start"/>, then <paramref name="dribble"/> one byte every 100 ms until the vault hangs up (or 5 s pass).</summary>
    private static async Task<(TimeSpan Elapsed, bool Closed)> DribbleAsync(VaultHost host, string start, string dribble)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(host.Http.BaseAddress!.Host, host.Http.BaseAddress.Port);
        var stream = tcp.GetStream();
        var watch = Stopwatch.StartNew();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(start));
        var reading = Task.Run(async () =>
        {
            byte[] buffer = new byte[4096];
            try
            {
                while (await stream.ReadAsync(buffer) > 0)
                {
                    // a 408 or 400 may come first; the connection closing is what counts
                }
            }
            catch (IOException)
            {
                // reset by the server: closed too
            }
        });
        foreach (char c in dribble)
        {
            if (reading.IsCompleted || watch.Elapsed > TimeSpan.FromSeconds(5))
            {
                break;
            }

            try
            {
                await stream.WriteAsync(new[] { (byte)c });
            }
            catch (IOException)
            {
                break;
            }

            await Task.WhenAny(reading, Task.Delay(100));
        }

        var left = TimeSpan.FromSeconds(5) - watch.Elapsed;
        bool closed = reading.IsCompleted || await Task.WhenAny(reading, Task.Delay(left > TimeSpan.Zero ? left : TimeSpan.Zero)) == reading;
        return (watch.Elapsed, closed);
    }
}
