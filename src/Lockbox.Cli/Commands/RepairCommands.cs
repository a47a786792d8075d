using System.CommandLine;
using System.Globalization;
using Lockbox.Repair;
using Lockbox.Repository;

namespace Lockbox.Cli.Commands;

/// <summary>`lockbox repair index` and `lockbox repair snapshots` (README, "When something is damaged").</summary>
internal static class RepairCommands
{
    public static Command Create(Terminal terminal)
    {
        var command = new Command("repair", "Rebuild a damaged index, or rewrite snapshots that lost data.");
        command.Subcommands.Add(Index(terminal));
        command.Subcommands.Add(Snapshots(terminal));
        return command;
    }

    private static Command Index(Terminal terminal)
    {
        var command = new Command("index", "Rebuild the index from the pack headers, then delete the old index files.");
        command.SetRepositoryAction(terminal, async (parse, repository, backupKey, cancellationToken) =>
        {
            var result = await repository.RepairIndexAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            foreach (var damaged in result.DamagedPacks)
            {
                terminal.Line($"pack {damaged.Name.Path}: its header cannot be read, so its blobs are lost ({damaged.Problem})");
            }

            foreach (string pack in result.MissingPacks)
            {
                terminal.Line($"pack data/{pack[..2]}/{pack}: gone from the storage; the new index leaves it out");
            }

            terminal.Line(string.Create(CultureInfo.InvariantCulture,
                $"Index rebuilt from the pack headers: {result.PacksIndexed} pack(s), {result.BlobsIndexed} blob(s) indexed; {result.OldIndexFilesRemoved} old index file(s) removed."));
            if (result.DamagedPacks.Count > 0 || result.MissingPacks.Count > 0)
            {
                terminal.Line("Data was lost: `lockbox repair snapshots --dry-run` shows which files, `lockbox repair snapshots --yes` rewrites the snapshots without them.");
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Snapshots(Terminal terminal)
    {
        var dryRun = new Option<bool>("--dry-run") { Description = "List what would be dropped and forgotten; change nothing." };
        var yes = new Option<bool>("--yes") { Description = "Do it without asking." };
        var readData = new Option<bool>("--read-data") { Description = "Also download and authenticate every blob, so data damaged inside a pack counts as missing." };
        var command = new Command("snapshots", "Rewrite the snapshots that reference missing data without the files that lost it; forget those that cannot be read.") { dryRun, yes, readData };
        command.SetRepositoryAction(terminal, async (parse, repository, backupKey, cancellationToken) =>
        {
            bool dry = parse.GetValue(dryRun);
            var options = new SnapshotRepairOptions
            {
                ReadData = parse.GetValue(readData),
                Confirm = plan =>
                {
                    Print(terminal, plan);
                    terminal.RequireConfirmation(parse.GetValue(yes), "repair", $"rewrite {plan.Repaired.Count} snapshot(s) and forget {plan.Forgotten.Count}");
                    return true;
                },
            };
            var result = await repository.RepairSnapshotsAsync(dry, options, cancellationToken).ConfigureAwait(false);
            if (result.NothingToDo)
            {
                terminal.Line($"Every snapshot is whole ({result.Whole}); nothing to repair.{(result.ReadData ? "" : " `--read-data` also checks every blob's bytes.")}");
                return ExitCodes.Success;
            }

            if (dry)
            {
                Print(terminal, result);
                terminal.Line("Dry run: nothing was changed. `lockbox repair snapshots --yes` does this.");
                return ExitCodes.DamagedRepository;
            }

            foreach (var repaired in result.Repaired)
            {
                terminal.Line($"repaired {repaired.ShortId}: new snapshot {repaired.NewId![..8]}");
            }

            foreach (var forgotten in result.Forgotten)
            {
                terminal.Line($"forgot {forgotten.ShortId}");
            }

            terminal.Line($"Repaired {result.Repaired.Count} snapshot(s), forgot {result.Forgotten.Count}; {result.Whole} were whole. `lockbox prune` reclaims the space; the next backup stores what this device still has again.");
            return ExitCodes.Success;
        });
        return command;
    }

    private static void Print(Terminal terminal, SnapshotRepairResult plan)
    {
        foreach (string pack in plan.MissingPacks)
        {
            terminal.Line($"pack data/{pack[..2]}/{pack} is missing");
        }

        foreach (var repaired in plan.Repaired)
        {
            terminal.Line($"snapshot {repaired.ShortId} ({When(repaired.Time)}): rewrite without {repaired.DroppedFiles.Count} file(s), keeping {repaired.KeptFiles}; drop:");
            foreach (string file in repaired.DroppedFiles)
            {
                terminal.Line($"  {file}");
            }
        }

        foreach (var forgotten in plan.Forgotten)
        {
            terminal.Line($"snapshot {forgotten.ShortId} ({(forgotten.Time is { } time ? When(time) : "time unknown")}): forget: {forgotten.Problem}");
        }

        terminal.Line($"{plan.Whole} snapshot(s) whole, left as they are.");
    }

    private static string When(DateTimeOffset time) => time.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
}
