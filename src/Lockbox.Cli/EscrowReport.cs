using System.Globalization;
using Lockbox.Vault.Client;

namespace Lockbox.Cli;

/// <summary>What the vault holds for this device's key, told to the user the same way by `status`, `password status` and `backup`.</summary>
internal static class EscrowReport
{
    /// <summary>One line for the state, then any warning; each line's advice works when followed.</summary>
    public static IEnumerable<string> Lines(EscrowStatus escrow)
    {
        ArgumentNullException.ThrowIfNull(escrow);
        yield return escrow.State switch
        {
            EscrowState.Held when escrow.FailedAttempts == 0 => "The vault holds your key. No wrong passwords have been tried since the last right one.",
            EscrowState.Held => $"The vault holds your key. {escrow.FailedAttempts} wrong password(s) have been tried since the last right one; if that was not you, change your password with `lockbox password change`.",
            EscrowState.Destroyed =>
                $"The vault no longer holds your key: too many wrong passwords were tried{When(" on ", escrow.DestroyedAt)}. Your backups are safe, and this device still has the key. Escrow it again with `lockbox password change`.",
            EscrowState.None =>
                "The vault no longer holds your key: the escrow was deleted, or forgotten after a fresh start. Your backups are safe, and this device still has the key. Escrow it again with `lockbox password change`.",
            _ =>
                "The vault's escrow for this account is controlled by another key, not this device's. If another of your devices rotated the key, take the current key on this one with `lockbox restore --password`. " +
                "If none did, someone with your account's token registered an escrow after a fresh start, and your password no longer opens anything: your backups stay readable on this device and with the 64-digit key (`lockbox key show`). " +
                "`lockbox password fresh-start` asks the vault to forget that escrow, which works only if its maker's device does not cancel it in the cool-down; then `lockbox password change` escrows your key again.",
        };
        if (escrow.Legacy)
        {
            yield return "Warning: this escrow was stored before the vault issued record ids, so a thief of the vault's database from before then could still guess against it. Renew it with `lockbox password change` (the old password is not needed).";
        }

        if (escrow.FreshStartCancelled is { } asked)
        {
            yield return $"Warning: someone with your account's token asked the vault{When(" on ", asked)} to forget your escrow (a fresh start). This device holds the key, so it cancelled that. If it was not you, your account token may have been stolen.";
        }
    }

    /// <summary>Whether the vault can release the key to the password now.</summary>
    public static bool Healthy(EscrowStatus escrow) => escrow is { State: EscrowState.Held, FreshStartCancelled: null, Legacy: false };

    private static string When(string prefix, DateTimeOffset? time) =>
        time is { } t ? prefix + t.ToLocalTime().ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) : "";
}
