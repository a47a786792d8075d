using System.Security.Cryptography;
using Lockbox.Opaque.Group;

namespace Lockbox.Opaque.Oprf;

/// <summary>
/// RFC 9497 OPRF mode (modeOPRF = 0x00) for the ciphersuite ristretto255-SHA512 (§4.1).
/// </summary>
internal static class OprfSuite
{
    public const int OutputLength = 64;

    // contextString = "OPRFV1-" || I2OSP(mode, 1) || "-" || identifier (RFC 9497 §3.1)
    private static readonly byte[] ContextString = [.. "OPRFV1-"u8, 0x00, .. "-ristretto255-SHA512"u8];
    private static readonly byte[] HashToGroupDst = [.. "HashToGroup-"u8, .. ContextString];
    private static readonly byte[] DeriveKeyPairDst = [.. "DeriveKeyPair"u8, .. ContextString];

    /// <summary>HashToGroup (RFC 9497 §4.1): expand_message_xmd, then the ristretto255 one-way map.</summary>
    public static void HashToGroup(ReadOnlySpan<byte> input, Span<byte> element)
    {
        Span<byte> uniform = stackalloc byte[Ristretto255.UniformLength];
        ExpandMessageXmd.Expand(input, default, HashToGroupDst, uniform);
        Ristretto255.ElementFromUniform(uniform, element);
    }

    /// <summary>HashToScalar (RFC 9497 §4.1) with an explicit domain-separation tag.</summary>
    public static void HashToScalar(ReadOnlySpan<byte> input, ReadOnlySpan<byte> suffix, ReadOnlySpan<byte> dst, Span<byte> scalar)
    {
        Span<byte> uniform = stackalloc byte[Ristretto255.UniformLength];
        ExpandMessageXmd.Expand(input, suffix, dst, uniform);
        Ristretto255.ReduceScalar(uniform, scalar);
        CryptographicOperations.ZeroMemory(uniform);
    }

    /// <summary>DeriveKeyPair (RFC 9497 §3.2.1). The public key is written only when asked for.</summary>
    public static void DeriveKeyPair(ReadOnlySpan<byte> seed, ReadOnlySpan<byte> info, Span<byte> privateKey, Span<byte> publicKey)
    {
        if (info.Length > ushort.MaxValue)
        {
            throw new ArgumentException("info is too long.", nameof(info));
        }

        // deriveInput = seed || I2OSP(len(info), 2) || info, then || I2OSP(counter, 1)
        int inputLength = seed.Length + 2 + info.Length;
        Span<byte> deriveInput = inputLength <= 256 ? stackalloc byte[inputLength] : new byte[inputLength];
        seed.CopyTo(deriveInput);
        deriveInput[seed.Length] = (byte)(info.Length >> 8);
        deriveInput[seed.Length + 1] = (byte)info.Length;
        info.CopyTo(deriveInput[(seed.Length + 2)..]);

        Span<byte> counter = stackalloc byte[1];
        try
        {
            for (int i = 0; i <= 255; i++)
            {
                counter[0] = (byte)i;
                HashToScalar(deriveInput, counter, DeriveKeyPairDst, privateKey);
                if (privateKey.IndexOfAnyExcept((byte)0) >= 0)
                {
                    if (!publicKey.IsEmpty)
                    {
                        Ristretto255.MultiplyBase(privateKey, publicKey);
                    }

                    return;
                }
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(deriveInput);
        }

        throw new OpaqueException(OpaqueError.InvalidInput, "DeriveKeyPair found no non-zero scalar.");
    }

    /// <summary>Blind (RFC 9497 §3.3.1) with a caller-chosen blind.</summary>
    public static void Blind(ReadOnlySpan<byte> input, ReadOnlySpan<byte> blind, Span<byte> blindedElement)
    {
        Span<byte> inputElement = stackalloc byte[Ristretto255.ElementLength];
        HashToGroup(input, inputElement);

        // The one-way map yields the identity with negligible probability; RFC 9497 still requires the check.
        if (inputElement.IndexOfAnyExcept((byte)0) < 0)
        {
            throw new OpaqueException(OpaqueError.InvalidInput, "The input maps to the identity element.");
        }

        Ristretto255.Multiply(blind, inputElement, blindedElement);
    }

    /// <summary>BlindEvaluate (RFC 9497 §3.3.1).</summary>
    public static void BlindEvaluate(ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> blindedElement, Span<byte> evaluatedElement) =>
        Ristretto255.Multiply(privateKey, blindedElement, evaluatedElement);

    /// <summary>Finalize (RFC 9497 §3.3.1): unblind, then hash with the input.</summary>
    public static void Finalize(ReadOnlySpan<byte> input, ReadOnlySpan<byte> blind, ReadOnlySpan<byte> evaluatedElement, Span<byte> output)
    {
        if (input.Length > ushort.MaxValue)
        {
            throw new ArgumentException("The OPRF input is too long.", nameof(input));
        }

        Span<byte> inverse = stackalloc byte[Ristretto255.ScalarLength];
        Span<byte> unblinded = stackalloc byte[Ristretto255.ElementLength];
        Ristretto255.InvertScalar(blind, inverse);
        Ristretto255.Multiply(inverse, evaluatedElement, unblinded);
        CryptographicOperations.ZeroMemory(inverse);

        // hashInput = I2OSP(len(input), 2) || input || I2OSP(len(unblindedElement), 2) || unblindedElement || "Finalize"
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA512);
        Span<byte> length = [(byte)(input.Length >> 8), (byte)input.Length];
        hash.AppendData(length);
        hash.AppendData(input);
        length[0] = 0;
        length[1] = Ristretto255.ElementLength;
        hash.AppendData(length);
        hash.AppendData(unblinded);
        hash.AppendData("Finalize"u8);
        hash.GetHashAndReset(output);
        CryptographicOperations.ZeroMemory(unblinded);
    }
}
