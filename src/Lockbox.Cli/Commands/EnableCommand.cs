using System.CommandLine;
using Lockbox.Repository;

namespace Lockbox.Cli.Commands;

/// <summary>`enable`: switches end-to-end encryption on, with a password or a 64-digit key.</summary>
internal static class EnableCommand
{
    public static Command Create(Terminal terminal)
    {
        var store = new Argument<DirectoryInfo>("store") { Description = "The chat store folder, backed up end-to-end encrypted as part of the switch." };
        var password = new Option<bool>("--password") { Description = "Keep the key in the vault behind a password (10 tries)." };
        var key = new Option<bool>("--key") { Description = "Keep the 64-digit key yourself; no vault. With --key-file it is also saved there." };
        var command = new Command(
            "enable",
            "Turn on end-to-end encryption: back up encrypted, import and verify, then delete every unencrypted copy. Run it again to finish an interrupted switch.")
        {
            store, password, key,
        };
        command.SetClientAction(terminal, async (parse, client, cancellationToken) =>
        {
            if (parse.GetValue(password) == parse.GetValue(key))
            {
                throw new UsageException("Choose one: --password or --key.");
            }

            var steps = new StepReporter(terminal);
            if (parse.GetValue(key))
            {
                var keyFile = parse.GetValue(CliOptions.KeyFile);
                await client.EnableWithKeyAsync((backupKey, _) => KeySource.ShowAndReadBack(backupKey, keyFile, terminal), steps, cancellationToken).ConfigureAwait(false);
                terminal.Line("End-to-end encryption is on, with your 64-digit key. No unencrypted copy remains in the storage.");
                return ExitCodes.Success;
            }

            string secret = VaultAccess.ReadNewPassword(terminal, "New backup password:");
            await client.EnableWithPasswordAsync(secret, steps, cancellationToken).ConfigureAwait(false);
            terminal.Line("End-to-end encryption is on. Password mode: the key is escrowed in the key vault, which never sees your password.");
            terminal.Line("No unencrypted copy remains in the storage.");
            terminal.Line("On a new phone, restore with `lockbox restore --password`. After 10 wrong passwords the vault destroys the key for good.");
            terminal.Line("On this device you can reset a forgotten password with `lockbox password change`.");
            return ExitCodes.Success;
        }, store);
        return command;
    }
}
