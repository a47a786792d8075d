namespace Lockbox.Vault.Server.Storage;

/// <summary>
/// The SQL both stores share. Every statement is written once, in the dialect common to SQLite
/// (3.35+, for RETURNING) and PostgreSQL; only the schema's blob type differs, and the two login
/// statements PostgreSQL runs as one round trip where SQLite runs a transaction.
/// </summary>
/// <remarks>
/// An account's row in vault_accounts is in one of three states: a <b>record</b> (record, wrapped
/// key and possession key), a <b>tombstone</b> (the possession key alone, kept when the guess limit
/// destroyed the record, with destroyed_at), or a <b>phantom</b> (no possession key: only the guess
/// counter of an account someone tried to log in to). Every record id the vault ever issued to an
/// account is a row of vault_registrations, and a consumed one stays there for good.
/// </remarks>
internal static class VaultSchema
{
    /// <summary>The record id of a phantom row or a tombstone: no record, so logins get a fake KE2 (RFC 9807 §6.4.2).</summary>
    public static readonly byte[] PhantomRecordId = new byte[16];

    public const string CreateVersionTable = "CREATE TABLE IF NOT EXISTS vault_schema (version INTEGER NOT NULL)";

    public const string GetVersion = "SELECT MAX(version) FROM vault_schema";

    public const string SetVersion = "DELETE FROM vault_schema; INSERT INTO vault_schema (version) VALUES (@version)";

    /// <summary>
    /// The migrations, in order: entry i brings the schema from version i to i + 1. Entry 0 is the
    /// schema of the vaults that had no version table (all of it IF NOT EXISTS, so it is a no-op on
    /// them). Never edit an entry; add one.
    /// </summary>
    public static string[] Migrations(string blob) =>
    [
        $"""
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
        DROP TABLE IF EXISTS vault_logins;
        CREATE TABLE IF NOT EXISTS vault_nonces (
            nonce {blob} PRIMARY KEY,
            account TEXT NOT NULL,
            expires_at BIGINT NOT NULL);
        """,
        // Vault-issued record ids, tombstones and fresh starts. The ids of records stored before
        // this version are recorded as consumed, so they are refused like every other used id.
        $"""
        ALTER TABLE vault_escrows ADD COLUMN destroyed_at BIGINT;
        ALTER TABLE vault_escrows ADD COLUMN fresh_start_at BIGINT;
        CREATE TABLE vault_registrations (
            record_id {blob} PRIMARY KEY,
            account TEXT NOT NULL,
            client_key {blob},
            ksf_memory_kib INTEGER NOT NULL,
            ksf_iterations INTEGER NOT NULL,
            ksf_parallelism INTEGER NOT NULL,
            expires_at BIGINT NOT NULL,
            consumed_at BIGINT);
        CREATE INDEX vault_registrations_pending ON vault_registrations (expires_at) WHERE consumed_at IS NULL;
        INSERT INTO vault_registrations (record_id, account, ksf_memory_kib, ksf_iterations, ksf_parallelism, expires_at, consumed_at)
            SELECT record_id, account, ksf_memory_kib, ksf_iterations, ksf_parallelism, 0, 0 FROM vault_escrows WHERE record IS NOT NULL;
        """,
        // The rows an earlier lockout rule or an earlier finish (any record id) must never touch again:
        // the escrow table and the secrets row move to names the earlier binaries do not know. A node
        // of an earlier version started against this database then finds neither, creates its own,
        // and serves as another vault, under another key, which every client refuses (docs/PROTOCOL.md,
        // "Multi-node behaviour": stop every node before upgrading).
        """
        ALTER TABLE vault_escrows RENAME TO vault_accounts;
        UPDATE vault_secrets SET name = 'opaque-v2' WHERE name = 'opaque-v1';
        """,
    ];

    public const string GetOrAddSecret = """
        INSERT INTO vault_secrets (name, value) VALUES (@name, @value) ON CONFLICT (name) DO NOTHING;
        """;

    public const string GetSecret = "SELECT value FROM vault_secrets WHERE name = @name";

    // The increment is durable (committed) before the caller computes KE2, and the WHERE clause makes
    // racing attempts past the limit impossible. SQLite runs it and SaveLogin in one transaction;
    // PostgreSQL runs both as one statement, CountAttemptAndSaveLogin.
    public const string CountAttempt = """
        INSERT INTO vault_accounts (account, record_id, ksf_memory_kib, ksf_iterations, ksf_parallelism, attempts, attempt_expires)
        VALUES (@account, @phantom, @mem, @iter, @par, 1, @expires)
        ON CONFLICT (account) DO UPDATE SET attempts = vault_accounts.attempts + 1, attempt_expires = @expires
        WHERE vault_accounts.attempts < @limit
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
        UPDATE vault_accounts SET attempts = 0
        WHERE account = @account AND record_id = @record_id AND record IS NOT NULL
        RETURNING wrapped_key
        """;

    // PostgreSQL: TakeLogin then ResetAttempts, in one statement (data-modifying CTEs run exactly once).
    public const string CompleteLogin = """
        WITH taken AS (
            DELETE FROM vault_pending_logins WHERE login_id = @id AND account = @account RETURNING login_id
        ), reset AS (
            UPDATE vault_accounts SET attempts = 0
            WHERE account = @account AND record_id = @record_id AND record IS NOT NULL AND EXISTS (SELECT 1 FROM taken)
            RETURNING wrapped_key
        )
        SELECT (SELECT COUNT(*) FROM taken), (SELECT wrapped_key FROM reset)
        """;

    // The lockout, in two statements of one transaction whose conditions exclude each other: a row
    // that holds a possession key (a record, or a tombstone whose fake logins ran out) becomes a
    // tombstone with a fresh counter, so the owner's device can still re-escrow; a phantom is deleted.
    private const string Exhausted = "attempts >= @limit AND (@record_id IS NULL OR record_id = @record_id) AND attempt_expires <= @settled";

    public const string TombstoneIfExhausted = """
        UPDATE vault_accounts SET record_id = @phantom, record = NULL, wrapped_key = NULL, attempts = 0, attempt_expires = 0,
            destroyed_at = COALESCE(destroyed_at, @now)
        WHERE account = @account AND possession_key IS NOT NULL AND
        """ + " " + Exhausted;

    public const string DeletePhantomIfExhausted = "DELETE FROM vault_accounts WHERE account = @account AND possession_key IS NULL AND " + Exhausted;

    public const string TombstoneAllExhausted = """
        UPDATE vault_accounts SET record_id = @phantom, record = NULL, wrapped_key = NULL, attempts = 0, attempt_expires = 0,
            destroyed_at = COALESCE(destroyed_at, @now)
        WHERE possession_key IS NOT NULL AND attempts >= @limit AND attempt_expires <= @now
        """;

    public const string DeleteAllExhaustedPhantoms = "DELETE FROM vault_accounts WHERE possession_key IS NULL AND attempts >= @limit AND attempt_expires <= @now";

    // legacy: the record's id came from a client, before the vault issued them (its registration row has no client key).
    public const string GetEscrow = """
        SELECT record_id, record, wrapped_key, possession_key, ksf_memory_kib, ksf_iterations, ksf_parallelism, attempts, destroyed_at, fresh_start_at,
            (SELECT COUNT(*) FROM vault_registrations r WHERE r.record_id = a.record_id AND r.client_key IS NULL) AS legacy
        FROM vault_accounts a WHERE account = @account AND possession_key IS NOT NULL
        """;

    public const string IssueRegistration = """
        INSERT INTO vault_registrations (record_id, account, client_key, ksf_memory_kib, ksf_iterations, ksf_parallelism, expires_at)
        VALUES (@record_id, @account, @client_key, @mem, @iter, @par, @expires)
        """;

    public const string GetRegistration = """
        SELECT account, client_key, ksf_memory_kib, ksf_iterations, ksf_parallelism, expires_at, consumed_at
        FROM vault_registrations WHERE record_id = @record_id
        """;

    public const string ConsumeRegistration = """
        UPDATE vault_registrations SET consumed_at = @now
        WHERE record_id = @record_id AND account = @account AND consumed_at IS NULL AND expires_at > @now
            AND ksf_memory_kib = @mem AND ksf_iterations = @iter AND ksf_parallelism = @par
        RETURNING 1
        """;

    // Stores a record over whatever the account's row holds, if the row is what the caller verified:
    // for a first registration (@expected_key NULL), a row without a possession key (none, or a
    // phantom); with a proof, the row whose possession key and record id the proof was checked against.
    public const string PutRecord = """
        INSERT INTO vault_accounts (account, record_id, record, wrapped_key, possession_key, ksf_memory_kib, ksf_iterations, ksf_parallelism, attempts, attempt_expires)
        VALUES (@account, @record_id, @record, @wrapped_key, @possession_key, @mem, @iter, @par, 0, 0)
        ON CONFLICT (account) DO UPDATE SET record_id = excluded.record_id, record = excluded.record,
            wrapped_key = excluded.wrapped_key, possession_key = excluded.possession_key,
            ksf_memory_kib = excluded.ksf_memory_kib, ksf_iterations = excluded.ksf_iterations,
            ksf_parallelism = excluded.ksf_parallelism, attempts = 0, attempt_expires = 0, destroyed_at = NULL, fresh_start_at = NULL
        WHERE (@expected_key IS NULL AND vault_accounts.possession_key IS NULL)
            OR (vault_accounts.possession_key = @expected_key AND vault_accounts.record_id = @expected_record_id)
        RETURNING 1
        """;

    public const string DeleteEscrow = "DELETE FROM vault_accounts WHERE account = @account AND record_id = @record_id AND possession_key = @possession_key";

    public const string RequestFreshStart = """
        UPDATE vault_accounts SET fresh_start_at = COALESCE(fresh_start_at, @now)
        WHERE account = @account AND possession_key IS NOT NULL
        RETURNING fresh_start_at
        """;

    public const string CancelFreshStart = """
        UPDATE vault_accounts SET fresh_start_at = NULL
        WHERE account = @account AND possession_key = @possession_key AND fresh_start_at IS NOT NULL
        RETURNING 1
        """;

    // A fresh start whose cool-down is over removes the row: record, wrapped key and possession key.
    // The record ids stay in vault_registrations.
    public const string ApplyFreshStart = "DELETE FROM vault_accounts WHERE account = @account AND fresh_start_at <= @cutoff";

    public const string ApplyAllFreshStarts = "DELETE FROM vault_accounts WHERE fresh_start_at <= @cutoff";

    public const string SaveNonce = "INSERT INTO vault_nonces (nonce, account, expires_at) VALUES (@nonce, @account, @expires)";

    public const string TakeNonce = "DELETE FROM vault_nonces WHERE nonce = @nonce AND account = @account RETURNING expires_at";

    // Expired logins, nonces and never-finished registrations go; a consumed registration never does.
    public const string SweepExpired = """
        DELETE FROM vault_pending_logins WHERE expires_at <= @now;
        DELETE FROM vault_nonces WHERE expires_at <= @now;
        DELETE FROM vault_registrations WHERE consumed_at IS NULL AND expires_at <= @now;
        """;
}
