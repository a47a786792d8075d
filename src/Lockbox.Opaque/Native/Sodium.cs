using System.Runtime.InteropServices;

namespace Lockbox.Opaque.Native;

/// <summary>The few libsodium functions OPAQUE needs, bound once.</summary>
internal static partial class Sodium
{
    private const string Library = "libsodium";

    // sodium_init is idempotent and thread-safe, but it must run before any other call;
    // a static constructor gives exactly-once without a lock on every call.
    static Sodium()
    {
        if (sodium_init() < 0)
        {
            throw new InvalidOperationException("libsodium failed to initialise.");
        }
    }

    /// <summary>Forces the static constructor; call from every public entry point's type.</summary>
    internal static void EnsureInitialized()
    {
    }

    [LibraryImport(Library)]
    private static partial int sodium_init();

    [LibraryImport(Library)]
    internal static unsafe partial int crypto_core_ristretto255_is_valid_point(byte* p);

    [LibraryImport(Library)]
    internal static unsafe partial int crypto_core_ristretto255_from_hash(byte* p, byte* r);

    [LibraryImport(Library)]
    internal static unsafe partial void crypto_core_ristretto255_scalar_reduce(byte* r, byte* s);

    [LibraryImport(Library)]
    internal static unsafe partial int crypto_core_ristretto255_scalar_invert(byte* recip, byte* s);

    [LibraryImport(Library)]
    internal static unsafe partial void crypto_core_ristretto255_scalar_random(byte* r);

    [LibraryImport(Library)]
    internal static unsafe partial int crypto_scalarmult_ristretto255(byte* q, byte* n, byte* p);

    [LibraryImport(Library)]
    internal static unsafe partial int crypto_scalarmult_ristretto255_base(byte* q, byte* n);

    [LibraryImport(Library)]
    internal static unsafe partial int crypto_pwhash(
        byte* output, ulong outputLength, byte* password, ulong passwordLength, byte* salt,
        ulong opsLimit, nuint memLimit, int algorithm);

    [LibraryImport(Library)]
    internal static unsafe partial void randombytes_buf(byte* buffer, nuint size);
}
