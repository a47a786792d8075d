using Lockbox.Vault.Server.Secrets;

namespace Lockbox.Vault.Tests;

/// <summary>The PKCS#11 key protector against a real SoftHSM2 token (test.sh creates it).</summary>
public class Pkcs11Tests : VaultTestBase
{
    private const string Module = "/usr/lib/softhsm/libsofthsm2.so";

    private static Pkcs11KeyProtector Open(string keyLabel)
    {
        string conf = Environment.GetEnvironmentVariable(TestEnvironment.SoftHsmVariable)
            ?? throw new InvalidOperationException($"{TestEnvironment.SoftHsmVariable} is not set; test.sh starts SoftHSM2 and sets it.");
        // SoftHSM2 reads SOFTHSM2_CONF from the native environment, which only the parent process can set.
        Assert.Equal(conf, Environment.GetEnvironmentVariable("SOFTHSM2_CONF"));
        return new Pkcs11KeyProtector(Module, Environment.GetEnvironmentVariable("LOCKBOX_TEST_SOFTHSM_TOKEN") ?? "lockbox-vault-test",
            Environment.GetEnvironmentVariable("LOCKBOX_TEST_SOFTHSM_PIN") ?? "12345678", keyLabel);
    }

    [ServiceFact(TestEnvironment.SoftHsmVariable)]
    public void Token_wraps_and_unwraps_and_rejects_tampering_and_other_associated_data()
    {
        using var protector = Open("key-" + Guid.NewGuid().ToString("N"));
        byte[] secret = Enumerable.Range(0, 128).Select(i => (byte)i).ToArray();

        byte[] wrapped = protector.Wrap(secret, "ad"u8);
        Assert.Equal(secret, protector.Unwrap(wrapped, "ad"u8));
        Assert.ThrowsAny<System.Security.Cryptography.CryptographicException>(() => protector.Unwrap(wrapped, "other"u8));
        wrapped[20] ^= 1;
        Assert.ThrowsAny<System.Security.Cryptography.CryptographicException>(() => protector.Unwrap(wrapped, "ad"u8));
    }

    [ServiceFact(TestEnvironment.SoftHsmVariable)]
    public async Task A_vault_on_the_token_serves_logins_and_keeps_its_key_across_restarts()
    {
        Open("probe").Dispose();
        string label = "vault-" + Guid.NewGuid().ToString("N");
        var backend = NewBackend(StoreKind.Sqlite);
        // The PIN in a file only this user can read, as an operator passes it.
        string pinFile = Path.Combine(backend.Folder, "pkcs11-pin");
        File.WriteAllText(pinFile, (Environment.GetEnvironmentVariable("LOCKBOX_TEST_SOFTHSM_PIN") ?? "12345678") + "\n");
        File.SetUnixFileMode(pinFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var settings = new Dictionary<string, string>
        {
            ["Vault:Keys:Provider"] = "pkcs11",
            ["Vault:Keys:Pkcs11Library"] = Module,
            ["Vault:Keys:Pkcs11TokenLabel"] = Environment.GetEnvironmentVariable("LOCKBOX_TEST_SOFTHSM_TOKEN") ?? "lockbox-vault-test",
            ["Vault:Keys:Pkcs11PinFile"] = pinFile,
            ["Vault:Keys:Pkcs11KeyLabel"] = label,
        };
        byte[] publicKey;
        await using (var first = await VaultHost.StartAsync(backend, HostKind.Kestrel, Time, extra: settings))
        {
            publicKey = await first.PublicKeyAsync();
            await (await first.ClientAsync("alice")).EnableAsync(BackupKey, "correct horse");
        }

        Assert.False(File.Exists(backend.KeyFile));
        var second = await StartAsync(StoreKind.Sqlite, HostKind.Kestrel, backend: backend, extra: settings);
        Assert.Equal(publicKey, await second.PublicKeyAsync());
        Assert.Equal(BackupKey, await (await second.ClientAsync("alice", publicKey)).RecoverAsync("correct horse"));
    }
}
