using System.Data.Common;

namespace Lockbox.Vault.Storage;

/// <summary>The statements of <see cref="VaultSchema"/> over ADO.NET; subclasses supply connections and typed parameters.</summary>
public abstract class SqlVaultStore : IVaultStore
{
    /// <summary>A connection borrowed for one statement.</summary>
    protected abstract ValueTask<ConnectionLease> OpenAsync(CancellationToken cancellationToken);

    /// <summary>The schema, in this database's dialect.</summary>
    protected abstract string Schema { get; }

    /// <summary>Adds a parameter; null values must still carry the column's type.</summary>
    protected abstract void Add(DbCommand command, string name, object? value, bool isBlob);

    /// <inheritdoc />
    public abstract ValueTask DisposeAsync();

    /// <inheritdoc />
    public virtual async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await using var lease = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = lease.Command(Schema);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<byte[]> GetOrAddSecretAsync(string name, byte[] value, CancellationToken cancellationToken)
    {
        await using var lease = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (var insert = lease.Command(VaultSchema.GetOrAddSecret))
        {
            Add(insert, "name", name, false);
            Add(insert, "value", value, true);
            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using var select = lease.Command(VaultSchema.GetSecret);
        Add(select, "name", name, false);
        return (byte[])(await select.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <inheritdoc />
    public virtual async Task<AttemptGrant?> CountAttemptAsync(string account, int limit, byte[] loginId, long expiresAtMs, CancellationToken cancellationToken)
    {
        await using var lease = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await lease.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        AttemptGrant? grant;
        await using (var count = lease.Command(VaultSchema.CountAttempt, transaction))
        {
            AddAttemptParameters(count, account, limit, expiresAtMs);
            grant = await ReadGrantAsync(count, cancellationToken).ConfigureAwait(false);
        }

        if (grant is not null)
        {
            await using var save = lease.Command(VaultSchema.SaveLogin, transaction);
            Add(save, "id", loginId, true);
            Add(save, "account", account, false);
            Add(save, "expires", expiresAtMs, false);
            await save.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return grant;
    }

    /// <inheritdoc />
    public async Task<bool> TakeLoginAsync(byte[] loginId, string account, CancellationToken cancellationToken)
    {
        await using var lease = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = lease.Command(VaultSchema.TakeLogin);
        Add(command, "id", loginId, true);
        Add(command, "account", account, false);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
    }

    /// <inheritdoc />
    public virtual async Task<LoginCompletion> CompleteLoginAsync(byte[] loginId, string account, byte[] recordId, CancellationToken cancellationToken)
    {
        await using var lease = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await lease.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var take = lease.Command(VaultSchema.TakeLogin, transaction))
        {
            Add(take, "id", loginId, true);
            Add(take, "account", account, false);
            if (await take.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
            {
                return new LoginCompletion(false, null);
            }
        }

        byte[]? wrappedKey;
        await using (var reset = lease.Command(VaultSchema.ResetAttempts, transaction))
        {
            Add(reset, "account", account, false);
            Add(reset, "record_id", recordId, true);
            wrappedKey = await reset.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as byte[];
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new LoginCompletion(true, wrappedKey);
    }

    /// <summary>The parameters of <see cref="VaultSchema.CountAttempt"/>.</summary>
    protected void AddAttemptParameters(DbCommand command, string account, int limit, long expiresAtMs)
    {
        Add(command, "account", account, false);
        Add(command, "phantom", VaultSchema.PhantomRecordId, true);
        Add(command, "mem", KsfParameters.Default.MemoryKiB, false);
        Add(command, "iter", KsfParameters.Default.Iterations, false);
        Add(command, "par", KsfParameters.Default.Parallelism, false);
        Add(command, "limit", limit, false);
        Add(command, "expires", expiresAtMs, false);
    }

    /// <summary>Reads the row <see cref="VaultSchema.CountAttempt"/> returns; null when the counter was at the limit.</summary>
    protected static async Task<AttemptGrant?> ReadGrantAsync(DbCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        return new AttemptGrant(
            reader.GetInt32(0),
            (byte[])reader[1],
            reader.IsDBNull(2) ? null : (byte[])reader[2],
            new KsfParameters(reader.GetInt32(3), reader.GetInt32(4), reader.GetInt32(5)));
    }

    /// <inheritdoc />
    public async Task<bool> DeleteIfExhaustedAsync(string account, byte[]? recordId, int limit, long settledBeforeMs, CancellationToken cancellationToken)
    {
        await using var lease = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = lease.Command(VaultSchema.DeleteIfExhausted);
        Add(command, "account", account, false);
        Add(command, "record_id", recordId, true);
        Add(command, "limit", limit, false);
        Add(command, "settled", settledBeforeMs, false);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
    }

    /// <inheritdoc />
    public async Task<EscrowRecord?> GetRecordAsync(string account, CancellationToken cancellationToken)
    {
        await using var lease = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = lease.Command(VaultSchema.GetRecord);
        Add(command, "account", account, false);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        return new EscrowRecord(
            (byte[])reader[0], (byte[])reader[1], (byte[])reader[2], (byte[])reader[3],
            new KsfParameters(reader.GetInt32(4), reader.GetInt32(5), reader.GetInt32(6)), reader.GetInt32(7));
    }

    /// <inheritdoc />
    public async Task<bool> PutRecordAsync(string account, EscrowRecord record, byte[]? replacing, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        await using var lease = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = lease.Command(VaultSchema.PutRecord);
        Add(command, "account", account, false);
        Add(command, "record_id", record.RecordId, true);
        Add(command, "record", record.Record, true);
        Add(command, "wrapped_key", record.WrappedKey, true);
        Add(command, "possession_key", record.PossessionKey, true);
        Add(command, "mem", record.Ksf.MemoryKiB, false);
        Add(command, "iter", record.Ksf.Iterations, false);
        Add(command, "par", record.Ksf.Parallelism, false);
        Add(command, "replacing", replacing, true);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not null;
    }

    /// <inheritdoc />
    public async Task<bool> DeleteRecordAsync(string account, byte[] recordId, CancellationToken cancellationToken)
    {
        await using var lease = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = lease.Command(VaultSchema.DeleteRecord);
        Add(command, "account", account, false);
        Add(command, "record_id", recordId, true);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
    }

    /// <inheritdoc />
    public async Task SaveNonceAsync(string account, byte[] nonce, long expiresAtMs, CancellationToken cancellationToken)
    {
        await using var lease = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = lease.Command(VaultSchema.SaveNonce);
        Add(command, "nonce", nonce, true);
        Add(command, "account", account, false);
        Add(command, "expires", expiresAtMs, false);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
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
    public async Task<int> SweepAsync(long nowMs, int limit, CancellationToken cancellationToken)
    {
        await using var lease = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (var expired = lease.Command(VaultSchema.SweepExpired))
        {
            Add(expired, "now", nowMs, false);
            await expired.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using var exhausted = lease.Command(VaultSchema.SweepExhausted);
        Add(exhausted, "limit", limit, false);
        Add(exhausted, "now", nowMs, false);
        return await exhausted.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>A connection held for one operation; disposing it returns the connection.</summary>
public sealed class ConnectionLease : IAsyncDisposable
{
    private readonly DbConnection _connection;
    private readonly Func<ValueTask> _release;

    /// <summary>Wraps <paramref name="connection"/>; <paramref name="release"/> runs on dispose.</summary>
    public ConnectionLease(DbConnection connection, Func<ValueTask> release)
    {
        _connection = connection;
        _release = release;
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

    /// <summary>Begins a transaction that takes the write lock at once, so its statements commit together or not at all.</summary>
    public ValueTask<DbTransaction> BeginTransactionAsync(CancellationToken cancellationToken) =>
        _connection.BeginTransactionAsync(System.Data.IsolationLevel.Serializable, cancellationToken);

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _release();
}
