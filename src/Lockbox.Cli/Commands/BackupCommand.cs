using System.CommandLine;
using Lockbox.Client;
using Lockbox.Device;
using Spectre.Console;

namespace Lockbox.Cli.Commands;

internal static class BackupCommand
{
    public static Command Create(Terminal terminal)
    {
        var store = new Argument<DirectoryInfo>("store") { Description = "The chat store folder: the message database and the media folder." };
        var command = new Command("backup", "Back up a chat store: end-to-end encrypted once enabled, otherwise a standard backup the storage provider can read.") { store };
        command.SetClientAction(terminal, async (parse, client, cancellationToken) =>
        {
            var result = terminal.Interactive
                ? await terminal.Console.Progress().StartAsync(async context =>
                {
                    var task = context.AddTask("Backing up", maxValue: 1);
                    var progress = new Progress<LockboxProgress>(p =>
                    {
                        task.MaxValue = Math.Max(1, p.Total);
                        task.Value = p.Done;
                    });
                    return await client.BackupAsync(progress, cancellationToken).ConfigureAwait(false);
                }).ConfigureAwait(false)
                : await client.BackupAsync(new StepReporter(terminal), cancellationToken).ConfigureAwait(false);
            foreach (string skipped in result.Skipped)
            {
                terminal.Error.WriteLine($"warning: skipped {skipped}");
            }

            terminal.Line($"Snapshot {result.SnapshotId[..8]} saved: {result.Files} files, {Units.Bytes(result.Bytes)}; {Units.Bytes(result.UploadedBytes)} uploaded.");
            terminal.Warn(result.RollbackWarning);
            if (result.Escrow is { } escrow && !EscrowReport.Healthy(escrow))
            {
                foreach (string line in EscrowReport.Lines(escrow))
                {
                    terminal.Error.WriteLine("warning: " + line);
                }
            }
            else if (result.EscrowNotChecked is { } why)
            {
                terminal.Error.WriteLine($"warning: the vault's escrow of your key was not checked: {why}");
            }

            if (result.Mode == BackupMode.Standard)
            {
                terminal.Line("This is a standard backup: it is not end-to-end encrypted, so the storage provider can read it.");
                terminal.Line("Turn on end-to-end encryption with `lockbox enable --password` or `lockbox enable --key`.");
            }

            return ExitCodes.Success;
        }, store, CommandRunner.VaultUse.IfConfigured);
        return command;
    }
}
