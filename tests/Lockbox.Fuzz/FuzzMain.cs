using System.Globalization;
using Lockbox.Vault.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Lockbox.Fuzzing;

/// <summary>
/// Runs every fuzz target with many inputs: <c>--inputs N</c> per parser (default 1,000,000; a
/// target that costs more per input, such as a whole OPAQUE login, gets N / cost, and each vault
/// endpoint N / 200), <c>--seed S</c>, <c>--only TEXT</c>. Prints one line per parser with the
/// number of inputs it ran; exits 1 on the first failure.
/// </summary>
public static class FuzzMain
{
    public static async Task<int> Main(string[] args)
    {
        int inputs = 1_000_000;
        ulong seed = (ulong)DateTime.UtcNow.Ticks;
        string? only = null;
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--inputs": inputs = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--seed": seed = ulong.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--only": only = args[i + 1]; break;
                default: Console.Error.WriteLine($"unknown option {args[i]}"); return 2;
            }
        }

        Console.WriteLine($"seed {seed}, {inputs:N0} inputs per parser");
        long total = 0;
        try
        {
            foreach (var target in RepositoryTargets.All.Concat(OpaqueTargets.All))
            {
                if (only is null || target.Name.Contains(only, StringComparison.OrdinalIgnoreCase))
                {
                    var report = target.Run(Math.Max(1, inputs / target.Cost), seed);
                    Console.WriteLine(report);
                    total += report.Inputs;
                }
            }

            total += await FuzzVaultAsync(Math.Max(1, inputs / 200), seed, only);
        }
        catch (FuzzFailureException e)
        {
            Console.WriteLine("FAILED: " + e.Message);
            return 1;
        }

        Console.WriteLine($"total: {total:N0} inputs, no failure");
        return 0;
    }

    private static async Task<long> FuzzVaultAsync(int inputs, ulong seed, string? only)
    {
        var endpoints = VaultTargets.Endpoints.Where(e => only is null || ("vault " + e).Contains(only, StringComparison.OrdinalIgnoreCase)).ToList();
        if (endpoints.Count == 0)
        {
            return 0;
        }

        string folder = Directory.CreateTempSubdirectory("lockbox-fuzz-vault-").FullName;
        byte[] signingKey = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();
        string[] args =
        [
            "--Vault:AttemptLimit=255", "--Vault:Storage:Provider=sqlite", $"--Vault:Storage:SqlitePath={Path.Combine(folder, "vault.db")}",
            "--Vault:Keys:Provider=file", $"--Vault:Keys:FilePath={Path.Combine(folder, "vault.key")}",
            "--Vault:RateLimit:Enabled=false",
            "--Vault:SweepIntervalSeconds=86400", "--Logging:LogLevel:Default=None",
        ];
        var app = VaultApp.Create(args, builder =>
        {
            builder.WebHost.UseTestServer();
            // A secret: the vault refuses it among its arguments.
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Vault:Jwt:SigningKey"] = Convert.ToBase64String(signingKey) });
        });
        await app.StartAsync();
        long total = 0;
        try
        {
            using var http = app.GetTestClient();
            string token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
            {
                Claims = new Dictionary<string, object> { ["sub"] = VaultTargets.Account },
                Issuer = "lockbox-messaging",
                Audience = "lockbox-vault",
                Expires = DateTime.UtcNow.AddDays(1),
                SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(signingKey), SecurityAlgorithms.HmacSha256),
            });
            var store = app.Services.GetRequiredService<Vault.Server.Storage.IVaultStore>();
            var host = new VaultFuzzHost(http, () => token, () => VaultTargets.DescribeAsync(store), () => VaultTargets.EnsureRecordAsync(http, store, () => token));
            foreach (string endpoint in endpoints)
            {
                var report = await Task.Run(() => VaultTargets.Run(host, endpoint, inputs, seed));
                Console.WriteLine(report);
                total += report.Inputs;
            }
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }

        return total;
    }
}
