namespace Lockbox.Opaque.Ksf;

/// <summary>
/// The identity KSF, Stretch(x) = x. It exists only to reproduce the RFC 9807 test vectors:
/// it gives no protection against offline guessing.
/// </summary>
public sealed class IdentityKsf : IKeyStretching
{
    /// <summary>The single instance.</summary>
    public static IdentityKsf Instance { get; } = new();

    private IdentityKsf()
    {
    }

    /// <inheritdoc />
    public void Stretch(ReadOnlySpan<byte> input, Span<byte> output) => input.CopyTo(output);
}
