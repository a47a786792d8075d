namespace Lockbox.Vault.Protocol;

/// <summary>
/// credential_identifier (RFC 9807 §5.2.2) = lp(account) ‖ record id: every registration has its own
/// OPRF key, derived from the vault's OPRF seed and this, so registering is never an oracle for an
/// old password, and an old record's key comes back only if its record id does (which the vault refuses).
/// </summary>
public static class CredentialIdentifier
{
    /// <summary>The identifier of <paramref name="account"/>'s record <paramref name="recordId"/>.</summary>
    public static byte[] For(string account, ReadOnlySpan<byte> recordId)
    {
        byte[] accountBytes = LengthPrefixed.Account(account);
        byte[] id = new byte[2 + accountBytes.Length + recordId.Length];
        recordId.CopyTo(LengthPrefixed.Write(id, accountBytes));
        return id;
    }
}
