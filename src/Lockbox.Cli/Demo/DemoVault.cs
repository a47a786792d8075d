using System.Net.Http.Json;
using System.Security.Cryptography;
using Lockbox.Vault.Client;
using Lockbox.Vault.Protocol;
using Lockbox.Vault.Protocol.Contracts;
using Lockbox.Vault.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Lockbox.Cli.Demo;

/// <summary>
/// The demo's key vault: the real lockbox-vault in this process, on Kestrel at 127.0.0.1 with a free
/// port, its records in SQLite and its secrets under a local key file. The demo also plays the
/// messaging service, which signs each account's token.
/// </summary>
internal sealed class DemoVault : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly byte[] _signingKey;

    private DemoVault(WebApplication app, byte[] signingKey, Uri address, byte[] publicKey)
    {
        _app = app;
        _signingKey = signingKey;
        Address = address;
        PublicKey = publicKey;
    }

    public Uri Address { get; }

    public byte[] PublicKey { get; }

    /// <summary>Starts the vault with its database and key file in <paramref name="folder"/>, created 0700 as the vault requires.</summary>
    public static async Task<DemoVault> StartAsync(string folder, CancellationToken cancellationToken)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(folder);
        }
        else
        {
            Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        byte[] signingKey = RandomNumberGenerator.GetBytes(32);
        string[] args =
        [
            "--urls=http://127.0.0.1:0",
            $"--contentRoot={folder}",
            "--Vault:Storage:Provider=sqlite",
            $"--Vault:Storage:SqlitePath={Path.Combine(folder, "vault.db")}",
            "--Vault:Keys:Provider=file",
            $"--Vault:Keys:FilePath={Path.Combine(folder, "vault.key")}",
            "--Vault:AttemptLimit=10",
            "--Logging:LogLevel:Default=Warning",
            "--Logging:LogLevel:Microsoft.Hosting.Lifetime=Warning",
        ];
        // The signing key is a secret, which the vault refuses among its arguments.
        var app = VaultApp.Create(args, builder => builder.Configuration.AddInMemoryCollection(
            new Dictionary<string, string?> { ["Vault:Jwt:SigningKey"] = Convert.ToBase64String(signingKey) }));
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var address = new Uri(app.Urls.Single().TrimEnd('/') + "/");
        using var http = new HttpClient { BaseAddress = address };
        var info = await http.GetFromJsonAsync(VaultPaths.Info, VaultJson.Default.VaultInfoResponse, cancellationToken).ConfigureAwait(false);
        return new DemoVault(app, signingKey, address, Convert.FromBase64String(info!.PublicKey!));
    }

    /// <summary>A client for <paramref name="account"/>, pinned to this vault's key, with the default Argon2id (64 MiB, 3 passes).</summary>
    public (VaultClient Client, HttpClient Http) ClientFor(string account)
    {
        string token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Claims = new Dictionary<string, object> { ["sub"] = account },
            Issuer = "lockbox-messaging",
            Audience = "lockbox-vault",
            Expires = DateTime.UtcNow.AddHours(1),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(_signingKey), SecurityAlgorithms.HmacSha256),
        });
        var http = new HttpClient { BaseAddress = Address };
        return (new VaultClient(http, new VaultClientOptions { PinnedPublicKey = PublicKey, AccessToken = _ => ValueTask.FromResult(token) }), http);
    }

    public async ValueTask DisposeAsync()
    {
        CryptographicOperations.ZeroMemory(_signingKey);
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
