using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Lockbox.Vault.Tests;

/// <summary>
/// Account tokens the vault cannot mint (issue 16, section 5): ES256 under the messaging service's
/// public keys, one algorithm per vault, keys only from configuration, and the header and claim
/// rules on top of IdentityModel's own verification. Every refusal is a plain 401.
/// </summary>
public sealed class AccountTokenTests : VaultTestBase
{
    public static TheoryData<StoreKind, HostKind> Setups => TestEnvironment.Setups();

    private Task<VaultHost> Es256VaultAsync(IDictionary<string, string>? more = null, LogCapture? logs = null)
    {
        var settings = VaultHost.Es256Settings();
        foreach (var (key, value) in more ?? new Dictionary<string, string>())
        {
            settings[key] = value;
        }

        return StartAsync(StoreKind.Sqlite, HostKind.TestServer, extra: settings, logs: logs);
    }

    /// <summary>POST v1/challenge, which needs nothing but the token and answers with the token's account.</summary>
    private static async Task<HttpResponseMessage> ChallengeAsync(VaultHost host, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/challenge") { Content = new StringContent("{}", Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await host.Http.SendAsync(request);
    }

    private static async Task AssertAcceptedAsync(VaultHost host, string token, string account = "alice")
    {
        using var response = await ChallengeAsync(host, token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(account, json.RootElement.GetProperty("account").GetString());
    }

    private static async Task AssertRefusedAsync(VaultHost host, string token)
    {
        using var response = await ChallengeAsync(host, token);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    private static string Chain(Exception error)
    {
        var messages = new List<string>();
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            messages.Add(e.Message);
        }

        return string.Join(" | ", messages);
    }

    [Theory, MemberData(nameof(Setups))]
    public async Task A_valid_ES256_token_works_end_to_end(StoreKind store, HostKind kind)
    {
        var host = await StartAsync(store, kind, extra: VaultHost.Es256Settings());
        var client = await host.ClientAsync("alice", token: VaultHost.Es256Token("alice"));

        await client.EnableAsync(BackupKey, "correct horse");

        Assert.Equal(BackupKey, await client.RecoverAsync("correct horse"));
    }

    [Fact]
    public async Task A_hand_made_ES256_token_is_accepted_so_each_refusal_below_is_the_one_change_it_makes()
    {
        var host = await Es256VaultAsync();

        await AssertAcceptedAsync(host, Jws.Es256(Jws.Header(), Jws.Claims()));
    }

    [Fact]
    public async Task Tokens_under_either_of_two_configured_kids_are_accepted_so_the_issuer_can_rotate_its_key()
    {
        var host = await StartAsync(StoreKind.Sqlite, HostKind.TestServer,
            extra: VaultHost.Es256Settings((VaultHost.Es256Kid, VaultHost.Es256Key), ("messaging-2027", VaultHost.Es256OtherKey)));

        await AssertAcceptedAsync(host, VaultHost.Es256Token("alice"));
        await AssertAcceptedAsync(host, VaultHost.Es256Token("alice", VaultHost.Es256OtherKey, "messaging-2027"));
        // Each key only under its own kid.
        await AssertRefusedAsync(host, VaultHost.Es256Token("alice", VaultHost.Es256OtherKey, VaultHost.Es256Kid));
    }

    [Fact]
    public async Task A_PEM_public_key_in_the_configuration_works_like_base64_SPKI()
    {
        var host = await StartAsync(StoreKind.Sqlite, HostKind.TestServer, extra: new Dictionary<string, string>
        {
            ["Vault:Jwt:Algorithm"] = "ES256",
            ["Vault:Jwt:SigningKey"] = "",
            ["Vault:Jwt:Keys:" + VaultHost.Es256Kid] = VaultHost.Es256Key.ExportSubjectPublicKeyInfoPem(),
        });

        await AssertAcceptedAsync(host, VaultHost.Es256Token("alice"));
    }

    public static TheoryData<string> PublicKeyForms() => ["SPKI DER", "PEM text", "base64 SPKI text"];

    [Theory, MemberData(nameof(PublicKeyForms))]
    public async Task An_HS256_token_keyed_with_the_configured_public_key_is_refused(string form)
    {
        // The classic confusion: the public key is no secret, so anyone could compute this HMAC.
        var host = await Es256VaultAsync();
        byte[] secret = form switch
        {
            "SPKI DER" => VaultHost.Es256Key.ExportSubjectPublicKeyInfo(),
            "PEM text" => Encoding.ASCII.GetBytes(VaultHost.Es256Key.ExportSubjectPublicKeyInfoPem()),
            _ => Encoding.ASCII.GetBytes(VaultHost.Es256Settings()["Vault:Jwt:Keys:" + VaultHost.Es256Kid]),
        };

        await AssertRefusedAsync(host, Jws.Hs256(Jws.Header(alg: "HS256"), Jws.Claims(), secret));
        await AssertRefusedAsync(host, Jws.Hs256(Jws.Header(kid: null, alg: "HS256"), Jws.Claims(), secret));
    }

    [Fact]
    public async Task An_ES256_vault_refuses_an_HS256_token_and_an_HS256_vault_an_ES256_token()
    {
        var es256 = await Es256VaultAsync();
        var hs256 = await StartAsync(StoreKind.Sqlite, HostKind.TestServer);

        await AssertRefusedAsync(es256, VaultHost.Token("alice"));
        await AssertRefusedAsync(hs256, VaultHost.Es256Token("alice"));
        await AssertAcceptedAsync(hs256, VaultHost.Token("alice"));
    }

    [Theory]
    [InlineData("none")]
    [InlineData("None")]
    public async Task An_unsigned_alg_none_token_is_refused(string alg)
    {
        var es256 = await Es256VaultAsync();
        var hs256 = await StartAsync(StoreKind.Sqlite, HostKind.TestServer);

        await AssertRefusedAsync(es256, Jws.Unsigned(Jws.Header(alg: alg), Jws.Claims()));
        await AssertRefusedAsync(hs256, Jws.Unsigned(Jws.Header(kid: null, alg: alg), Jws.Claims()));
    }

    [Theory]
    [InlineData("messaging-2025")]
    [InlineData("MESSAGING-2026")] // kids are compared exactly
    [InlineData("")]
    [InlineData(null)]
    public async Task A_token_naming_a_kid_that_is_not_configured_is_refused_though_its_signature_is_good(string? kid)
    {
        // Signed by the configured key: by default the handler would try every key when the kid is unknown.
        var host = await Es256VaultAsync();

        await AssertRefusedAsync(host, Jws.Es256(Jws.Header(kid), Jws.Claims()));
    }

    [Fact]
    public async Task A_token_signed_by_a_key_the_vault_was_not_given_is_refused()
    {
        var host = await Es256VaultAsync();

        await AssertRefusedAsync(host, VaultHost.Es256Token("alice", VaultHost.Es256OtherKey));
    }

    private static JsonNode KeyOrCertificateHeader(string name)
    {
        var q = VaultHost.Es256Key.ExportParameters(false).Q;
        return name switch
        {
            "jku" => "https://127.0.0.1:9/jwks.json",
            "x5u" => "https://127.0.0.1:9/messaging.pem",
            "jwk" => new JsonObject
            {
                ["kty"] = "EC",
                ["crv"] = "P-256",
                ["x"] = System.Buffers.Text.Base64Url.EncodeToString(q.X),
                ["y"] = System.Buffers.Text.Base64Url.EncodeToString(q.Y),
            },
            _ => new JsonArray(Convert.ToBase64String(SelfSignedCertificate())),
        };
    }

    private static byte[] SelfSignedCertificate()
    {
        var request = new CertificateRequest("CN=lockbox-messaging", VaultHost.Es256Key, HashAlgorithmName.SHA256);
        using var certificate = request.CreateSelfSigned(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2036, 1, 1, 0, 0, 0, TimeSpan.Zero));
        return certificate.RawData;
    }

    [Theory]
    [InlineData("jku")]
    [InlineData("jwk")]
    [InlineData("x5u")]
    [InlineData("x5c")]
    public async Task A_token_carrying_a_key_or_certificate_header_is_refused(string name)
    {
        // Each points at the configured key itself, and the signature is good: only the header is wrong.
        var host = await Es256VaultAsync();
        var header = Jws.Header();
        header[name] = KeyOrCertificateHeader(name);

        await AssertRefusedAsync(host, Jws.Es256(header, Jws.Claims()));
    }

    [Fact]
    public async Task A_token_that_brings_its_own_key_in_a_jwk_header_is_refused()
    {
        var host = await Es256VaultAsync();
        var q = VaultHost.Es256OtherKey.ExportParameters(false).Q;
        var header = Jws.Header();
        header["jwk"] = new JsonObject
        {
            ["kty"] = "EC",
            ["crv"] = "P-256",
            ["x"] = System.Buffers.Text.Base64Url.EncodeToString(q.X),
            ["y"] = System.Buffers.Text.Base64Url.EncodeToString(q.Y),
        };

        await AssertRefusedAsync(host, Jws.Es256(header, Jws.Claims(), VaultHost.Es256OtherKey));
    }

    [Fact]
    public async Task A_token_with_a_crit_header_is_refused()
    {
        var host = await Es256VaultAsync();
        var header = Jws.Header();
        header["crit"] = new JsonArray("exp-v2");
        header["exp-v2"] = true;

        await AssertRefusedAsync(host, Jws.Es256(header, Jws.Claims()));
    }

    [Theory]
    [InlineData("exp")]
    [InlineData("nbf")]
    [InlineData("iat")]
    public async Task A_token_whose_time_claim_is_a_string_is_refused(string claim)
    {
        // IdentityModel itself reads "exp":"1767225600" as the number.
        var host = await Es256VaultAsync();
        var claims = Jws.Claims();
        claims[claim] = claims[claim]!.GetValue<long>().ToString(System.Globalization.CultureInfo.InvariantCulture);

        await AssertRefusedAsync(host, Jws.Es256(Jws.Header(), claims));
    }

    [Fact]
    public async Task A_token_without_exp_is_refused()
    {
        var host = await Es256VaultAsync();
        var claims = Jws.Claims();
        claims.Remove("exp");

        await AssertRefusedAsync(host, Jws.Es256(Jws.Header(), claims));
    }

    [Fact]
    public async Task A_token_without_iat_is_refused_when_MaxAgeSeconds_is_set_and_accepted_when_not()
    {
        var limited = await Es256VaultAsync(new Dictionary<string, string> { ["Vault:Jwt:MaxAgeSeconds"] = "3600" });
        var unlimited = await Es256VaultAsync();
        var claims = Jws.Claims();
        claims.Remove("iat");
        string token = Jws.Es256(Jws.Header(), claims);

        await AssertRefusedAsync(limited, token);
        await AssertAcceptedAsync(unlimited, token);
        await AssertAcceptedAsync(limited, Jws.Es256(Jws.Header(), Jws.Claims()));
    }

    [Fact]
    public async Task A_token_older_than_MaxAgeSeconds_is_refused_though_it_has_not_expired()
    {
        var host = await Es256VaultAsync(new Dictionary<string, string> { ["Vault:Jwt:MaxAgeSeconds"] = "3600" });
        var claims = Jws.Claims();
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        claims["iat"] = now - 7200;
        claims["nbf"] = now - 7200;

        await AssertRefusedAsync(host, Jws.Es256(Jws.Header(), claims));
    }

    [Fact]
    public async Task A_token_issued_in_the_future_is_refused_when_MaxAgeSeconds_is_set()
    {
        // Else a far-future iat would stretch the age limit by as much.
        var host = await Es256VaultAsync(new Dictionary<string, string> { ["Vault:Jwt:MaxAgeSeconds"] = "3600" });
        var claims = Jws.Claims();
        claims["iat"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 3000;

        await AssertRefusedAsync(host, Jws.Es256(Jws.Header(), claims));
    }

    [Fact]
    public async Task A_token_from_another_issuer_is_refused()
    {
        var host = await Es256VaultAsync();

        await AssertRefusedAsync(host, VaultHost.Es256Token("alice", issuer: "someone-else"));
        await AssertRefusedAsync(host, Jws.Es256(Jws.Header(), Jws.Claims(issuer: "someone-else")));
    }

    [Fact]
    public async Task A_token_naming_a_member_twice_is_refused()
    {
        // Which account was meant? IdentityModel reads the last "sub", another reader the first.
        var host = await Es256VaultAsync();
        string claims = Jws.Claims("bob").ToJsonString().Replace("\"sub\":\"bob\"", "\"sub\":\"alice\",\"sub\":\"bob\"", StringComparison.Ordinal);
        string header = Jws.Header().ToJsonString().Replace("\"alg\":\"ES256\"", "\"alg\":\"ES256\",\"alg\":\"ES256\"", StringComparison.Ordinal);

        await AssertRefusedAsync(host, Jws.Es256(Jws.Header().ToJsonString(), claims));
        await AssertRefusedAsync(host, Jws.Es256(header, Jws.Claims().ToJsonString()));
    }

    [Fact]
    public async Task An_HS256_vault_with_a_SigningKeyId_refuses_tokens_naming_no_kid_or_another()
    {
        var host = await StartAsync(StoreKind.Sqlite, HostKind.TestServer, extra: new Dictionary<string, string> { ["Vault:Jwt:SigningKeyId"] = "shared-1" });

        await AssertAcceptedAsync(host, Jws.Hs256(Jws.Header("shared-1", "HS256"), Jws.Claims(), VaultHost.SigningKey));
        await AssertRefusedAsync(host, Jws.Hs256(Jws.Header("shared-2", "HS256"), Jws.Claims(), VaultHost.SigningKey));
        await AssertRefusedAsync(host, VaultHost.Token("alice"));
    }

    [Fact]
    public async Task A_refused_token_gets_the_same_401_problem_as_a_wrongly_signed_one_and_its_reason_is_logged_without_it()
    {
        var logs = new LogCapture();
        var host = await Es256VaultAsync(new Dictionary<string, string> { ["Logging:LogLevel:Lockbox.Vault.Server.Http"] = "Information" }, logs);
        var header = Jws.Header();
        header["crit"] = new JsonArray("exp-v2");
        string token = Jws.Es256(header, Jws.Claims());

        using var byRule = await ChallengeAsync(host, token);
        using var bySignature = await ChallengeAsync(host, VaultHost.Es256Token("alice", VaultHost.Es256OtherKey));

        Assert.Equal(HttpStatusCode.Unauthorized, byRule.StatusCode);
        Assert.Equal(bySignature.StatusCode, byRule.StatusCode);
        Assert.Equal(bySignature.Content.Headers.ContentType?.MediaType, byRule.Content.Headers.ContentType?.MediaType);
        Assert.Equal(Problem(await bySignature.Content.ReadAsStringAsync()), Problem(await byRule.Content.ReadAsStringAsync()));
        Assert.Equal("Bearer", Assert.Single(byRule.Headers.WwwAuthenticate).Scheme);
        Assert.Contains(logs.Lines, line => line.Contains("The account token carries a 'crit' header; refused with 401", StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Lines, line => line.Contains(token.Split('.')[2], StringComparison.Ordinal));
    }

    /// <summary>A problem body without its per-request trace id.</summary>
    private static string Problem(string body)
    {
        var json = JsonNode.Parse(body)!.AsObject();
        json.Remove("traceId");
        return json.ToJsonString();
    }

    [Fact]
    public async Task An_authority_in_the_bearer_configuration_does_not_make_the_vault_fetch_keys()
    {
        // JwtBearer binds Authentication:Schemes:Bearer by itself. Here that points at a listener of
        // the test's own, which would see the connection of any fetch.
        using var keyServer = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        keyServer.Start();
        string address = $"http://127.0.0.1:{((IPEndPoint)keyServer.LocalEndpoint).Port}/";
        var host = await Es256VaultAsync(new Dictionary<string, string>
        {
            ["Authentication:Schemes:Bearer:Authority"] = address,
            ["Authentication:Schemes:Bearer:MetadataAddress"] = address + ".well-known/openid-configuration",
            ["Authentication:Schemes:Bearer:RequireHttpsMetadata"] = "false",
        });

        await AssertAcceptedAsync(host, VaultHost.Es256Token("alice"));
        await AssertRefusedAsync(host, VaultHost.Es256Token("alice", VaultHost.Es256OtherKey));

        Assert.False(keyServer.Pending());
        var bearer = host.Services.GetRequiredService<IOptionsMonitor<JwtBearerOptions>>().Get(JwtBearerDefaults.AuthenticationScheme);
        Assert.Null(bearer.ConfigurationManager);
        Assert.Null(bearer.TokenValidationParameters.ConfigurationManager);
    }

    [Theory]
    [InlineData("ES256 with a shared secret")]
    [InlineData("HS256 with public keys")]
    public async Task A_vault_configured_with_both_a_public_key_and_HS256_does_not_start(string setup)
    {
        var settings = VaultHost.Es256Settings();
        if (setup == "ES256 with a shared secret")
        {
            settings["Vault:Jwt:SigningKey"] = Convert.ToBase64String(VaultHost.SigningKey);
        }
        else
        {
            settings.Remove("Vault:Jwt:Algorithm");
            settings.Remove("Vault:Jwt:SigningKey");
        }

        var error = await Assert.ThrowsAnyAsync<Exception>(() => StartAsync(StoreKind.Sqlite, HostKind.Kestrel, extra: settings));

        Assert.Contains("A vault accepts exactly one algorithm", Chain(error), StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToBase64String(VaultHost.SigningKey), Chain(error), StringComparison.Ordinal);
    }

    public static TheoryData<string> NotP256PublicKeys() => ["private key PEM", "P-384 public key", "RSA public key", "not base64"];

    [Theory, MemberData(nameof(NotP256PublicKeys))]
    public async Task A_vault_configured_with_a_key_that_is_not_a_P256_public_key_does_not_start_and_does_not_echo_it(string kind)
    {
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        using var rsa = RSA.Create(2048);
        string value = kind switch
        {
            "private key PEM" => VaultHost.Es256Key.ExportPkcs8PrivateKeyPem(),
            "P-384 public key" => Convert.ToBase64String(p384.ExportSubjectPublicKeyInfo()),
            "RSA public key" => Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo()),
            _ => "not a key at all!",
        };
        var settings = VaultHost.Es256Settings();
        settings["Vault:Jwt:Keys:" + VaultHost.Es256Kid] = value;

        var error = await Assert.ThrowsAnyAsync<Exception>(() => StartAsync(StoreKind.Sqlite, HostKind.Kestrel, extra: settings));

        Assert.Contains($"Vault:Jwt:Keys:{VaultHost.Es256Kid}", Chain(error), StringComparison.Ordinal);
        foreach (string line in value.Split('\n').Where(l => l.Length > 20 && !l.StartsWith("-----", StringComparison.Ordinal)))
        {
            Assert.DoesNotContain(line, Chain(error), StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("EdDSA")]
    [InlineData("RS256")]
    [InlineData("none")]
    [InlineData("HS256,ES256")]
    public async Task An_algorithm_other_than_HS256_or_ES256_does_not_start_the_vault(string algorithm)
    {
        var settings = VaultHost.Es256Settings();
        settings["Vault:Jwt:Algorithm"] = algorithm;

        var error = await Assert.ThrowsAnyAsync<Exception>(() => StartAsync(StoreKind.Sqlite, HostKind.Kestrel, extra: settings));

        Assert.Contains("Vault:Jwt:Algorithm must be HS256 or ES256", Chain(error), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_ES256_vault_without_public_keys_does_not_start()
    {
        var settings = new Dictionary<string, string> { ["Vault:Jwt:Algorithm"] = "ES256", ["Vault:Jwt:SigningKey"] = "" };

        var error = await Assert.ThrowsAnyAsync<Exception>(() => StartAsync(StoreKind.Sqlite, HostKind.Kestrel, extra: settings));

        Assert.Contains("Vault:Jwt:Keys:<kid>", Chain(error), StringComparison.Ordinal);
    }
}
