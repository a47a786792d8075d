using Lockbox.Keys;
using Lockbox.Repository;
using Spectre.Console;

namespace Lockbox.Cli;

/// <summary>Finds the backup key: --key-file, then LOCKBOX_KEY, then a hidden prompt.</summary>
internal static class KeySource
{
    public static BackupKey Resolve(FileInfo? keyFile, Terminal terminal)
    {
        try
        {
            if (keyFile is not null)
            {
                return BackupKey.Parse(File.ReadAllText(keyFile.FullName));
            }

            string? fromEnvironment = Environment.GetEnvironmentVariable("LOCKBOX_KEY");
            if (!string.IsNullOrWhiteSpace(fromEnvironment))
            {
                return BackupKey.Parse(fromEnvironment);
            }

            if (terminal.CanPrompt)
            {
                return BackupKey.Parse(terminal.Console.Prompt(new TextPrompt<string>("Backup key (64 digits):").Secret()));
            }
        }
        catch (FormatException e)
        {
            throw new LockboxException($"That is not a backup key: {e.Message}");
        }
        catch (IOException e)
        {
            throw new LockboxException($"Cannot read the key file {keyFile?.FullName}: {e.Message}");
        }

        throw new LockboxException("No backup key: pass --key-file, set LOCKBOX_KEY, or run on a terminal to be asked.");
    }

    /// <summary>Writes a key file readable only by its owner.</summary>
    public static void Save(BackupKey key, FileInfo file)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var stream = new FileStream(file.FullName, options);
        using var writer = new StreamWriter(stream);
        writer.WriteLine(key.ToDisplayString());
    }
}
