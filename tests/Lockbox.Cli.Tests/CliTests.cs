using Xunit;

namespace Lockbox.Cli.Tests;

/// <summary>Drives the real command tree with captured output, as a user at a redirected shell would.</summary>
public sealed class CliTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("lockbox-cli-test-").FullName;

    private string Repo => Path.Combine(_root, "repo");

    private string KeyFile => Path.Combine(_root, "key.txt");

    private static async Task<(int Exit, string Output, string Error)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int exit = await LockboxCommand.RunAsync(args, new Terminal(output, error, interactive: false));
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Init_prints_the_64_digit_key_and_warns_that_losing_it_loses_the_backups()
    {
        var (exit, output, _) = await RunAsync("init", "--repo", Repo, "--key-file", KeyFile);
        Assert.Equal(0, exit);
        Assert.Matches(@"(?m)^    ([0-9a-f]{4} ){15}[0-9a-f]{4}$", output);
        Assert.Contains("If you lose it, your backups are lost", output, StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(KeyFile));
        }
    }

    [Fact]
    public async Task Backup_snapshots_check_and_restore_round_trip_with_documented_exit_codes()
    {
        string source = Path.Combine(_root, "store");
        Directory.CreateDirectory(Path.Combine(source, "media"));
        File.WriteAllText(Path.Combine(source, "media", "note.txt"), "hello");
        Assert.Equal(0, (await RunAsync("init", "-r", Repo, "--key-file", KeyFile)).Exit);

        var backup = await RunAsync("backup", source, "-r", Repo, "--key-file", KeyFile);
        Assert.Equal(0, backup.Exit);
        Assert.Contains("Snapshot ", backup.Output, StringComparison.Ordinal);

        var snapshots = await RunAsync("snapshots", "-r", Repo, "--key-file", KeyFile);
        Assert.Contains("1 snapshot(s)", snapshots.Output, StringComparison.Ordinal);

        Assert.Equal(0, (await RunAsync("check", "--read-data", "-r", Repo, "--key-file", KeyFile)).Exit);

        string target = Path.Combine(_root, "restored");
        Assert.Equal(0, (await RunAsync("restore", "latest", "--target", target, "-r", Repo, "--key-file", KeyFile)).Exit);
        Assert.Equal("hello", File.ReadAllText(Path.Combine(target, "media", "note.txt")));
    }

    [Fact]
    public async Task Wrong_key_exits_with_3_and_says_wrong_key()
    {
        Assert.Equal(0, (await RunAsync("init", "-r", Repo, "--key-file", KeyFile)).Exit);
        string otherKey = Path.Combine(_root, "other.txt");
        File.WriteAllText(otherKey, "0000 1111 2222 3333 4444 5555 6666 7777 8888 9999 aaaa bbbb cccc dddd eeee ffff");

        var (exit, _, error) = await RunAsync("snapshots", "-r", Repo, "--key-file", otherKey);
        Assert.Equal(3, exit);
        Assert.Contains("Wrong key", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Damaged_repository_makes_check_exit_with_4()
    {
        string source = Path.Combine(_root, "store");
        Directory.CreateDirectory(source);
        File.WriteAllBytes(Path.Combine(source, "a.bin"), new byte[100_000]);
        await RunAsync("init", "-r", Repo, "--key-file", KeyFile);
        await RunAsync("backup", source, "-r", Repo, "--key-file", KeyFile);
        string pack = Directory.EnumerateFiles(Path.Combine(Repo, "data"), "*", SearchOption.AllDirectories).Single();
        byte[] bytes = File.ReadAllBytes(pack);
        bytes[10] ^= 1;
        File.WriteAllBytes(pack, bytes);

        var (exit, _, error) = await RunAsync("check", "--read-data", "-r", Repo, "--key-file", KeyFile);
        Assert.Equal(4, exit);
        Assert.Contains(Path.GetFileName(pack), error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_key_without_a_terminal_is_a_clear_error()
    {
        await RunAsync("init", "-r", Repo, "--key-file", KeyFile);
        Environment.SetEnvironmentVariable("LOCKBOX_KEY", null);
        var (exit, _, error) = await RunAsync("snapshots", "-r", Repo);
        Assert.Equal(1, exit);
        Assert.Contains("No backup key", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_option_is_a_usage_error()
    {
        var (exit, _, _) = await RunAsync("check", "--no-such-option", "-r", Repo);
        Assert.Equal(2, exit);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
