using Lockbox.Vault.Protocol;

namespace Lockbox.Vault.Server.Storage;

/// <summary>
/// Durable vault state, shared by every vault node. Each method is one atomic commit, so several
/// nodes against one database enforce one guess counter per account.
/// </summary>
public interface IVaultStore : IAsyncDisposable
{
    /// <summary>Creates the tables if they are missing, and brings an older schema up to date.</summary>
    Task InitializeAsync(CancellationToken cancellationToken);

    /// <summary>Stores <paramref name="value"/> under <paramref name="name"/> unless a value is there; returns the stored one.</summary>
    Task<byte[]> GetOrAddSecretAsync(string name, byte[] value, CancellationToken cancellationToken);

    /// <summary>
    /// Counts one login attempt, durably, before any KE2 is computed: in one commit, increments the
    /// counter of the account's live record unless a rule of <paramref name="count"/> refuses it (the
    /// limit, the delay after failures, the account's one-minute window, the password form), sets the
    /// delay before the next attempt and the window, and records the login as pending, so a KE3 is
    /// accepted for it once. Returns the attempt and the record to answer with, or null when nothing
    /// was counted; the caller then reads the escrow to say why.
    /// </summary>
    Task<AttemptGrant?> CountAttemptAsync(string account, AttemptCount count, CancellationToken cancellationToken);

    /// <summary>Gives a record that lacks a counter row (a store repaired by hand) a zero counter; a no-op when it has one.</summary>
    Task EnsureCounterAsync(string account, byte[] recordId, CancellationToken cancellationToken);

    /// <summary>
    /// After a KE3 that failed: removes the pending login of <paramref name="account"/> and reads the
    /// counter of <paramref name="recordId"/> as it is now (null once that record is gone).
    /// </summary>
    Task<FailedLogin> FailLoginAsync(byte[] loginId, string account, byte[] recordId, CancellationToken cancellationToken);

    /// <summary>
    /// After a verified KE3, in one commit: removes the pending login and, if it was there, resets the
    /// counter of its record and returns the record's wrapped key.
    /// </summary>
    Task<LoginCompletion> CompleteLoginAsync(byte[] loginId, string account, byte[] recordId, CancellationToken cancellationToken);

    /// <summary>
    /// The lockout: if the account's record (the one with id <paramref name="recordId"/> unless null)
    /// has its counter at <paramref name="limit"/> and its latest attempt expired at or before
    /// <paramref name="settledBeforeMs"/> (long.MaxValue once that attempt has failed), turns it into a
    /// tombstone (the possession key kept, the record, wrapped key and counter gone) and flushes the
    /// write-ahead log where the store keeps one. True only when it did.
    /// </summary>
    Task<bool> LockOutIfExhaustedAsync(string account, byte[]? recordId, int limit, long settledBeforeMs, long nowMs, CancellationToken cancellationToken);

    /// <summary>The account's record or tombstone: the row holding a possession key; null when there is none.</summary>
    Task<EscrowRecord?> GetEscrowAsync(string account, CancellationToken cancellationToken);

    /// <summary>Records a record id issued by registration/start, pending until <paramref name="expiresAtMs"/>.</summary>
    Task IssueRegistrationAsync(string account, byte[] recordId, byte[] clientKey, KsfParameters ksf, long expiresAtMs, CancellationToken cancellationToken);

    /// <summary>What the vault issued under <paramref name="recordId"/>, pending or consumed; null when it never issued it.</summary>
    Task<IssuedRegistration?> GetRegistrationAsync(byte[] recordId, CancellationToken cancellationToken);

    /// <summary>
    /// In one commit: consumes the pending registration of <paramref name="record"/>'s id (issued to
    /// <paramref name="account"/> with its KSF, not expired at <paramref name="nowMs"/>) and stores the
    /// record with a zero counter: over a row without a possession key when <paramref name="proof"/> is
    /// null, else over the row whose possession key the proof verifies against, after taking the
    /// proof's nonce. Nothing changes unless all succeed, except that a proof's nonce is spent whatever
    /// the outcome.
    /// </summary>
    Task<StoreOutcome> StoreRecordAsync(string account, EscrowRecord record, ProofCheck? proof, long nowMs, CancellationToken cancellationToken);

    /// <summary>Deletes the account's record or tombstone if it is the one <paramref name="expected"/> describes; true when deleted.</summary>
    Task<bool> DeleteEscrowAsync(string account, ExpectedEscrow expected, CancellationToken cancellationToken);

    /// <summary>Asks for a fresh start at <paramref name="nowMs"/> unless one is pending; returns when it was asked for, or null when the account holds no possession key.</summary>
    Task<long?> RequestFreshStartAsync(string account, long nowMs, CancellationToken cancellationToken);

    /// <summary>Cancels a pending fresh start of the escrow controlled by <paramref name="possessionKey"/>; false when none was pending (any more).</summary>
    Task<bool> CancelFreshStartAsync(string account, byte[] possessionKey, CancellationToken cancellationToken);

    /// <summary>Carries out a fresh start of <paramref name="account"/> asked for at or before <paramref name="cutoffMs"/>: its row goes, its record ids stay.</summary>
    Task ApplyFreshStartAsync(string account, long cutoffMs, CancellationToken cancellationToken);

    /// <summary>Stores a fresh proof-of-possession nonce.</summary>
    Task SaveNonceAsync(string account, byte[] nonce, long expiresAtMs, CancellationToken cancellationToken);

    /// <summary>Consumes a nonce of <paramref name="account"/>; true only once, and only before it expires.</summary>
    Task<bool> TakeNonceAsync(string account, byte[] nonce, long nowMs, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes expired logins, nonces and unfinished registrations; locks out every row whose counter is
    /// at <paramref name="limit"/> and whose last attempt has expired (it was abandoned); carries out
    /// the fresh starts asked for at or before <paramref name="freshStartCutoffMs"/>. Returns the lockouts.
    /// </summary>
    Task<int> SweepAsync(long nowMs, int limit, long freshStartCutoffMs, CancellationToken cancellationToken);
}

/// <summary>
/// One attempt to count at <see cref="NowMs"/>, and the rules it must pass: at most
/// <see cref="Limit"/> attempts, at most <see cref="PerMinute"/> a minute (0: no window), the
/// escrow's password form (null: any), with <see cref="Delays"/> setting the wait after it.
/// </summary>
public sealed record AttemptCount(
    int Limit, int PerMinute, PasswordForm? Form, LoginDelays Delays, byte[] LoginId, long NowMs, long ExpiresAtMs);

/// <summary>The outcome of counting an attempt: its number, and the record to answer with.</summary>
public sealed record AttemptGrant(int Attempt, byte[] RecordId, byte[] Record, KsfParameters Ksf);

/// <summary>A record's login counter: attempts since the last success (each failed or in flight), the delay, and the login/start rate window.</summary>
public sealed record LoginCounter(int Attempts, long NotBeforeMs, long WindowStartMs, int WindowCount);

/// <summary>The outcome of <see cref="IVaultStore.FailLoginAsync"/>: whether the login was pending, and the counter now (null once its record is gone).</summary>
public sealed record FailedLogin(bool WasPending, int? Attempts);

/// <summary>
/// The outcome of <see cref="IVaultStore.CompleteLoginAsync"/>: whether the login was still pending,
/// and the wrapped key, or null when the record was replaced or deleted meanwhile.
/// </summary>
public sealed record LoginCompletion(bool WasPending, byte[]? WrappedKey);

/// <summary>
/// An account's escrow: the OPAQUE record, the client-wrapped backup key, its KSF and the possession
/// key; a tombstone keeps only the possession key (<see cref="Record"/> and <see cref="WrappedKey"/>
/// null) and when the record was destroyed. <see cref="Legacy"/>: the record was stored before the
/// vault issued record ids, under an id its client chose; its owner should renew it (password change).
/// <see cref="Form"/>: how the password was prepared at registration. <see cref="Counter"/>: the
/// record's login counter (null for a tombstone).
/// </summary>
public sealed record EscrowRecord(
    byte[] RecordId, byte[]? Record, byte[]? WrappedKey, byte[] PossessionKey, KsfParameters Ksf, int Attempts,
    long? DestroyedAtMs = null, long? FreshStartAtMs = null, bool Legacy = false,
    PasswordForm Form = PasswordForm.AsTyped, LoginCounter? Counter = null)
{
    /// <summary>True for a tombstone: the guess limit destroyed the record, the possession key is kept.</summary>
    public bool IsTombstone => Record is null;
}

/// <summary>The row a proof of possession was checked against: a store changes it only if it is still so.</summary>
public sealed record ExpectedEscrow(byte[] RecordId, byte[] PossessionKey);

/// <summary>A record id registration/start issued: to whom, for which client key and KSF, until when, and whether a record was stored under it.</summary>
public sealed record IssuedRegistration(string Account, byte[]? ClientKey, KsfParameters Ksf, long ExpiresAtMs, long? ConsumedAtMs);

/// <summary>A proof of possession to check inside <see cref="IVaultStore.StoreRecordAsync"/>: its nonce, and whether its signature verifies under an escrow's possession key.</summary>
public sealed record ProofCheck(byte[] Nonce, Func<EscrowRecord, bool> Verifies);

/// <summary>The outcome of <see cref="IVaultStore.StoreRecordAsync"/>.</summary>
public enum StoreOutcome
{
    /// <summary>Stored; the registration is consumed.</summary>
    Stored,

    /// <summary>No pending registration of this id for this account (never issued, expired, consumed, or another KSF); nothing changed.</summary>
    NotPending,

    /// <summary>The account's row is not the expected one (a first registration over a possession key, or a replacement that raced another); nothing changed.</summary>
    Conflict,

    /// <summary>The proof's nonce is unknown, used, expired or another account's.</summary>
    NonceInvalid,

    /// <summary>The proof has no escrow to verify against.</summary>
    NoEscrow,

    /// <summary>The proof's signature does not verify under the escrow's possession key.</summary>
    WrongPossessionKey,
}
