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
            throw new LockboxException(keyFile is null
                ? $"Cannot read this device's key in {device.Path}: {e.Message}"
                : $"Cannot read the key file {keyFile.FullName}: {e.Message}");
        }

        throw new LockboxException("No backup key: pass --key-file, set LOCKBOX_KEY, restore or enable on this device so it holds the key, or run on a terminal to be asked.");
    }

    /// <summary>
    /// Writes a key file readable only by its owner (<see cref="KeyFile"/>). A file that already holds
    /// this key is left as it is; one that holds another key, or anything else, is refused.
    /// </summary>
    public static void Save(BackupKey key, FileInfo file)
    {
        if (File.Exists(file.FullName))
        {
            try
            {
                using var held = BackupKey.Parse(File.ReadAllText(file.FullName));
                if (!System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(held.Bytes, key.Bytes))
                {
                    throw new LockboxException($"{file.FullName} already holds another backup key; it is left as it is. Choose another --key-file.");
                }
            }
            catch (FormatException)
            {
                throw new LockboxException($"{file.FullName} already exists and is not a key file; it is left as it is. Choose another --key-file.");
            }

            return;
        }

        KeyFile.Write(file.FullName, key, replace: false);
    }

    /// <summary>
    /// Shows a new key and reads it back, so nothing is deleted until the user has it: typed back on a
    /// terminal; off one, saved to <paramref name="saveTo"/> (mode 0600) and read back from it, and not
    /// printed, since redirected output ends up in logs.
    /// </summary>
    public static ValueTask<string> ShowAndReadBack(BackupKey key, FileInfo? saveTo, Terminal terminal)
    {
        if (saveTo is not null)
        {
            Save(key, saveTo);
        }

        if (terminal.CanPrompt)
        {
            terminal.Line("Your 64-digit backup key:");
            terminal.Line("");
            terminal.Line("    " + key.ToDisplayString());
            terminal.Line("");
            Warn(terminal);
            if (saveTo is not null)
            {
                terminal.Line($"(Also saved to {saveTo.FullName}, readable only by you.)");
            }

            return ValueTask.FromResult(terminal.Console.Prompt(new TextPrompt<string>("Type the key back to confirm you have kept it:")));
        }

        if (saveTo is null)
        {
            throw new LockboxException("Not on a terminal, so the key cannot be shown and typed back: pass --key-file to keep it in a file, which is read back to confirm.");
        }

        terminal.Line($"Your 64-digit backup key is in {saveTo.FullName}, readable only by you (not printed: output is redirected).");
        Warn(terminal);
        return ValueTask.FromResult(File.ReadAllText(saveTo.FullName));
    }

    private static void Warn(Terminal terminal)
    {
        terminal.Line("Keep it somewhere safe: offline, or in a password manager. It is the only way to open your");
        terminal.Line("backups on a new phone. If you lose it, your backups are lost: no one, including us, can recover them.");
    }
}
