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
            var status = await client.GetStatusAsync(cancellationToken).ConfigureAwait(false);
            var steps = new StepReporter(terminal);
            if (status.Mode == BackupMode.Password)
            {
                string secret = VaultAccess.ReadPassword(terminal, "Backup password (it may stay the same):", confirm: true);
                await client.RotateKeyAsync(secret, null, steps, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                var keyFile = parse.GetValue(CliOptions.KeyFile);
                await client.RotateKeyAsync(null, (key, _) => KeySource.ShowAndReadBack(key, keyFile, terminal), steps, cancellationToken).ConfigureAwait(false);
            }

            terminal.Line("The backup key is rotated: every snapshot is now encrypted under the new key, and the old key opens nothing.");
            return ExitCodes.Success;
        });

        var command = new Command("key", "Manage the backup key.");
        command.Subcommands.Add(show);
        command.Subcommands.Add(rotate);
        return command;
    }
}
