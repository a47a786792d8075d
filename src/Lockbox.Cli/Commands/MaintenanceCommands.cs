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

    public static Command Forget(Terminal terminal)
    {
        var keepLast = new Option<int>("--keep-last") { Description = "Keep the N most recent snapshots of each host and chat store." };
        var keepDaily = new Option<int>("--keep-daily") { Description = "Keep the newest snapshot of each of the last N days, for each host and chat store." };
        var prune = new Option<bool>("--prune") { Description = "Prune afterwards to reclaim the space." };
        var force = new Option<bool>("--force") { Description = "Forget a snapshot by id even when it is the newest of its host and chat store (the device that made it then warns of a possible rollback until its next backup)." };
        var ids = new Argument<string[]>("id") { Description = "Snapshots to delete, by id or unique prefix (damaged ones too), instead of a policy.", Arity = ArgumentArity.ZeroOrMore };
        var command = new Command("forget", "Delete the snapshots named, or those a retention policy does not keep (applied to each host and chat store on its own).") { ids, keepLast, keepDaily, prune, force };
        command.SetRepositoryAction(terminal, async (parse, repository, backupKey, cancellationToken) =>
        {
            var named = parse.GetValue(ids) ?? [];
            var policy = new RetentionPolicy(parse.GetValue(keepLast), parse.GetValue(keepDaily));
            int count;
            if (named.Length > 0)
            {
                if (!policy.IsEmpty)
                {
                    throw new UsageException("Give snapshot ids or a policy (--keep-last, --keep-daily), not both.");
                }

                var forgottenIds = await repository.ForgetAsync(named, parse.GetValue(force), cancellationToken).ConfigureAwait(false);
                foreach (string id in forgottenIds)
                {
                    terminal.Line($"forgot {id[..8]}");
                }

                count = forgottenIds.Count;
            }
            else
            {
                var forgotten = await repository.ForgetAsync(policy, cancellationToken).ConfigureAwait(false);
                foreach (var s in forgotten)
                {
                    terminal.Line($"forgot {s.ShortId} ({s.Snapshot.Time.ToLocalTime():yyyy-MM-dd HH:mm:ss})");
                }

                count = forgotten.Count;
            }

            terminal.Line($"{count} snapshot(s) forgotten.");
            if (parse.GetValue(prune))
            {
                Report(terminal, await repository.PruneAsync(cancellationToken: cancellationToken).ConfigureAwait(false));
            }

            return ExitCodes.Success;
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

    private static void Report(Terminal terminal, PruneResult result) =>
        terminal.Line($"Pruned: {result.PacksDeleted} pack(s) removed ({result.PacksRepacked} repacked), {Units.Bytes(result.BytesFreed)} freed, {result.BlobsKept} blob(s) in use.");
}
