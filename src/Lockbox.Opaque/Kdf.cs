using System.Security.Cryptography;

namespace Lockbox.Opaque;

/// <summary>HKDF-SHA512 and HMAC-SHA512 as RFC 9807 uses them (§4 and §6.4.2).</summary>
internal static class Kdf
{
    /// <summary>Extract(salt, ikm) with an empty salt (RFC 5869 §2.2).</summary>
    public static void Extract(ReadOnlySpan<byte> ikm, Span<byte> prk) =>
        HKDF.Extract(HashAlgorithmName.SHA512, ikm, default, prk);

    /// <summary>Expand(prk, info, L) (RFC 5869 §2.3), with info given as prefix || label.</summary>
    public static void Expand(ReadOnlySpan<byte> prk, ReadOnlySpan<byte> infoPrefix, ReadOnlySpan<byte> label, Span<byte> output)
    {
        int length = infoPrefix.Length + label.Length;
        Span<byte> info = length <= 256 ? stackalloc byte[length] : new byte[length];
        infoPrefix.CopyTo(info);
        label.CopyTo(info[infoPrefix.Length..]);
        HKDF.Expand(HashAlgorithmName.SHA512, prk, output, info);
    }

    /// <summary>
    /// Expand-Label (RFC 9807 §6.4.2): CustomLabel = I2OSP(Length, 2) || I2OSP(len("OPAQUE-" || Label), 1)
    /// || "OPAQUE-" || Label || I2OSP(len(Context), 1) || Context.
    /// </summary>
    public static void ExpandLabel(ReadOnlySpan<byte> secret, ReadOnlySpan<byte> label, ReadOnlySpan<byte> context, Span<byte> output)
    {
        ReadOnlySpan<byte> prefix = "OPAQUE-"u8;
        Span<byte> info = stackalloc byte[2 + 1 + prefix.Length + label.Length + 1 + context.Length];
        info[0] = (byte)(output.Length >> 8);
        info[1] = (byte)output.Length;
        info[2] = (byte)(prefix.Length + label.Length);
        prefix.CopyTo(info[3..]);
        label.CopyTo(info[(3 + prefix.Length)..]);
        int at = 3 + prefix.Length + label.Length;
        info[at] = (byte)context.Length;
        context.CopyTo(info[(at + 1)..]);
        HKDF.Expand(HashAlgorithmName.SHA512, secret, output, info);
    }

    /// <summary>Derive-Secret(Secret, Label, Transcript-Hash) = Expand-Label(Secret, Label, Transcript-Hash, Nx).</summary>
    public static void DeriveSecret(ReadOnlySpan<byte> secret, ReadOnlySpan<byte> label, ReadOnlySpan<byte> transcriptHash, Span<byte> output) =>
        ExpandLabel(secret, label, transcriptHash, output[..Sizes.Nx]);

    public static void Mac(ReadOnlySpan<byte> key, ReadOnlySpan<byte> message, Span<byte> tag) =>
        HMACSHA512.HashData(key, message, tag);

    /// <summary>Constant-time MAC comparison, so a forger learns nothing from timing.</summary>
    public static bool MacEquals(ReadOnlySpan<byte> expected, ReadOnlySpan<byte> actual) =>
        CryptographicOperations.FixedTimeEquals(expected, actual);
}
