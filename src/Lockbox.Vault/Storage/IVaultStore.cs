namespace Lockbox.Vault.Storage;

/// <summary>
/// Durable vault state, shared by every vault node. Each method is one atomic commit, so several
/// nodes against one database enforce one guess counter per account.
/// </summary>
public interface IVaultStore : IAsyncDisposable
{
    /// <summary>Creates the tables if they are missing.</summary>
    Task InitializeAsync(CancellationToken cancellationToken);

    /// <summary>Stores <paramref name="value"/> under <paramref name="name"/> unless a value is there; returns the stored one.</summary>
    Task<byte[]> GetOrAddSecretAsync(string name, byte[] value, CancellationToken cancellationToken);

    /// <summary>
    /// Counts one login attempt, durably, before any KE2 is computed: increments the account's counter
    /// unless it has reached <paramref name="limit"/>, and in the same commit records the login as
    /// pending, so a KE3 is accepted for it once. An account without a row gets a phantom row (no
    /// record), so unknown accounts are counted exactly like known ones. Returns null when the counter
    /// is already at the limit.
    /// </summary>
    /// <param name="expiresAtMs">When this attempt, if abandoned, counts as failed.</param>
    Task<AttemptGrant?> CountAttemptAsync(string account, int limit, byte[] loginId, long expiresAtMs, CancellationToken cancellationToken);

    /// <summary>Removes a pending login of <paramref name="account"/> after a failed KE3; false when absent or already taken.</summary>
    Task<bool> TakeLoginAsync(byte[] loginId, string account, CancellationToken cancellationToken);

    /// <summary>
    /// After a verified KE3, in one commit: removes the pending login and, if it was there, resets the
    /// counter of its record and returns the record's wrapped key.
    /// </summary>
    Task<LoginCompletion> CompleteLoginAsync(byte[] loginId, string account, byte[] recordId, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes the account's row (real or phantom, and only with id <paramref name="recordId"/> unless null)
    /// if its counter is at <paramref name="limit"/> and its latest attempt expired at or before
    /// <paramref name="settledBeforeMs"/> (pass long.MaxValue once that attempt has failed). True when deleted.
    /// </summary>
    Task<bool> DeleteIfExhaustedAsync(string account, byte[]? recordId, int limit, long settledBeforeMs, CancellationToken cancellationToken);

    /// <summary>The account's real record, or null (no row, or a phantom).</summary>
    Task<EscrowRecord?> GetRecordAsync(string account, CancellationToken cancellationToken);

    /// <summary>
    /// Stores <paramref name="record"/> with a zero counter. With <paramref name="replacing"/> null it
    /// succeeds only if the account has no real record; otherwise only if the current record id is
    /// <paramref name="replacing"/>. False when the condition fails.
    /// </summary>
    Task<bool> PutRecordAsync(string account, EscrowRecord record, byte[]? replacing, CancellationToken cancellationToken);

    /// <summary>Deletes the account's record if its id is <paramref name="recordId"/>; true when deleted.</summary>
    Task<bool> DeleteRecordAsync(string account, byte[] recordId, CancellationToken cancellationToken);

    /// <summary>Stores a fresh proof-of-possession nonce.</summary>
    Task SaveNonceAsync(string account, byte[] nonce, long expiresAtMs, CancellationToken cancellationToken);

    /// <summary>Consumes a nonce of <paramref name="account"/>; true only once, and only before it expires.</summary>
    Task<bool> TakeNonceAsync(string account, byte[] nonce, long nowMs, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes expired logins and nonces, then every row whose counter is at <paramref name="limit"/>
    /// and whose last attempt has expired (it was abandoned). Returns the rows deleted for lockout.
    /// </summary>
    Task<int> SweepAsync(long nowMs, int limit, CancellationToken cancellationToken);
}

/// <summary>The outcome of counting an attempt: the attempt number and the record to answer with (null for a phantom).</summary>
public sealed record AttemptGrant(int Attempt, byte[] RecordId, byte[]? Record, KsfParameters Ksf);

/// <summary>
/// The outcome of <see cref="IVaultStore.CompleteLoginAsync"/>: whether the login was still pending,
/// and the wrapped key, or null when the record was replaced or deleted meanwhile.
/// </summary>
public sealed record LoginCompletion(bool WasPending, byte[]? WrappedKey);

/// <summary>An escrow: the OPAQUE record, the client-wrapped backup key, its KSF and the possession key.</summary>
public sealed record EscrowRecord(byte[] RecordId, byte[] Record, byte[] WrappedKey, byte[] PossessionKey, KsfParameters Ksf, int Attempts);

/// <summary>Argon2id parameters, public, chosen by the client.</summary>
public sealed record KsfParameters(int MemoryKiB, int Iterations, int Parallelism)
{
    /// <summary>Lockbox's default, also what an unknown account is answered with: 64 MiB, 3 passes, 1 lane.</summary>
    public static KsfParameters Default { get; } = new(64 * 1024, 3, 1);
}
