using Lockbox.Cli;
using Xunit;

namespace Lockbox.IntegrationTests;

/// <summary>The lockbox command with an s3:// repository on the real S3 protocol server.</summary>
public sealed class CliS3Tests : IDisposable
{
    private readonly Lockbox.Tests.TempFolder _folder = new();

    [Fact]
    public async Task Standard_backup_enable_key_backup_check_and_restore_through_an_s3_repository()
    {
        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", S3Server.AccessKeyId);
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", S3Server.SecretAccessKey);
        string repo = $"s3://{S3Server.BucketName}/{S3Server.UniquePrefix()}";
        string endpoint = S3Server.Connection.Endpoint!.ToString();
        string key = _folder.Combine("key.txt");
        string source = _folder.Combine("phone");
        Directory.CreateDirectory(source);
        await File.WriteAllTextAsync(Path.Combine(source, "chat.txt"), "hello over S3");
        string[] common = ["-r", repo, "--s3-endpoint", endpoint, "--key-file", key, "--device", _folder.Combine("device")];

        Assert.Equal(0, (await RunAsync(["backup", source, .. common])).Exit);
        // The manifest and the one file: both readable by the provider.
        Assert.Contains("snapshots: 1, in 2 object(s) the storage provider can read", (await RunAsync(["status", .. common])).Output, StringComparison.Ordinal);
        var enable = await RunAsync(["enable", "--key", source, .. common]);
        Assert.True(enable.Exit == 0, enable.Error);
        Assert.Contains("snapshots: 0, in 0 object(s) the storage provider can read", (await RunAsync(["status", .. common])).Output, StringComparison.Ordinal);
        Assert.Equal(0, (await RunAsync(["backup", source, .. common])).Exit);
        Assert.Equal(0, (await RunAsync(["check", "--read-data", .. common])).Exit);
        string target = _folder.Combine("restored");
        var restore = await RunAsync(["restore", "latest", "--target", target, .. common]);
        Assert.True(restore.Exit == 0, restore.Error);
        Assert.Equal("hello over S3", await File.ReadAllTextAsync(Path.Combine(target, "chat.txt")));
        Assert.DoesNotContain(S3Server.SecretAccessKey, restore.Output + restore.Error, StringComparison.Ordinal);
    }

    private static async Task<(int Exit, string Output, string Error)> RunAsync(string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int exit = await LockboxCommand.RunAsync(args, new Terminal(output, error, interactive: false));
        return (exit, output.ToString(), error.ToString());
    }

    public void Dispose() => _folder.Dispose();
}
