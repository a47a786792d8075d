using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Lockbox.Opaque;
using Lockbox.Vault.Protocol;
using Lockbox.Vault.Server.Secrets;

namespace Lockbox.Vault.Server.Crypto;

/// <summary>
/// Seals the OPAQUE server state between KE2 and KE3 so the client can carry it from login/start to
/// login/finish: any node opens it, and no database round trip is spent storing it. The box is
/// AES-256-GCM under a key derived for this login alone (RFC 5869 HKDF-SHA256 over the state key,
/// info = label ‖ login id), so no key ever seals more than one state and random IVs never repeat
/// under one key however many logins the vault serves. The account is the associated data, so a box
/// opens only for the account it was made for.
/// </summary>
public sealed class LoginStateSealer(VaultKeys keys)
{
    /// <summary>Plaintext: record id ‖ u32be(attempt) ‖ i64be(expires at, ms) ‖ server state.</summary>
    private const int PlainLength = VaultLengths.Id + 4 + 8 + ServerLogin.StateLength;

    /// <summary>Length of a sealed state: iv ‖ ciphertext ‖ tag.</summary>
    public const int SealedLength = VaultLengths.LoginState;

    private static readonly byte[] Label = System.Text.Encoding.ASCII.GetBytes(VaultLabels.LoginState);

    /// <summary>Seals the state of <paramref name="login"/> and what the vault must trust about it at KE3.</summary>
    public byte[] Seal(ServerLogin login, ReadOnlySpan<byte> loginId, string account, LoginTerms terms)
    {
        ArgumentNullException.ThrowIfNull(login);
        ArgumentNullException.ThrowIfNull(terms);
        Span<byte> plain = stackalloc byte[PlainLength];
        Span<byte> key = stackalloc byte[32];
        try
        {
            terms.RecordId.CopyTo(plain);
            BinaryPrimitives.WriteInt32BigEndian(plain[VaultLengths.Id..], terms.Attempt);
            BinaryPrimitives.WriteInt64BigEndian(plain[(VaultLengths.Id + 4)..], terms.ExpiresAtMs);
            login.Export(plain[(VaultLengths.Id + 12)..]);
            DeriveKey(loginId, key);
            using var cipher = new AesGcm(key, AesGcmBox.TagLength);
            return AesGcmBox.Seal(cipher, plain, Encoding.UTF8.GetBytes(account));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain);
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>Opens a sealed state; null when it was not made by this vault for this login and account.</summary>
    public (ServerLogin Login, LoginTerms Terms)? Open(ReadOnlySpan<byte> sealedState, ReadOnlySpan<byte> loginId, string account)
    {
        if (sealedState.Length != SealedLength)
        {
            return null;
        }

        Span<byte> key = stackalloc byte[32];
        byte[]? plain = null;
        try
        {
            DeriveKey(loginId, key);
            using (var cipher = new AesGcm(key, AesGcmBox.TagLength))
            {
                plain = AesGcmBox.Open(cipher, sealedState, Encoding.UTF8.GetBytes(account));
            }

            var terms = new LoginTerms(
                plain[..VaultLengths.Id],
                BinaryPrimitives.ReadInt32BigEndian(plain.AsSpan(VaultLengths.Id)),
                BinaryPrimitives.ReadInt64BigEndian(plain.AsSpan(VaultLengths.Id + 4)));
            return (ServerLogin.Import(plain.AsSpan(VaultLengths.Id + 12)), terms);
        }
        catch (AuthenticationTagMismatchException)
        {
            return null;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
            if (plain is not null)
            {
                CryptographicOperations.ZeroMemory(plain);
            }
        }
    }

    private void DeriveKey(ReadOnlySpan<byte> loginId, Span<byte> key)
    {
        Span<byte> info = stackalloc byte[Label.Length + VaultLengths.Id];
        Label.CopyTo(info);
        loginId.CopyTo(info[Label.Length..]);
        keys.DeriveStateKey(info, key);
    }
}

/// <summary>What a login was granted at KE2: the record it ran against, its attempt number and its deadline.</summary>
public sealed record LoginTerms(byte[] RecordId, int Attempt, long ExpiresAtMs);
