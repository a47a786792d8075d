using System.CommandLine;
using Lockbox.Cli.Commands;

namespace Lockbox.Cli;

/// <summary>The `lockbox` command tree.</summary>
internal static class LockboxCommand
{
    public static RootCommand Create(Terminal terminal)
    {
        var root = new RootCommand("lockbox: end-to-end encrypted backups of chat history.")
        {
            CliOptions.Repository,
            CliOptions.KeyFile,
            CliOptions.Device,
            CliOptions.S3Endpoint,
            CliOptions.S3Region,
        };
        foreach (var option in VaultAccess.All)
        {
            root.Options.Add(option);
        }

        root.Subcommands.Add(DemoCommand.Create(terminal));
        root.Subcommands.Add(EnableCommand.Create(terminal));
        root.Subcommands.Add(StatusCommand.Create(terminal));
        root.Subcommands.Add(BackupCommand.Create(terminal));
        root.Subcommands.Add(MaintenanceCommands.Snapshots(terminal));
        root.Subcommands.Add(RestoreCommand.Create(terminal));
        root.Subcommands.Add(MaintenanceCommands.Check(terminal));
        root.Subcommands.Add(ForgetCommand.Create(terminal));
        root.Subcommands.Add(MaintenanceCommands.Prune(terminal));
        root.Subcommands.Add(RepairCommands.Create(terminal));
        root.Subcommands.Add(KeyCommand.Create(terminal));
        root.Subcommands.Add(PasswordCommands.Create(terminal));
        root.Subcommands.Add(DisableCommand.Create(terminal));
        return root;
    }

    public static async Task<int> RunAsync(string[] args, Terminal terminal)
    {
        var parse = Create(terminal).Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                terminal.Fail(error.Message);
            }

            return ExitCodes.Usage;
        }

        return await parse.InvokeAsync(new InvocationConfiguration { Output = terminal.Output, Error = terminal.Error }).ConfigureAwait(false);
    }
}
