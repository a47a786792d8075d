namespace Lockbox.Opaque.Ksf;

/// <summary>
/// The key stretching function of RFC 9807 §4.1: a slow, memory-hard function applied to the OPRF
/// output on the client, so that each offline password guess against a stolen record costs as much.
/// </summary>
public interface IKeyStretching
{
    /// <summary>Stretches <paramref name="input"/> (Nh = 64 bytes) into <paramref name="output"/> (64 bytes).</summary>
    void Stretch(ReadOnlySpan<byte> input, Span<byte> output);
}
