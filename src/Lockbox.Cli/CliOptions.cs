using System.CommandLine;

namespace Lockbox.Cli;

/// <summary>Options every repository command takes.</summary>
internal static class CliOptions
{
    public static readonly Option<string> Repository = new("--repo", "-r")
    {
        Description = "The repository: a folder path (the default), or s3://bucket/prefix. Also read from LOCKBOX_REPO.",
        Recursive = true,
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("LOCKBOX_REPO") ?? "",
    };

    public static readonly Option<FileInfo?> KeyFile = new("--key-file")
    {
        Description = "A file holding the 64-digit backup key. Otherwise LOCKBOX_KEY, then the device folder's key, then a prompt. enable --key and key rotate save a new key here (key rotate: to FILE.new until it is done).",
        Recursive = true,
    };

    public static readonly Option<string> Device = new("--device")
    {
        Description = "The device folder: the backup key (mode 0600), the mode and caches. Also read from LOCKBOX_DEVICE; by default $XDG_DATA_HOME/lockbox or ~/.local/share/lockbox.",
        Recursive = true,
        DefaultValueFactory = _ => Lockbox.Device.DeviceFolder.DefaultPath(),
    };

    public static readonly Option<string?> S3Endpoint = new("--s3-endpoint")
    {
        Description = "An S3-compatible endpoint, e.g. http://127.0.0.1:9000; AWS itself when omitted. Credentials come from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.",
        Recursive = true,
    };

    public static readonly Option<string> S3Region = new("--s3-region")
    {
        Description = "The region requests are signed for.",
        Recursive = true,
        DefaultValueFactory = _ => "us-east-1",
    };
}
