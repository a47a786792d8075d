using Xunit;

namespace Lockbox.Cli.Tests;

/// <summary>Drives the real command tree with captured output, as a user at a redirected shell would.</summary>
public sealed class CliTests : CliSession
{
    [Fact]
    public async Task Enable_key_off_a_terminal_saves_the_key_mode_0600_warns_that_losing_it_loses_the_backups_and_never_prints_it()
    {
        var (exit, output, error) = await RunAsync("enable", "--key", Store(), "--repo", Repo, "--key-file", KeyFile);
        Assert.True(exit == 0, error);
        Assert.Matches(@"^([0-9a-f]{4} ){15}[0-9a-f]{4}\n$", File.ReadAllText(KeyFile));
        Assert.DoesNotContain(File.ReadAllText(KeyFile).Trim(), output + error, StringComparison.Ordinal);
        Assert.Contains("If you lose it, your backups are lost", output, StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(KeyFile));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(Device, "backup-key")));
        }
    }

    [Fact]
    public async Task Init_is_gone_enable_key_creates_the_repository()
    {
        Assert.Equal(2, (await RunAsync("init", "--repo", Repo)).Exit);
    }

    [Theory]
    [InlineData("enable", "--key", "--password", "{store}", "--repo", "{repo}")]
    [InlineData("backup", "{store}", "--repo", "{repo}", "--s3-endpoint", "not a url")]
    [InlineData("backup", "{store}", "--repo", "s3://")]
    public async Task A_wrong_command_line_is_a_usage_error_with_exit_code_2_and_changes_nothing(params string[] args)
    {
        string store = Store();
        var (exit, _, error) = await RunAsync([.. args.Select(a => a.Replace("{store}", store).Replace("{repo}", Repo))]);

        Assert.Equal(2, exit);
        Assert.NotEmpty(error);
        Assert.False(Directory.Exists(Repo) && Directory.EnumerateFileSystemEntries(Repo).Any(), "nothing written to the repository");
    }

    [Fact]
    public async Task Enable_key_off_a_terminal_without_a_key_file_refuses_and_deletes_nothing()
    {
        string source = Store();
        Assert.Equal(0, (await RunAsync("backup", source, "-r", Repo)).Exit);
        var (exit, _, error) = await RunAsync("enable", "--key", source, "-r", Repo);
        Assert.Equal(1, exit);
        Assert.Contains("pass --key-file", error, StringComparison.Ordinal);
        Assert.NotEmpty(Directory.EnumerateFiles(Path.Combine(Repo, "standard"), "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Backup_before_enable_is_a_standard_backup_and_says_the_provider_can_read_it()
    {
        var (exit, output, _) = await RunAsync("backup", Store(), "-r", Repo);
        Assert.Equal(0, exit);
        Assert.Contains("not end-to-end encrypted", output, StringComparison.Ordinal);
        var status = await RunAsync("status", "-r", Repo);
        Assert.Contains("Mode: standard", status.Output, StringComparison.Ordinal);
        Assert.Contains("Unencrypted (standard) snapshots: 1", status.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Restore_standard_on_a_new_device_needs_no_key_and_refuses_a_non_empty_target()
    {
        Assert.Equal(0, (await RunAsync("backup", Store("before encryption"), "-r", Repo)).Exit);
        string newDevice = Path.Combine(Root, "new-device");
        string target = Path.Combine(Root, "restored");
        Directory.CreateDirectory(target);
        File.WriteAllText(Path.Combine(target, "keep.txt"), "mine");

        Assert.Equal(1, (await RunAsync("restore", "--standard", "--target", target, "-r", Repo, "--device", newDevice)).Exit);
        Assert.Equal("mine", File.ReadAllText(Path.Combine(target, "keep.txt")));

        File.Delete(Path.Combine(target, "keep.txt"));
        var (exit, _, error) = await RunAsync("restore", "--standard", "--target", target, "-r", Repo, "--device", newDevice);
        Assert.True(exit == 0, error);
        Assert.Equal("before encryption", File.ReadAllText(Path.Combine(target, "media", "note.txt")));
    }

    [Fact]
    public async Task Enable_key_imports_the_standard_backup_and_deletes_every_unencrypted_object()
    {
        string source = Store("the first day");
        Assert.Equal(0, (await RunAsync("backup", source, "-r", Repo)).Exit);
        File.WriteAllText(Path.Combine(source, "media", "note.txt"), "the second day");

        var (exit, output, error) = await RunAsync("enable", "--key", source, "-r", Repo, "--key-file", KeyFile);
        Assert.True(exit == 0, error);
        Assert.Contains("Deleting", output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(Repo, "standard")) && Directory.EnumerateFiles(Path.Combine(Repo, "standard"), "*", SearchOption.AllDirectories).Any());

        var snapshots = await RunAsync("snapshots", "-r", Repo);
        Assert.Contains("2 snapshot(s)", snapshots.Output, StringComparison.Ordinal);
        Assert.Contains("imported-from-standard:", snapshots.Output, StringComparison.Ordinal);
        string first = snapshots.Output.Split('\n').First(l => l.Contains("imported-from-standard:", StringComparison.Ordinal))[..8];
        string target = Path.Combine(Root, "first-day");
        Assert.Equal(0, (await RunAsync("restore", first, "--target", target, "-r", Repo)).Exit);
        Assert.Equal("the first day", File.ReadAllText(Path.Combine(target, "media", "note.txt")));
    }

    [Fact]
    public async Task Backup_snapshots_check_and_restore_round_trip_with_documented_exit_codes()
    {
        string source = Store();
        Assert.Equal(0, (await RunAsync("enable", "--key", source, "-r", Repo, "--key-file", KeyFile)).Exit);

        var backup = await RunAsync("backup", source, "-r", Repo);
        Assert.Equal(0, backup.Exit);
        Assert.Contains("Snapshot ", backup.Output, StringComparison.Ordinal);

        var snapshots = await RunAsync("snapshots", "-r", Repo, "--key-file", KeyFile);
        Assert.Contains("2 snapshot(s)", snapshots.Output, StringComparison.Ordinal);

        Assert.Equal(0, (await RunAsync("check", "--read-data", "-r", Repo)).Exit);

        // A new phone: an empty device folder and the key file.
        string target = Path.Combine(Root, "restored");
        string newDevice = Path.Combine(Root, "new-device");
        Assert.Equal(0, (await RunAsync("restore", "latest", "--target", target, "-r", Repo, "--key-file", KeyFile, "--device", newDevice)).Exit);
        Assert.Equal("hello", File.ReadAllText(Path.Combine(target, "media", "note.txt")));
        Assert.Contains("Mode: end-to-end encrypted, with a 64-digit key", (await RunAsync("status", "-r", Repo, "--device", newDevice)).Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wrong_key_exits_with_3_and_says_wrong_key()
    {
        Assert.Equal(0, (await RunAsync("enable", "--key", Store(), "-r", Repo, "--key-file", KeyFile)).Exit);
        string otherKey = Path.Combine(Root, "other.txt");
        File.WriteAllText(otherKey, "0000 1111 2222 3333 4444 5555 6666 7777 8888 9999 aaaa bbbb cccc dddd eeee ffff");

        var (exit, _, error) = await RunAsync("snapshots", "-r", Repo, "--key-file", otherKey);
        Assert.Equal(3, exit);
        Assert.Contains("Wrong key", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_repository_of_a_newer_format_version_exits_with_12_and_says_upgrade()
    {
        Assert.Equal(0, (await RunAsync("enable", "--key", Store(), "-r", Repo, "--key-file", KeyFile)).Exit);
        string config = Path.Combine(Repo, "config");
        byte[] bytes = File.ReadAllBytes(config);

        // As a newer Lockbox would write it: version 2, its checksum over the parameters, and longer.
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), 2);
        System.Security.Cryptography.SHA256.HashData(bytes.AsSpan(0, 128), bytes.AsSpan(128, 32));
        File.WriteAllBytes(config, [.. bytes, .. new byte[32]]);

        foreach (string[] command in new[] { new[] { "snapshots" }, ["check", "--read-data"], ["restore", "latest", "--target", Path.Combine(Root, "restored")] })
        {
            var (exit, _, error) = await RunAsync([.. command, "-r", Repo, "--key-file", KeyFile]);
            Assert.Equal(12, exit);
            Assert.Contains("made by a newer Lockbox (format version 2); upgrade Lockbox to open it.", error, StringComparison.Ordinal);
            Assert.DoesNotContain("Wrong key", error, StringComparison.Ordinal);
            Assert.DoesNotContain("Config damaged", error, StringComparison.Ordinal);
        }

        Assert.False(Directory.Exists(Path.Combine(Root, "restored")));
    }

    [Fact]
    public async Task Damaged_repository_makes_check_exit_with_4()
    {
        string source = Path.Combine(Root, "store");
        Directory.CreateDirectory(source);
        File.WriteAllBytes(Path.Combine(source, "a.bin"), new byte[100_000]);
        Assert.Equal(0, (await RunAsync("enable", "--key", source, "-r", Repo, "--key-file", KeyFile)).Exit);
        string pack = Directory.EnumerateFiles(Path.Combine(Repo, "data"), "*", SearchOption.AllDirectories).Single();
        byte[] bytes = File.ReadAllBytes(pack);
        bytes[10] ^= 1;
        File.WriteAllBytes(pack, bytes);

        var (exit, _, error) = await RunAsync("check", "--read-data", "-r", Repo, "--key-file", KeyFile);
        Assert.Equal(4, exit);
        Assert.Contains(Path.GetFileName(pack), error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Repair_snapshots_dry_run_lists_the_files_it_would_drop_exits_4_and_changes_nothing()
    {
        string source = Store();
        File.WriteAllBytes(Path.Combine(source, "a.bin"), new byte[100_000]);
        Assert.Equal(0, (await RunAsync("enable", "--key", source, "-r", Repo, "--key-file", KeyFile)).Exit);
        string lostPack = Directory.EnumerateFiles(Path.Combine(Repo, "data"), "*", SearchOption.AllDirectories).Single();
        File.WriteAllBytes(Path.Combine(source, "media", "c.bin"), Enumerable.Range(0, 80_000).Select(i => (byte)(i * 7)).ToArray());
        Assert.Equal(0, (await RunAsync("backup", source, "-r", Repo)).Exit);
        File.Delete(lostPack);
        var before = Directory.EnumerateFiles(Repo, "*", SearchOption.AllDirectories).Where(f => !f.Contains("locks", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();

        var (exit, output, error) = await RunAsync("repair", "snapshots", "--dry-run", "-r", Repo);
        Assert.True(exit == 4, error);
        Assert.Contains($"pack data/{Path.GetFileName(lostPack)[..2]}/{Path.GetFileName(lostPack)} is missing", output, StringComparison.Ordinal);
        Assert.Matches(@"snapshot [0-9a-f]{8} \([0-9 :-]+\): rewrite without 2 file\(s\), keeping 1; drop:\n  a\.bin\n  media/note\.txt\n", output);
        Assert.Matches(@"snapshot [0-9a-f]{8} \([0-9 :-]+\): forget: its file list cannot be read: manifest blob [0-9a-f]{64} is missing\n", output);
        Assert.Contains("Dry run: nothing was changed.", output, StringComparison.Ordinal);

        // Off a terminal without --yes it refuses.
        (exit, _, error) = await RunAsync("repair", "snapshots", "-r", Repo);
        Assert.Equal(1, exit);
        Assert.Contains("pass --yes", error, StringComparison.Ordinal);
        Assert.Equal(before, Directory.EnumerateFiles(Repo, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal));

        // README, "When something is damaged": repair index, repair snapshots --yes, prune; check is then healthy.
        (exit, output, error) = await RunAsync("repair", "index", "-r", Repo);
        Assert.True(exit == 0, error);
        Assert.Contains("gone from the storage", output, StringComparison.Ordinal);
        (exit, output, error) = await RunAsync("repair", "snapshots", "--yes", "-r", Repo);
        Assert.True(exit == 0, error);
        Assert.Contains("Repaired 1 snapshot(s), forgot 1", output, StringComparison.Ordinal);
        Assert.Equal(0, (await RunAsync("prune", "-r", Repo)).Exit);
        Assert.Equal(0, (await RunAsync("check", "--read-data", "-r", Repo)).Exit);
        string target = Path.Combine(Root, "restored");
        Assert.Equal(0, (await RunAsync("restore", "latest", "--target", target, "-r", Repo)).Exit);
        Assert.Equal(File.ReadAllBytes(Path.Combine(source, "media", "c.bin")), File.ReadAllBytes(Path.Combine(target, "media", "c.bin")));
        Assert.False(File.Exists(Path.Combine(target, "a.bin")));
    }

    [Fact]
    public async Task Repair_snapshots_on_a_damaged_index_refuses_and_offers_repair_index()
    {
        Assert.Equal(0, (await RunAsync("enable", "--key", Store(), "-r", Repo, "--key-file", KeyFile)).Exit);
        string index = Directory.EnumerateFiles(Path.Combine(Repo, "index")).First();
        byte[] bytes = File.ReadAllBytes(index);
        bytes[20] ^= 1;
        File.WriteAllBytes(index, bytes);

        var (exit, _, error) = await RunAsync("repair", "snapshots", "--dry-run", "-r", Repo);
        Assert.Equal(1, exit);
        Assert.Contains("Run `lockbox repair index` first", error, StringComparison.Ordinal);
        Assert.Equal(0, (await RunAsync("repair", "index", "-r", Repo)).Exit);
        var (after, output, _) = await RunAsync("repair", "snapshots", "--dry-run", "-r", Repo);
        Assert.Equal(0, after);
        Assert.Contains("nothing to repair", output, StringComparison.Ordinal);
        Assert.Equal(0, (await RunAsync("check", "--read-data", "-r", Repo)).Exit);
    }

    [Fact]
    public async Task Missing_key_without_a_terminal_is_a_clear_error()
    {
        Assert.Equal(0, (await RunAsync("enable", "--key", Store(), "-r", Repo, "--key-file", KeyFile)).Exit);
        Environment.SetEnvironmentVariable("LOCKBOX_KEY", null);
        var (exit, _, error) = await RunAsync("snapshots", "-r", Repo, "--device", Path.Combine(Root, "empty-device"));
        Assert.Equal(1, exit);
        Assert.Contains("No backup key", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Disable_without_confirmation_changes_nothing()
    {
        Assert.Equal(0, (await RunAsync("enable", "--key", Store(), "-r", Repo, "--key-file", KeyFile)).Exit);
        var (exit, output, error) = await RunAsync("disable", "-r", Repo);
        Assert.Equal(1, exit);
        Assert.Contains("the storage provider will be able to read", output, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("pass --yes", error, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(Repo, "config")));
        Assert.True(File.Exists(Path.Combine(Device, "backup-key")));
    }

    [Fact]
    public async Task Disable_yes_goes_back_to_standard_backups_and_deletes_the_encrypted_repository_and_the_key()
    {
        string source = Store("kept through disable");
        Assert.Equal(0, (await RunAsync("enable", "--key", source, "-r", Repo, "--key-file", KeyFile)).Exit);
        var (exit, _, error) = await RunAsync("disable", "--yes", "-r", Repo);
        Assert.True(exit == 0, error);
        Assert.False(File.Exists(Path.Combine(Repo, "config")));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(Repo, "data"), "*", SearchOption.AllDirectories));
        Assert.False(File.Exists(Path.Combine(Device, "backup-key")));
        var status = await RunAsync("status", "-r", Repo);
        Assert.Contains("Mode: standard", status.Output, StringComparison.Ordinal);
        Assert.Contains("Unencrypted (standard) snapshots: 1", status.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Key_rotate_in_key_mode_saves_the_new_key_and_the_old_key_opens_nothing()
    {
        string source = Store();
        Assert.Equal(0, (await RunAsync("enable", "--key", source, "-r", Repo, "--key-file", KeyFile)).Exit);
        string oldKey = Path.Combine(Root, "old-key.txt");
        File.Copy(KeyFile, oldKey);

        var (exit, output, error) = await RunAsync("key", "rotate", "-r", Repo, "--key-file", KeyFile);
        Assert.True(exit == 0, error);
        Assert.Contains("old key opens nothing", output, StringComparison.Ordinal);
        Assert.NotEqual(File.ReadAllText(oldKey), File.ReadAllText(KeyFile));
        Assert.Equal(3, (await RunAsync("snapshots", "-r", Repo, "--key-file", oldKey)).Exit);
        Assert.Equal(0, (await RunAsync("check", "--read-data", "-r", Repo, "--key-file", KeyFile)).Exit);
        Assert.Equal(0, (await RunAsync("backup", source, "-r", Repo)).Exit);
    }

    [Fact]
    public async Task Enable_key_will_not_overwrite_a_key_file_that_holds_another_key()
    {
        string other = "0000 1111 2222 3333 4444 5555 6666 7777 8888 9999 aaaa bbbb cccc dddd eeee ffff\n";
        File.WriteAllText(KeyFile, other);
        var (exit, _, error) = await RunAsync("enable", "--key", Store(), "-r", Repo, "--key-file", KeyFile);
        Assert.Equal(1, exit);
        Assert.Contains("already holds another backup key", error, StringComparison.Ordinal);
        Assert.Equal(other, File.ReadAllText(KeyFile));
    }

    [Fact]
    public async Task Snapshots_restore_and_backup_warn_on_stderr_with_exit_0_when_the_newest_snapshot_this_device_wrote_is_hidden()
    {
        string source = Store();
        Assert.Equal(0, (await RunAsync("enable", "--key", source, "-r", Repo, "--key-file", KeyFile)).Exit);
        Assert.Equal(0, (await RunAsync("backup", source, "-r", Repo)).Exit);
        File.WriteAllText(Path.Combine(source, "media", "note.txt"), "changed");
        var newest = await RunAsync("backup", source, "-r", Repo);
        Assert.Equal(0, newest.Exit);
        Assert.DoesNotContain("ROLLBACK", newest.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("ROLLBACK", (await RunAsync("snapshots", "-r", Repo)).Error, StringComparison.Ordinal);

        // The provider hides the newest snapshot object.
        File.Delete(SnapshotFile(SavedId(newest.Output)));

        var snapshots = await RunAsync("snapshots", "-r", Repo);
        Assert.Equal(0, snapshots.Exit);
        Assert.Contains("warning: POSSIBLE ROLLBACK", snapshots.Error, StringComparison.Ordinal);
        Assert.Contains("Expected: a snapshot of", snapshots.Error, StringComparison.Ordinal);
        Assert.Contains("Found:    the newest from", snapshots.Error, StringComparison.Ordinal);
        Assert.Contains("may be hiding the newest backups or serving an older copy", snapshots.Error, StringComparison.Ordinal);
        Assert.Contains("What to do:", snapshots.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("ROLLBACK", snapshots.Output, StringComparison.Ordinal);

        var restore = await RunAsync("restore", "latest", "--target", Path.Combine(Root, "restored"), "-r", Repo);
        Assert.Equal(0, restore.Exit);
        Assert.Contains("warning: POSSIBLE ROLLBACK", restore.Error, StringComparison.Ordinal);

        var backup = await RunAsync("backup", source, "-r", Repo);
        Assert.Equal(0, backup.Exit);
        Assert.Contains("warning: POSSIBLE ROLLBACK", backup.Error, StringComparison.Ordinal);
        Assert.Contains("This backup was therefore based on nothing older", backup.Error, StringComparison.Ordinal);

        // That backup is the newest now: quiet again.
        Assert.DoesNotContain("ROLLBACK", (await RunAsync("snapshots", "-r", Repo)).Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Forget_by_id_of_a_devices_newest_snapshot_is_refused_without_force()
    {
        string source = Store();
        Assert.Equal(0, (await RunAsync("enable", "--key", source, "-r", Repo, "--key-file", KeyFile)).Exit);
        string id = SavedId((await RunAsync("backup", source, "-r", Repo)).Output);

        var refused = await RunAsync("forget", id, "-r", Repo);
        Assert.Equal(1, refused.Exit);
        Assert.Contains("would warn that the storage may be hiding or rolling back its backups", refused.Error, StringComparison.Ordinal);
        Assert.True(File.Exists(SnapshotFile(id)));

        var forced = await RunAsync("forget", id, "--force", "-r", Repo);
        Assert.Equal(0, forced.Exit);
        Assert.Contains($"forgot {id}", forced.Output, StringComparison.Ordinal);
        Assert.Contains("warning: POSSIBLE ROLLBACK", (await RunAsync("snapshots", "-r", Repo)).Error, StringComparison.Ordinal);
    }

    private static string SavedId(string backupOutput) =>
        System.Text.RegularExpressions.Regex.Match(backupOutput, "Snapshot ([0-9a-f]{8}) saved").Groups[1].Value;

    private string SnapshotFile(string prefix) =>
        Assert.Single(Directory.EnumerateFiles(Path.Combine(Repo, "snapshots")), f => Path.GetFileName(f).StartsWith(prefix, StringComparison.Ordinal));

    [Fact]
    public async Task Unknown_option_is_a_usage_error()
    {
        var (exit, _, _) = await RunAsync("check", "--no-such-option", "-r", Repo);
        Assert.Equal(2, exit);
    }
}
