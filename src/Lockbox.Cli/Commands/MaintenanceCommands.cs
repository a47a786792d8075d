using System.CommandLine;
using System.Globalization;
using Lockbox.Device;
using Lockbox.Repository;
using Lockbox.Retention;

namespace Lockbox.Cli.Commands;

internal static class MaintenanceCommands
{
    public static Command Snapshots(Terminal terminal)
    {
        var command = new Command("snapshots", "List the snapshots, oldest first.");
        command.SetRepositoryAction(terminal, async (parse, repository, backupKey, cancellationToken) =>
        {
            var listing = await repository.ReadSnapshotsAsync(cancellationToken).ConfigureAwait(false);
            terminal.Line("ID        Time                  Host             Files      Size  Tags");
            foreach (var s in listing.Intact)
            {
                terminal.Line(string.Create(CultureInfo.InvariantCulture,
                    $"{s.ShortId}  {s.Snapshot.Time.ToLocalTime():yyyy-MM-dd HH:mm:ss}   {s.Snapshot.Hostname,-15} {s.Snapshot.Summary.Files,6} {Units.Bytes(s.Snapshot.Summary.Bytes),10}  {string.Join(",", s.Snapshot.Tags)}"));
            }

            foreach (var d in listing.Damaged)
            {
                terminal.Line($"{d.Name.Name[..8]}  DAMAGED: {d.Problem}");
            }

            terminal.Line(listing.Damaged.Count == 0
                ? $"{listing.Intact.Count} snapshot(s)"
                : $"{listing.Intact.Count + listing.Damaged.Count} snapshot(s), {listing.Damaged.Count} of them damaged: `lockbox check` tells what else is; `lockbox forget ID` removes one.");

            // The device's memory of the newest snapshot it wrote or saw (the CLI's hostname is the machine's, as for backup).
            var device = new DeviceFolder(parse.GetValue(CliOptions.Device)!);
            terminal.Warn(device.CheckSnapshots(repository.Id, listing, Environment.MachineName));
            return listing.Damaged.Count == 0 ? ExitCodes.Success : ExitCodes.DamagedRepository;
        });
        return command;
    }

    public static Command Check(Terminal terminal)
    {
        var readData = new Option<bool>("--read-data") { Description = "Also download every pack and verify every blob." };
        var command = new Command("check", "Verify the repository without restoring it.") { readData };
        command.SetRepositoryAction(terminal, async (parse, repository, backupKey, cancellationToken) =>
        {
            var result = await repository.CheckAsync(parse.GetValue(readData), new DeviceFolder(parse.GetValue(CliOptions.Device)!).CacheFolder, cancellationToken).ConfigureAwait(false);
            foreach (string warning in result.Warnings)
            {
                terminal.Line($"warning: {warning}");
            }

            foreach (string error in result.Errors)
            {
                terminal.Fail(error);
            }

            foreach (var damaged in result.DamagedSnapshots)
            {
                string when = damaged.Time is { } time ? time.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) : "time unknown";
                terminal.Line(damaged.WholeSnapshot
                    ? $"snapshot {damaged.ShortId} ({when}): damaged, none of its files can be restored"
                    : $"snapshot {damaged.ShortId} ({when}): {damaged.Files.Count} file(s) cannot be restored; `restore {damaged.ShortId} --partial` restores the rest");
                foreach (string file in damaged.Files)
                {
                    terminal.Line($"  {file}");
                }
            }

            terminal.Line(result.IsHealthy
                ? $"No errors: {result.Snapshots} snapshot(s), {result.Packs} pack(s){(parse.GetValue(readData) ? $", {result.BlobsRead} blob(s) read and verified" : "")}."
                : $"{result.Errors.Count} error(s) found; {result.DamagedSnapshots.Count} of {result.Snapshots} snapshot(s) damaged, the others whole. The next backup stores the damaged data again where this device still has it.");
            return result.IsHealthy ? ExitCodes.Success : ExitCodes.DamagedRepository;
        });
        return command;
    }

    public static Command Prune(Terminal terminal)
    {
        var command = new Command("prune", "Remove data that no snapshot uses.");
        command.SetRepositoryAction(terminal, async (parse, repository, backupKey, cancellationToken) =>
        {
            Report(terminal, await repository.PruneAsync(cancellationToken: cancellationToken).ConfigureAwait(false));
            return ExitCodes.Success;
        });
        return command;
    }

    internal static void Report(Terminal terminal, PruneResult result) =>
        terminal.Line($"Pruned: {result.PacksDeleted} pack(s) removed ({result.PacksRepacked} repacked), {Units.Bytes(result.BytesFreed)} freed, {result.BlobsKept} blob(s) in use.");
}
