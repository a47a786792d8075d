using System.Text;

namespace Lockbox.Vault.Protocol;

/// <summary>
/// How a password becomes the bytes OPAQUE runs on. Each escrow records the form it was registered
/// with, so an escrow made before normalization keeps logging in with the bytes as typed, and one
/// made since opens whichever way the keyboard composed the same characters.
/// </summary>
public enum PasswordForm
{
    /// <summary>The UTF-8 bytes as typed: escrows made before normalization, and clients that send no form.</summary>
    AsTyped = 0,

    /// <summary>The UTF-8 bytes of the Unicode NFC normalization (UAX #15): every registration since.</summary>
    Nfc = 1,
}

/// <summary>The wire names of <see cref="PasswordForm"/> and the one way to prepare a password.</summary>
public static class PasswordForms
{
    /// <summary>Wire name of <see cref="PasswordForm.AsTyped"/>.</summary>
    public const string AsTyped = "as-typed";

    /// <summary>Wire name of <see cref="PasswordForm.Nfc"/>.</summary>
    public const string Nfc = "nfc";

    /// <summary>The wire name of <paramref name="form"/>.</summary>
    public static string Name(PasswordForm form) => form == PasswordForm.Nfc ? Nfc : AsTyped;

    /// <summary>The form a wire name names; null for an unknown name.</summary>
    public static PasswordForm? Parse(string? name) => name switch
    {
        Nfc => PasswordForm.Nfc,
        AsTyped => PasswordForm.AsTyped,
        _ => null,
    };

    /// <summary>The bytes OPAQUE runs on for <paramref name="password"/> in <paramref name="form"/>; the caller zeroes them after use.</summary>
    public static byte[] Prepare(string password, PasswordForm form)
    {
        ArgumentNullException.ThrowIfNull(password);
        return Encoding.UTF8.GetBytes(form == PasswordForm.Nfc ? ToNfc(password) : password);
    }

    /// <summary>
    /// The NFC normalization of <paramref name="text"/>. Not string.Normalize: under globalization-
    /// invariant mode (this repository's default, and a common choice for phone apps) it returns the
    /// text unchanged, so the bytes of an escrow would depend on how the app was built. ENSNormalize's
    /// NF carries its own Unicode data and passes the full Unicode NormalizationTest suite.
    /// </summary>
    public static string ToNfc(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return ADRaffy.ENSNormalize.ENSNormalize.NF.NFC(text);
    }
}
