using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Lockbox.Vault.Tests;

/// <summary>
/// The vault takes its secrets from the environment or from files only its user can read, never from
/// the command line, which every local user reads in /proc/PID/cmdline; and it never repeats a
/// secret in what it prints.
/// </summary>
public sealed class SecretSourceTests : VaultTestBase
{
    private const string Value = "c2VjcmV0LXZhbHVlLXRoYXQtbXVzdC1uZXZlci1iZS1wcmludGVkIQ==";

    public static TheoryData<string[], string> SecretsOnTheCommandLine() => new()
    {
        { [$"--Vault:Jwt:SigningKey={Value}"], "Vault:Jwt:SigningKey" },
        { ["--Vault:Jwt:SigningKey", Value], "Vault:Jwt:SigningKey" },
        { [$"/Vault:Jwt:SigningKey={Value}"], "Vault:Jwt:SigningKey" },
        { ["/Vault:Jwt:SigningKey", Value], "Vault:Jwt:SigningKey" },
        { [$"--vault:jwt:SIGNINGKEY={Value}"], "Vault:Jwt:SigningKey" },
        { [$"--Vault__Jwt__SigningKey={Value}"], "Vault:Jwt:SigningKey" },
        { [$"Vault:Jwt:SigningKey={Value}"], "Vault:Jwt:SigningKey" },
        { [$"--Vault:Keys:Pkcs11Pin={Value}"], "Vault:Keys:Pkcs11Pin" },
        { [$"--Vault:Storage:PostgresConnectionString=Host=db;Password={Value}"], "Vault:Storage:PostgresConnectionString" },
        { [$"--Vault:Metrics:Token={Value}"], "Vault:Metrics:Token" },
    };

    [Theory, MemberData(nameof(SecretsOnTheCommandLine))]
    public void A_secret_on_the_command_line_stops_the_vault_naming_the_option_and_not_the_value(string[] args, string option)
    {
        var refused = Assert.Throws<VaultStartupException>(() => VaultApp.Create([.. args, "--urls=http://127.0.0.1:0"]));

        Assert.Contains(option, refused.Message, StringComparison.Ordinal);
        Assert.Contains("chmod 600", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("c2VjcmV0", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_malformed_argument_is_refused_without_repeating_it()
    {
        // The configuration's own parser would quote the whole argument, the secret with it.
        var refused = Assert.Throws<VaultStartupException>(() => VaultApp.Create([$"-Vault:Jwt:SigningKey={Value}"]));

        Assert.DoesNotContain("c2VjcmV0", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_signing_key_on_the_command_line_stops_the_vault_process_naming_the_option_and_not_the_value()
    {
        var backend = NewBackend(StoreKind.Sqlite);
        await using var vault = new VaultProcess(backend, TestPorts.Free(), [$"--Vault:Jwt:SigningKey={Value}"],
            new Dictionary<string, string?> { ["Vault__Jwt__SigningKey"] = null });

        int exit = await vault.RunToExitAsync();

        Assert.NotEqual(0, exit);
        Assert.Contains("Vault:Jwt:SigningKey came on the command line", vault.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("c2VjcmV0", vault.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", vault.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_signing_key_in_a_file_only_its_owner_can_read_starts_the_vault_and_checks_tokens_with_it()
    {
        var backend = NewBackend(StoreKind.Sqlite);
        string file = SecretFile(backend, "jwt-signing-key", Convert.ToBase64String(VaultHost.SigningKey) + "\n", OwnerOnly);
        var host = await StartAsync(StoreKind.Sqlite, HostKind.Kestrel, backend: backend,
            extra: new Dictionary<string, string> { ["Vault:Jwt:SigningKey"] = "", ["Vault:Jwt:SigningKeyFile"] = file });

        await (await host.ClientAsync("alice")).EnableAsync(BackupKey, "correct horse");

        Assert.NotNull(await host.Store.GetRecordAsync("alice", default));
    }

    [Theory]
    [InlineData(UnixFileMode.OtherRead)]
    [InlineData(UnixFileMode.GroupRead)]
    public async Task A_secret_file_open_to_group_or_others_stops_the_vault_naming_the_option_the_file_and_the_fix(UnixFileMode opened)
    {
        var backend = NewBackend(StoreKind.Sqlite);
        string file = SecretFile(backend, "jwt-signing-key", Convert.ToBase64String(VaultHost.SigningKey), OwnerOnly | opened);

        var refused = await Assert.ThrowsAsync<VaultStartupException>(() => StartAsync(StoreKind.Sqlite, HostKind.Kestrel, backend: backend,
            extra: new Dictionary<string, string> { ["Vault:Jwt:SigningKey"] = "", ["Vault:Jwt:SigningKeyFile"] = file }));

        Assert.Contains("Vault:Jwt:SigningKeyFile", refused.Message, StringComparison.Ordinal);
        Assert.Contains(file, refused.Message, StringComparison.Ordinal);
        Assert.Contains($"chmod 600 '{file}'", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToBase64String(VaultHost.SigningKey), refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_secret_set_both_inline_and_by_file_stops_the_vault()
    {
        var backend = NewBackend(StoreKind.Sqlite);
        string file = SecretFile(backend, "jwt-signing-key", Convert.ToBase64String(VaultHost.SigningKey), OwnerOnly);

        var refused = await Assert.ThrowsAsync<VaultStartupException>(() => StartAsync(StoreKind.Sqlite, HostKind.Kestrel, backend: backend,
            extra: new Dictionary<string, string> { ["Vault:Jwt:SigningKeyFile"] = file }));

        Assert.Contains("Both Vault:Jwt:SigningKey and Vault:Jwt:SigningKeyFile", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_key_file_open_to_others_stops_the_vault_naming_it()
    {
        var backend = NewBackend(StoreKind.Sqlite);
        await using (await VaultHost.StartAsync(backend, HostKind.Kestrel, Time))
        {
        }

        File.SetUnixFileMode(backend.KeyFile, OwnerOnly | UnixFileMode.OtherRead);

        var refused = await Assert.ThrowsAsync<VaultStartupException>(() => StartAsync(StoreKind.Sqlite, HostKind.Kestrel, backend: backend));
        Assert.Contains($"Vault:Keys:FilePath: '{backend.KeyFile}' is open to group or others (mode 0604)", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Allowing_secrets_on_the_command_line_starts_the_vault_and_warns_without_the_value()
    {
        var backend = NewBackend(StoreKind.Sqlite);
        var logs = new LogCapture();
        string[] args =
        [
            "--urls=http://127.0.0.1:0", "--Vault:AllowSecretsInArgs=true",
            $"--Vault:Storage:SqlitePath={backend.SqliteFile}", $"--Vault:Keys:FilePath={backend.KeyFile}",
            $"--Vault:Jwt:SigningKey={Convert.ToBase64String(VaultHost.SigningKey)}",
        ];

        await using var app = VaultApp.Create(args, builder => builder.Services.AddSingleton<Microsoft.Extensions.Logging.ILoggerProvider>(logs));
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.Single()) };

        Assert.Equal("ok", await http.GetStringAsync("healthz"));
        Assert.Contains(logs.Lines, line => line.StartsWith("Warning", StringComparison.Ordinal)
            && line.Contains("Vault:Jwt:SigningKey came on the command line", StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Lines, line => line.Contains(Convert.ToBase64String(VaultHost.SigningKey), StringComparison.Ordinal));
        await app.StopAsync();
    }

    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private static string SecretFile(VaultBackend backend, string name, string content, UnixFileMode mode)
    {
        string path = Path.Combine(backend.Folder, name);
        File.WriteAllText(path, content);
        File.SetUnixFileMode(path, mode);
        return path;
    }
}
