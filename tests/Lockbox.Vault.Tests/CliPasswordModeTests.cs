extern alias cli;

using cli::Lockbox.Cli;

namespace Lockbox.Vault.Tests;

/// <summary>The lockbox command's password mode against a real vault on 127.0.0.1 (Kestrel, SQLite).</summary>
public sealed class CliPasswordModeTests : VaultTestBase, IDisposable
{
    private const string Password = "correct horse battery staple";
    private readonly string _root = Directory.CreateTempSubdirectory("lockbox-cli-vault-").FullName;

    private string Repo => Path.Combine(_root, "repo");

    private int _phones;

    /// <summary>The original phone's device folder; a restore on a new phone passes its own.</summary>
    private string PhoneDevice => Path.Combine(_root, "phone-device");

    private string NewPhoneDevice() => Path.Combine(_root, $"new-phone-{++_phones}");

    private async Task<(int Exit, string Output, string Error)> RunAsync(string? stdin, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        string[] withDevice = args.Contains("--device") ? args : [.. args, "--device", PhoneDevice];
        int exit = await LockboxCommand.RunAsync(withDevice, new Terminal(output, error, interactive: false, new StringReader(stdin ?? "")));
        return (exit, output.ToString(), error.ToString());
    }

    private async Task<string[]> VaultArgsAsync(VaultHost vault)
    {
        string tokenFile = Path.Combine(_root, "token.txt");
        await File.WriteAllTextAsync(tokenFile, VaultHost.Token("alice"));
        return ["--vault", vault.Http.BaseAddress!.ToString(), "--vault-public-key", Convert.ToBase64String(await vault.PublicKeyAsync()), "--vault-token-file", tokenFile];
    }

    private async Task<string> BackedUpStoreAsync()
    {
        string source = Path.Combine(_root, "phone");
        Directory.CreateDirectory(Path.Combine(source, "media"));
        await File.WriteAllTextAsync(Path.Combine(source, "media", "note.txt"), "the chat history");
        // A standard backup first, as the phone made before end-to-end encryption.
        Assert.Equal(0, (await RunAsync(null, "backup", source, "-r", Repo)).Exit);
        return source;
    }

    [Fact]
    public async Task Enable_password_then_restore_on_a_new_phone_with_the_password()
    {
        await using var vault = await StartAsync(StoreKind.Sqlite, HostKind.Kestrel);
        string[] vaultArgs = await VaultArgsAsync(vault);
        string source = await BackedUpStoreAsync();

        var enable = await RunAsync(Password + "\n", ["enable", "--password", source, "-r", Repo, .. vaultArgs]);
        Assert.True(enable.Exit == 0, enable.Error);
        Assert.Contains("End-to-end encryption is on. Password mode", enable.Output, StringComparison.Ordinal);
        Assert.Contains("Importing unencrypted snapshot", enable.Output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(Repo, "standard", "files")) && Directory.EnumerateFiles(Path.Combine(Repo, "standard", "files"), "*", SearchOption.AllDirectories).Any());

        // The new phone has no key file, only the password.
        string target = Path.Combine(_root, "new-phone");
        var restore = await RunAsync(Password + "\n", ["restore", "--password", "--device", NewPhoneDevice(), "--target", target, "-r", Repo, .. vaultArgs]);
        Assert.True(restore.Exit == 0, restore.Error);
        Assert.Equal("the chat history", await File.ReadAllTextAsync(Path.Combine(target, "media", "note.txt")));
    }

    [Fact]
    public async Task Wrong_password_exits_6_with_the_tries_left_and_writes_nothing()
    {
        await using var vault = await StartAsync(StoreKind.Sqlite, HostKind.Kestrel);
        string[] vaultArgs = await VaultArgsAsync(vault);
        string source = await BackedUpStoreAsync();
        Assert.Equal(0, (await RunAsync(Password + "\n", ["enable", "--password", source, "-r", Repo, .. vaultArgs])).Exit);

        string target = Path.Combine(_root, "new-phone");
        var (exit, _, error) = await RunAsync("not the password\n", ["restore", "--password", "--device", NewPhoneDevice(), "--target", target, "-r", Repo, .. vaultArgs]);
        Assert.Equal(6, exit);
        Assert.Contains("Wrong password: 9 tries left", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(target));
    }

    [Fact]
    public async Task A_mistyped_pinned_key_or_another_accounts_token_exits_9_and_costs_no_try()
    {
        await using var vault = await StartAsync(StoreKind.Sqlite, HostKind.Kestrel);
        string[] vaultArgs = await VaultArgsAsync(vault);
        string source = await BackedUpStoreAsync();
        Assert.Equal(0, (await RunAsync(Password + "\n", ["enable", "--password", source, "-r", Repo, .. vaultArgs])).Exit);
        string target = Path.Combine(_root, "new-phone");

        string[] mistyped = [.. vaultArgs];
        mistyped[Array.IndexOf(mistyped, "--vault-public-key") + 1] = Convert.ToBase64String(AnotherVaultKey());
        var pin = await RunAsync(Password + "\n", ["restore", "--password", "--device", NewPhoneDevice(), "--target", target, "-r", Repo, .. mistyped]);
        var account = await RunAsync(Password + "\n", ["restore", "--password", "--device", NewPhoneDevice(), "--target", target, "-r", Repo, "--account", "bob", .. vaultArgs]);

        Assert.Equal((9, 9), (pin.Exit, account.Exit));
        Assert.Contains("is not the pinned one", pin.Error, StringComparison.Ordinal);
        Assert.Contains("another account", account.Error, StringComparison.Ordinal);
        Assert.Equal(0, (await vault.Store.GetRecordAsync("alice", default))!.Attempts);
        Assert.False(Directory.Exists(target));
    }

    [Fact]
    public async Task A_refused_token_exits_9_saying_the_vault_refused_it()
    {
        await using var vault = await StartAsync(StoreKind.Sqlite, HostKind.Kestrel);
        string[] vaultArgs = await VaultArgsAsync(vault);
        await File.WriteAllTextAsync(vaultArgs[^1], VaultHost.Token("alice", expires: DateTime.UtcNow.AddHours(-1)));

        var (exit, _, error) = await RunAsync(Password + "\n", ["restore", "--password", "--device", NewPhoneDevice(), "--target", Path.Combine(_root, "t"), "-r", Repo, .. vaultArgs]);

        Assert.Equal(9, exit);
        Assert.Contains("The vault refused your account token", error, StringComparison.Ordinal);
        Assert.DoesNotContain("no code", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Past_the_login_budget_the_restore_exits_10_saying_how_long_to_wait()
    {
        // The default delays: after the 4th failed login in a row, a minute.
        await using var vault = await StartAsync(StoreKind.Sqlite, HostKind.Kestrel, extra: new Dictionary<string, string> { ["Vault:LoginDelaySeconds"] = LoginDelays.Default });
        string[] vaultArgs = await VaultArgsAsync(vault);
        string source = await BackedUpStoreAsync();
        Assert.Equal(0, (await RunAsync(Password + "\n", ["enable", "--password", source, "-r", Repo, .. vaultArgs])).Exit);
        var client = await vault.ClientAsync("alice");
        for (int i = 0; i < 4; i++)
        {
            await Assert.ThrowsAsync<VaultWrongPasswordException>(() => client.RecoverAsync($"guess {i}"));
        }

        var (exit, _, error) = await RunAsync(Password + "\n", ["restore", "--password", "--device", NewPhoneDevice(), "--target", Path.Combine(_root, "t"), "-r", Repo, .. vaultArgs]);

        Assert.Equal(10, exit);
        Assert.Matches(@"Too many attempts; wait \d+ s", error);
        Assert.DoesNotContain("cannot be reached", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_with_the_vault_down_still_shows_the_mode_and_snapshots_and_says_so_once()
    {
        await using var vault = await StartAsync(StoreKind.Sqlite, HostKind.Kestrel);
        string[] vaultArgs = await VaultArgsAsync(vault);
        string source = await BackedUpStoreAsync();
        Assert.Equal(0, (await RunAsync(Password + "\n", ["enable", "--password", source, "-r", Repo, .. vaultArgs])).Exit);
        await vault.DisposeAsync();

        var (exit, output, _) = await RunAsync(null, ["status", "-r", Repo, .. vaultArgs]);

        Assert.Equal(0, exit);
        Assert.Contains("Mode: end-to-end encrypted, key escrowed in the key vault behind a password.", output, StringComparison.Ordinal);
        Assert.Matches(@"Encrypted snapshots: [1-9]", output);
        Assert.Single(output.Split('\n'), line => line.StartsWith("Key vault:", StringComparison.Ordinal));
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(output, "[Nn]othing was changed"));
    }

    [Fact]
    public async Task A_password_below_the_floor_is_refused_and_a_guessable_one_is_warned_about()
    {
        await using var vault = await StartAsync(StoreKind.Sqlite, HostKind.Kestrel);
        string[] vaultArgs = await VaultArgsAsync(vault);
        string source = await BackedUpStoreAsync();

        var tooShort = await RunAsync("a\n", ["enable", "--password", source, "-r", Repo, .. vaultArgs]);
        Assert.Equal(1, tooShort.Exit);
        Assert.Contains("at least 6 characters, one of them a letter", tooShort.Error, StringComparison.Ordinal);
        Assert.Null(await vault.Store.GetEscrowAsync("alice", default));

        var guessable = await RunAsync("password1\n", ["enable", "--password", source, "-r", Repo, .. vaultArgs]);
        Assert.True(guessable.Exit == 0, guessable.Error);
        Assert.Contains("warning: This password is easy to guess", guessable.Error, StringComparison.Ordinal);
        Assert.Contains("common word or password", guessable.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("password1", guessable.Output + guessable.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Password_change_on_the_original_device_needs_no_old_password()
    {
        await using var vault = await StartAsync(StoreKind.Sqlite, HostKind.Kestrel);
        string[] vaultArgs = await VaultArgsAsync(vault);
        string source = await BackedUpStoreAsync();
        Assert.Equal(0, (await RunAsync(Password + "\n", ["enable", "--password", source, "-r", Repo, .. vaultArgs])).Exit);

        var change = await RunAsync("a brand new password\n", ["password", "change", "-r", Repo, .. vaultArgs]);
        Assert.True(change.Exit == 0, change.Error);

        Assert.Equal(6, (await RunAsync(Password + "\n", ["restore", "--password", "--device", NewPhoneDevice(), "--target", Path.Combine(_root, "a"), "-r", Repo, .. vaultArgs])).Exit);
        Assert.Equal(0, (await RunAsync("a brand new password\n", ["restore", "--password", "--device", NewPhoneDevice(), "--target", Path.Combine(_root, "b"), "-r", Repo, .. vaultArgs])).Exit);
    }

    [Fact]
    public async Task Disable_deletes_the_escrow_and_an_unreachable_vault_is_its_own_error()
    {
        await using var vault = await StartAsync(StoreKind.Sqlite, HostKind.Kestrel);
        string[] vaultArgs = await VaultArgsAsync(vault);
        string source = await BackedUpStoreAsync();
        Assert.Equal(0, (await RunAsync(Password + "\n", ["enable", "--password", source, "-r", Repo, .. vaultArgs])).Exit);

        var disable = await RunAsync(null, ["disable", "--yes", "-r", Repo, .. vaultArgs]);
        Assert.True(disable.Exit == 0, disable.Error);
        Assert.Contains("End-to-end encryption is off", disable.Output, StringComparison.Ordinal);
        // The record is gone: the password opens nothing (the vault answers as for any unknown account).
        Assert.NotEqual(0, (await RunAsync(Password + "\n", ["restore", "--password", "--device", NewPhoneDevice(), "--target", Path.Combine(_root, "y"), "-r", Repo, .. vaultArgs])).Exit);
        Assert.False(File.Exists(Path.Combine(Repo, "config")));

        string[] nowhere = [.. vaultArgs];
        nowhere[1] = "http://127.0.0.1:9/";
        var (exit, _, error) = await RunAsync(Password + "\n", ["restore", "--password", "--device", NewPhoneDevice(), "--target", Path.Combine(_root, "x"), "-r", Repo, .. nowhere]);
        Assert.Equal(8, exit);
        Assert.Contains("cannot be reached", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task After_someone_burns_the_guesses_the_original_device_sees_the_escrow_gone_and_escrows_the_key_again()
    {
        await using var vault = await StartAsync(StoreKind.Sqlite, HostKind.Kestrel, attemptLimit: 2);
        string[] vaultArgs = await VaultArgsAsync(vault);
        string source = await BackedUpStoreAsync();
        Assert.Equal(0, (await RunAsync(Password + "\n", ["enable", "--password", source, "-r", Repo, .. vaultArgs])).Exit);
        var healthy = await RunAsync(null, ["password", "status", "-r", Repo, .. vaultArgs]);
        Assert.True(healthy.Exit == 0, healthy.Error);
        Assert.Contains("The vault holds your key", healthy.Output, StringComparison.Ordinal);

        // A holder of the account's token guesses twice: the vault destroys the escrow.
        Assert.Equal(6, (await RunAsync("guess one\n", ["restore", "--password", "--device", NewPhoneDevice(), "--target", Path.Combine(_root, "a"), "-r", Repo, .. vaultArgs])).Exit);
        Assert.Equal(7, (await RunAsync("guess two\n", ["restore", "--password", "--device", NewPhoneDevice(), "--target", Path.Combine(_root, "b"), "-r", Repo, .. vaultArgs])).Exit);

        var gone = await RunAsync(null, ["password", "status", "-r", Repo, .. vaultArgs]);
        Assert.Equal(7, gone.Exit);
        Assert.Contains("no longer holds your key", gone.Output, StringComparison.Ordinal);
        Assert.Contains("lockbox password change", gone.Output, StringComparison.Ordinal);

        Assert.Equal(0, (await RunAsync("a fresh password\n", ["password", "change", "-r", Repo, .. vaultArgs])).Exit);
        var restore = await RunAsync("a fresh password\n", ["restore", "--password", "--device", NewPhoneDevice(), "--target", Path.Combine(_root, "c"), "-r", Repo, .. vaultArgs]);
        Assert.True(restore.Exit == 0, restore.Error);
        Assert.Equal("the chat history", await File.ReadAllTextAsync(Path.Combine(_root, "c", "media", "note.txt")));
    }

    [Fact]
    public async Task Backup_in_password_mode_warns_when_the_escrow_is_destroyed_or_a_fresh_start_was_asked_for()
    {
        await using var vault = await StartAsync(StoreKind.Sqlite, HostKind.Kestrel, attemptLimit: 2);
        string[] vaultArgs = await VaultArgsAsync(vault);
        string source = await BackedUpStoreAsync();
        Assert.Equal(0, (await RunAsync(Password + "\n", ["enable", "--password", source, "-r", Repo, .. vaultArgs])).Exit);
        var healthy = await RunAsync(null, ["backup", source, "-r", Repo, .. vaultArgs]);
        Assert.Equal(0, healthy.Exit);
        Assert.DoesNotContain("warning", healthy.Error, StringComparison.Ordinal);

        // Someone with the token asks for a fresh start: the phone's next backup cancels it, and says so.
        var asked = await RunAsync(null, ["password", "fresh-start", "--yes", "--device", NewPhoneDevice(), "-r", Repo, .. vaultArgs]);
        Assert.True(asked.Exit == 0, asked.Error);
        Assert.Contains("unless the device that holds its key runs before then", asked.Output, StringComparison.Ordinal);
        var cancelled = await RunAsync(null, ["backup", source, "-r", Repo, .. vaultArgs]);
        Assert.Equal(0, cancelled.Exit);
        Assert.Contains("asked the vault", cancelled.Error, StringComparison.Ordinal);
        Assert.Contains("cancelled that", cancelled.Error, StringComparison.Ordinal);

        // The guesses burned: the backup is made, and the warning says how to escrow the key again.
        Assert.Equal(6, (await RunAsync("guess one\n", ["restore", "--password", "--device", NewPhoneDevice(), "--target", Path.Combine(_root, "a"), "-r", Repo, .. vaultArgs])).Exit);
        Assert.Equal(7, (await RunAsync("guess two\n", ["restore", "--password", "--device", NewPhoneDevice(), "--target", Path.Combine(_root, "b"), "-r", Repo, .. vaultArgs])).Exit);
        var gone = await RunAsync(null, ["backup", source, "-r", Repo, .. vaultArgs]);
        Assert.Equal(0, gone.Exit);
        Assert.Contains("warning: The vault no longer holds your key", gone.Error, StringComparison.Ordinal);
        Assert.Contains("lockbox password change", gone.Error, StringComparison.Ordinal);

        // A token file that cannot be read: the backup is made, and says why the escrow went unchecked.
        string[] noToken = [.. vaultArgs];
        noToken[^1] = Path.Combine(_root, "no-such-token.txt");
        var tokenless = await RunAsync(null, ["backup", source, "-r", Repo, .. noToken]);
        Assert.Equal(0, tokenless.Exit);
        Assert.Contains("cannot be read", tokenless.Error, StringComparison.Ordinal);

        // Without the vault's settings the backup is still made, and says the escrow went unchecked.
        var unchecked_ = await RunAsync(null, "backup", source, "-r", Repo);
        Assert.Equal(0, unchecked_.Exit);
        Assert.Contains("not checked: no key vault is configured", unchecked_.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Enable_password_over_an_escrow_this_device_did_not_make_is_reported_and_never_replaced()
    {
        await using var vault = await StartAsync(StoreKind.Sqlite, HostKind.Kestrel);
        string[] vaultArgs = await VaultArgsAsync(vault);
        byte[] othersKey = Enumerable.Repeat((byte)0x42, 32).ToArray();
        await (await vault.ClientAsync("alice")).EnableAsync(othersKey, "another device's password");
        string source = await BackedUpStoreAsync();
        int standard = Directory.EnumerateFiles(Path.Combine(Repo, "standard"), "*", SearchOption.AllDirectories).Count();

        var enable = await RunAsync(Password + "\n", ["enable", "--password", source, "-r", Repo, .. vaultArgs]);

        Assert.Equal(1, enable.Exit);
        Assert.Contains("An escrow for this account already exists that this device did not make", enable.Error, StringComparison.Ordinal);
        Assert.Contains("lockbox password fresh-start", enable.Error, StringComparison.Ordinal);
        Assert.Equal(othersKey, await (await vault.ClientAsync("alice")).RecoverAsync("another device's password"));
        Assert.Equal(standard, Directory.EnumerateFiles(Path.Combine(Repo, "standard"), "*", SearchOption.AllDirectories).Count());
        var status = await RunAsync(null, ["password", "status", "-r", Repo, .. vaultArgs]);
        Assert.Contains("Password mode is not on", status.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Password_status_tells_an_escrow_that_another_key_controls()
    {
        await using var vault = await StartAsync(StoreKind.Sqlite, HostKind.Kestrel);
        string[] vaultArgs = await VaultArgsAsync(vault);
        string source = await BackedUpStoreAsync();
        Assert.Equal(0, (await RunAsync(Password + "\n", ["enable", "--password", source, "-r", Repo, .. vaultArgs])).Exit);
        // Another device rotates the key in the vault (its possession key now controls the escrow).
        using var key = Keys.BackupKey.Parse(await File.ReadAllTextAsync(Path.Combine(PhoneDevice, "backup-key")));
        await (await vault.ClientAsync("alice")).ReplaceKeyAsync(key.Bytes.ToArray(), Enumerable.Repeat((byte)9, 32).ToArray(), "rotated elsewhere");

        var status = await RunAsync(null, ["password", "status", "-r", Repo, .. vaultArgs]);

        Assert.Equal(1, status.Exit);
        Assert.Contains("controlled by another key", status.Output, StringComparison.Ordinal);
        Assert.Contains("lockbox restore --password", status.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Password_fresh_start_off_a_terminal_needs_yes_and_changes_nothing_without_it()
    {
        await using var vault = await StartAsync(StoreKind.Sqlite, HostKind.Kestrel);
        string[] vaultArgs = await VaultArgsAsync(vault);
        await (await vault.ClientAsync("alice")).EnableAsync(BackupKey, Password);

        var refused = await RunAsync(null, ["password", "fresh-start", "-r", Repo, .. vaultArgs]);

        Assert.Equal(1, refused.Exit);
        Assert.Contains("pass --yes", refused.Error, StringComparison.Ordinal);
        Assert.Null((await vault.Store.GetEscrowAsync("alice", default))!.FreshStartAtMs);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
