using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Lockbox.Vault.Protocol;

/// <summary>lp(x) = u16be(len(x)) ‖ x, how the protocol frames a variable-length field (an account id, the context).</summary>
internal static class LengthPrefixed
{
    /// <summary>The UTF-8 bytes of an account id.</summary>
    public static byte[] Account(string account)
    {
        ArgumentNullException.ThrowIfNull(account);
        return Encoding.UTF8.GetBytes(account);
    }

    public static void Append(IncrementalHash hash, ReadOnlySpan<byte> field)
    {
        Span<byte> length = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(length, checked((ushort)field.Length));
        hash.AppendData(length);
        hash.AppendData(field);
    }

    /// <summary>Writes lp(<paramref name="field"/>) and returns the rest of <paramref name="destination"/>.</summary>
    public static Span<byte> Write(Span<byte> destination, ReadOnlySpan<byte> field)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, checked((ushort)field.Length));
        field.CopyTo(destination[2..]);
        return destination[(2 + field.Length)..];
    }
}
