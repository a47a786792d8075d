using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Lockbox.Crypto;

/// <summary>
/// A blob's identity: HMAC-SHA256 of its plaintext under the repository's blob-id key. Keyed, so
/// the storage provider cannot test whether a user holds a known file.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public readonly struct BlobId : IEquatable<BlobId>, IComparable<BlobId>
{
    /// <summary>Length in bytes.</summary>
    public const int Length = 32;

    private readonly ulong _a;
    private readonly ulong _b;
    private readonly ulong _c;
    private readonly ulong _d;

    /// <summary>Reads an id from 32 bytes.</summary>
    public BlobId(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Length)
        {
            throw new ArgumentException($"A blob id is {Length} bytes.", nameof(bytes));
        }

        _a = BinaryPrimitives.ReadUInt64BigEndian(bytes);
        _b = BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]);
        _c = BinaryPrimitives.ReadUInt64BigEndian(bytes[16..]);
        _d = BinaryPrimitives.ReadUInt64BigEndian(bytes[24..]);
    }

    /// <summary>Writes the 32 bytes.</summary>
    public void WriteTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, _a);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _b);
        BinaryPrimitives.WriteUInt64BigEndian(destination[16..], _c);
        BinaryPrimitives.WriteUInt64BigEndian(destination[24..], _d);
    }

    /// <summary>The 32 bytes as a new array.</summary>
    public byte[] ToArray()
    {
        byte[] bytes = new byte[Length];
        WriteTo(bytes);
        return bytes;
    }

    private static readonly SearchValues<char> HexDigits = SearchValues.Create("0123456789abcdefABCDEF");

    /// <summary>Whether <paramref name="text"/> is 64 hex digits, so <see cref="Parse(string)"/> accepts it.</summary>
    internal static bool IsHex(ReadOnlySpan<char> text) => text.Length == 2 * Length && !text.ContainsAnyExcept(HexDigits);

    /// <summary>Parses 64 hex digits.</summary>
    public static BlobId Parse(string hex) => Parse((hex ?? throw new FormatException("A blob id is 64 hex digits.")).AsSpan());

    /// <summary>Parses 64 hex digits, allocating nothing: a manifest holds one or three ids per database page.</summary>
    public static BlobId Parse(ReadOnlySpan<char> hex)
    {
        Span<byte> bytes = stackalloc byte[Length];
        if (hex.Length != 2 * Length || Convert.FromHexString(hex, bytes, out _, out int written) != System.Buffers.OperationStatus.Done || written != Length)
        {
            throw new FormatException("A blob id is 64 hex digits.");
        }

        return new BlobId(bytes);
    }

    /// <inheritdoc />
    public bool Equals(BlobId other) => _a == other._a && _b == other._b && _c == other._c && _d == other._d;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is BlobId other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => (int)_a ^ (int)(_a >> 32);

    /// <inheritdoc />
    public int CompareTo(BlobId other)
    {
        int c = _a.CompareTo(other._a);
        if (c == 0)
        {
            c = _b.CompareTo(other._b);
        }

        if (c == 0)
        {
            c = _c.CompareTo(other._c);
        }

        return c != 0 ? c : _d.CompareTo(other._d);
    }

    /// <summary>64 lowercase hex digits.</summary>
    public override string ToString() => Convert.ToHexStringLower(ToArray());

    /// <summary>The first 8 hex digits, for messages.</summary>
    public string ToShortString() => ToString()[..8];

    /// <inheritdoc />
    public static bool operator ==(BlobId left, BlobId right) => left.Equals(right);

    /// <inheritdoc />
    public static bool operator !=(BlobId left, BlobId right) => !left.Equals(right);

    /// <inheritdoc />
    public static bool operator <(BlobId left, BlobId right) => left.CompareTo(right) < 0;

    /// <inheritdoc />
    public static bool operator >(BlobId left, BlobId right) => left.CompareTo(right) > 0;

    /// <inheritdoc />
    public static bool operator <=(BlobId left, BlobId right) => left.CompareTo(right) <= 0;

    /// <inheritdoc />
    public static bool operator >=(BlobId left, BlobId right) => left.CompareTo(right) >= 0;
}
