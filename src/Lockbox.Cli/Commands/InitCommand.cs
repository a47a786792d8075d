using System.CommandLine;
using Lockbox.Keys;

namespace Lockbox.Cli.Commands;

internal static class InitCommand
{
    public static Command Create(Terminal terminal)
    {
        var command = new Command("init", "Create a repository and a new 64-digit backup key.");
        command.SetPlainAction(terminal, async (parse, cancellationToken) =>
        {
            var storage = CommandRunner.OpenStorage(parse);
            FileInfo? keyFile = parse.GetValue(CliOptions.KeyFile);
            if (keyFile is not null && keyFile.Exists)
            {
                throw new Repository.LockboxException($"The key file {keyFile.FullName} already exists; init makes a new key and will not overwrite it.");
            }

            using var key = BackupKey.Generate();
            using var disposeStorage = storage as IDisposable;
            using var repository = await Repository.Repository.InitAsync(storage, key, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (keyFile is not null)
            {
                KeySource.Save(key, keyFile);
            }

            terminal.Line($"Created repository {repository.Id[..8]} at {storage.Location}.");
            terminal.Line("");
            terminal.Line("Your 64-digit backup key:");
            terminal.Line("");
            terminal.Line("    " + key.ToDisplayString());
            terminal.Line("");
            terminal.Line("Keep it somewhere safe: offline, or in a password manager. It is the only way to open");
            terminal.Line("these backups. If you lose it, your backups are lost: no one, including us, can recover them.");
            if (keyFile is not null)
            {
                terminal.Line($"(Also saved to {keyFile.FullName}, readable only by you.)");
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
