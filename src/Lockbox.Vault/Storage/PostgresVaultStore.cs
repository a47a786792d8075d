using System.Data.Common;
using Npgsql;
using NpgsqlTypes;

namespace Lockbox.Vault.Storage;

/// <summary>
/// PostgreSQL for production and several vault nodes: each operation is one auto-committed statement
/// on a pooled connection, so the guess counter is one row that every node updates atomically.
/// </summary>
public sealed class PostgresVaultStore : SqlVaultStore
{
    private readonly NpgsqlDataSource _dataSource;

    /// <summary>Connects with <paramref name="connectionString"/>.</summary>
    public PostgresVaultStore(string connectionString) => _dataSource = NpgsqlDataSource.Create(connectionString);

    /// <inheritdoc />
    protected override string Schema => VaultSchema.CreateTables("BYTEA");

    /// <inheritdoc />
    public override async Task InitializeAsync(CancellationToken cancellationToken)
    {
        // Several nodes may start at once; serialise their CREATE TABLE IF NOT EXISTS.
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var command = new NpgsqlCommand("SELECT pg_advisory_xact_lock(7400401)", connection, transaction))
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using (var command = new NpgsqlCommand(Schema, connection, transaction))
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    protected override async ValueTask<ConnectionLease> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return new ConnectionLease(connection, connection.DisposeAsync);
    }

    /// <inheritdoc />
    protected override void Add(DbCommand command, string name, object? value, bool isBlob)
    {
        ArgumentNullException.ThrowIfNull(command);
        var type = isBlob ? NpgsqlDbType.Bytea : value switch
        {
            string => NpgsqlDbType.Text,
            long => NpgsqlDbType.Bigint,
            _ => NpgsqlDbType.Integer,
        };
        command.Parameters.Add(new NpgsqlParameter(name, type) { Value = value ?? DBNull.Value });
    }

    /// <inheritdoc />
    public override ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}
