namespace Lockbox.Opaque.Messages;

/// <summary>KE3 (RFC 9807 §6.1): client_mac[Nm].</summary>
public sealed class KE3
{
    /// <summary>Encoded length in bytes.</summary>
    public const int Length = Sizes.Nm;

    private readonly byte[] _bytes;

    internal KE3(byte[] bytes) => _bytes = bytes;

    internal ReadOnlySpan<byte> ClientMac => _bytes;

    /// <summary>Parses KE3; throws <see cref="OpaqueException"/> with <see cref="OpaqueError.InvalidMessage"/>.</summary>
    public static KE3 Parse(ReadOnlySpan<byte> bytes) => new(Wire.CopyExact(bytes, Length, nameof(KE3)));

    /// <summary>The wire encoding.</summary>
    public byte[] ToArray() => (byte[])_bytes.Clone();
}
