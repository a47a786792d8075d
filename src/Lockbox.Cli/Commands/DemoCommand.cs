using System.CommandLine;
using Lockbox.Cli.Demo;

namespace Lockbox.Cli.Commands;

internal static class DemoCommand
{
    public static Command Create(Terminal terminal)
    {
        var keep = new Option<DirectoryInfo?>("--keep") { Description = "Run in this (new or empty) folder and keep it afterwards, to look at what the storage holds." };
        var messages = new Option<int>("--messages") { Description = "Messages in the sample chat store.", DefaultValueFactory = _ => 50_000 };
        var command = new Command(
            "demo",
            "The whole product on embedded defaults, in under a minute: a sample chat store, a standard backup, switching on end-to-end encryption with a password (deleting the unencrypted copy), an incremental backup, and a restore on a new phone.")
        {
            keep, messages,
        };
        command.SetPlainAction(terminal, async (parse, cancellationToken) =>
        {
            var kept = parse.GetValue(keep);
            string folder = kept?.FullName ?? Directory.CreateTempSubdirectory("lockbox-demo-").FullName;
            if (kept is not null && Directory.Exists(folder) && Directory.EnumerateFileSystemEntries(folder).Any())
            {
                throw new Repository.LockboxException($"{folder} is not empty; the demo needs a new or empty folder.");
            }

            try
            {
                return await new DemoRun(terminal, folder, parse.GetValue(messages)).RunAsync(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                if (kept is null)
                {
                    Directory.Delete(folder, recursive: true);
                }
            }
        });
        return command;
    }
}
