using Lockbox.Opaque.Native;

namespace Lockbox.Opaque.Ksf;

/// <summary>
/// Argon2id (RFC 9106) through libsodium's crypto_pwhash, as RFC 9807 §4.1 recommends and opaque-ke
/// configures it: the 64-byte OPRF output is the password, the salt is 16 zero bytes (the OPRF
/// already makes the input unique per user and server), the output is 64 bytes, parallelism is 1.
/// </summary>
public sealed class Argon2idKsf : IKeyStretching
{
    private const int Argon2id13 = 2; // crypto_pwhash_ALG_ARGON2ID13
    private const int MinimumMemoryBytes = 8 * 1024;

    /// <summary>Lockbox's default: 64 MiB and 3 passes.</summary>
    public static Argon2idKsf Default { get; } = new(64 * 1024 * 1024, 3);

    /// <summary>Creates the KSF with explicit costs.</summary>
    /// <param name="memoryBytes">Memory in bytes; a multiple of 1 KiB, at least 8 KiB.</param>
    /// <param name="iterations">Passes over memory, at least 1.</param>
    public Argon2idKsf(long memoryBytes, int iterations)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(memoryBytes, MinimumMemoryBytes);
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);
        if (memoryBytes % 1024 != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(memoryBytes), "Argon2id memory is counted in whole KiB.");
        }

        MemoryBytes = memoryBytes;
        Iterations = iterations;
    }

    /// <summary>Memory cost in bytes.</summary>
    public long MemoryBytes { get; }

    /// <summary>Time cost: passes over memory.</summary>
    public int Iterations { get; }

    /// <inheritdoc />
    public unsafe void Stretch(ReadOnlySpan<byte> input, Span<byte> output)
    {
        Sodium.EnsureInitialized();
        Span<byte> salt = stackalloc byte[16];
        salt.Clear();
        fixed (byte* o = output)
        fixed (byte* i = input)
        fixed (byte* s = salt)
        {
            int result = Sodium.crypto_pwhash(
                o, (ulong)output.Length, i, (ulong)input.Length, s, (ulong)Iterations, (nuint)MemoryBytes, Argon2id13);
            if (result != 0)
            {
                throw new InsufficientMemoryException("Argon2id could not allocate its memory.");
            }
        }
    }
}
