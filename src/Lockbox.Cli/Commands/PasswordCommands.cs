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
            string secret = VaultAccess.ReadNewPassword(terminal, "New backup password:");
            await client.ChangePasswordAsync(secret, cancellationToken).ConfigureAwait(false);
            terminal.Line("Password changed. The old password no longer opens the key, and the 10 tries start afresh.");
            return ExitCodes.Success;
        });
        var status = new Command("status", "On this device: check that the vault still holds the key, and how many wrong passwords were tried since the last right one.");
        status.SetClientAction(terminal, async (parse, client, cancellationToken) =>
        {
            var escrow = (await client.GetStatusAsync(cancellationToken).ConfigureAwait(false)).Escrow
                ?? throw new Repository.LockboxException("Password mode is not on, or no key vault is configured.");
            foreach (string line in EscrowReport.Lines(escrow))
            {
                terminal.Line(line);
            }

            return escrow.State switch
            {
                Vault.Client.EscrowState.Held => ExitCodes.Success,
                Vault.Client.EscrowState.OtherKey => ExitCodes.Failure,
                _ => ExitCodes.KeyDestroyed,
            };
        });
        var yes = new Option<bool>("--yes") { Description = "Confirm without being asked: the vault forgets the account's escrow after the cool-down." };
        var freshStart = new Command(
            "fresh-start",
            "For a user who lost the device that holds the key: ask the vault to forget this account's escrow after its cool-down (7 days by default), so a new key can be escrowed. The device that holds the key cancels it if it runs meanwhile.")
        {
            yes,
        };
        freshStart.SetClientAction(terminal, async (parse, client, cancellationToken) =>
        {
            terminal.Line("Warning: after the cool-down the vault forgets this account's escrow for good: the password will open nothing,");
            terminal.Line("and backups under the old key can only be opened with its 64-digit key, if you kept it.");
            terminal.RequireConfirmation(parse.GetValue(yes), "fresh start", "ask for a fresh start");

            if (await client.RequestFreshStartAsync(cancellationToken).ConfigureAwait(false) is not { } effective)
            {
                terminal.Line("The vault holds no escrow for this account: there is nothing to forget, and a new one can be registered now.");
                return ExitCodes.Success;
            }

            terminal.Line(string.Create(
                System.Globalization.CultureInfo.InvariantCulture,
                $"Fresh start asked for: the vault forgets this account's escrow on {effective.ToLocalTime():yyyy-MM-dd HH:mm}, unless the device that holds its key runs before then."));
            terminal.Line("After that, `lockbox password change` on a device that holds a backup key escrows it again. Without one, the backups under the forgotten key stay unreadable: start afresh on a new device with `lockbox enable --password STORE --repo NEW-LOCATION`, where NEW-LOCATION holds no repository.");
            return ExitCodes.Success;
        });
        var command = new Command("password", "Manage the backup password.");
        command.Subcommands.Add(change);
        command.Subcommands.Add(status);
        command.Subcommands.Add(freshStart);
        return command;
    }
}
