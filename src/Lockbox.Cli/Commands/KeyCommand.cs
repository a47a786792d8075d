using System.CommandLine;
using Lockbox.Device;

namespace Lockbox.Cli.Commands;

internal static class KeyCommand
{
    public static Command Create(Terminal terminal)
    {
        var show = new Command("show", "Show the backup key that opens this repository, as 64 digits.");
        // The key is shown only after it has opened this repository.
        show.SetRepositoryAction(terminal, (parse, repository, backupKey, cancellationToken) =>
        {
            terminal.Line(backupKey.ToDisplayString());
            return Task.FromResult(ExitCodes.Success);
        });

        var rotate = new Command(
            "rotate",
            "Make a new backup key and re-encrypt every snapshot under it; afterwards the old key opens nothing. In password mode the new key is escrowed (you enter the password again); in key mode you keep the new 64 digits.");
        rotate.SetClientAction(terminal, async (parse, client, cancellationToken) =>
        {
            var steps = new StepReporter(terminal);
            if (client.GetMode() == BackupMode.Password)
            {
                string secret = VaultAccess.ReadNewPassword(terminal, "Backup password (it may stay the same):");
                await client.RotateKeyAsync(secret, null, steps, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                // The new key goes beside the old one in --key-file, and replaces it only once the old
                // key opens nothing: until then the old key may be the only way into the backups.
                var keyFile = parse.GetValue(CliOptions.KeyFile);
                var next = keyFile is null ? null : new FileInfo(keyFile.FullName + ".new");
                if (next is not null && File.Exists(next.FullName) && client.GetPending() is null && HoldsDeviceKey(client, next))
                {
                    // A finished rotation whose last step (this rename) did not happen.
                    File.Move(next.FullName, keyFile!.FullName, overwrite: true);
                    terminal.Line($"The last rotation had finished; {keyFile.FullName} now holds its key. Nothing else was changed.");
                    return ExitCodes.Success;
                }

                await client.RotateKeyAsync(null, (key, _) => KeySource.ShowAndReadBack(key, next, terminal), steps, cancellationToken).ConfigureAwait(false);
                if (next is not null && File.Exists(next.FullName))
                {
                    File.Move(next.FullName, keyFile!.FullName, overwrite: true);
                    terminal.Line($"{keyFile.FullName} now holds the new key.");
                }
            }

            terminal.Line("The backup key is rotated: every snapshot is now encrypted under the new key, and the old key opens nothing.");
            return ExitCodes.Success;
        });

        var command = new Command("key", "Manage the backup key.");
        command.Subcommands.Add(show);
        command.Subcommands.Add(rotate);
        return command;
    }

    private static bool HoldsDeviceKey(Client.LockboxClient client, FileInfo file)
    {
        using var held = client.LoadDeviceKey();
        try
        {
            using var saved = Keys.BackupKey.Parse(File.ReadAllText(file.FullName));
            return held is not null && System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(saved.Bytes, held.Bytes);
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
