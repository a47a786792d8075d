using System.Security.Cryptography;

namespace Lockbox.Vault.Protocol;

/// <summary>
/// What a possession key signs to replace, delete or check an escrow (docs/PROTOCOL.md, "Reset,
/// deletion and fresh starts"): "LockboxVault-v1 possession" ‖ purpose (1) ‖ nonce (32) ‖
/// lp(account) ‖ SHA-256(payload). The vault's nonce makes each signature single-use; the account
/// and the payload's hash bind it to one action.
/// </summary>
public static class PossessionProof
{
    private static readonly byte[] Label = VaultLabels.Bytes(VaultLabels.PossessionProof);

    /// <summary>The action a proof authorises.</summary>
    public enum Purpose : byte
    {
        /// <summary>Store a new escrow over the record or tombstone (payload: <see cref="ReplacementPayload"/>).</summary>
        Replace = 1,

        /// <summary>Delete the escrow (empty payload).</summary>
        Delete = 2,

        /// <summary>Ask what the vault holds (empty payload).</summary>
        Check = 3,
    }

    /// <summary>The bytes to sign.</summary>
    public static byte[] Message(Purpose purpose, ReadOnlySpan<byte> nonce, string account, ReadOnlySpan<byte> payload)
    {
        if (nonce.Length != VaultLengths.Nonce)
        {
            throw new ArgumentException($"The nonce must be {VaultLengths.Nonce} bytes.", nameof(nonce));
        }

        byte[] accountBytes = LengthPrefixed.Account(account);
        byte[] message = new byte[Label.Length + 1 + VaultLengths.Nonce + 2 + accountBytes.Length + SHA256.HashSizeInBytes];
        Label.CopyTo(message, 0);
        message[Label.Length] = (byte)purpose;
        nonce.CopyTo(message.AsSpan(Label.Length + 1));
        var rest = LengthPrefixed.Write(message.AsSpan(Label.Length + 1 + VaultLengths.Nonce), accountBytes);
        SHA256.HashData(payload, rest);
        return message;
    }

    /// <summary>The payload of a replacement: record id ‖ record ‖ wrapped key ‖ possession key ‖ KSF, everything the new escrow consists of.</summary>
    public static byte[] ReplacementPayload(
        ReadOnlySpan<byte> recordId, ReadOnlySpan<byte> record, ReadOnlySpan<byte> wrappedKey, ReadOnlySpan<byte> possessionKey, KsfParameters ksf)
    {
        ArgumentNullException.ThrowIfNull(ksf);
        byte[] payload = new byte[recordId.Length + record.Length + wrappedKey.Length + possessionKey.Length + KsfParameters.EncodedLength];
        Span<byte> p = payload;
        recordId.CopyTo(p);
        record.CopyTo(p = p[recordId.Length..]);
        wrappedKey.CopyTo(p = p[record.Length..]);
        possessionKey.CopyTo(p = p[wrappedKey.Length..]);
        ksf.Encode(p[possessionKey.Length..]);
        return payload;
    }
}
