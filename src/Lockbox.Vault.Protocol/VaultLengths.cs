namespace Lockbox.Vault.Protocol;

/// <summary>The length in bytes of every binary field of the protocol (docs/PROTOCOL.md, "Endpoints"), checked exactly by both sides.</summary>
public static class VaultLengths
{
    /// <summary>A record id, and a login id.</summary>
    public const int Id = 16;

    /// <summary>The backup key.</summary>
    public const int BackupKey = 32;

    /// <summary>The wrapped backup key: iv ‖ AES-256-GCM(backup key) ‖ tag.</summary>
    public const int WrappedKey = AesGcmBox.Overhead + BackupKey;

    /// <summary>The released key: iv ‖ AES-256-GCM(wrapped key) ‖ tag.</summary>
    public const int SealedKey = AesGcmBox.Overhead + WrappedKey;

    /// <summary>An Ed25519 possession public key (RFC 8032).</summary>
    public const int PossessionKey = 32;

    /// <summary>An Ed25519 signature.</summary>
    public const int Signature = 64;

    /// <summary>A proof-of-possession nonce from /v1/challenge.</summary>
    public const int Nonce = 32;

    /// <summary>The client's ephemeral ristretto255 key of the registration channel.</summary>
    public const int ClientKey = 32;

    /// <summary>A MAC of the registration channel (HMAC-SHA512).</summary>
    public const int Mac = 64;

    /// <summary>The sealed login state: iv ‖ AES-256-GCM(record id ‖ u32 attempt ‖ i64 expiry ‖ server state 128) ‖ tag; opaque to the client.</summary>
    public const int LoginState = AesGcmBox.Overhead + Id + 4 + 8 + 128;

    /// <summary>The longest account id (the token's sub), in UTF-8 bytes.</summary>
    public const int MaxAccount = 256;
}
