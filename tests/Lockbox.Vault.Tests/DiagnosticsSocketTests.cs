namespace Lockbox.Vault.Tests;

/// <summary>
/// The .NET runtime's diagnostics socket lets any process of the vault's user dump its memory, the
/// unwrapped server keys included. Started as README.md and deploy/lockbox-vault.service say, with
/// DOTNET_EnableDiagnostics=0, the vault opens none.
/// </summary>
public sealed class DiagnosticsSocketTests : VaultTestBase
{
    [Fact]
    public async Task A_vault_started_as_the_readme_says_opens_no_diagnostics_socket()
    {
        var backend = NewBackend(StoreKind.Sqlite);
        string tmp = Directory.CreateTempSubdirectory("lockbox-vault-tmpdir-").FullName; // the runtime puts its socket in $TMPDIR
        try
        {
            // As README.md: the signing key in a 0600 file, named in the environment beside DOTNET_EnableDiagnostics=0.
            string keyFile = Path.Combine(backend.Folder, "jwt-signing-key");
            File.WriteAllText(keyFile, Convert.ToBase64String(VaultHost.SigningKey) + "\n");
            File.SetUnixFileMode(keyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            await using var readme = new VaultProcess(backend, TestPorts.Free(), environment: new Dictionary<string, string?>
            {
                ["TMPDIR"] = tmp,
                ["Vault__Jwt__SigningKey"] = null,
                ["Vault__Jwt__SigningKeyFile"] = keyFile,
            });
            await readme.StartAsync();
            Assert.Empty(Directory.GetFiles(tmp, $"dotnet-diagnostic-{readme.Id}-*"));
            Assert.DoesNotContain("diagnostics socket is open", readme.Output, StringComparison.Ordinal);
            readme.Kill();

            // Without the variable the same start opens one, and the vault warns: the check above can see a socket.
            await using var bare = new VaultProcess(backend, TestPorts.Free(),
                environment: new Dictionary<string, string?> { ["TMPDIR"] = tmp, ["DOTNET_EnableDiagnostics"] = null });
            await bare.StartAsync();
            Assert.NotEmpty(Directory.GetFiles(tmp, $"dotnet-diagnostic-{bare.Id}-*"));
            Assert.Contains("diagnostics socket is open", bare.Output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(tmp, recursive: true);
        }
    }
}
