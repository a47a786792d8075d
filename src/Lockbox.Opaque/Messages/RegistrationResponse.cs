namespace Lockbox.Opaque.Messages;

/// <summary>RegistrationResponse (RFC 9807 §5.1): evaluated_message[Noe] || server_public_key[Npk].</summary>
public sealed class RegistrationResponse
{
    /// <summary>Encoded length in bytes.</summary>
    public const int Length = Sizes.Noe + Sizes.Npk;

    private readonly byte[] _bytes;

    internal RegistrationResponse(byte[] bytes) => _bytes = bytes;

    internal ReadOnlySpan<byte> EvaluatedMessage => _bytes.AsSpan(0, Sizes.Noe);

    internal ReadOnlySpan<byte> ServerPublicKey => _bytes.AsSpan(Sizes.Noe, Sizes.Npk);

    /// <summary>Parses and validates a response; throws <see cref="OpaqueException"/> with <see cref="OpaqueError.InvalidMessage"/>.</summary>
    public static RegistrationResponse Parse(ReadOnlySpan<byte> bytes)
    {
        byte[] copy = Wire.CopyExact(bytes, Length, nameof(RegistrationResponse));
        var response = new RegistrationResponse(copy);
        Wire.RequireElement(response.EvaluatedMessage, nameof(RegistrationResponse), "evaluated_message");
        Wire.RequireElement(response.ServerPublicKey, nameof(RegistrationResponse), "server_public_key");
        return response;
    }

    /// <summary>The wire encoding.</summary>
    public byte[] ToArray() => (byte[])_bytes.Clone();
}
