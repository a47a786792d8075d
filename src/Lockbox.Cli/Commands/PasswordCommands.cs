using System.CommandLine;

namespace Lockbox.Cli.Commands;

/// <summary>`password change` and `password status`, on the device that holds the key.</summary>
internal static class PasswordCommands
{
    public static Command Create(Terminal terminal)
    {
        var change = new Command("change", "Set a new password on this device, which holds the key: the old password is not needed.");
        change.SetClientAction(terminal, async (parse, client, cancellationToken) =>
        {
            string secret = VaultAccess.ReadPassword(terminal, "New backup password:", confirm: true);
            await client.ChangePasswordAsync(secret, cancellationToken).ConfigureAwait(false);
            terminal.Line("Password changed. The old password no longer opens the key, and the 10 tries start afresh.");
            return ExitCodes.Success;
        });
        var status = new Command("status", "On this device: check that the vault still holds the key, and how many wrong passwords were tried since the last right one.");
        status.SetClientAction(terminal, async (parse, client, cancellationToken) =>
        {
            var escrow = (await client.GetStatusAsync(cancellationToken).ConfigureAwait(false)).Escrow
                ?? throw new Repository.LockboxException("Password mode is not on, or no key vault is configured.");
            if (!escrow.Held)
            {
                // Anyone holding the account's token can burn the guesses; only this device can put the key back.
                terminal.Line("The vault no longer holds your key: too many wrong passwords were tried, or it was deleted.");
                terminal.Line("Your backups are safe, and this device still has the key. Escrow it again with `lockbox password change`.");
                return ExitCodes.KeyDestroyed;
            }

            terminal.Line(escrow.FailedAttempts == 0
                ? "The vault holds your key. No wrong passwords have been tried since the last right one."
                : $"The vault holds your key. {escrow.FailedAttempts} wrong password(s) have been tried since the last right one; if that was not you, change your password with `lockbox password change`.");
            return ExitCodes.Success;
        });
        var command = new Command("password", "Manage the backup password.");
        command.Subcommands.Add(change);
        command.Subcommands.Add(status);
        return command;
    }
}
