using System.CommandLine;

namespace Lockbox.Cli;

/// <summary>Options every repository command takes.</summary>
internal static class CliOptions
{
    public static readonly Option<string> Repository = new("--repo", "-r")
    {
        Description = "The repository: a folder path (the default storage). Also read from LOCKBOX_REPO.",
        Recursive = true,
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("LOCKBOX_REPO") ?? "",
    };

    public static readonly Option<FileInfo?> KeyFile = new("--key-file")
    {
        Description = "A file holding the 64-digit backup key. Otherwise LOCKBOX_KEY, otherwise a prompt.",
        Recursive = true,
    };
}
