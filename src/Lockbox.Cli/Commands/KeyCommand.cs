using System.CommandLine;

namespace Lockbox.Cli.Commands;

internal static class KeyCommand
{
    public static Command Create(Terminal terminal)
    {
        var show = new Command("show", "Show the backup key that opens this repository, as 64 digits.");
        // The key is shown only after it has opened this repository.
        show.SetRepositoryAction(terminal, (parse, repository, backupKey, cancellationToken) =>
        {
            terminal.Line(backupKey.ToDisplayString());
            return Task.FromResult(ExitCodes.Success);
        });

        var command = new Command("key", "Manage the backup key.");
        command.Subcommands.Add(show);
        return command;
    }
}
