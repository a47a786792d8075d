namespace Lockbox.Vault.Storage;

/// <summary>
/// The SQL both stores share. Every statement is written once, in the dialect common to SQLite
/// (3.35+, for RETURNING) and PostgreSQL; only the schema's blob type differs, and the two login
/// statements PostgreSQL runs as one round trip where SQLite runs a transaction.
/// </summary>
internal static class VaultSchema
{
    /// <summary>The record id of a phantom row (an account with no record that someone tried to log in to).</summary>
    public static readonly byte[] PhantomRecordId = new byte[16];

    public static string CreateTables(string blob) => $"""
        CREATE TABLE IF NOT EXISTS vault_secrets (name TEXT PRIMARY KEY, value {blob} NOT NULL);
        CREATE TABLE IF NOT EXISTS vault_escrows (
            account TEXT PRIMARY KEY,
            record_id {blob} NOT NULL,
            record {blob},
            wrapped_key {blob},
            possession_key {blob},
            ksf_memory_kib INTEGER NOT NULL,
            ksf_iterations INTEGER NOT NULL,
            ksf_parallelism INTEGER NOT NULL,
            attempts INTEGER NOT NULL,
            attempt_expires BIGINT NOT NULL);
        CREATE TABLE IF NOT EXISTS vault_pending_logins (
            login_id {blob} PRIMARY KEY,
            account TEXT NOT NULL,
            expires_at BIGINT NOT NULL);
        CREATE INDEX IF NOT EXISTS vault_pending_logins_expiry ON vault_pending_logins (expires_at);
        -- The pending-login table of the earlier protocol: its rows hold sealed states nothing reads now.
        DROP TABLE IF EXISTS vault_logins;
        CREATE TABLE IF NOT EXISTS vault_nonces (
            nonce {blob} PRIMARY KEY,
            account TEXT NOT NULL,
            expires_at BIGINT NOT NULL);
        """;

    public const string GetOrAddSecret = """
        INSERT INTO vault_secrets (name, value) VALUES (@name, @value) ON CONFLICT (name) DO NOTHING;
        """;

    public const string GetSecret = "SELECT value FROM vault_secrets WHERE name = @name";

    // The increment is durable (committed) before the caller computes KE2, and the WHERE clause makes
    // racing attempts past the limit impossible. SQLite runs it and SaveLogin in one transaction;
    // PostgreSQL runs both as one statement, CountAttemptAndSaveLogin.
    public const string CountAttempt = """
        INSERT INTO vault_escrows (account, record_id, ksf_memory_kib, ksf_iterations, ksf_parallelism, attempts, attempt_expires)
        VALUES (@account, @phantom, @mem, @iter, @par, 1, @expires)
        ON CONFLICT (account) DO UPDATE SET attempts = vault_escrows.attempts + 1, attempt_expires = @expires
        WHERE vault_escrows.attempts < @limit
        RETURNING attempts, record_id, record, ksf_memory_kib, ksf_iterations, ksf_parallelism
        """;

    public const string SaveLogin = "INSERT INTO vault_pending_logins (login_id, account, expires_at) VALUES (@id, @account, @expires)";

    public const string CountAttemptAndSaveLogin = "WITH counted AS (" + CountAttempt + """
        ), pending AS (
            INSERT INTO vault_pending_logins (login_id, account, expires_at) SELECT @id, @account, @expires FROM counted
        )
        SELECT attempts, record_id, record, ksf_memory_kib, ksf_iterations, ksf_parallelism FROM counted
        """;

    public const string TakeLogin = "DELETE FROM vault_pending_logins WHERE login_id = @id AND account = @account";

    public const string ResetAttempts = """
        UPDATE vault_escrows SET attempts = 0
        WHERE account = @account AND record_id = @record_id AND record IS NOT NULL
        RETURNING wrapped_key
        """;

    // PostgreSQL: TakeLogin then ResetAttempts, in one statement (data-modifying CTEs run exactly once).
    public const string CompleteLogin = """
        WITH taken AS (
            DELETE FROM vault_pending_logins WHERE login_id = @id AND account = @account RETURNING login_id
        ), reset AS (
            UPDATE vault_escrows SET attempts = 0
            WHERE account = @account AND record_id = @record_id AND record IS NOT NULL AND EXISTS (SELECT 1 FROM taken)
            RETURNING wrapped_key
        )
        SELECT (SELECT COUNT(*) FROM taken), (SELECT wrapped_key FROM reset)
        """;

    public const string DeleteIfExhausted = """
        DELETE FROM vault_escrows WHERE account = @account AND attempts >= @limit
        AND (@record_id IS NULL OR record_id = @record_id) AND attempt_expires <= @settled
        """;

    public const string GetRecord = """
        SELECT record_id, record, wrapped_key, possession_key, ksf_memory_kib, ksf_iterations, ksf_parallelism, attempts
        FROM vault_escrows WHERE account = @account AND record IS NOT NULL
        """;

    public const string PutRecord = """
        INSERT INTO vault_escrows (account, record_id, record, wrapped_key, possession_key, ksf_memory_kib, ksf_iterations, ksf_parallelism, attempts, attempt_expires)
        VALUES (@account, @record_id, @record, @wrapped_key, @possession_key, @mem, @iter, @par, 0, 0)
        ON CONFLICT (account) DO UPDATE SET record_id = excluded.record_id, record = excluded.record,
            wrapped_key = excluded.wrapped_key, possession_key = excluded.possession_key,
            ksf_memory_kib = excluded.ksf_memory_kib, ksf_iterations = excluded.ksf_iterations,
            ksf_parallelism = excluded.ksf_parallelism, attempts = 0
        WHERE (@replacing IS NULL AND vault_escrows.record IS NULL) OR vault_escrows.record_id = @replacing
        RETURNING 1
        """;

    public const string DeleteRecord = "DELETE FROM vault_escrows WHERE account = @account AND record_id = @record_id AND record IS NOT NULL";

    public const string SaveNonce = "INSERT INTO vault_nonces (nonce, account, expires_at) VALUES (@nonce, @account, @expires)";

    public const string TakeNonce = "DELETE FROM vault_nonces WHERE nonce = @nonce AND account = @account RETURNING expires_at";

    public const string SweepExpired = """
        DELETE FROM vault_pending_logins WHERE expires_at <= @now;
        DELETE FROM vault_nonces WHERE expires_at <= @now;
        """;

    public const string SweepExhausted = """
        DELETE FROM vault_escrows WHERE attempts >= @limit AND attempt_expires <= @now
        """;
}
