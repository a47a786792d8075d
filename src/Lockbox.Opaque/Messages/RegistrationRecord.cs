namespace Lockbox.Opaque.Messages;

/// <summary>
/// RegistrationRecord (RFC 9807 §5.1): client_public_key[Npk] || masking_key[Nh] || envelope[Ne].
/// The server stores it per credential identifier. It holds no password-equivalent secret, but a
/// thief of it can mount an offline dictionary attack only together with the server's OPRF seed.
/// </summary>
public sealed class RegistrationRecord
{
    /// <summary>Encoded length in bytes.</summary>
    public const int Length = Sizes.Npk + Sizes.Nh + Sizes.Ne;

    private readonly byte[] _bytes;

    internal RegistrationRecord(byte[] bytes) => _bytes = bytes;

    internal ReadOnlySpan<byte> ClientPublicKey => _bytes.AsSpan(0, Sizes.Npk);

    internal ReadOnlySpan<byte> MaskingKey => _bytes.AsSpan(Sizes.Npk, Sizes.Nh);

    internal ReadOnlySpan<byte> Envelope => _bytes.AsSpan(Sizes.Npk + Sizes.Nh, Sizes.Ne);

    /// <summary>Parses and validates a record; throws <see cref="OpaqueException"/> with <see cref="OpaqueError.InvalidMessage"/>.</summary>
    public static RegistrationRecord Parse(ReadOnlySpan<byte> bytes)
    {
        byte[] copy = Wire.CopyExact(bytes, Length, nameof(RegistrationRecord));
        var record = new RegistrationRecord(copy);
        Wire.RequireElement(record.ClientPublicKey, nameof(RegistrationRecord), "client_public_key");
        return record;
    }

    internal static RegistrationRecord Create(ReadOnlySpan<byte> clientPublicKey, ReadOnlySpan<byte> maskingKey, ReadOnlySpan<byte> envelope)
    {
        byte[] bytes = new byte[Length];
        clientPublicKey.CopyTo(bytes);
        maskingKey.CopyTo(bytes.AsSpan(Sizes.Npk));
        envelope.CopyTo(bytes.AsSpan(Sizes.Npk + Sizes.Nh));
        return new RegistrationRecord(bytes);
    }

    /// <summary>The wire encoding.</summary>
    public byte[] ToArray() => (byte[])_bytes.Clone();
}
