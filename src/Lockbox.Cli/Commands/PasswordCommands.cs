using System.CommandLine;
using Lockbox.Keys;
using Lockbox.Repository;
using Lockbox.Vault;

namespace Lockbox.Cli.Commands;

/// <summary>Password mode: the backup key escrowed in the key vault behind a password (OPAQUE).</summary>
internal static class PasswordCommands
{
    public static Command Enable(Terminal terminal)
    {
        var password = new Option<bool>("--password") { Description = "Keep the key in the vault behind a password." };
        var key = new Option<bool>("--key") { Description = "Keep the 64-digit key yourself; no vault." };
        var command = new Command("enable", "Choose how the backup key is kept: a password (escrowed in the vault) or the 64-digit key.") { password, key };
        command.SetRepositoryAction(terminal, async (parse, repository, backupKey, cancellationToken) =>
        {
            if (parse.GetValue(password) == parse.GetValue(key))
            {
                throw new LockboxException("Choose one: --password or --key.");
            }

            if (parse.GetValue(key))
            {
                terminal.Line("64-digit key mode: no vault holds your key. Your key:");
                terminal.Line("");
                terminal.Line("    " + backupKey.ToDisplayString());
                terminal.Line("");
                terminal.Line("Keep it offline or in a password manager. If you lose it, your backups are lost: no one can recover them.");
                return ExitCodes.Success;
            }

            var (vault, http) = VaultAccess.Connect(parse);
            using (http)
            {
                string secret = VaultAccess.ReadPassword(terminal, "New backup password:", confirm: true);
                await vault.EnableAsync(backupKey.Bytes.ToArray(), secret, cancellationToken).ConfigureAwait(false);
            }

            terminal.Line("Password mode on: the backup key is escrowed in the key vault, which never sees your password.");
            terminal.Line("On a new phone, restore with `lockbox restore --password`. After 10 wrong passwords the vault destroys the key for good.");
            terminal.Line("On this device you can reset a forgotten password with `lockbox password change`.");
            return ExitCodes.Success;
        });
        return command;
    }

    public static Command Password(Terminal terminal)
    {
        var change = new Command("change", "Set a new password on this device, which holds the key: the old password is not needed.");
        change.SetRepositoryAction(terminal, async (parse, repository, backupKey, cancellationToken) =>
        {
            var (vault, http) = VaultAccess.Connect(parse);
            using (http)
            {
                string secret = VaultAccess.ReadPassword(terminal, "New backup password:", confirm: true);
                await vault.ChangePasswordAsync(backupKey.Bytes.ToArray(), secret, cancellationToken).ConfigureAwait(false);
            }

            terminal.Line("Password changed. The old password no longer opens the key, and the 10 tries start afresh.");
            return ExitCodes.Success;
        });
        var status = new Command("status", "On this device: check that the vault still holds the key, and how many wrong passwords were tried since the last right one.");
        status.SetRepositoryAction(terminal, async (parse, repository, backupKey, cancellationToken) =>
        {
            var (vault, http) = VaultAccess.Connect(parse);
            EscrowStatus? escrow;
            using (http)
            {
                escrow = await vault.CheckAsync(backupKey.Bytes.ToArray(), cancellationToken).ConfigureAwait(false);
            }

            if (escrow is null)
            {
                // Anyone holding the account's token can burn the guesses; only this device can put the key back.
                terminal.Line("The vault no longer holds your key: too many wrong passwords were tried, or it was deleted.");
                terminal.Line("Your backups are safe, and this device still has the key. Escrow it again with `lockbox password change`.");
                return ExitCodes.KeyDestroyed;
            }

            terminal.Line(escrow.FailedAttempts == 0
                ? "The vault holds your key. No wrong passwords have been tried since the last right one."
                : $"The vault holds your key. {escrow.FailedAttempts} wrong password(s) have been tried since the last right one; if that was not you, change your password with `lockbox password change`.");
            return ExitCodes.Success;
        });
        var command = new Command("password", "Manage the backup password.");
        command.Subcommands.Add(change);
        command.Subcommands.Add(status);
        return command;
    }

    public static Command Disable(Terminal terminal)
    {
        var command = new Command("disable", "Turn password mode off: delete the escrowed key from the vault (proved with the key on this device).");
        command.SetRepositoryAction(terminal, async (parse, repository, backupKey, cancellationToken) =>
        {
            var (vault, http) = VaultAccess.Connect(parse);
            using (http)
            {
                await vault.DisableAsync(backupKey.Bytes.ToArray(), cancellationToken).ConfigureAwait(false);
            }

            terminal.Line("Password mode off: the vault no longer holds your key. Keep the 64-digit key (`lockbox key show`): it is now the only way to open your backups.");
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>On a new device: log in to the vault with the password and get the backup key back.</summary>
    public static async Task<BackupKey> RecoverAsync(ParseResult parse, Terminal terminal, CancellationToken cancellationToken)
    {
        var (vault, http) = VaultAccess.Connect(parse);
        using (http)
        {
            string secret = VaultAccess.ReadPassword(terminal, "Backup password:", confirm: false);
            byte[] key = await vault.RecoverAsync(secret, cancellationToken).ConfigureAwait(false);
            try
            {
                return BackupKey.FromBytes(key);
            }
            finally
            {
                System.Security.Cryptography.CryptographicOperations.ZeroMemory(key);
            }
        }
    }
}
