using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Lockbox.Opaque;
using Lockbox.Vault.Secrets;

namespace Lockbox.Vault.Crypto;

/// <summary>
/// Seals the 128-byte OPAQUE server login state with AES-256-GCM before it goes to the shared
/// database, bound to the login id, account, record, attempt number and expiry, so a row cannot be
/// moved to another login or have its expiry extended.
/// </summary>
public sealed class LoginStateSealer(VaultKeys keys)
{
    /// <summary>Seals the state of <paramref name="login"/>.</summary>
    public byte[] Seal(ServerLogin login, ReadOnlySpan<byte> loginId, string account, ReadOnlySpan<byte> recordId, int attempt, long expiresAtMs)
    {
        ArgumentNullException.ThrowIfNull(login);
        Span<byte> state = stackalloc byte[ServerLogin.StateLength];
        try
        {
            login.Export(state);
            using var cipher = keys.CreateStateCipher();
            return AesGcmBox.Seal(cipher, state, Bind(loginId, account, recordId, attempt, expiresAtMs));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(state);
        }
    }

    /// <summary>Opens sealed state; throws <see cref="CryptographicException"/> if anything it is bound to differs.</summary>
    public ServerLogin Open(ReadOnlySpan<byte> sealedState, ReadOnlySpan<byte> loginId, string account, ReadOnlySpan<byte> recordId, int attempt, long expiresAtMs)
    {
        byte[] state;
        using (var cipher = keys.CreateStateCipher())
        {
            state = AesGcmBox.Open(cipher, sealedState, Bind(loginId, account, recordId, attempt, expiresAtMs));
        }

        try
        {
            return ServerLogin.Import(state);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(state);
        }
    }

    private static byte[] Bind(ReadOnlySpan<byte> loginId, string account, ReadOnlySpan<byte> recordId, int attempt, long expiresAtMs)
    {
        byte[] accountBytes = Encoding.UTF8.GetBytes(account);
        byte[] ad = new byte[loginId.Length + recordId.Length + 12 + accountBytes.Length];
        Span<byte> a = ad;
        loginId.CopyTo(a);
        recordId.CopyTo(a[loginId.Length..]);
        a = a[(loginId.Length + recordId.Length)..];
        BinaryPrimitives.WriteInt32BigEndian(a, attempt);
        BinaryPrimitives.WriteInt64BigEndian(a[4..], expiresAtMs);
        accountBytes.CopyTo(a[12..]);
        return ad;
    }
}
