namespace Lockbox.Opaque.Messages;

/// <summary>RegistrationRequest (RFC 9807 §5.1): blinded_message[Noe].</summary>
public sealed class RegistrationRequest
{
    /// <summary>Encoded length in bytes.</summary>
    public const int Length = Sizes.Noe;

    private readonly byte[] _bytes;

    internal RegistrationRequest(byte[] bytes) => _bytes = bytes;

    internal ReadOnlySpan<byte> BlindedMessage => _bytes;

    /// <summary>Parses and validates a request; throws <see cref="OpaqueException"/> with <see cref="OpaqueError.InvalidMessage"/>.</summary>
    public static RegistrationRequest Parse(ReadOnlySpan<byte> bytes)
    {
        byte[] copy = Wire.CopyExact(bytes, Length, nameof(RegistrationRequest));
        Wire.RequireElement(copy, nameof(RegistrationRequest), "blinded_message");
        return new RegistrationRequest(copy);
    }

    /// <summary>The wire encoding.</summary>
    public byte[] ToArray() => (byte[])_bytes.Clone();
}
