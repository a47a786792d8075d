using System.CommandLine;
using System.Globalization;
using Lockbox.Device;

namespace Lockbox.Cli.Commands;

internal static class StatusCommand
{
    public static Command Create(Terminal terminal)
    {
        var command = new Command("status", "Show how this device's backups are kept: the mode, any unfinished switch, the snapshots and what the storage provider can read.");
        command.SetClientAction(terminal, async (parse, client, cancellationToken) =>
        {
            var status = await client.GetStatusAsync(cancellationToken).ConfigureAwait(false);
            terminal.Line(status.Mode switch
            {
                BackupMode.Password => "Mode: end-to-end encrypted, key escrowed in the key vault behind a password.",
                BackupMode.Key => "Mode: end-to-end encrypted, with a 64-digit key you keep.",
                _ => "Mode: standard. Backups are NOT end-to-end encrypted: the storage provider can read them.",
            });
            if (status.Pending is { } pending)
            {
                terminal.Line($"Unfinished: {pending.Operation} (to {pending.Mode} mode). Run it again to finish.");
            }

            terminal.Line(string.Create(CultureInfo.InvariantCulture, $"Encrypted snapshots: {status.EncryptedSnapshots}{(status.LastBackup is { } last ? $", latest {last.ToLocalTime():yyyy-MM-dd HH:mm}" : "")}."));
            foreach (string damaged in status.DamagedSnapshots)
            {
                terminal.Line($"Damaged snapshot: {damaged[..8]} cannot be read. `lockbox check` tells what else is damaged; `lockbox forget {damaged[..8]}` removes it.");
            }

            terminal.Warn(status.RollbackWarning);
            terminal.Line($"Unencrypted (standard) snapshots: {status.StandardSnapshots}, in {status.UnencryptedObjects} object(s) the storage provider can read.");
            if (status.Escrow is { } escrow)
            {
                foreach (string line in EscrowReport.Lines(escrow))
                {
                    terminal.Line("Key vault: " + line);
                }
            }
            else if (status.EscrowNotChecked is { } why)
            {
                terminal.Line("Key vault: not checked: " + why);
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
