using System.Security.Cryptography;
using Lockbox.Opaque.Ksf;
using Lockbox.Opaque.Oprf;

namespace Lockbox.Opaque;

/// <summary>
/// randomized_password = Extract("", oprf_output || Stretch(oprf_output)) (RFC 9807 §5.2.3, §6.4.4):
/// the one place the password enters key derivation, shared by registration and login.
/// </summary>
internal static class RandomizedPassword
{
    public static void Derive(
        ReadOnlySpan<byte> password,
        ReadOnlySpan<byte> blind,
        ReadOnlySpan<byte> evaluatedMessage,
        IKeyStretching ksf,
        Span<byte> randomizedPassword)
    {
        Span<byte> ikm = stackalloc byte[2 * OprfSuite.OutputLength];
        try
        {
            OprfSuite.Finalize(password, blind, evaluatedMessage, ikm[..OprfSuite.OutputLength]);
            ksf.Stretch(ikm[..OprfSuite.OutputLength], ikm[OprfSuite.OutputLength..]);
            Kdf.Extract(ikm, randomizedPassword);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(ikm);
        }
    }
}
