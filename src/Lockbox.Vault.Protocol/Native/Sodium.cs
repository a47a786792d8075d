using System.Runtime.InteropServices;

namespace Lockbox.Vault.Protocol.Native;

/// <summary>The libsodium functions the vault protocol needs beyond OPAQUE's (Ed25519), bound once for both sides.</summary>
internal static partial class Sodium
{
    private const string Library = "libsodium";

    // sodium_init is idempotent and thread-safe, but must run before any other call: the static
    // constructor gives exactly-once without a lock on every call.
    static Sodium()
    {
        if (sodium_init() < 0)
        {
            throw new InvalidOperationException("libsodium failed to initialise.");
        }
    }

    [LibraryImport(Library)]
    private static partial int sodium_init();

    [LibraryImport(Library)]
    internal static unsafe partial int crypto_sign_seed_keypair(byte* publicKey, byte* secretKey, byte* seed);

    [LibraryImport(Library)]
    internal static unsafe partial int crypto_sign_detached(byte* signature, ulong* signatureLength, byte* message, ulong messageLength, byte* secretKey);

    [LibraryImport(Library)]
    internal static unsafe partial int crypto_sign_verify_detached(byte* signature, byte* message, ulong messageLength, byte* publicKey);
}
