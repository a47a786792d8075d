using System.Globalization;
using System.Text;
using Lockbox.Repository;
using Lockbox.Vault.Protocol;

namespace Lockbox.Vault.Client;

/// <summary>
/// The floor a new backup password must clear, and how guessable it is. Applied only when a password
/// is set (enabling password mode, changing the password, rotating the key), never when one is typed
/// to restore: an escrow made under an earlier rule must keep opening.
/// </summary>
/// <remarks>
/// The vault's counter allows 10 tries, but an operator who bypasses it, or a thief of its database
/// together with its OPRF key, pays only one Argon2id per guess; against that only the password's
/// own strength counts. Hence the warning below <see cref="WarnBelowScore"/>.
/// </remarks>
public static class PasswordPolicy
{
    /// <summary>Unicode code points, counted after NFC normalization.</summary>
    public const int MinimumLength = 6;

    /// <summary>zxcvbn scores (0 to 4) below this get a warning: 3 is "safely unguessable" at 10^8 guesses and above in zxcvbn's terms.</summary>
    public const int WarnBelowScore = 3;

    /// <summary>Refuses a new password shorter than <see cref="MinimumLength"/> code points after NFC, or without a letter (Unicode category L).</summary>
    /// <exception cref="WeakPasswordException">The password does not clear the floor; nothing was changed.</exception>
    public static void RequireSettable(string password)
    {
        ArgumentNullException.ThrowIfNull(password);
        string normalized = PasswordForms.ToNfc(password);
        int length = 0;
        bool letter = false;
        foreach (var rune in normalized.EnumerateRunes())
        {
            length++;
            letter |= Rune.IsLetter(rune);
        }

        if (length < MinimumLength || !letter)
        {
            throw new WeakPasswordException();
        }
    }

    /// <summary>How guessable <paramref name="password"/> is, by zxcvbn (Wheeler, USENIX Security 2016), with feedback to show the user (never to log).</summary>
    public static PasswordStrength Assess(string password)
    {
        ArgumentNullException.ThrowIfNull(password);
        var result = Zxcvbn.Zxcvbn.MatchPassword(PasswordForms.ToNfc(password));
        var feedback = new List<string>();
        foreach (var match in result.MatchSequence)
        {
            string? why = match.Pattern switch
            {
                "dictionary" => "it contains a common word or password",
                "spatial" => "it contains a keyboard pattern",
                "repeat" => "it repeats characters",
                "sequence" => "it contains a sequence like abc or 123",
                "date" or "year" => "it contains a date or a year",
                _ => null,
            };
            if (why is not null && !feedback.Contains(why))
            {
                feedback.Add(why);
            }
        }

        if (result.Score < WarnBelowScore && feedback.Count == 0)
        {
            feedback.Add("it is short; a longer phrase of unrelated words is stronger");
        }

        return new PasswordStrength(result.Score, result.CrackTimeDisplay, feedback);
    }
}

/// <summary>zxcvbn's verdict on a password: its score (0 to 4), its estimated offline crack time, and why it is weak.</summary>
public sealed record PasswordStrength(int Score, string CrackTime, IReadOnlyList<string> Feedback)
{
    /// <summary>Whether the user should be warned (<see cref="PasswordPolicy.WarnBelowScore"/>).</summary>
    public bool IsWeak => Score < PasswordPolicy.WarnBelowScore;

    /// <summary>The warning to show, or null for a strong password.</summary>
    public string? Warning => IsWeak
        ? string.Create(CultureInfo.InvariantCulture, $"This password is easy to guess (strength {Score} of 4): {string.Join("; ", Feedback)}. ")
            + "The vault stops after 10 wrong tries, but whoever bypasses it (its operator, or a thief of its database and keys) could guess it offline "
            + $"in about {CrackTime}. A phrase of four or more unrelated words is much stronger."
        : null;
}

/// <summary>A new password does not clear <see cref="PasswordPolicy"/>'s floor; nothing was changed.</summary>
public sealed class WeakPasswordException()
    : LockboxException($"A backup password needs at least {PasswordPolicy.MinimumLength} characters, one of them a letter. Nothing was changed; choose one that has both.");
