using System.Data.Common;
using Lockbox.Vault.Protocol;

namespace Lockbox.Vault.Server.Storage;

/// <summary>The statements of <see cref="VaultSchema"/> over ADO.NET; subclasses supply connections and typed parameters.</summary>
public abstract class SqlVaultStore : IVaultStore
{
    /// <summary>A connection borrowed for one statement.</summary>
    protected abstract ValueTask<ConnectionLease> OpenAsync(CancellationToken cancellationToken);

    /// <summary>This database's type for byte columns.</summary>
    protected abstract string BlobType { get; }

    /// <summary>A statement that serialises schema changes across nodes, run first in the migration's transaction; null when the database does so itself.</summary>
    protected virtual string? MigrationLock => null;

    /// <summary>Adds a parameter; null values must still carry the column's type.</summary>
    protected abstract void Add(DbCommand command, string name, object? value, bool isBlob);

    /// <inheritdoc />
    public abstract ValueTask DisposeAsync();

    /// <inheritdoc />
    public virtual async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await using var lease = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await lease.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        if (MigrationLock is { } serialise)
        {
            await ExecuteAsync(lease.Command(serialise, transaction), cancellationToken).ConfigureAwait(false);
        }

        await ExecuteAsync(lease.Command(VaultSchema.CreateVersionTable, transaction), cancellationToken).ConfigureAwait(false);
        int version;
        await using (var get = lease.Command(VaultSchema.GetVersion, transaction))
        {
            version = await get.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is { } found and not DBNull
                ? Convert.ToInt32(found, System.Globalization.CultureInfo.InvariantCulture)
                : 0;
        }

        string[] migrations = VaultSchema.Migrations(BlobType);
        if (version > migrations.Length)
        {
            throw new InvalidOperationException($"The vault database has schema version {version}, newer than this lockbox-vault knows ({migrations.Length}); upgrade lockbox-vault.");
        }

        if (version < migrations.Length)
        {
            for (int next = version; next < migrations.Length; next++)
            {
                await ExecuteAsync(lease.Command(migrations[next], transaction), cancellationToken).ConfigureAwait(false);
            }

            var set = lease.Command(VaultSchema.SetVersion, transaction);
            Add(set, "version", migrations.Length, false);
            await ExecuteAsync(set, cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<byte[]> GetOrAddSecretAsync(string name, byte[] value, CancellationToken cancellationToken)
    {
        await using var lease = await OpenAsync(cancellationToken).ConfigureAwait(false);
        var insert = lease.Command(VaultSchema.GetOrAddSecret);
        Add(insert, "name", name, false);
        Add(insert, "value", value, true);
        await ExecuteAsync(insert, cancellationToken).ConfigureAwait(false);

        await using var select = lease.Command(VaultSchema.GetSecret);
        Add(select, "name", name, false);
        return (byte[])(await select.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <inheritdoc />
    public virtual async Task<AttemptGrant?> CountAttemptAsync(string account, AttemptCount count, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(count);
        await using var lease = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await lease.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        int attempt;
        byte[] recordId;
        await using (var counted = lease.Command(count.Delays.CountAttemptSql, transaction))
        {
            AddCountParameters(counted, account, count);
            await using var reader = await counted.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return null;
            }

            attempt = reader.GetInt32(0);
            recordId = (byte[])reader[1];
        }

        var save = lease.Command(VaultSchema.SaveLogin, transaction);
        Add(save, "id", count.LoginId, true);
        Add(save, "account", account, false);
        Add(save, "expires", count.ExpiresAtMs, false);
        await ExecuteAsync(save, cancellationToken).ConfigureAwait(false);

        AttemptGrant grant;
        await using (var read = lease.Command(VaultSchema.GetCountedRecord, transaction))
        {
            Add(read, "account", account, false);
            Add(read, "record_id", recordId, true);
            await using var reader = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            grant = new AttemptGrant(attempt, recordId, (byte[])reader[0], new KsfParameters(reader.GetInt32(1), reader.GetInt32(2), reader.GetInt32(3)));
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return grant;
    }

    /// <summary>The parameters of <see cref="VaultSchema.CountAttempt"/> (and of <see cref="VaultSchema.CountAttemptAndSaveLogin"/>).</summary>
    protected void AddCountParameters(DbCommand command, string account, AttemptCount count)
    {
        ArgumentNullException.ThrowIfNull(count);
        Add(command, "account", account, false);
        Add(command, "limit", count.Limit, false);
        Add(command, "per_minute", count.PerMinute, false);
        Add(command, "form", count.Form is { } form ? (int)form : -1, false);
        Add(command, "now", count.NowMs, false);
        Add(command, "expires", count.ExpiresAtMs, false);
        Add(command, "id", count.LoginId, true);
    }

    /// <inheritdoc />
    public async Task EnsureCounterAsync(string account, byte[] recordId, CancellationToken cancellationToken)
    {
        await using var lease = await OpenAsync(cancellationToken).ConfigureAwait(false);
        var command = lease.Command(VaultSchema.EnsureCounter);
        Add(command, "account", account, false);
        Add(command, "record_id", recordId, true);
        await ExecuteAsync(command, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public virtual async Task<FailedLogin> FailLoginAsync(byte[] loginId, string account, byte[] recordId, CancellationToken cancellationToken)
    {
        await using var lease = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await lease.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        if (!await TakeLoginAsync(lease, transaction, loginId, account, cancellationToken).ConfigureAwait(false))
        {
            return new FailedLogin(false, null);
        }

        int? attempts;
        await using (var read = lease.Command(VaultSchema.GetAttempts, transaction))
        {
            Add(read, "account", account, false);
            Add(read, "record_id", recordId, true);
            attempts = AsInt(await read.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false));
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new FailedLogin(true, attempts);
    }

    /// <inheritdoc />
    public virtual async Task<LoginCompletion> CompleteLoginAsync(byte[] loginId, string account, byte[] recordId, CancellationToken cancellationToken)
    {
        await using var lease = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await lease.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        if (!await TakeLoginAsync(lease, transaction, loginId, account, cancellationToken).ConfigureAwait(false))
        {
            return new LoginCompletion(false, null);
        }

        byte[]? wrappedKey = null;
        await using (var reset = lease.Command(VaultSchema.ResetAttempts, transaction))
        {
            Add(reset, "account", account, false);
            Add(reset, "record_id", recordId, true);
            if (await reset.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not null)
            {
                await using var read = lease.Command(VaultSchema.GetWrappedKey, transaction);
                Add(read, "account", account, false);
                Add(read, "record_id", recordId, true);
                wrappedKey = await read.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as byte[];
            }
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new LoginCompletion(true, wrappedKey);
    }

    /// <inheritdoc />
    public async Task<bool> LockOutIfExhaustedAsync(string account, byte[]? recordId, int limit, long settledBeforeMs, long nowMs, CancellationToken cancellationToken)
    {
        int changed;
        await using (var lease = await OpenAsync(cancellationToken).ConfigureAwait(false))
        {
            await using var transaction = await lease.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            var tombstone = lease.Command(VaultSchema.TombstoneIfExhausted, transaction);
            Add(tombstone, "account", account, false);
            Add(tombstone, "record_id", recordId, true);
            Add(tombstone, "limit", limit, false);
            Add(tombstone, "settled", settledBeforeMs, false);
            Add(tombstone, "tombstone", VaultSchema.TombstoneRecordId, true);
            Add(tombstone, "now", nowMs, false);
            changed = await ExecuteAsync(tombstone, cancellationToken).ConfigureAwait(false);
            var orphan = lease.Command(VaultSchema.DeleteOrphanCounter, transaction);
            Add(orphan, "account", account, false);
            await ExecuteAsync(orphan, cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        if (changed > 0)
        {
            await AfterDestructionAsync(cancellationToken).ConfigureAwait(false);
        }

        return changed > 0;
    }

    /// <summary>Runs after a commit that destroyed records: a store with a write-ahead log flushes it, so the log holds no copy of them.</summary>
    protected virtual Task AfterDestructionAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public async Task<EscrowRecord?> GetEscrowAsync(string account, CancellationToken cancellationToken)
    {
        await using var lease = await OpenAsync(cancellationToken).ConfigureAwait(false);
        return await ReadEscrowAsync(lease.Command(VaultSchema.GetEscrow), account, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs <see cref="VaultSchema.GetEscrow"/> for <paramref name="account"/>, and disposes the command.</summary>
    private async Task<EscrowRecord?> ReadEscrowAsync(DbCommand command, string account, CancellationToken cancellationToken)
    {
        await using (command.ConfigureAwait(false))
        {
            Add(command, "account", account, false);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return null;
            }

            LoginCounter? counter = reader.IsDBNull(7)
                ? null
                : new LoginCounter(reader.GetInt32(7), reader.GetInt64(12), reader.GetInt64(13), reader.GetInt32(14));
            return new EscrowRecord(
                (byte[])reader[0], reader.IsDBNull(1) ? null : (byte[])reader[1], reader.IsDBNull(2) ? null : (byte[])reader[2], (byte[])reader[3],
                new KsfParameters(reader.GetInt32(4), reader.GetInt32(5), reader.GetInt32(6)), counter?.Attempts ?? 0,
                reader.IsDBNull(8) ? null : reader.GetInt64(8), reader.IsDBNull(9) ? null : reader.GetInt64(9), reader.GetInt64(10) > 0,
                reader.GetInt32(11) == (int)PasswordForm.Nfc ? PasswordForm.Nfc : PasswordForm.AsTyped, counter);
        }
    }

    /// <inheritdoc />
    public async Task IssueRegistrationAsync(string account, byte[] recordId, byte[] clientKey, KsfParameters ksf, long expiresAtMs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ksf);
        await using var lease = await OpenAsync(cancellationToken).ConfigureAwait(false);
        var command = lease.Command(VaultSchema.IssueRegistration);
        Add(command, "record_id", recordId, true);
        Add(command, "account", account, false);
        Add(command, "client_key", clientKey, true);
        AddKsf(command, ksf);
        Add(command, "expires", expiresAtMs, false);
        await ExecuteAsync(command, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<IssuedRegistration?> GetRegistrationAsync(byte[] recordId, CancellationToken cancellationToken)
    {
        await using var lease = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = lease.Command(VaultSchema.GetRegistration);
        Add(command, "record_id", recordId, true);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        return new IssuedRegistration(
            reader.GetString(0), reader.IsDBNull(1) ? null : (byte[])reader[1],
            new KsfParameters(reader.GetInt32(2), reader.GetInt32(3), reader.GetInt32(4)),
            reader.GetInt64(5), reader.IsDBNull(6) ? null : reader.GetInt64(6));
    }

    /// <inheritdoc />
    public async Task<StoreOutcome> StoreRecordAsync(string account, EscrowRecord record, ProofCheck? proof, long nowMs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        StoreOutcome outcome;
        await using (var lease = await OpenAsync(cancellationToken).ConfigureAwait(false))
        {
            await using var transaction = await lease.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            outcome = await TryStoreAsync(lease, transaction, account, record, proof, nowMs, cancellationToken).ConfigureAwait(false);
            if (outcome == StoreOutcome.Stored)
            {
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return outcome;
            }
        }

        // Rolled back; a proof's nonce is spent whatever the outcome, so a signature is good for one attempt.
        if (proof is not null)
        {
            await TakeNonceAsync(account, proof.Nonce, nowMs, cancellationToken).ConfigureAwait(false);
        }

        return outcome;
    }

    /// <summary>The statements of <see cref="StoreRecordAsync"/>, in its transaction; anything but Stored is rolled back.</summary>
    private async Task<StoreOutcome> TryStoreAsync(
        ConnectionLease lease, DbTransaction transaction, string account, EscrowRecord record, ProofCheck? proof, long nowMs, CancellationToken cancellationToken)
    {
        // First, so that a second finish of this id waits here for the first's commit, then finds it consumed.
        await using (var consume = lease.Command(VaultSchema.ConsumeRegistration, transaction))
        {
            Add(consume, "record_id", record.RecordId, true);
            Add(consume, "account", account, false);
            Add(consume, "now", nowMs, false);
            AddKsf(consume, record.Ksf);
            if (await consume.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is null)
            {
                return StoreOutcome.NotPending;
            }
        }

        EscrowRecord? expected = null;
        if (proof is not null)
        {
            await using (var take = lease.Command(VaultSchema.TakeNonce, transaction))
            {
                Add(take, "nonce", proof.Nonce, true);
                Add(take, "account", account, false);
                if (await take.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not { } expires
                    || Convert.ToInt64(expires, System.Globalization.CultureInfo.InvariantCulture) <= nowMs)
                {
                    return StoreOutcome.NonceInvalid;
                }
            }

            expected = await ReadEscrowAsync(lease.Command(VaultSchema.GetEscrow, transaction), account, cancellationToken).ConfigureAwait(false);
            if (expected is null)
            {
                return StoreOutcome.NoEscrow;
            }

            if (!proof.Verifies(expected))
            {
                return StoreOutcome.WrongPossessionKey;
            }
        }

        await using var put = lease.Command(VaultSchema.PutRecord, transaction);
        Add(put, "account", account, false);
        Add(put, "record_id", record.RecordId, true);
        Add(put, "record", record.Record, true);
        Add(put, "wrapped_key", record.WrappedKey, true);
        Add(put, "possession_key", record.PossessionKey, true);
        AddKsf(put, record.Ksf);
        Add(put, "expected_key", expected?.PossessionKey, true);
        Add(put, "expected_record_id", expected?.RecordId, true);
        Add(put, "form", (int)record.Form, false);
        if (await put.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is null)
        {
            return StoreOutcome.Conflict;
        }

        // A new record starts with a fresh counter, in the same commit.
        var counter = lease.Command(VaultSchema.PutCounter, transaction);
        Add(counter, "account", account, false);
        Add(counter, "record_id", record.RecordId, true);
        await ExecuteAsync(counter, cancellationToken).ConfigureAwait(false);
        return StoreOutcome.Stored;
    }

    /// <inheritdoc />
    public async Task<bool> DeleteEscrowAsync(string account, ExpectedEscrow expected, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(expected);
        await using var lease = await OpenAsync(cancellationToken).ConfigureAwait(false);
        var command = lease.Command(VaultSchema.DeleteEscrow);
        Add(command, "account", account, false);
        Add(command, "record_id", expected.RecordId, true);
        Add(command, "possession_key", expected.PossessionKey, true);
        return await ExecuteAsync(command, cancellationToken).ConfigureAwait(false) > 0;
    }

    /// <inheritdoc />
    public async Task<long?> RequestFreshStartAsync(string account, long nowMs, CancellationToken cancellationToken)
    {
        await using var lease = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = lease.Command(VaultSchema.RequestFreshStart);
        Add(command, "account", account, false);
        Add(command, "now", nowMs, false);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is { } asked and not DBNull
            ? Convert.ToInt64(asked, System.Globalization.CultureInfo.InvariantCulture)
            : null;
    }

    /// <inheritdoc />
    public async Task<bool> CancelFreshStartAsync(string account, byte[] possessionKey, CancellationToken cancellationToken)
    {
        await using var lease = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = lease.Command(VaultSchema.CancelFreshStart);
        Add(command, "account", account, false);
        Add(command, "possession_key", possessionKey, true);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not null;
    }

    /// <inheritdoc />
    public async Task ApplyFreshStartAsync(string account, long cutoffMs, CancellationToken cancellationToken)
    {
        await using var lease = await OpenAsync(cancellationToken).ConfigureAwait(false);
        var command = lease.Command(VaultSchema.ApplyFreshStart);
        Add(command, "account", account, false);
        Add(command, "cutoff", cutoffMs, false);
        await ExecuteAsync(command, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task SaveNonceAsync(string account, byte[] nonce, long expiresAtMs, CancellationToken cancellationToken)
    {
        await using var lease = await OpenAsync(cancellationToken).ConfigureAwait(false);
        var command = lease.Command(VaultSchema.SaveNonce);
        Add(command, "nonce", nonce, true);
        Add(command, "account", account, false);
        Add(command, "expires", expiresAtMs, false);
        await ExecuteAsync(command, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<bool> TakeNonceAsync(string account, byte[] nonce, long nowMs, CancellationToken cancellationToken)
    {
        await using var lease = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = lease.Command(VaultSchema.TakeNonce);
        Add(command, "nonce", nonce, true);
        Add(command, "account", account, false);
        object? expires = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return expires is not null && Convert.ToInt64(expires, System.Globalization.CultureInfo.InvariantCulture) > nowMs;
    }

    /// <inheritdoc />
    public async Task<int> SweepAsync(long nowMs, int limit, long freshStartCutoffMs, CancellationToken cancellationToken)
    {
        int lockedOut;
        await using (var lease = await OpenAsync(cancellationToken).ConfigureAwait(false))
        {
            var expired = lease.Command(VaultSchema.SweepExpired);
            Add(expired, "now", nowMs, false);
            await ExecuteAsync(expired, cancellationToken).ConfigureAwait(false);

            var freshStarts = lease.Command(VaultSchema.ApplyAllFreshStarts);
            Add(freshStarts, "cutoff", freshStartCutoffMs, false);
            await ExecuteAsync(freshStarts, cancellationToken).ConfigureAwait(false);

            await using var transaction = await lease.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            var tombstone = lease.Command(VaultSchema.TombstoneAllExhausted, transaction);
            Add(tombstone, "tombstone", VaultSchema.TombstoneRecordId, true);
            Add(tombstone, "limit", limit, false);
            Add(tombstone, "settled", nowMs, false);
            Add(tombstone, "now", nowMs, false);
            lockedOut = await ExecuteAsync(tombstone, cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(lease.Command(VaultSchema.DeleteOrphanCounters, transaction), cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        if (lockedOut > 0)
        {
            await AfterDestructionAsync(cancellationToken).ConfigureAwait(false);
        }

        return lockedOut;
    }

    private void AddKsf(DbCommand command, KsfParameters ksf)
    {
        Add(command, "mem", ksf.MemoryKiB, false);
        Add(command, "iter", ksf.Iterations, false);
        Add(command, "par", ksf.Parallelism, false);
    }

    /// <summary>A scalar result as an int; null for no row or NULL.</summary>
    protected static int? AsInt(object? value) =>
        value is null or DBNull ? null : Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Removes the pending login <paramref name="loginId"/> of <paramref name="account"/> in <paramref name="transaction"/>; false when it was not there.</summary>
    private async Task<bool> TakeLoginAsync(ConnectionLease lease, DbTransaction transaction, byte[] loginId, string account, CancellationToken cancellationToken)
    {
        var take = lease.Command(VaultSchema.TakeLogin, transaction);
        Add(take, "id", loginId, true);
        Add(take, "account", account, false);
        return await ExecuteAsync(take, cancellationToken).ConfigureAwait(false) > 0;
    }

    /// <summary>Runs a statement that returns no rows, and disposes it.</summary>
    private static async Task<int> ExecuteAsync(DbCommand command, CancellationToken cancellationToken)
    {
        await using (command.ConfigureAwait(false))
        {
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}

/// <summary>A connection held for one operation; disposing it returns the connection.</summary>
public sealed class ConnectionLease : IAsyncDisposable
{
    private readonly DbConnection _connection;
    private readonly Func<ValueTask> _release;

    private readonly System.Data.IsolationLevel _isolation;

    /// <summary>
    /// Wraps <paramref name="connection"/>; <paramref name="release"/> runs on dispose. Transactions
    /// run at <paramref name="isolation"/>: each statement of the vault is safe at read committed,
    /// since its WHERE clause is re-checked on the row it locks.
    /// </summary>
    public ConnectionLease(DbConnection connection, Func<ValueTask> release, System.Data.IsolationLevel isolation = System.Data.IsolationLevel.Serializable)
    {
        _connection = connection;
        _release = release;
        _isolation = isolation;
    }

    /// <summary>A command on this connection, in <paramref name="transaction"/> if one is given.</summary>
    public DbCommand Command(string sql, DbTransaction? transaction = null)
    {
        var command = _connection.CreateCommand();
#pragma warning disable CA2100 // every statement is a constant of VaultSchema; values go through parameters
        command.CommandText = sql;
#pragma warning restore CA2100
        command.Transaction = transaction;
        return command;
    }

    /// <summary>Begins a transaction, so its statements commit together or not at all (on SQLite it takes the write lock at once).</summary>
    public ValueTask<DbTransaction> BeginTransactionAsync(CancellationToken cancellationToken) =>
        _connection.BeginTransactionAsync(_isolation, cancellationToken);

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _release();
}
