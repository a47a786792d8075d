using System.CommandLine;
using Lockbox.Client;
using Lockbox.Restore;
using Spectre.Console;

namespace Lockbox.Cli.Commands;

internal static class RestoreCommand
{
    public static Command Create(Terminal terminal)
    {
        var snapshot = new Argument<string>("snapshot") { Description = "Snapshot id (or a unique prefix), or \"latest\".", DefaultValueFactory = _ => "latest" };
        var target = new Option<DirectoryInfo>("--target", "-t") { Description = "The folder to restore into; it must not exist or be empty.", Required = true };
        var include = new Option<string[]>("--include", "-i") { Description = "Restore only this file or folder (repeatable)." };
        var replace = new Option<bool>("--replace") { Description = "Replace a non-empty target folder, swapping it out only once the restore is complete." };
        var password = new Option<bool>("--password") { Description = "Get the backup key from the key vault with your password (on a new phone)." };
        var standard = new Option<bool>("--standard") { Description = "Restore a standard (not end-to-end encrypted) backup; no key is needed." };
        var partial = new Option<bool>("--partial") { Description = "When some files are damaged, restore every file that verifies and list the others (exit code 11), instead of restoring nothing." };
        var command = new Command("restore", "Restore a snapshot into a new folder; every blob is verified. On a new phone this device then keeps the key.")
        {
            snapshot, target, include, replace, password, standard, partial,
        };
        command.SetClientAction(terminal, async (parse, client, cancellationToken) =>
        {
            var options = new LockboxRestoreOptions
            {
                Snapshot = parse.GetValue(snapshot)!,
                Include = parse.GetValue(include) ?? [],
                ReplaceExisting = parse.GetValue(replace),
                Partial = parse.GetValue(partial),
            };
            string folder = parse.GetValue(target)!.FullName;
            Func<IProgress<LockboxProgress>, Task<RestoreResult>> run;
            if (parse.GetValue(standard))
            {
                if (options.Include.Count > 0 || options.ReplaceExisting || options.Partial)
                {
                    throw new Repository.LockboxException("--include, --replace and --partial apply to end-to-end encrypted backups, not to --standard.");
                }

                run = _ => client.RestoreStandardAsync(folder, options.Snapshot, cancellationToken);
            }
            else if (parse.GetValue(password))
            {
                string secret = VaultAccess.ReadPassword(terminal, "Backup password:", confirm: false);
                run = progress => client.RestoreWithPasswordAsync(secret, folder, options, progress, cancellationToken);
            }
            else
            {
                var key = CommandRunner.ResolveKey(parse, terminal);
                run = async progress =>
                {
                    using (key)
                    {
                        return await client.RestoreWithKeyAsync(key, folder, options, progress, cancellationToken).ConfigureAwait(false);
                    }
                };
            }

            var result = terminal.Interactive
                ? await terminal.Console.Progress().StartAsync(async context =>
                {
                    var task = context.AddTask("Restoring", maxValue: 1);
                    return await run(new Progress<LockboxProgress>(p =>
                    {
                        task.MaxValue = Math.Max(1, p.Total);
                        task.Value = p.Done;
                    })).ConfigureAwait(false);
                }).ConfigureAwait(false)
                : await run(new StepReporter(terminal)).ConfigureAwait(false);
            terminal.Line($"Restored snapshot {result.SnapshotId[..8]}: {result.Files} files, {Units.Bytes(result.Bytes)} into {folder}.");
            terminal.Warn(result.RollbackWarning);
            if (result.NotRestored.Count == 0)
            {
                return ExitCodes.Success;
            }

            terminal.Line($"Not restored, {result.NotRestored.Count} file(s) whose data is damaged or missing:");
            foreach (var file in result.NotRestored)
            {
                terminal.Line($"  {file.Path}: {file.Problem}");
            }

            terminal.Fail($"{result.NotRestored.Count} file(s) could not be restored; every other file was, and verified. `lockbox check` names what is damaged.");

            return ExitCodes.PartialRestore;
        });
        return command;
    }
}
