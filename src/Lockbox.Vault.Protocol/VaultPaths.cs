namespace Lockbox.Vault.Protocol;

/// <summary>The endpoints, relative to the vault's base address (docs/PROTOCOL.md, "Endpoints").</summary>
public static class VaultPaths
{
    /// <summary>GET: liveness, no token.</summary>
    public const string Health = "healthz";

    /// <summary>GET: the public key clients pin, the context, the attempt limit and the default KSF; no token.</summary>
    public const string Info = "v1/vault-info";

    /// <summary>POST: issues a record id and evaluates the OPRF under it, on the registration channel.</summary>
    public const string RegistrationStart = "v1/registration/start";

    /// <summary>POST: stores a record under an issued id, first or with a proof of possession.</summary>
    public const string RegistrationFinish = "v1/registration/finish";

    /// <summary>POST: asks the vault to forget the account's escrow after the cool-down.</summary>
    public const string FreshStart = "v1/fresh-start";

    /// <summary>POST: a single-use nonce for a proof of possession.</summary>
    public const string Challenge = "v1/challenge";

    /// <summary>POST: KE1 → KE2, the attempt counted first.</summary>
    public const string LoginStart = "v1/login/start";

    /// <summary>POST: KE3 → the released key.</summary>
    public const string LoginFinish = "v1/login/finish";

    /// <summary>POST: what the vault holds for the account, with a proof of possession.</summary>
    public const string RecordCheck = "v1/record/check";

    /// <summary>POST: deletes the account's escrow, with a proof of possession.</summary>
    public const string RecordDelete = "v1/record/delete";
}
