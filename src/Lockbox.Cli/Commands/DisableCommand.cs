using System.CommandLine;

namespace Lockbox.Cli.Commands;

/// <summary>`disable`: back to standard backups, after a warning and an explicit confirmation.</summary>
internal static class DisableCommand
{
    private const string ConfirmationWord = "disable";

    public static Command Create(Terminal terminal)
    {
        var yes = new Option<bool>("--yes") { Description = "Confirm without being asked: the backups become readable by the storage provider." };
        var command = new Command(
            "disable",
            "Turn end-to-end encryption off: export every snapshot as a standard backup, delete the key from the vault, then the encrypted repository and this device's key.")
        {
            yes,
        };
        command.SetClientAction(terminal, async (parse, client, cancellationToken) =>
        {
            terminal.Line("Warning: your backups will no longer be end-to-end encrypted. The storage provider will be able to read");
            terminal.Line("every message and every photo in them. The encrypted backups, the key in the vault and the key on this device");
            terminal.Line("will be deleted.");
            terminal.RequireConfirmation(parse.GetValue(yes), ConfirmationWord, "turn end-to-end encryption off");

            await client.DisableAsync(new StepReporter(terminal), cancellationToken).ConfigureAwait(false);
            terminal.Line("End-to-end encryption is off: backups are standard again, and the storage provider can read them.");
            return ExitCodes.Success;
        });
        return command;
    }
}
