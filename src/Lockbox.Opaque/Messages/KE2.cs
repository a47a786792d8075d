namespace Lockbox.Opaque.Messages;

/// <summary>
/// KE2 (RFC 9807 §6.1): CredentialResponse (evaluated_message[Noe] || masking_nonce[Nn] ||
/// masked_response[Npk + Nn + Nm]) || AuthResponse (server_nonce[Nn] || server_public_keyshare[Npk]
/// || server_mac[Nm]).
/// </summary>
public sealed class KE2
{
    /// <summary>Length of the CredentialResponse part.</summary>
    internal const int CredentialResponseLength = Sizes.Noe + Sizes.Nn + MaskedResponseLength;

    internal const int MaskedResponseLength = Sizes.Npk + Sizes.Nn + Sizes.Nm;

    /// <summary>Encoded length in bytes.</summary>
    public const int Length = CredentialResponseLength + Sizes.Nn + Sizes.Npk + Sizes.Nm;

    private const int ServerNonceOffset = CredentialResponseLength;
    private const int ServerKeyshareOffset = ServerNonceOffset + Sizes.Nn;
    private const int ServerMacOffset = ServerKeyshareOffset + Sizes.Npk;

    private readonly byte[] _bytes;

    internal KE2(byte[] bytes) => _bytes = bytes;

    internal ReadOnlySpan<byte> EvaluatedMessage => _bytes.AsSpan(0, Sizes.Noe);

    internal ReadOnlySpan<byte> MaskingNonce => _bytes.AsSpan(Sizes.Noe, Sizes.Nn);

    internal ReadOnlySpan<byte> MaskedResponse => _bytes.AsSpan(Sizes.Noe + Sizes.Nn, MaskedResponseLength);

    internal ReadOnlySpan<byte> CredentialResponse => _bytes.AsSpan(0, CredentialResponseLength);

    /// <summary>credential_response || server_nonce || server_public_keyshare: the KE2 part of the preamble.</summary>
    internal ReadOnlySpan<byte> PreamblePart => _bytes.AsSpan(0, ServerMacOffset);

    internal ReadOnlySpan<byte> ServerPublicKeyshare => _bytes.AsSpan(ServerKeyshareOffset, Sizes.Npk);

    internal ReadOnlySpan<byte> ServerMac => _bytes.AsSpan(ServerMacOffset, Sizes.Nm);

    internal Span<byte> Writable => _bytes;

    /// <summary>Parses and validates KE2; throws <see cref="OpaqueException"/> with <see cref="OpaqueError.InvalidMessage"/>.</summary>
    public static KE2 Parse(ReadOnlySpan<byte> bytes)
    {
        byte[] copy = Wire.CopyExact(bytes, Length, nameof(KE2));
        var ke2 = new KE2(copy);
        Wire.RequireElement(ke2.EvaluatedMessage, nameof(KE2), "evaluated_message");
        Wire.RequireElement(ke2.ServerPublicKeyshare, nameof(KE2), "server_public_keyshare");
        return ke2;
    }

    /// <summary>The wire encoding.</summary>
    public byte[] ToArray() => (byte[])_bytes.Clone();
}
