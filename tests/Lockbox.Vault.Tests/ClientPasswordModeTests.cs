using System.Security.Cryptography;
using Lockbox.Client;
using Lockbox.Device;
using Lockbox.Keys;
using Lockbox.Repository;
using Lockbox.Standard;
using Lockbox.Storage;
using Lockbox.StoreGen;

namespace Lockbox.Vault.Tests;

/// <summary>The facade in password mode, against a real vault over HTTP (TestServer, SQLite).</summary>
public sealed class ClientPasswordModeTests : VaultTestBase, IDisposable
{
    private const string Password = "correct horse battery staple";
    private readonly string _root = Directory.CreateTempSubdirectory("lockbox-client-vault-").FullName;
    private readonly LocalStorage _storage;
    private VaultHost? _vault;

    public ClientPasswordModeTests()
    {
        _storage = new LocalStorage(Path.Combine(_root, "cloud"));
    }

    private string Phone => Path.Combine(_root, "phone");

    private DeviceFolder PhoneDevice => new(Path.Combine(_root, "phone-device"));

    private async Task<VaultClient> VaultClientAsync()
    {
        _vault ??= await StartAsync(StoreKind.Sqlite, HostKind.TestServer);
        return await _vault.ClientAsync("alice");
    }

    private async Task<LockboxClient> ClientAsync(string device = "phone-device", string? store = null) =>
        new(new LockboxClientOptions { Storage = _storage, DeviceFolder = Path.Combine(_root, device), ChatStore = store ?? Phone, Vault = await VaultClientAsync() });

    /// <summary>A phone that has made one standard backup.</summary>
    private async Task<LockboxClient> PhoneWithStandardBackupAsync()
    {
        await ChatStoreGenerator.GenerateAsync(Phone, new GenerateOptions { Seed = 3, Messages = 2_000, Chats = 5, MediaBytes = 512 << 10 });
        var phone = await ClientAsync();
        await phone.BackupAsync();
        return phone;
    }

    private static byte[] Hash(string folder) =>
        SHA256.HashData(Directory.EnumerateFiles(Path.Combine(folder, "media"), "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .SelectMany(File.ReadAllBytes).ToArray());

    [Fact]
    public async Task Enable_password_escrows_the_key_and_logs_in_with_it_before_deleting_the_unencrypted_copy()
    {
        var phone = await PhoneWithStandardBackupAsync();
        var steps = new List<LockboxStep>();

        await phone.EnableWithPasswordAsync(Password, new Recorder(steps));

        Assert.True(steps.IndexOf(LockboxStep.ConfirmingKey) < steps.IndexOf(LockboxStep.DeletingUnencrypted));
        Assert.Equal(0, (await new StandardBackups(_storage).CountAsync()).Objects);
        using var key = PhoneDevice.LoadKey()!;
        byte[] escrowed = await (await VaultClientAsync()).RecoverAsync(Password);
        Assert.Equal(key.Bytes.ToArray(), escrowed);
        var status = await phone.GetStatusAsync();
        Assert.Equal(BackupMode.Password, status.Mode);
        Assert.Equal(EscrowState.Held, status.Escrow!.State);
        Assert.Equal(0, status.Escrow.FailedAttempts);
    }

    [Fact]
    public async Task Enable_password_interrupted_after_the_escrow_is_finished_by_a_rerun()
    {
        var phone = await PhoneWithStandardBackupAsync();
        using var cut = new CancellationTokenSource();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => phone.EnableWithPasswordAsync(Password, new Recorder([], LockboxStep.ImportingSnapshots, cut), cut.Token));
        Assert.True((await new StandardBackups(_storage).CountAsync()).Objects > 0);

        await phone.EnableWithPasswordAsync(Password);

        Assert.Equal(0, (await new StandardBackups(_storage).CountAsync()).Objects);
        Assert.Equal(BackupMode.Password, PhoneDevice.LoadState().Mode);
    }

    [Fact]
    public async Task Restore_with_the_password_on_a_new_device_gets_the_key_from_the_vault_and_carries_on_in_password_mode()
    {
        var phone = await PhoneWithStandardBackupAsync();
        await phone.EnableWithPasswordAsync(Password);
        string target = Path.Combine(_root, "new-phone");
        var newPhone = await ClientAsync("new-device", target);

        var wrong = await Assert.ThrowsAsync<VaultWrongPasswordException>(() => newPhone.RestoreWithPasswordAsync("not it", target));
        Assert.Equal(9, wrong.TriesLeft);
        Assert.False(Directory.Exists(target));

        await newPhone.RestoreWithPasswordAsync(Password, target);

        Assert.Equal(Hash(Phone), Hash(target));
        Assert.Equal(BackupMode.Password, (await newPhone.GetStatusAsync()).Mode);
        Assert.Equal(BackupMode.Password, (await newPhone.BackupAsync()).Mode);
    }

    [Fact]
    public async Task Change_password_on_the_original_device_needs_no_old_password()
    {
        var phone = await PhoneWithStandardBackupAsync();
        await phone.EnableWithPasswordAsync(Password);

        await phone.ChangePasswordAsync("a brand new password");

        var vault = await VaultClientAsync();
        await Assert.ThrowsAsync<VaultWrongPasswordException>(() => vault.RecoverAsync(Password));
        using var key = PhoneDevice.LoadKey()!;
        Assert.Equal(key.Bytes.ToArray(), await vault.RecoverAsync("a brand new password"));
    }

    [Theory]
    [InlineData(null)]
    [InlineData(LockboxStep.DeletingEncrypted)]
    public async Task Rotate_in_password_mode_escrows_the_new_key_and_the_old_key_opens_nothing(LockboxStep? interruptAt)
    {
        var phone = await PhoneWithStandardBackupAsync();
        await phone.EnableWithPasswordAsync(Password);
        using var oldKey = PhoneDevice.LoadKey()!;
        if (interruptAt is { } step)
        {
            using var cut = new CancellationTokenSource();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => phone.RotateKeyAsync(Password, null, new Recorder([], step, cut), cut.Token));
        }

        await phone.RotateKeyAsync(Password, null);

        using var newKey = PhoneDevice.LoadKey()!;
        Assert.False(newKey.Bytes.SequenceEqual(oldKey.Bytes));
        Assert.Equal(newKey.Bytes.ToArray(), await (await VaultClientAsync()).RecoverAsync(Password));
        await Assert.ThrowsAsync<WrongKeyException>(() => Repository.Repository.OpenAsync(_storage, oldKey));
        using var repository = await Repository.Repository.OpenAsync(_storage, newKey);
        // The imported standard snapshot and the one enable took.
        Assert.Equal(2, (await repository.ListSnapshotsAsync()).Count);
    }

    [Fact]
    public async Task Disable_in_password_mode_deletes_the_vault_record_and_the_encrypted_repository()
    {
        var phone = await PhoneWithStandardBackupAsync();
        await phone.EnableWithPasswordAsync(Password);
        using var key = PhoneDevice.LoadKey()!;

        await phone.DisableAsync();

        Assert.Equal(EscrowState.None, (await (await VaultClientAsync()).CheckAsync(key.Bytes.ToArray())).State);
        Assert.False(await _storage.ExistsAsync(ObjectName.Config));
        // Both encrypted snapshots exported: the imported one and the one enable took.
        Assert.Equal(2, (await phone.GetStatusAsync()).StandardSnapshots);
        Assert.Equal(BackupMode.Standard, PhoneDevice.LoadState().Mode);
    }

    [Fact]
    public async Task Switching_between_key_and_password_mode_keeps_the_key_and_moves_the_escrow()
    {
        var phone = await PhoneWithStandardBackupAsync();
        await phone.EnableWithKeyAsync((key, _) => ValueTask.FromResult(key.ToDisplayString()));
        using var key = PhoneDevice.LoadKey()!;

        await phone.EnableWithPasswordAsync(Password);
        Assert.Equal(key.Bytes.ToArray(), await (await VaultClientAsync()).RecoverAsync(Password));

        await phone.EnableWithKeyAsync((shown, _) => ValueTask.FromResult(shown.ToDisplayString()));
        Assert.Equal(EscrowState.None, (await (await VaultClientAsync()).CheckAsync(key.Bytes.ToArray())).State);
        using var still = PhoneDevice.LoadKey()!;
        Assert.True(still.Bytes.SequenceEqual(key.Bytes));
        Assert.Equal(BackupMode.Key, PhoneDevice.LoadState().Mode);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private sealed class Recorder(List<LockboxStep> steps, LockboxStep? cutAt = null, CancellationTokenSource? cut = null) : IProgress<LockboxProgress>
    {
        public void Report(LockboxProgress value)
        {
            steps.Add(value.Step);
            if (value.Step == cutAt)
            {
                cut!.Cancel();
            }
        }
    }
}
