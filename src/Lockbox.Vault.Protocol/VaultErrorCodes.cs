namespace Lockbox.Vault.Protocol;

/// <summary>
/// The `code` of every problem-details reply (RFC 9457), with its HTTP status, as docs/PROTOCOL.md
/// "Error codes" lists them. The vault answers with them and the client tells them apart by them.
/// </summary>
public static class VaultErrorCodes
{
    /// <summary>400: the body is not the expected JSON object (unknown members included).</summary>
    public const string MalformedJson = "malformed-json";

    /// <summary>400: a required field is absent.</summary>
    public const string MissingField = "missing-field";

    /// <summary>400: a field is not base64.</summary>
    public const string BadBase64 = "bad-base64";

    /// <summary>400: a field decodes to the wrong number of bytes.</summary>
    public const string WrongSize = "wrong-size";

    /// <summary>400: an invalid group element, a record id not issued or used, or a registration MAC that does not verify.</summary>
    public const string InvalidMessage = "invalid-message";

    /// <summary>400: KSF parameters out of range, or other than the registration's start gave.</summary>
    public const string BadKsf = "bad-ksf";

    /// <summary>400 (or 408, 413…): Kestrel could not read the request.</summary>
    public const string BadRequest = "bad-request";

    /// <summary>401: a missing, expired or wrongly signed token, or a bad `sub`.</summary>
    public const string BadToken = "bad-token";

    /// <summary>403: KE3 did not verify; `triesLeft` attempts remain.</summary>
    public const string WrongPassword = "wrong-password";

    /// <summary>403: KE3 came after the login's deadline; it counted as failed.</summary>
    public const string LoginExpired = "login-expired";

    /// <summary>403: the proof's nonce is unknown, used, expired or another account's.</summary>
    public const string NonceInvalid = "nonce-invalid";

    /// <summary>403: the account's escrow is controlled by another possession key.</summary>
    public const string PossessionKeyMismatch = "possession-key-mismatch";

    /// <summary>404: the account has no escrow (no record, no tombstone).</summary>
    public const string NoRecord = "no-record";

    /// <summary>409: no such pending login for this account.</summary>
    public const string LoginUnknown = "login-unknown";

    /// <summary>409: the last allowed attempt has not finished or expired yet.</summary>
    public const string FinalAttemptPending = "final-attempt-pending";

    /// <summary>409: a first registration over an existing record or tombstone.</summary>
    public const string RecordExists = "record-exists";

    /// <summary>409: the escrow changed during the operation.</summary>
    public const string RecordChanged = "record-changed";

    /// <summary>409: login/start's `passwordForm` is not the form the escrow was registered with; no try was counted, start again in the escrow's form.</summary>
    public const string PasswordFormMismatch = "password-form-mismatch";

    /// <summary>429: too many requests, or the delay after failed logins has not passed; `Retry-After` and `retryAfter` say when to try again. No try was counted.</summary>
    public const string RateLimited = "rate-limited";

    /// <summary>410: the guess limit destroyed the record.</summary>
    public const string KeyDestroyed = "key-destroyed";

    /// <summary>415: the body is not application/json.</summary>
    public const string NotJson = "not-json";
}
