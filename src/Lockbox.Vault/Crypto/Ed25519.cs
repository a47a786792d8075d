using System.Runtime.InteropServices;

namespace Lockbox.Vault.Crypto;

/// <summary>Ed25519 signature verification (RFC 8032 §5.1.7) through libsodium.</summary>
internal static partial class Ed25519
{
    public const int PublicKeyLength = 32;
    public const int SignatureLength = 64;

    static Ed25519()
    {
        if (sodium_init() < 0)
        {
            throw new InvalidOperationException("libsodium failed to initialise.");
        }
    }

    public static unsafe bool Verify(ReadOnlySpan<byte> signature, ReadOnlySpan<byte> message, ReadOnlySpan<byte> publicKey)
    {
        if (signature.Length != SignatureLength || publicKey.Length != PublicKeyLength)
        {
            return false;
        }

        fixed (byte* s = signature)
        fixed (byte* m = message)
        fixed (byte* k = publicKey)
        {
            return crypto_sign_verify_detached(s, m, (ulong)message.Length, k) == 0;
        }
    }

    [LibraryImport("libsodium")]
    private static partial int sodium_init();

    [LibraryImport("libsodium")]
    private static unsafe partial int crypto_sign_verify_detached(byte* signature, byte* message, ulong messageLength, byte* publicKey);
}
