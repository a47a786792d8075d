using System.Globalization;

namespace Lockbox.Vault.Server;

/// <summary>
/// The growing delays between failed logins to one escrow (Vault:LoginDelaySeconds): element n−1 is
/// how long login/start stays refused after the n-th attempt in a row that did not succeed, and the
/// last element holds for every attempt past the list. Kept with the counter, so they survive
/// restarts and bind every node. The default lets a mistyping owner try three times at once, then
/// makes the ten tries take over twelve hours: a thief of the token cannot burn an escrow in
/// seconds, and the owner's device sees the failed logins (record/check) long before the last.
/// </summary>
public sealed class LoginDelays
{
    /// <summary>1 min after the 4th failure, 5 min, 15 min, 1 h, 3 h, then 8 h.</summary>
    public const string Default = "0,0,0,60,300,900,3600,10800,28800";

    private LoginDelays(long[] delaysMs)
    {
        // The schedule as SQL, so the statement that counts an attempt also sets its delay: the
        // values are parsed integers, never text from outside. CASE needs a WHEN: one delay is its literal.
        var sql = new System.Text.StringBuilder("CASE attempts + 1");
        for (int i = 0; i < delaysMs.Length - 1; i++)
        {
            sql.Append(CultureInfo.InvariantCulture, $" WHEN {i + 1} THEN {delaysMs[i]}");
        }

        SqlAfterNextAttempt = delaysMs.Length == 1
            ? delaysMs[0].ToString(CultureInfo.InvariantCulture)
            : sql.Append(CultureInfo.InvariantCulture, $" ELSE {delaysMs[^1]} END").ToString();

        // Built once: the schedule is fixed at start, and login/start is the vault's hot path.
        CountAttemptSql = Storage.VaultSchema.CountAttempt(SqlAfterNextAttempt);
        CountAttemptAndSaveLoginSql = Storage.VaultSchema.CountAttemptAndSaveLogin(SqlAfterNextAttempt);
    }

    /// <summary>The delay after the attempt a counter update makes (its old <c>attempts</c> + 1), in ms, as a SQL expression over vault_counters.attempts.</summary>
    public string SqlAfterNextAttempt { get; }

    /// <summary><see cref="Storage.VaultSchema.CountAttempt"/> with this schedule.</summary>
    public string CountAttemptSql { get; }

    /// <summary><see cref="Storage.VaultSchema.CountAttemptAndSaveLogin"/> with this schedule.</summary>
    public string CountAttemptAndSaveLoginSql { get; }

    /// <summary>Parses a comma-separated list of whole seconds.</summary>
    /// <exception cref="InvalidOperationException">The list is empty, or holds a value that is not a whole number of seconds from 0 to 7 days.</exception>
    public static LoginDelays Parse(string? list)
    {
        string[] parts = (list ?? string.Empty).Split(',', StringSplitOptions.TrimEntries);
        var delays = new long[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!long.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out long seconds) || seconds > 7 * 24 * 3600)
            {
                throw new InvalidOperationException($"Vault:LoginDelaySeconds must be a comma-separated list of whole seconds from 0 to 604800, like \"{Default}\".");
            }

            delays[i] = seconds * 1000;
        }

        return new LoginDelays(delays);
    }
}
