using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Lockbox.Opaque;
using Lockbox.Opaque.Ksf;
using Lockbox.Opaque.Messages;
using Lockbox.Vault.Client;

namespace Lockbox.Fuzzing;

/// <summary>A vault to fuzz: its HTTP client, a token for the fuzzed account, and a view of that account's record.</summary>
/// <param name="Http">A client of a running vault (TestServer or Kestrel).</param>
/// <param name="Token">A valid bearer token for <see cref="VaultTargets.Account"/>.</param>
/// <param name="RecordState">The account's record (id, bytes, counter) as text, or null when it has none.</param>
/// <param name="EnsureRecord">Registers the account again if a fuzzed request legitimately removed its record.</param>
public sealed record VaultFuzzHost(HttpClient Http, Func<string> Token, Func<Task<string?>> RecordState, Func<Task> EnsureRecord);

/// <summary>
/// Fuzzes the JSON body of every vault endpoint: mutations of valid requests (byte-level, and every
/// member replaced by null, a wrong type, an extreme number or a wrong-size value) and random bytes.
/// Property: the vault answers every request that is not a valid one with a 4xx problem response
/// (never a 5xx, never a dropped connection), and a refused request changes nothing.
/// </summary>
public static class VaultTargets
{
    /// <summary>The account every fuzzed request is for.</summary>
    public const string Account = "fuzz-alice";

    /// <summary>The endpoints that take a body.</summary>
    public static readonly string[] Endpoints =
        ["v1/registration/start", "v1/registration/finish", "v1/challenge", "v1/login/start", "v1/login/finish", "v1/record/check", "v1/record/delete"];

    /// <summary>Runs <paramref name="count"/> fuzzed bodies against <paramref name="endpoint"/>.</summary>
    public static FuzzReport Run(VaultFuzzHost host, string endpoint, int count, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(host);
        var seeds = SeedsAsync(host, endpoint).GetAwaiter().GetResult();
        string[] contentTypes = ["text/plain", "application/json; charset=utf-16", "application/x-www-form-urlencoded", "application/json; charset=bogus"];
        int n = 0;
        var statuses = new SortedDictionary<int, int>();

        // First every structure-aware variant as it is (each member null, a wrong type, the wrong size, one bit flipped...),
        // then FsCheck's byte-level mutations of them all, and random bytes.
        foreach (byte[] variant in seeds)
        {
            int status = PostAndCheckAsync(host, endpoint, variant, "application/json").GetAwaiter().GetResult();
            statuses[status] = statuses.GetValueOrDefault(status) + 1;
        }

        var report = Fuzz.Run("vault " + endpoint, seeds, 300, count, seed, body =>
        {
            // One request in 16 also has a wrong or odd content type.
            string contentType = (n++ % 16) == 15 ? contentTypes[(n / 16) % contentTypes.Length] : "application/json";
            int status = PostAndCheckAsync(host, endpoint, body, contentType).GetAwaiter().GetResult();
            statuses[status] = statuses.GetValueOrDefault(status) + 1;
        }, _ => false);
        return report with { Inputs = report.Inputs + seeds.Length, Detail = $"{seeds.Length} structural variants and {report.Inputs:N0} mutations: " + "statuses " + string.Join(", ", statuses.Select(s => $"{s.Key}: {s.Value:N0}")) + ", no 5xx, every refusal left the record as it was" };
    }

    private static async Task<int> PostAndCheckAsync(VaultFuzzHost host, string endpoint, byte[] body, string contentType)
    {
        await host.EnsureRecord().ConfigureAwait(false);
        string? before = await host.RecordState().ConfigureAwait(false);
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new ByteArrayContent(body) };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", host.Token());
        using var response = await host.Http.SendAsync(request).ConfigureAwait(false);
        int status = (int)response.StatusCode;
        string text = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
        if (Environment.GetEnvironmentVariable("LOCKBOX_FUZZ_TRACE") == "1")
        {
            Console.Error.WriteLine($"{endpoint} {contentType} {Encoding.UTF8.GetString(body)} -> {status} {text}");
        }
        if (status >= 500)
        {
            throw new FuzzFailureException($"{endpoint} answered {status}: {text}");
        }

        if (status is >= 200 and < 300)
        {
            return status; // a valid request: it may change the record
        }

        if (status < 400 || response.Content.Headers.ContentType?.MediaType != "application/problem+json")
        {
            throw new FuzzFailureException($"{endpoint} answered {status} ({response.Content.Headers.ContentType}) instead of a 4xx problem: {text}");
        }

        // 410 is the one refusal that changes state by design: the final wrong KE3 destroys the record.
        string? after = await host.RecordState().ConfigureAwait(false);
        if (status != 410 && before != after)
        {
            throw new FuzzFailureException($"{endpoint} answered {status} but changed the record: {text}");
        }

        return status;
    }

    private static async Task<byte[][]> SeedsAsync(VaultFuzzHost host, string endpoint)
    {
        var bodies = new List<string>();
        switch (endpoint)
        {
            case "v1/registration/start":
                bodies.Add(HandRegistration.StartBody("pw"));
                break;
            case "v1/registration/finish":
                {
                    var info = JsonDocument.Parse(await host.Http.GetStringAsync(new Uri("v1/vault-info", UriKind.Relative)).ConfigureAwait(false));
                    byte[] serverKey = Convert.FromBase64String(info.RootElement.GetProperty("publicKey").GetString()!);
                    using var registration = await HandRegistration.StartAsync((path, json) => PostJsonAsync(host, path, json), serverKey, "pw").ConfigureAwait(false);
                    bodies.Add(registration.FinishBody(new byte[60], new byte[32]));
                    bodies.Add(registration.FinishBody(new byte[60], new byte[32], proof: new Vault.Protocol.Contracts.ProofContract(B64(new byte[32]), B64(new byte[64]))));
                }

                break;
            case "v1/challenge":
                bodies.Add("{}");
                break;
            case "v1/login/start":
                using (var login = ClientLogin.Start("pw"u8, out var ke1))
                {
                    bodies.Add(Json(new { ke1 = B64(ke1.ToArray()) }));
                }

                break;
            case "v1/login/finish":
                // Logins start only against an escrow (an account without one is told so, 404).
                await host.EnsureRecord().ConfigureAwait(false);
                for (int i = 0; i < 2; i++)
                {
                    using var login = ClientLogin.Start("pw"u8, out var ke1);
                    var started = await PostJsonAsync(host, "v1/login/start", Json(new { ke1 = B64(ke1.ToArray()) })).ConfigureAwait(false);
                    bodies.Add(Json(new { loginId = started.GetProperty("loginId").GetString(), ke3 = B64(new byte[64]), state = started.GetProperty("state").GetString() }));
                }

                break;
            default: // record/check and record/delete: a proof with a real nonce and a wrong signature
                var challenge = await PostJsonAsync(host, "v1/challenge", "{}").ConfigureAwait(false);
                bodies.Add(Json(new { proof = new { nonce = challenge.GetProperty("nonce").GetString(), signature = B64(new byte[64]) } }));
                break;
        }

        // Structure-aware variants: every member (also nested) replaced by an odd value.
        var seeds = bodies.Select(Encoding.UTF8.GetBytes).ToList();
        foreach (string body in bodies.ToList())
        {
            seeds.AddRange(Variants(body).Select(Encoding.UTF8.GetBytes));
        }

        return [.. seeds];
    }

    private static IEnumerable<string> Variants(string json)
    {
        string[] replacements = ["null", "0", "-1", "1e400", "99999999999999999999", "\"\"", "\"====\"", "\"AAAA\"", "[]", "{}", "true",
            "\"" + new string('A', 2000) + "\"", "\"\\u0000\"", "\"ÿÿÿÿ\"", "{\"memoryKiB\":4294967296,\"iterations\":1,\"parallelism\":1}"];
        using var document = JsonDocument.Parse(json);
        foreach (string path in Paths(document.RootElement, ""))
        {
            foreach (string r in replacements)
            {
                yield return Replace(document.RootElement, path, r);
            }

            // A base64 field with one bit of its bytes flipped: the right size, so the message parsers see it.
            if (Value(document.RootElement, path) is { ValueKind: JsonValueKind.String } value && value.TryGetBytesFromBase64(out byte[]? bytes) && bytes.Length > 0)
            {
                foreach (int bit in new[] { 0, 7, bytes.Length * 4, (bytes.Length * 8) - 1, 250 % (bytes.Length * 8) })
                {
                    byte[] flipped = (byte[])bytes.Clone();
                    flipped[bit / 8] ^= (byte)(1 << (bit % 8));
                    yield return Replace(document.RootElement, path, "\"" + Convert.ToBase64String(flipped) + "\"");
                }

                yield return Replace(document.RootElement, path, "\"" + Convert.ToBase64String(new byte[bytes.Length]) + "\"");
                yield return Replace(document.RootElement, path, "\"" + Convert.ToBase64String(Enumerable.Repeat((byte)0xff, bytes.Length).ToArray()) + "\"");
            }
        }

        yield return json.TrimEnd('}') + ",\"account\":\"bob\"}";
        yield return "[" + json + "]";
        yield return json + json;
    }

    private static IEnumerable<string> Paths(JsonElement element, string prefix)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            yield break;
        }

        foreach (var member in element.EnumerateObject())
        {
            string path = prefix + "/" + member.Name;
            yield return path;
            foreach (string inner in Paths(member.Value, path))
            {
                yield return inner;
            }
        }
    }

    private static JsonElement? Value(JsonElement element, string path)
    {
        foreach (string part in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(part, out element))
            {
                return null;
            }
        }

        return element;
    }

    private static string Replace(JsonElement element, string path, string replacement)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            Write(writer, element, "", path, replacement);
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void Write(Utf8JsonWriter writer, JsonElement element, string at, string path, string replacement)
    {
        if (at == path)
        {
            writer.WriteRawValue(replacement, skipInputValidation: true);
            return;
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            element.WriteTo(writer);
            return;
        }

        writer.WriteStartObject();
        foreach (var member in element.EnumerateObject())
        {
            writer.WritePropertyName(member.Name);
            Write(writer, member.Value, at + "/" + member.Name, path, replacement);
        }

        writer.WriteEndObject();
    }

    private static async Task<JsonElement> PostJsonAsync(VaultFuzzHost host, string path, string body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", host.Token());
        using var response = await host.Http.SendAsync(request).ConfigureAwait(false);
        string text = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{path}: {(int)response.StatusCode} {text}");
        }

        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    private static string Json(object value) => JsonSerializer.Serialize(value);

    private static string B64(byte[] bytes) => Convert.ToBase64String(bytes);

    /// <summary>The record of <see cref="Account"/> as text, for "nothing changed" comparisons.</summary>
    public static async Task<string?> DescribeAsync(Vault.Server.Storage.IVaultStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        var escrow = await store.GetEscrowAsync(Account, CancellationToken.None).ConfigureAwait(false);
        return escrow is null ? null : $"{Convert.ToHexString(escrow.RecordId)}:{Convert.ToHexString(escrow.Record ?? [])}:{Convert.ToHexString(escrow.PossessionKey)}:{escrow.Attempts}:{escrow.FreshStartAtMs}";
    }

    /// <summary>Registers <see cref="Account"/> when it has no record (none, or the tombstone a lockout left), with a cheap Argon2id.</summary>
    public static async Task EnsureRecordAsync(HttpClient http, Vault.Server.Storage.IVaultStore store, Func<string> token)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (await store.GetEscrowAsync(Account, CancellationToken.None).ConfigureAwait(false) is { IsTombstone: false })
        {
            return;
        }

        var info = JsonDocument.Parse(await http.GetStringAsync(new Uri("v1/vault-info", UriKind.Relative)).ConfigureAwait(false));
        var client = new VaultClient(http, new VaultClientOptions
        {
            PinnedPublicKey = Convert.FromBase64String(info.RootElement.GetProperty("publicKey").GetString()!),
            AccessToken = _ => ValueTask.FromResult(token()),
            KsfMemoryKiB = 8,
            KsfIterations = 1,
        });
        await client.ChangePasswordAsync(Enumerable.Range(100, 32).Select(i => (byte)i).ToArray(), "correct horse").ConfigureAwait(false);
    }
}
