using System.CommandLine;
using Lockbox.Repository;
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
        var command = new Command("restore", "Restore a snapshot into a new folder; every blob is verified.") { snapshot, target, include, replace, password };
        command.SetRepositoryAction(terminal, async (parse, repository, backupKey, cancellationToken) =>
        {
            var request = new RestoreRequest(parse.GetValue(snapshot)!, parse.GetValue(target)!.FullName)
            {
                Include = parse.GetValue(include) ?? [],
                ReplaceExisting = parse.GetValue(replace),
            };
            RestoreResult result;
            if (terminal.Interactive)
            {
                result = await terminal.Console.Progress().StartAsync(async context =>
                {
                    var task = context.AddTask("Restoring", maxValue: 1);
                    var progress = new Progress<RestoreProgress>(p =>
                    {
                        task.MaxValue = Math.Max(1, p.BytesTotal);
                        task.Value = p.BytesDone;
                    });
                    return await repository.RestoreAsync(request with { Progress = progress }, cancellationToken).ConfigureAwait(false);
                }).ConfigureAwait(false);
            }
            else
            {
                result = await repository.RestoreAsync(request, cancellationToken).ConfigureAwait(false);
            }

            terminal.Line($"Restored snapshot {result.SnapshotId[..8]}: {result.Files} files, {Units.Bytes(result.Bytes)} into {request.Target}.");
            return ExitCodes.Success;
        },
        (parse, cancellationToken) => parse.GetValue(password)
            ? PasswordCommands.RecoverAsync(parse, terminal, cancellationToken)
            : Task.FromResult(CommandRunner.ResolveKey(parse, terminal)));
        return command;
    }
}
