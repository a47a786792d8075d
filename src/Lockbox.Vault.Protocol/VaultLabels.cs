using System.Text;

namespace Lockbox.Vault.Protocol;

/// <summary>
/// The label of every derivation, MAC, signature and associated data of the protocol
/// (docs/PROTOCOL.md, "Key hierarchy"), each used for one purpose only. They are ASCII and are
/// used as their bytes.
/// </summary>
public static class VaultLabels
{
    /// <summary>The OPAQUE context (RFC 9807 §6.1) unless the vault is configured otherwise.</summary>
    public const string DefaultContext = "LockboxVault-v1";

    /// <summary>HKDF-SHA512 info: export_key → the key that wraps the backup key.</summary>
    public const string BackupKeyWrap = "LockboxVault-v1 backup key wrap";

    /// <summary>AES-GCM associated data of the wrapped backup key.</summary>
    public const string BackupKeyWrapAad = "LockboxVault-v1 backup key";

    /// <summary>HKDF-SHA512 info: backup key → the Ed25519 seed of the possession key.</summary>
    public const string PossessionKey = "LockboxVault-v1 possession key";

    /// <summary>The prefix of every message a possession key signs.</summary>
    public const string PossessionProof = "LockboxVault-v1 possession";

    /// <summary>HKDF-SHA512 info: session_key → the key the released key travels under.</summary>
    public const string KeyRelease = "LockboxVault-v1 key release";

    /// <summary>HKDF-Expand-SHA256 info prefix (‖ login id): the vault's state key → one login's state key.</summary>
    public const string LoginState = "LockboxVault-v1 login state";

    /// <summary>HKDF-SHA512 info prefix: DH(vault AKE key, client ephemeral key) → the registration channel's key.</summary>
    public const string RegistrationChannel = "LockboxVault-v1 registration channel";

    /// <summary>The channel MAC of registration/start's reply (vault to client).</summary>
    public const string RegistrationStart = "LockboxVault-v1 registration start";

    /// <summary>The channel MAC of registration/finish (client to vault).</summary>
    public const string RegistrationFinish = "LockboxVault-v1 registration finish";

    /// <summary>The channel MAC of registration/finish's reply (vault to client, once stored).</summary>
    public const string RegistrationStored = "LockboxVault-v1 registration stored";

    /// <summary>AES-GCM associated data of the vault's secrets under its key provider.</summary>
    public const string VaultSecrets = "lockbox-vault secrets v1";

    internal static byte[] Bytes(string label) => Encoding.ASCII.GetBytes(label);
}
