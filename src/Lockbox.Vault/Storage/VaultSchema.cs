namespace Lockbox.Vault.Server.Storage;

/// <summary>
/// The SQL both stores share. Every statement is written once, in the dialect common to SQLite
/// (3.35+, for RETURNING) and PostgreSQL; only the schema's blob type differs, and the two login
/// statements PostgreSQL runs as one round trip where SQLite runs a transaction.
/// </summary>
/// <remarks>
/// An account's row in vault_accounts is either a <b>record</b> (record, wrapped key and possession
/// key) or a <b>tombstone</b> (the possession key alone, kept when the guess limit destroyed the
/// record, with destroyed_at). A record's guess counter, its login delay and its login/start rate
/// window are its row of vault_counters, bound to its record id: a counter update writes no page that
/// holds record bytes, so the WAL and PostgreSQL's dead tuples never collect copies of a record. Every
/// record id the vault ever issued to an account is a row of vault_registrations, and a consumed one
/// stays there for good.
/// </remarks>
internal static class VaultSchema
{
    /// <summary>The record id of a tombstone: no record.</summary>
    public static readonly byte[] TombstoneRecordId = new byte[16];

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
        // Counters apart from the record bytes (a counter update used to rewrite the record's page into
        // the WAL on every attempt), with the login delay and the per-account login/start window kept
        // with them; the password's normalization per record (0: the bytes as typed, 1: NFC). Login
        // answers an account without an escrow with no-record now, so phantom rows have no use.
        $"""
        CREATE TABLE vault_counters (
            account TEXT PRIMARY KEY,
            record_id {blob} NOT NULL,
            attempts INTEGER NOT NULL,
            attempt_expires BIGINT NOT NULL,
            not_before BIGINT NOT NULL,
            window_start BIGINT NOT NULL,
            window_count INTEGER NOT NULL);
        INSERT INTO vault_counters (account, record_id, attempts, attempt_expires, not_before, window_start, window_count)
            SELECT account, record_id, attempts, attempt_expires, 0, 0, 0 FROM vault_accounts WHERE record IS NOT NULL;
        DELETE FROM vault_accounts WHERE possession_key IS NULL;
        ALTER TABLE vault_accounts DROP COLUMN attempts;
        ALTER TABLE vault_accounts DROP COLUMN attempt_expires;
        ALTER TABLE vault_accounts ADD COLUMN password_form INTEGER NOT NULL DEFAULT 0;
        """,
    ];

    public const string GetOrAddSecret = """
        INSERT INTO vault_secrets (name, value) VALUES (@name, @value) ON CONFLICT (name) DO NOTHING;
        """;

    public const string GetSecret = "SELECT value FROM vault_secrets WHERE name = @name";

    // The increment is durable (committed) before the caller computes KE2, and the WHERE clause holds
    // every rule that may refuse a login/start without counting it: the limit, the delay after
    // failures (not_before), the account's one-minute window (@per_minute, 0 for none), the escrow's
    // password form (@form, -1 for any) and a live record. So racing attempts cannot pass any of
    // them; the caller reads the row only when nothing was counted, to say why. The delay after this
    // attempt comes from the configured schedule (LoginDelays.SqlAfterNextAttempt). SQLite runs it
    // and SaveLogin in one transaction; PostgreSQL runs both, and reads the record, as one statement.
    public static string CountAttempt(string delayAfterNextAttempt) => """
        UPDATE vault_counters SET attempts = attempts + 1, attempt_expires = @expires,
            not_before = @now + (
        """ + delayAfterNextAttempt + """
        ),
            window_start = CASE WHEN @now - window_start >= 60000 THEN @now ELSE window_start END,
            window_count = CASE WHEN @now - window_start >= 60000 THEN 1 ELSE window_count + 1 END
        WHERE account = @account AND attempts < @limit AND not_before <= @now
            AND (@per_minute = 0 OR @now - window_start >= 60000 OR window_count < @per_minute)
            AND record_id = (SELECT a.record_id FROM vault_accounts a
                WHERE a.account = @account AND a.record IS NOT NULL AND (@form < 0 OR a.password_form = @form))
        RETURNING attempts, record_id
        """;

    public const string SaveLogin = "INSERT INTO vault_pending_logins (login_id, account, expires_at) VALUES (@id, @account, @expires)";

    public const string GetCountedRecord = """
        SELECT record, ksf_memory_kib, ksf_iterations, ksf_parallelism FROM vault_accounts WHERE account = @account AND record_id = @record_id
        """;

    public static string CountAttemptAndSaveLogin(string delayAfterNextAttempt) => "WITH counted AS (" + CountAttempt(delayAfterNextAttempt) + """
        ), pending AS (
            INSERT INTO vault_pending_logins (login_id, account, expires_at) SELECT @id, @account, @expires FROM counted
        )
        SELECT c.attempts, c.record_id, a.record, a.ksf_memory_kib, a.ksf_iterations, a.ksf_parallelism
        FROM counted c JOIN vault_accounts a ON a.account = @account AND a.record_id = c.record_id
        """;

    /// <summary>A record's counter, created with the record; also repairs a record that lacks one.</summary>
    public const string PutCounter = """
        INSERT INTO vault_counters (account, record_id, attempts, attempt_expires, not_before, window_start, window_count)
        VALUES (@account, @record_id, 0, 0, 0, 0, 0)
        ON CONFLICT (account) DO UPDATE SET record_id = excluded.record_id, attempts = 0, attempt_expires = 0, not_before = 0
        """;

    public const string EnsureCounter = """
        INSERT INTO vault_counters (account, record_id, attempts, attempt_expires, not_before, window_start, window_count)
        VALUES (@account, @record_id, 0, 0, 0, 0, 0)
        ON CONFLICT (account) DO NOTHING
        """;

    public const string TakeLogin = "DELETE FROM vault_pending_logins WHERE login_id = @id AND account = @account";

    /// <summary>The counter as it is now, of the record a login state names; no row once that record is gone.</summary>
    public const string GetAttempts = "SELECT attempts FROM vault_counters WHERE account = @account AND record_id = @record_id";

    // PostgreSQL: TakeLogin then GetAttempts, in one statement.
    public const string FailLogin = """
        WITH taken AS (
            DELETE FROM vault_pending_logins WHERE login_id = @id AND account = @account RETURNING login_id
        )
        SELECT (SELECT COUNT(*) FROM taken), (SELECT attempts FROM vault_counters WHERE account = @account AND record_id = @record_id)
        """;

    public const string ResetAttempts = """
        UPDATE vault_counters SET attempts = 0, not_before = 0
        WHERE account = @account AND record_id = @record_id
        RETURNING attempts
        """;

    public const string GetWrappedKey = "SELECT wrapped_key FROM vault_accounts WHERE account = @account AND record_id = @record_id AND record IS NOT NULL";

    // PostgreSQL: TakeLogin, ResetAttempts and GetWrappedKey, in one statement (data-modifying CTEs run exactly once).
    public const string CompleteLogin = """
        WITH taken AS (
            DELETE FROM vault_pending_logins WHERE login_id = @id AND account = @account RETURNING login_id
        ), reset AS (
            UPDATE vault_counters SET attempts = 0, not_before = 0
            WHERE account = @account AND record_id = @record_id AND EXISTS (SELECT 1 FROM taken)
            RETURNING record_id
        )
        SELECT (SELECT COUNT(*) FROM taken),
            (SELECT a.wrapped_key FROM vault_accounts a JOIN reset r ON a.record_id = r.record_id WHERE a.account = @account AND a.record IS NOT NULL)
        """;

    // The lockout: a record whose counter is at the limit, and whose latest attempt expired at or before
    // @settled (long.MaxValue once that attempt has failed), becomes a tombstone: the possession key is
    // kept, so the owner's device can still re-escrow. Its counter goes with the next statement.
    private const string Exhausted = """
        EXISTS (SELECT 1 FROM vault_counters c WHERE c.account = vault_accounts.account AND c.record_id = vault_accounts.record_id
            AND c.attempts >= @limit AND c.attempt_expires <= @settled)
        """;

    public const string TombstoneIfExhausted = """
        UPDATE vault_accounts SET record_id = @tombstone, record = NULL, wrapped_key = NULL, destroyed_at = COALESCE(destroyed_at, @now)
        WHERE account = @account AND record IS NOT NULL AND (@record_id IS NULL OR record_id = @record_id) AND
        """ + " " + Exhausted;

    public const string TombstoneAllExhausted = """
        UPDATE vault_accounts SET record_id = @tombstone, record = NULL, wrapped_key = NULL, destroyed_at = COALESCE(destroyed_at, @now)
        WHERE record IS NOT NULL AND
        """ + " " + Exhausted;

    /// <summary>Counters whose record is gone (destroyed, replaced, deleted or fresh-started).</summary>
    public const string DeleteOrphanCounters = """
        DELETE FROM vault_counters WHERE NOT EXISTS (
            SELECT 1 FROM vault_accounts a WHERE a.account = vault_counters.account AND a.record_id = vault_counters.record_id AND a.record IS NOT NULL)
        """;

    public const string DeleteOrphanCounter = DeleteOrphanCounters + " AND account = @account";

    // legacy: the record's id came from a client, before the vault issued them (its registration row has no client key).
    public const string GetEscrow = """
        SELECT a.record_id, a.record, a.wrapped_key, a.possession_key, a.ksf_memory_kib, a.ksf_iterations, a.ksf_parallelism,
            c.attempts, a.destroyed_at, a.fresh_start_at,
            (SELECT COUNT(*) FROM vault_registrations r WHERE r.record_id = a.record_id AND r.client_key IS NULL) AS legacy,
            a.password_form, c.not_before, c.window_start, c.window_count
        FROM vault_accounts a LEFT JOIN vault_counters c ON c.account = a.account AND c.record_id = a.record_id
        WHERE a.account = @account AND a.possession_key IS NOT NULL
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
    // for a first registration (@expected_key NULL), no row; with a proof, the row whose possession key and record id the proof was checked against.
    public const string PutRecord = """
        INSERT INTO vault_accounts (account, record_id, record, wrapped_key, possession_key, ksf_memory_kib, ksf_iterations, ksf_parallelism, password_form)
        VALUES (@account, @record_id, @record, @wrapped_key, @possession_key, @mem, @iter, @par, @form)
        ON CONFLICT (account) DO UPDATE SET record_id = excluded.record_id, record = excluded.record,
            wrapped_key = excluded.wrapped_key, possession_key = excluded.possession_key,
            ksf_memory_kib = excluded.ksf_memory_kib, ksf_iterations = excluded.ksf_iterations,
            ksf_parallelism = excluded.ksf_parallelism, password_form = excluded.password_form, destroyed_at = NULL, fresh_start_at = NULL
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
