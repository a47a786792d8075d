using System.Security.Cryptography;

namespace Lockbox.Opaque.Group;

/// <summary>expand_message_xmd with SHA-512 (RFC 9380 §5.3.1).</summary>
internal static class ExpandMessageXmd
{
    private const int HashLength = 64;   // b_in_bytes
    private const int BlockLength = 128; // s_in_bytes

    private static readonly byte[] ZeroPad = new byte[BlockLength];

    /// <summary>
    /// Writes <paramref name="output"/>.Length uniform bytes. The message is given in parts so callers
    /// can hash a concatenation without building it.
    /// </summary>
    public static void Expand(ReadOnlySpan<byte> message, ReadOnlySpan<byte> messageSuffix, ReadOnlySpan<byte> dst, Span<byte> output)
    {
        int blocks = (output.Length + HashLength - 1) / HashLength;
        if (blocks > 255 || output.Length > ushort.MaxValue || dst.Length > 255)
        {
            throw new ArgumentException("expand_message_xmd parameters out of range.");
        }

        Span<byte> lengthAndZero = [(byte)(output.Length >> 8), (byte)output.Length, 0];
        Span<byte> dstLength = [(byte)dst.Length];
        Span<byte> b0 = stackalloc byte[HashLength];
        Span<byte> bi = stackalloc byte[HashLength];

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA512);

        // b_0 = H(Z_pad || msg || l_i_b_str || I2OSP(0, 1) || DST_prime)
        hash.AppendData(ZeroPad);
        hash.AppendData(message);
        hash.AppendData(messageSuffix);
        hash.AppendData(lengthAndZero);
        hash.AppendData(dst);
        hash.AppendData(dstLength);
        hash.GetHashAndReset(b0);

        Span<byte> counter = stackalloc byte[1];
        for (int i = 1; i <= blocks; i++)
        {
            // b_1 = H(b_0 || 1 || DST_prime); b_i = H(strxor(b_0, b_(i-1)) || i || DST_prime)
            if (i == 1)
            {
                b0.CopyTo(bi);
            }
            else
            {
                for (int j = 0; j < HashLength; j++)
                {
                    bi[j] ^= b0[j];
                }
            }

            counter[0] = (byte)i;
            hash.AppendData(bi);
            hash.AppendData(counter);
            hash.AppendData(dst);
            hash.AppendData(dstLength);
            hash.GetHashAndReset(bi);

            int offset = (i - 1) * HashLength;
            bi[..Math.Min(HashLength, output.Length - offset)].CopyTo(output[offset..]);
        }

        CryptographicOperations.ZeroMemory(b0);
        CryptographicOperations.ZeroMemory(bi);
    }
}
