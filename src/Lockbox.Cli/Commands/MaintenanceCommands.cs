using System.CommandLine;
using System.Globalization;
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
            var snapshots = await repository.ListSnapshotsAsync(cancellationToken).ConfigureAwait(false);
            terminal.Line("ID        Time                  Host             Files      Size  Tags");
            foreach (var s in snapshots)
            {
                terminal.Line(string.Create(CultureInfo.InvariantCulture,
                    $"{s.ShortId}  {s.Snapshot.Time.ToLocalTime():yyyy-MM-dd HH:mm:ss}   {s.Snapshot.Hostname,-15} {s.Snapshot.Summary.Files,6} {Units.Bytes(s.Snapshot.Summary.Bytes),10}  {string.Join(",", s.Snapshot.Tags)}"));
            }

            terminal.Line($"{snapshots.Count} snapshot(s)");
            return ExitCodes.Success;
        });
        return command;
    }

    public static Command Check(Terminal terminal)
    {
        var readData = new Option<bool>("--read-data") { Description = "Also download every pack and verify every blob." };
        var command = new Command("check", "Verify the repository without restoring it.") { readData };
        command.SetRepositoryAction(terminal, async (parse, repository, backupKey, cancellationToken) =>
        {
            var result = await repository.CheckAsync(parse.GetValue(readData), cancellationToken).ConfigureAwait(false);
            foreach (string warning in result.Warnings)
            {
                terminal.Line($"warning: {warning}");
            }

            foreach (string error in result.Errors)
            {
                terminal.Fail(error);
            }

            terminal.Line(result.IsHealthy
                ? $"No errors: {result.Snapshots} snapshot(s), {result.Packs} pack(s){(parse.GetValue(readData) ? $", {result.BlobsRead} blob(s) read and verified" : "")}."
                : $"{result.Errors.Count} error(s) found.");
            return result.IsHealthy ? ExitCodes.Success : ExitCodes.DamagedRepository;
        });
        return command;
    }

    public static Command Forget(Terminal terminal)
    {
        var keepLast = new Option<int>("--keep-last") { Description = "Keep the N most recent snapshots." };
        var keepDaily = new Option<int>("--keep-daily") { Description = "Keep the newest snapshot of each of the last N days." };
        var prune = new Option<bool>("--prune") { Description = "Prune afterwards to reclaim the space." };
        var command = new Command("forget", "Delete snapshots a retention policy does not keep.") { keepLast, keepDaily, prune };
        command.SetRepositoryAction(terminal, async (parse, repository, backupKey, cancellationToken) =>
        {
            var forgotten = await repository.ForgetAsync(new RetentionPolicy(parse.GetValue(keepLast), parse.GetValue(keepDaily)), cancellationToken).ConfigureAwait(false);
            foreach (var s in forgotten)
            {
                terminal.Line($"forgot {s.ShortId} ({s.Snapshot.Time.ToLocalTime():yyyy-MM-dd HH:mm:ss})");
            }

            terminal.Line($"{forgotten.Count} snapshot(s) forgotten.");
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
