using System.CommandLine;

namespace Lockbox.Cli.Commands;

internal static class KeyCommand
{
    public static Command Create(Terminal terminal)
    {
        var show = new Command("show", "Show the backup key that opens this repository, as 64 digits.");
        show.SetPlainAction(terminal, async (parse, cancellationToken) =>
        {
            using var key = CommandRunner.ResolveKey(parse, terminal);

            // Open the repository first: show a key only after proving it is this repository's key.
            var storage = CommandRunner.OpenStorage(parse);
            using var disposeStorage = storage as IDisposable;
            using var repository = await Repository.Repository.OpenAsync(storage, key, cancellationToken).ConfigureAwait(false);
            terminal.Line(key.ToDisplayString());
            return ExitCodes.Success;
        });

        var command = new Command("key", "Manage the backup key.");
        command.Subcommands.Add(show);
        return command;
    }
}
