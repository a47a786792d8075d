using Xunit;

namespace Lockbox.Cli.Tests;

/// <summary><c>forget</c> as restic users expect it: the rules, a dry run that says why, and policy mistakes as usage errors.</summary>
public sealed class ForgetCliTests : CliSession
{
    [Fact]
    public async Task Forget_dry_run_says_what_would_go_and_why_the_rest_stays_and_changes_nothing()
    {
        string source = Store();
        Assert.Equal(0, (await RunAsync("enable", "--key", source, "-r", Repo, "--key-file", KeyFile)).Exit);
        Assert.Equal(0, (await RunAsync("backup", source, "-r", Repo)).Exit);
        var before = Directory.GetFiles(Path.Combine(Repo, "snapshots")).Order(StringComparer.Ordinal).ToList();

        var preview = await RunAsync("forget", "--keep-last", "1", "--keep-within", "1h", "--dry-run", "-r", Repo, "--key-file", KeyFile);
        Assert.Equal(0, preview.Exit);
        Assert.Contains("keep ", preview.Output, StringComparison.Ordinal);
        Assert.Contains("last 1", preview.Output, StringComparison.Ordinal);
        Assert.Contains("within 1h", preview.Output, StringComparison.Ordinal);
        Assert.Contains("nothing was changed", preview.Output, StringComparison.Ordinal);
        Assert.Equal(before, Directory.GetFiles(Path.Combine(Repo, "snapshots")).Order(StringComparer.Ordinal));

        var forgotten = await RunAsync("forget", "--keep-last", "1", "-r", Repo, "--key-file", KeyFile);
        Assert.Equal(0, forgotten.Exit);
        Assert.Single(Directory.GetFiles(Path.Combine(Repo, "snapshots")));
    }

    [Theory]
    [InlineData("forget")]
    [InlineData("forget", "--keep-within", "3x")]
    [InlineData("forget", "--keep-daily", "-1")]
    [InlineData("forget", "abcd1234", "--keep-last", "1")]
    public async Task A_mistake_in_a_policy_is_a_usage_error_with_exit_2_and_forgets_nothing(params string[] args)
    {
        string source = Store();
        Assert.Equal(0, (await RunAsync("enable", "--key", source, "-r", Repo, "--key-file", KeyFile)).Exit);
        var before = Directory.GetFiles(Path.Combine(Repo, "snapshots")).Length;

        var (exit, _, error) = await RunAsync([.. args, "-r", Repo, "--key-file", KeyFile]);
        Assert.Equal(2, exit);
        Assert.Contains("--keep", error, StringComparison.Ordinal);
        Assert.Equal(before, Directory.GetFiles(Path.Combine(Repo, "snapshots")).Length);
    }
}
