using System.Buffers.Text;
using System.Text.Json;
using Lockbox.DevTokens;
using Microsoft.Extensions.Time.Testing;

namespace Lockbox.Vault.Tests;

/// <summary>tools/Lockbox.DevTokens: its key file, its tokens, and a vault configured with what it prints.</summary>
public sealed class DevTokensTests : VaultTestBase, IDisposable
{
    private readonly string _folder = Path.Combine(Directory.CreateTempSubdirectory("lockbox-dev-tokens-test-").FullName, "tokens");

    private static (int Code, string Output, string Error) Run(TimeProvider clock, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = DevTokensProgram.Run(args, output, error, clock);
        return (code, output.ToString(), error.ToString());
    }

    private (int Code, string Output, string Error) Run(params string[] args) => Run(TimeProvider.System, [.. args, "--dir", _folder]);

    /// <summary>The "--Vault:Jwt:...=..." lines of what init or config printed, as settings.</summary>
    private static Dictionary<string, string> PrintedSettings(string output) =>
        output.Split('\n', StringSplitOptions.TrimEntries)
            .Where(line => line.StartsWith("--Vault:Jwt:", StringComparison.Ordinal))
            .Select(line => line[2..].Split('=', 2))
            .ToDictionary(pair => pair[0], pair => pair[1]);

    private static JsonElement Part(string token, int index) =>
        JsonDocument.Parse(Base64Url.DecodeFromChars(token.Split('.')[index])).RootElement.Clone();

    [Fact]
    public async Task A_vault_configured_with_the_printed_settings_accepts_the_minted_token_end_to_end()
    {
        var init = Run("init");
        var settings = PrintedSettings(init.Output);
        settings["Vault:Jwt:SigningKey"] = ""; // the HS256 key every test vault otherwise gets
        var host = await StartAsync(StoreKind.Sqlite, HostKind.Kestrel, extra: settings);

        var mint = Run("mint", "--sub", "alice");
        string token = mint.Output.TrimEnd('\n');
        var client = await host.ClientAsync("alice", token: token);
        await client.EnableAsync(BackupKey, "correct horse");

        Assert.Equal(0, init.Code);
        Assert.Equal(4, settings.Count(s => s.Key.StartsWith("Vault:Jwt:", StringComparison.Ordinal) && s.Value.Length > 0));
        Assert.Equal("ES256", settings["Vault:Jwt:Algorithm"]);
        Assert.Equal(0, mint.Code);
        Assert.DoesNotContain('\n', token);
        Assert.DoesNotContain(token, mint.Error, StringComparison.Ordinal);
        Assert.Equal(BackupKey, await client.RecoverAsync("correct horse"));
    }

    [Fact]
    public void Init_creates_the_key_file_with_mode_0600_and_will_not_replace_it()
    {
        var first = Run("init");
        string path = Path.Combine(_folder, DevKey.FileName);
        byte[] key = File.ReadAllBytes(path);

        var second = Run("init");

        Assert.Equal(0, first.Code);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(_folder));
        Assert.Equal(1, second.Code);
        Assert.Equal("", second.Output);
        Assert.Equal(key, File.ReadAllBytes(path));
        // config prints the same settings again, from the same file.
        Assert.Equal(PrintedSettings(first.Output), PrintedSettings(Run("config").Output));
        Assert.DoesNotContain("PRIVATE KEY", first.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_minted_token_carries_the_claims_the_vault_checks_at_the_clock_it_was_given()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        Assert.Equal(0, Run("init").Code);
        string kid = PrintedSettings(Run("config").Output).Keys.Single(k => k.StartsWith("Vault:Jwt:Keys:", StringComparison.Ordinal))["Vault:Jwt:Keys:".Length..];

        var mint = Run(clock, "mint", "--sub", "bob", "--issuer", "chat.example", "--audience", "vault.example", "--lifetime", "600", "--dir", _folder);
        string token = mint.Output.TrimEnd('\n');

        var header = Part(token, 0);
        var claims = Part(token, 1);
        Assert.Equal("ES256", header.GetProperty("alg").GetString());
        Assert.Equal(kid, header.GetProperty("kid").GetString());
        Assert.Equal("bob", claims.GetProperty("sub").GetString());
        Assert.Equal("chat.example", claims.GetProperty("iss").GetString());
        Assert.Equal("vault.example", claims.GetProperty("aud").GetString());
        Assert.Equal(1767225600, claims.GetProperty("iat").GetInt64());
        Assert.Equal(1767225600 + 600, claims.GetProperty("exp").GetInt64());
        Assert.Equal(64, Base64Url.DecodeFromChars(token.Split('.')[2]).Length);
    }

    [Theory]
    [InlineData("mint")]
    [InlineData("mint", "--sub", "")]
    [InlineData("mint", "--sub", "alice", "--lifetime", "0")]
    [InlineData("mint", "--sub", "alice", "--lifetime", "604801")]
    [InlineData("mint", "--sub", "alice", "--vault-config", "appsettings.json")]
    [InlineData("sign", "--sub", "alice")]
    public void Bad_usage_exits_2_and_prints_no_token(params string[] args)
    {
        Assert.Equal(0, Run("init").Code);

        var result = Run(args);

        Assert.Equal(2, result.Code);
        Assert.Equal("", result.Output);
    }

    [Fact]
    public void Mint_before_init_fails_and_prints_no_token()
    {
        var result = Run("mint", "--sub", "alice");

        Assert.Equal(1, result.Code);
        Assert.Equal("", result.Output);
        Assert.Contains("lockbox-dev-tokens init", result.Error, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(Path.GetDirectoryName(_folder)!, recursive: true);
}
