using Lockbox.Device;
using Lockbox.Keys;
using Lockbox.Repository;
using Spectre.Console;

namespace Lockbox.Cli;

/// <summary>Finds the backup key: --key-file, then LOCKBOX_KEY, then the device folder's key, then a hidden prompt.</summary>
internal static class KeySource
{
    public static BackupKey Resolve(FileInfo? keyFile, DeviceFolder device, Terminal terminal)
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

            if (device.LoadKey() is { } held)
            {
                return held;
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

    /// <summary>Writes a key file readable only by its owner, replacing an older one.</summary>
    public static void Save(BackupKey key, FileInfo file)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var stream = new FileStream(file.FullName, options);
        using var writer = new StreamWriter(stream);
        writer.WriteLine(key.ToDisplayString());
    }

    /// <summary>
    /// Shows a new key and reads it back, so unencrypted copies are deleted only once the user has it:
    /// typed back on a terminal, or else read back from --key-file, where it was saved.
    /// </summary>
    public static ValueTask<string> ShowAndReadBack(BackupKey key, FileInfo? keyFile, Terminal terminal)
    {
        terminal.Line("Your 64-digit backup key:");
        terminal.Line("");
        terminal.Line("    " + key.ToDisplayString());
        terminal.Line("");
        terminal.Line("Keep it somewhere safe: offline, or in a password manager. It is the only way to open your");
        terminal.Line("backups on a new phone. If you lose it, your backups are lost: no one, including us, can recover them.");
        if (keyFile is not null)
        {
            Save(key, keyFile);
            terminal.Line($"(Also saved to {keyFile.FullName}, readable only by you.)");
        }

        if (terminal.CanPrompt)
        {
            return ValueTask.FromResult(terminal.Console.Prompt(new TextPrompt<string>("Type the key back to confirm you have kept it:")));
        }

        return keyFile is not null
            ? ValueTask.FromResult(File.ReadAllText(keyFile.FullName))
            : throw new LockboxException("Not on a terminal, so the key cannot be typed back: pass --key-file to keep it in a file, which is read back to confirm.");
    }
}
