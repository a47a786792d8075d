using System.CommandLine;
using Lockbox.Backup;
using Lockbox.Repository;
using Spectre.Console;

namespace Lockbox.Cli.Commands;

internal static class BackupCommand
{
    public static Command Create(Terminal terminal)
    {
        var source = new Argument<DirectoryInfo>("source") { Description = "The chat store folder: the message database and the media folder." };
        var tags = new Option<string[]>("--tag") { Description = "A label for the snapshot (repeatable).", AllowMultipleArgumentsPerToken = false };
        var command = new Command("backup", "Back up a chat store: encrypted, deduplicated, incremental.") { source, tags };
        command.SetRepositoryAction(terminal, async (parse, repository, backupKey, cancellationToken) =>
        {
            var request = new BackupRequest(parse.GetValue(source)!.FullName) { Tags = parse.GetValue(tags) ?? [] };
            var result = await RunWithProgressAsync(terminal, request, repository, cancellationToken).ConfigureAwait(false);
            foreach (string skipped in result.Summary.Skipped)
            {
                terminal.Error.WriteLine($"warning: skipped {skipped}");
            }

            terminal.Line($"Snapshot {result.SnapshotId[..8]} saved: {result.Summary.Files} files, {Units.Bytes(result.Summary.Bytes)}; " +
                          $"{result.Summary.NewBlobs} new blobs ({Units.Bytes(result.Summary.NewBytes)}), {Units.Bytes(result.Summary.UploadedBytes)} uploaded.");
            return ExitCodes.Success;
        });
        return command;
    }

    private static async Task<BackupResult> RunWithProgressAsync(Terminal terminal, BackupRequest request, Repository.Repository repository, CancellationToken cancellationToken)
    {
        if (!terminal.Interactive)
        {
            long nextReport = 0;
            var plain = new Progress<BackupProgress>(p =>
            {
                if (p.BytesDone >= nextReport || p.FilesDone == p.FilesTotal)
                {
                    terminal.Line($"backup: {p.FilesDone}/{p.FilesTotal} files, {Units.Bytes(p.BytesDone)}/{Units.Bytes(p.BytesTotal)}, {Units.Bytes(p.BytesUploaded)} uploaded");
                    nextReport = p.BytesDone + Math.Max(p.BytesTotal / 10, 1);
                }
            });
            return await repository.BackupAsync(request with { Progress = plain }, cancellationToken).ConfigureAwait(false);
        }

        return await terminal.Console.Progress().StartAsync(async context =>
        {
            var task = context.AddTask("Backing up", maxValue: 1);
            var progress = new Progress<BackupProgress>(p =>
            {
                task.MaxValue = Math.Max(1, p.BytesTotal);
                task.Value = p.BytesDone;
                task.Description = $"Backing up ({p.FilesDone}/{p.FilesTotal} files, {Units.Bytes(p.BytesUploaded)} uploaded)";
            });
            var result = await repository.BackupAsync(request with { Progress = progress }, cancellationToken).ConfigureAwait(false);
            task.Value = task.MaxValue;
            return result;
        }).ConfigureAwait(false);
    }
}
