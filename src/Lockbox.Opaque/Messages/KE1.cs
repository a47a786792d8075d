namespace Lockbox.Opaque.Messages;

/// <summary>
/// KE1 (RFC 9807 §6.1): CredentialRequest (blinded_message[Noe]) || AuthRequest
/// (client_nonce[Nn] || client_public_keyshare[Npk]).
/// </summary>
public sealed class KE1
{
    /// <summary>Encoded length in bytes.</summary>
    public const int Length = Sizes.Noe + Sizes.Nn + Sizes.Npk;

    private readonly byte[] _bytes;

    internal KE1(byte[] bytes) => _bytes = bytes;

    internal ReadOnlySpan<byte> Bytes => _bytes;

    internal ReadOnlySpan<byte> BlindedMessage => _bytes.AsSpan(0, Sizes.Noe);

    internal ReadOnlySpan<byte> ClientPublicKeyshare => _bytes.AsSpan(Sizes.Noe + Sizes.Nn, Sizes.Npk);

    /// <summary>Parses and validates KE1; throws <see cref="OpaqueException"/> with <see cref="OpaqueError.InvalidMessage"/>.</summary>
    public static KE1 Parse(ReadOnlySpan<byte> bytes)
    {
        byte[] copy = Wire.CopyExact(bytes, Length, nameof(KE1));
        var ke1 = new KE1(copy);
        Wire.RequireElement(ke1.BlindedMessage, nameof(KE1), "blinded_message");
        Wire.RequireElement(ke1.ClientPublicKeyshare, nameof(KE1), "client_public_keyshare");
        return ke1;
    }

    /// <summary>The wire encoding.</summary>
    public byte[] ToArray() => (byte[])_bytes.Clone();
}
